/* Refcounted encoded frames and per-connection send queues (see outq.h). Encoding goes
 * through one static scratch buffer (the server is single-threaded), then into a block of one
 * of two small sizes kept on free lists (most frames: no malloc/free per frame), or an
 * exact-size allocation for larger frames. */
#include "outq.h"

#include <stdlib.h>
#include <string.h>

static rtm_buf_t scratch = {NULL, 0, 0, 0};

/* Block sizes of the two free lists (header, LWS_PRE and payload together), and how many free
 * blocks each keeps at most (a burst's blocks beyond that go back to malloc). */
#define SMALL_BLOCK  128
#define MEDIUM_BLOCK 512
#define POOL_MAX     2048

typedef union free_block {
    union free_block *next;
    rtmd_msg_t msg;
} free_block_t;

typedef struct block_pool {
    free_block_t *head;
    uint32_t len;
} block_pool_t;

static block_pool_t pools[2];

/* The pool a message of len payload bytes comes from, or -1 (exact malloc). */
static int pool_of(size_t len)
{
    size_t need = sizeof(rtmd_msg_t) + LWS_PRE + len;
    return need <= SMALL_BLOCK ? 0 : need <= MEDIUM_BLOCK ? 1 : -1;
}

static rtmd_msg_t *msg_alloc(size_t len)
{
    int k = pool_of(len);
    if (k < 0)
        return malloc(sizeof(rtmd_msg_t) + LWS_PRE + len);
    block_pool_t *p = &pools[k];
    if (p->head) {
        free_block_t *b = p->head;
        p->head = b->next;
        p->len--;
        return &b->msg;
    }
    return malloc(k == 0 ? SMALL_BLOCK : MEDIUM_BLOCK);
}

static void msg_free(rtmd_msg_t *m)
{
    int k = pool_of(m->len);
    if (k < 0 || pools[k].len >= POOL_MAX) {
        free(m);
        return;
    }
    free_block_t *b = (free_block_t *)m;
    b->next = pools[k].head;
    pools[k].head = b;
    pools[k].len++;
}

rtmd_msg_t *rtmd_msg_encode(const rtm_frame_t *f)
{
    rtm_buf_clear(&scratch);
    if (!rtm_frame_encode(&scratch, f) || scratch.len > UINT32_MAX)
        return NULL;
    rtmd_msg_t *m = msg_alloc(scratch.len);
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
        msg_free(m);
}

void rtmd_msg_cleanup(void)
{
    rtm_buf_free(&scratch);
    for (int k = 0; k < 2; k++) {
        while (pools[k].head) {
            free_block_t *b = pools[k].head;
            pools[k].head = b->next;
            free(b);
        }
        pools[k].len = 0;
    }
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
