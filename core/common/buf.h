/* A growable byte buffer with reserved headroom before its payload (libwebsockets needs
 * LWS_PRE writable bytes in front of what it sends). Not thread-safe; owns its memory. */
#ifndef RTM_COMMON_BUF_H
#define RTM_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rtm_buf {
    uint8_t *base;   /* allocation: headroom bytes, then the payload */
    size_t headroom; /* bytes reserved before the payload */
    size_t len;      /* payload bytes */
    size_t cap;      /* payload capacity */
} rtm_buf_t;

/* An empty buffer that allocates on first append. */
void rtm_buf_init(rtm_buf_t *b, size_t headroom);
void rtm_buf_free(rtm_buf_t *b);
/* The payload (NULL while nothing was ever appended). */
static inline uint8_t *rtm_buf_data(const rtm_buf_t *b)
{
    return b->base ? b->base + b->headroom : NULL;
}
/* Makes room for extra more bytes; false when out of memory. */
bool rtm_buf_reserve(rtm_buf_t *b, size_t extra);
bool rtm_buf_append(rtm_buf_t *b, const void *p, size_t n);
/* Drops the payload, keeps the allocation. */
static inline void rtm_buf_clear(rtm_buf_t *b)
{
    b->len = 0;
}
/* Hands the allocation to the caller (who frees base with free()) and empties b. */
uint8_t *rtm_buf_detach(rtm_buf_t *b, size_t *len);

#endif
