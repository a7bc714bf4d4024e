/* Channel message replay (docs/protocol.md, "Replay"): each channel keeps references to its
 * last --replay-max encoded CHANNEL_MESSAGEs of the last --replay-window-ms, and a JOIN with
 * `mid` gets those after that mid that the joiner did not send, oldest first. Keeping one is a
 * reference to the buffer the fan-out queued, never a copy. Channels holding messages sit in
 * one list ordered by their newest message, so one timer frees what has aged out. Loop thread
 * only. */
#ifndef RTMD_REPLAY_H
#define RTMD_REPLAY_H

#include <stdint.h>

#include <libwebsockets.h>

#include "outq.h"
#include "rules.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;
typedef struct rtmd_channel rtmd_channel_t;
typedef struct rtmd_replay_entry rtmd_replay_entry_t;

/* A channel's kept messages: a ring, oldest first. Zeroed: empty. */
typedef struct rtmd_replay {
    rtmd_replay_entry_t *ring;
    uint32_t head, count, cap;
    int64_t newest_ms;           /* monotonic: when the newest was kept */
    rtmd_channel_t *next, *prev; /* in the list of channels that keep messages */
} rtmd_replay_t;

/* The list of channels that keep messages and its timer (in rtmd_channels_t). */
typedef struct rtmd_replays {
    rtmd_channel_t *head, *tail; /* oldest newest message first */
    lws_sorted_usec_list_t timer;
} rtmd_replays_t;

/* Keeps a reference to m, the CHANNEL_MESSAGE mid that sender (len bytes) sent to ch (evicting
 * the oldest beyond --replay-max and those past --replay-window-ms). Nothing with either
 * option at 0. */
void rtmd_replay_keep(rtmd_server_t *srv, rtmd_channel_t *ch, rtmd_msg_t *m, uint64_t mid,
                      const char *sender, size_t len);
/* Queues to c every message ch keeps with a mid above after_mid, not sent by c's user and not
 * older than the window, oldest first. Returns how many. */
uint32_t rtmd_replay_send(rtmd_server_t *srv, rtmd_channel_t *ch, rtmd_conn_t *c,
                          uint64_t after_mid);
/* Drops what ch keeps (ch is going away). */
void rtmd_replay_drop(rtmd_server_t *srv, rtmd_channel_t *ch);
/* Cancels the timer; call while the lws context is still alive. */
void rtmd_replay_stop(rtmd_server_t *srv);

#endif
