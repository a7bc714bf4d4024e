/* Encoded frames ready to send, and each connection's queue of them. A frame is encoded once
 * into a refcounted buffer with LWS_PRE headroom, so the same bytes can sit in many queues.
 * No I/O here; an empty queue holds no heap memory. Single-threaded. */
#ifndef RTMD_OUTQ_H
#define RTMD_OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "codec.h"

typedef struct rtmd_msg {
    uint32_t refs;
    uint32_t len;    /* payload bytes */
    uint8_t bytes[]; /* LWS_PRE bytes for lws's header, then the payload */
} rtmd_msg_t;

static inline uint8_t *rtmd_msg_payload(rtmd_msg_t *m)
{
    return m->bytes + LWS_PRE;
}

/* Encodes f into a new message holding one reference; NULL when out of memory. */
rtmd_msg_t *rtmd_msg_encode(const rtm_frame_t *f);
rtmd_msg_t *rtmd_msg_ref(rtmd_msg_t *m);
void rtmd_msg_unref(rtmd_msg_t *m);
/* Frees the shared encoding scratch (at exit). */
void rtmd_msg_cleanup(void);

/* A FIFO of message references, each marked counted or not (a session's counted frames are
 * kept until the client acknowledges them, see conn.h). Up to RTMD_OUTQ_INLINE entries live
 * inside the struct; more spill into a heap ring that is freed as soon as the queue drains.
 * The mark is the low bit of the stored pointer (messages come from malloc: never odd). */
#define RTMD_OUTQ_INLINE 2

typedef struct rtmd_outq {
    uintptr_t *ring; /* NULL: the inline slots are in use */
    uintptr_t slots[RTMD_OUTQ_INLINE];
    uint32_t head, count, cap;
    uint32_t bytes; /* payload bytes queued (a session is cut far below 4 GB) */
} rtmd_outq_t;

/* Appends m, taking over the caller's reference. False when out of memory (the reference
 * stays with the caller). */
bool rtmd_outq_push(rtmd_outq_t *q, rtmd_msg_t *m, bool counted);
/* The i-th queued message (i < count), borrowed, and whether it was pushed counted. */
rtmd_msg_t *rtmd_outq_at(const rtmd_outq_t *q, uint32_t i);
bool rtmd_outq_counted(const rtmd_outq_t *q, uint32_t i);
/* Drops the first n messages (n <= count). */
void rtmd_outq_drop(rtmd_outq_t *q, uint32_t n);
void rtmd_outq_clear(rtmd_outq_t *q);

#endif
