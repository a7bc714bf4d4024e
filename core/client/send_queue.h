/* The client's send queue: encoded frames waiting to be written, each with the request it
 * carries, and the written frames of the session's counted stream (docs/protocol.md,
 * "Sessions and the frame stream"), kept until the server's rx covers them so that a resumed
 * session can write them again. Plain data, not thread-safe: the client's lock guards it. */
#ifndef RTM_CLIENT_SEND_QUEUE_H
#define RTM_CLIENT_SEND_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "codec.h"

/* Outbound frames: concatenated encodings, each with its extent and the request it carries
 * (0 for acks), so a write packs whole frames into one WebSocket message and a request that
 * ends before it was written (a timeout) is dropped instead of sent late. */
typedef struct rtm_outq_frame {
    size_t start, len;
    uint64_t req_id;
    uint64_t seq; /* counted frames: its number in the session's stream once written */
    bool dropped;
    bool counted; /* part of the session's frame stream (docs/protocol.md) */
    bool lazy;    /* an ack, which may wait briefly for other frames to go with (outq_urgent) */
} rtm_outq_frame_t;

/* frames[base..first) were written and are kept until the server's rx covers them (only
 * counted ones; the others are marked dropped when written); frames[first..n) are unsent. */
typedef struct rtm_outq {
    rtm_buf_t bytes;
    rtm_outq_frame_t *frames;
    size_t base, first, n, cap;
    size_t live; /* unsent frames not dropped */
    size_t lazy; /* of those, the acks (DELIVERY_ACK, ACK) */
} rtm_outq_t;

/* Empties the queue (keeps its memory). */
void outq_reset(rtm_outq_t *q);
/* True when nothing waits to be written. */
bool outq_empty(const rtm_outq_t *q);
/* True when something other than acks waits to be written. Acks alone may wait a moment
 * (client.c, io_thread.c): a request or answer written soon after carries them along, which
 * saves the server and the peer a wake-up each. */
bool outq_urgent(const rtm_outq_t *q);
/* The unsent acks. */
size_t outq_lazy(const rtm_outq_t *q);
/* Appends a frame: encoded from f, or (f NULL) the len bytes at p already encoded, of the
 * given type. It carries request req_id (0: none). False when out of memory (the queue is
 * unchanged). */
bool outq_append(rtm_outq_t *q, const rtm_frame_t *f, const uint8_t *p, size_t len, uint32_t type,
                 uint64_t req_id);
/* outq_append of frame f. */
bool outq_push(rtm_outq_t *q, const rtm_frame_t *f, uint64_t req_id);
/* Marks the unsent frame of req_id dropped: it will not be written. False when there is none
 * (already written, or never queued). */
bool outq_drop(rtm_outq_t *q, uint64_t req_id);
/* Copies whole unsent frames into dst, at most cap bytes unless the first alone is larger.
 * With retain, counted frames are numbered from *tx_seq on and kept until outq_release. */
size_t outq_take(rtm_outq_t *q, uint8_t *dst, size_t cap, uint64_t *tx_seq, bool retain);
/* The server has received our counted frames up to rx: they are forgotten. */
void outq_release(rtm_outq_t *q, uint64_t rx);
/* A resumed session: the server processed our counted frames up to rx; every later kept one
 * is written again, in order, with the number it had (*tx_seq becomes rx). */
void outq_rewind(rtm_outq_t *q, uint64_t rx, uint64_t *tx_seq);

#endif
