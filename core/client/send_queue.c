/* The client's send queue (send_queue.h): encoded frames waiting to be written, and written
 * ones kept until the server confirms them. Plain data, no locks: the client's lock guards it. */
#include "send_queue.h"

#include <stdlib.h>
#include <string.h>

void outq_reset(rtm_outq_t *q)
{
    rtm_buf_clear(&q->bytes);
    q->base = q->first = q->n = q->live = q->lazy = 0;
}

bool outq_empty(const rtm_outq_t *q)
{
    return q->live == 0;
}

bool outq_urgent(const rtm_outq_t *q)
{
    return q->live > q->lazy;
}

size_t outq_lazy(const rtm_outq_t *q)
{
    return q->lazy;
}

/* Frames that only acknowledge what the server sent: nobody waits on them at once. */
static bool frame_lazy(uint32_t type)
{
    return type == RTM_FRAME_DELIVERY_ACK || type == RTM_FRAME_ACK;
}

/* Counts an unsent frame out of (or back into) live. */
static void unlive(rtm_outq_t *q, const rtm_outq_frame_t *fr)
{
    q->live--;
    q->lazy -= fr->lazy;
}

static void relive(rtm_outq_t *q, const rtm_outq_frame_t *fr)
{
    q->live++;
    q->lazy += fr->lazy;
}

/* Frame types outside the session's counted stream (docs/protocol.md). */
static bool frame_counted(uint32_t type)
{
    return type != RTM_FRAME_LOGIN && type != RTM_FRAME_PING && type != RTM_FRAME_ACK;
}

/* Appends a frame: encoded from f, or (f NULL) the len bytes at p already encoded, of the
 * given type. It carries request req_id (0: none). False when out of memory (the queue is
 * unchanged). */
bool outq_append(rtm_outq_t *q, const rtm_frame_t *f, const uint8_t *p, size_t len, uint32_t type,
                 uint64_t req_id)
{
    if (q->live == 0 && q->base == q->first)
        outq_reset(q); /* everything was sent and acknowledged, or dropped: start over */
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        rtm_outq_frame_t *fr = realloc(q->frames, cap * sizeof(*fr));
        if (!fr)
            return false;
        q->frames = fr;
        q->cap = cap;
    }
    size_t start = q->bytes.len;
    if (f ? !rtm_frame_encode(&q->bytes, f) : !rtm_buf_append(&q->bytes, p, len))
        return false;
    q->frames[q->n++] = (rtm_outq_frame_t){.start = start,
                                           .len = q->bytes.len - start,
                                           .req_id = req_id,
                                           .counted = frame_counted(type),
                                           .lazy = frame_lazy(type)};
    relive(q, &q->frames[q->n - 1]);
    return true;
}

bool outq_push(rtm_outq_t *q, const rtm_frame_t *f, uint64_t req_id)
{
    return outq_append(q, f, NULL, 0, f->type, req_id);
}

/* Marks the unsent frame of req_id dropped; it will not be written. False when there is none
 * (already written, or never queued). */
bool outq_drop(rtm_outq_t *q, uint64_t req_id)
{
    for (size_t k = q->first; k < q->n; k++) {
        if (q->frames[k].req_id == req_id && !q->frames[k].dropped) {
            q->frames[k].dropped = true;
            unlive(q, &q->frames[k]);
            return true;
        }
    }
    return false;
}

/* Moves the kept frames to the front once the dead prefix is large. */
static void outq_compact(rtm_outq_t *q)
{
    if (q->base == q->n) {
        outq_reset(q);
        return;
    }
    if (q->base <= q->n / 2 || q->frames[q->base].start <= 65536)
        return;
    size_t from = q->frames[q->base].start, rest = q->bytes.len - from;
    memmove(rtm_buf_data(&q->bytes), rtm_buf_data(&q->bytes) + from, rest);
    for (size_t k = q->base; k < q->n; k++) {
        q->frames[k - q->base] = q->frames[k];
        q->frames[k - q->base].start -= from;
    }
    q->n -= q->base;
    q->first -= q->base;
    q->base = 0;
    q->bytes.len = rest;
}

/* Forgets written frames the server has received: counted ones up to rx, and the rest. */
void outq_release(rtm_outq_t *q, uint64_t rx)
{
    while (q->base < q->first) {
        const rtm_outq_frame_t *fr = &q->frames[q->base];
        if (!fr->dropped && fr->counted && fr->seq > rx)
            break;
        q->base++;
    }
    outq_compact(q);
}

/* Copies whole unsent frames into dst, at most cap bytes unless the first alone is larger,
 * numbering the counted ones from *tx_seq on. Written counted frames are kept until
 * outq_release. */
size_t outq_take(rtm_outq_t *q, uint8_t *dst, size_t cap, uint64_t *tx_seq, bool retain)
{
    size_t n = 0;
    const uint8_t *base = rtm_buf_data(&q->bytes);
    while (q->first < q->n) {
        rtm_outq_frame_t *fr = &q->frames[q->first];
        if (!fr->dropped) {
            if (n > 0 && n + fr->len > cap)
                break;
            memcpy(dst + n, base + fr->start, fr->len);
            n += fr->len;
            unlive(q, fr);
            if (fr->counted && retain)
                fr->seq = ++*tx_seq;
            else
                fr->dropped = true; /* never sent again */
        }
        q->first++;
    }
    outq_release(q, 0); /* drops the written frames that are not kept */
    return n;
}

/* A resumed session: the server processed our counted frames up to rx; every later one is
 * written again, in order, with the numbers it had. */
void outq_rewind(rtm_outq_t *q, uint64_t rx, uint64_t *tx_seq)
{
    outq_release(q, rx);
    for (size_t k = q->base; k < q->first; k++)
        if (!q->frames[k].dropped)
            relive(q, &q->frames[k]);
    q->first = q->base;
    *tx_seq = rx;
}
