/* Event allocation and release (see event.h). */
#include "event.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "invitation.h"
#include "message.h"

rtm_event_t *rtm_event_new(rtm_event_type_t type)
{
    rtm_event_t *e = calloc(1, sizeof(*e));
    if (e)
        e->type = type;
    return e;
}

/* ---- the pool of received-message events -------------------------------------------------
 * Every received message used to be a malloc on the I/O thread and a free on the
 * application's thread, and glibc frees another thread's memory through its locked arena
 * path. Freed small blocks go onto a lock-free stack instead and the I/O thread takes them
 * back. Any thread pushes; only the I/O thread pops, so a pop never meets its own block again
 * (no ABA). A block's memory is only touched by whoever holds it. */
#define POOL_BLOCK_BYTES 512  /* a 64-byte message with its ids fits with room to spare */
#define POOL_MAX_BLOCKS  4096 /* 2 MB at most waits in the pool */

/* A block in the pool is off limits to everyone but the pool: the memory checkers still catch
 * a use of an event after rtm_event_free. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POOL_HIDE(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define POOL_SHOW(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#elif defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define POOL_HIDE(p, n) VALGRIND_MAKE_MEM_NOACCESS(p, n)
#define POOL_SHOW(p, n) VALGRIND_MAKE_MEM_UNDEFINED(p, n)
#endif
#endif
#ifndef POOL_HIDE
#define POOL_HIDE(p, n) ((void)(p), (void)(n))
#define POOL_SHOW(p, n) ((void)(p), (void)(n))
#endif

typedef struct pool_node {
    struct pool_node *next;
} pool_node_t;

static _Atomic(pool_node_t *) pool_head;
static atomic_size_t pool_count;

static void *pool_take(void)
{
    pool_node_t *n = atomic_load_explicit(&pool_head, memory_order_acquire);
    while (n && !atomic_compare_exchange_weak_explicit(&pool_head, &n, n->next,
                                                       memory_order_acquire, memory_order_acquire))
        ;
    if (!n)
        return NULL;
    atomic_fetch_sub_explicit(&pool_count, 1, memory_order_relaxed);
    POOL_SHOW((char *)n + sizeof(*n), POOL_BLOCK_BYTES - sizeof(*n));
    return n;
}

/* False when the pool is full (the caller frees the block). */
static bool pool_give(void *block)
{
    if (atomic_load_explicit(&pool_count, memory_order_relaxed) >= POOL_MAX_BLOCKS)
        return false;
    atomic_fetch_add_explicit(&pool_count, 1, memory_order_relaxed);
    pool_node_t *n = block;
    POOL_HIDE((char *)n + sizeof(*n), POOL_BLOCK_BYTES - sizeof(*n)); /* the link stays usable */
    n->next = atomic_load_explicit(&pool_head, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&pool_head, &n->next, n, memory_order_release,
                                                  memory_order_relaxed))
        ;
    return true;
}

void rtm_event_pool_drain(void)
{
    void *block;
    while ((block = pool_take()))
        free(block);
}

rtm_event_t *rtm_event_new_io(rtm_event_type_t type)
{
    rtm_event_t *e = pool_take();
    if (e)
        memset(e, 0, sizeof(*e));
    else if (!(e = calloc(1, POOL_BLOCK_BYTES)))
        return NULL;
    e->type = type;
    e->pooled = true;
    return e;
}

rtm_event_t *rtm_event_new_message(rtm_event_type_t type, rtm_message_type_t mtype,
                                   const char *text, size_t text_len, const void *data,
                                   size_t data_len, const char *user, size_t user_len,
                                   const char *channel, size_t channel_len)
{
    size_t msg_size = rtm_message_size(mtype, text_len, data_len);
    size_t total = sizeof(rtm_event_t) + msg_size + user_len + 1 + (channel ? channel_len + 1 : 0);
    rtm_event_t *e;
    bool pooled = total <= POOL_BLOCK_BYTES;
    if (pooled && (e = pool_take())) {
        /* the structs start zeroed, as from calloc; the bytes after them are all written */
        memset(e, 0, sizeof(rtm_event_t) + sizeof(rtm_message_t));
    } else if (!(e = calloc(1, pooled ? POOL_BLOCK_BYTES : total))) {
        return NULL;
    }
    e->type = type;
    e->inline_parts = true;
    e->pooled = pooled;
    /* rtm_event_t ends on pointer alignment, which is all the message struct needs */
    e->message = rtm_message_place(e + 1, mtype, text, text_len, data, data_len);
    char *p = (char *)(e + 1) + msg_size;
    if (user_len)
        memcpy(p, user, user_len);
    p[user_len] = 0;
    e->user_id = p;
    if (channel) {
        p += user_len + 1;
        memcpy(p, channel, channel_len);
        p[channel_len] = 0;
        e->channel_id = p;
    }
    return e;
}

int rtm_event_set_str(char **slot, const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        return 0;
    memcpy(p, s, len);
    p[len] = 0;
    free(*slot);
    *slot = p;
    return 1;
}

int rtm_event_alloc_peers(rtm_event_t *e, size_t n)
{
    e->peer_ids = calloc(n ? n : 1, sizeof(*e->peer_ids));
    e->peer_states = calloc(n ? n : 1, sizeof(*e->peer_states));
    if (!e->peer_ids || !e->peer_states)
        return 0;
    for (size_t i = 0; i < n; i++)
        e->peer_states[i] = RTM_PEER_ONLINE_STATE_OFFLINE;
    e->n_peers = n;
    return 1;
}

static void free_strs(char **a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        free(a[i]);
    free(a);
}

int rtm_event_copy_strs(char ***out, const void *items, size_t n)
{
    const rtm_bytes_t *b = items;
    char **a = calloc(n ? n : 1, sizeof(*a));
    for (size_t i = 0; a && i < n; i++) {
        if (!rtm_event_set_str(&a[i], b[i].ptr ? b[i].ptr : "", b[i].len)) {
            free_strs(a, i);
            a = NULL;
        }
    }
    *out = a;
    return a != NULL;
}

void rtm_event_destroy(rtm_event_t *e)
{
    if (!e)
        return;
    if (!e->inline_parts) {
        free(e->channel_id);
        free(e->user_id);
        free(e->message);
    }
    /* most events (every received message, every send's result) hold no lists: skip the
       dozen free(NULL) calls */
    if (e->peer_ids || e->peer_states || e->users || e->n_attrs || e->attr_keys || e->attr_values ||
        e->attr_updaters || e->attr_ts || e->channel_ids || e->channel_counts) {
        free_strs(e->peer_ids, e->n_peers);
        free(e->peer_states);
        free_strs(e->users, e->n_users);
        free_strs(e->attr_keys, e->n_attrs);
        free_strs(e->attr_values, e->n_attrs);
        free_strs(e->attr_updaters, e->n_attrs);
        free(e->attr_ts);
        free_strs(e->channel_ids, e->n_channels);
        free(e->channel_counts);
    }
    if (e->invitation)
        invitation_unref(e->invitation);
    if (!e->pooled || !pool_give(e))
        free(e);
}
