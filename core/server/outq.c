/* Refcounted encoded frames and per-connection send queues (see outq.h). Encoding goes
 * through one static scratch buffer (the server is single-threaded), then into an exact-size
 * allocation, so a queued frame costs its own size plus a small header. */
#include "outq.h"

#include <stdlib.h>
#include <string.h>

static rtm_buf_t scratch = {NULL, 0, 0, 0};

rtmd_msg_t *rtmd_msg_encode(const rtm_frame_t *f)
{
    rtm_buf_clear(&scratch);
    if (!rtm_frame_encode(&scratch, f) || scratch.len > UINT32_MAX)
        return NULL;
    rtmd_msg_t *m = malloc(sizeof(*m) + LWS_PRE + scratch.len);
    if (!m)
        return NULL;
    m->refs = 1;
    m->len = (uint32_t)scratch.len;
    memcpy(rtmd_msg_payload(m), rtm_buf_data(&scratch), scratch.len);
    /* keep the scratch small between bursts of large frames */
    if (scratch.cap > 64 * 1024)
        rtm_buf_free(&scratch);
    return m;
}

rtmd_msg_t *rtmd_msg_ref(rtmd_msg_t *m)
{
    m->refs++;
    return m;
}

void rtmd_msg_unref(rtmd_msg_t *m)
{
    if (m && --m->refs == 0)
        free(m);
}

void rtmd_msg_cleanup(void)
{
    rtm_buf_free(&scratch);
}

#define COUNTED_BIT ((uintptr_t)1)

static uintptr_t *slots(rtmd_outq_t *q)
{
    return q->ring ? q->ring : q->slots;
}

static uint32_t capacity(const rtmd_outq_t *q)
{
    return q->ring ? q->cap : RTMD_OUTQ_INLINE;
}

static bool grow(rtmd_outq_t *q)
{
    uint32_t old_cap = capacity(q);
    if (old_cap > UINT32_MAX / 2)
        return false;
    uint32_t cap = q->ring ? old_cap * 2 : 16;
    uintptr_t *ring = malloc(sizeof(*ring) * cap);
    if (!ring)
        return false;
    uintptr_t *old = slots(q);
    for (uint32_t i = 0; i < q->count; i++)
        ring[i] = old[(q->head + i) % old_cap];
    free(q->ring);
    q->ring = ring;
    q->cap = cap;
    q->head = 0;
    return true;
}

static uintptr_t entry(rtmd_msg_t *m, bool counted)
{
    return (uintptr_t)m | (counted ? COUNTED_BIT : 0);
}

static rtmd_msg_t *entry_msg(uintptr_t e)
{
    return (rtmd_msg_t *)(e & ~COUNTED_BIT);
}

bool rtmd_outq_push(rtmd_outq_t *q, rtmd_msg_t *m, bool counted)
{
    if (q->count == capacity(q) && !grow(q))
        return false;
    slots(q)[(q->head + q->count) % capacity(q)] = entry(m, counted);
    q->count++;
    q->bytes += m->len;
    return true;
}

static uintptr_t entry_at(const rtmd_outq_t *q, uint32_t i)
{
    const uintptr_t *s = q->ring ? q->ring : q->slots;
    return s[(q->head + i) % capacity(q)];
}

rtmd_msg_t *rtmd_outq_at(const rtmd_outq_t *q, uint32_t i)
{
    return entry_msg(entry_at(q, i));
}

bool rtmd_outq_counted(const rtmd_outq_t *q, uint32_t i)
{
    return (entry_at(q, i) & COUNTED_BIT) != 0;
}

void rtmd_outq_drop(rtmd_outq_t *q, uint32_t n)
{
    uintptr_t *s = slots(q);
    uint32_t cap = capacity(q);
    for (uint32_t i = 0; i < n; i++) {
        rtmd_msg_t *m = entry_msg(s[q->head]);
        q->bytes -= m->len;
        rtmd_msg_unref(m);
        q->head = (q->head + 1) % cap;
    }
    q->count -= n;
    if (q->count == 0) {
        free(q->ring);
        q->ring = NULL;
        q->cap = 0;
        q->head = 0;
    }
}

void rtmd_outq_clear(rtmd_outq_t *q)
{
    rtmd_outq_drop(q, q->count);
}
