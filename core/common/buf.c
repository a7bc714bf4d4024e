/* Growable byte buffer with headroom (see buf.h). */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void rtm_buf_init(rtm_buf_t *b, size_t headroom)
{
    b->base = NULL;
    b->headroom = headroom;
    b->len = 0;
    b->cap = 0;
}

void rtm_buf_free(rtm_buf_t *b)
{
    free(b->base);
    rtm_buf_init(b, b->headroom);
}

bool rtm_buf_reserve(rtm_buf_t *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return true;
    if (extra > SIZE_MAX / 2 - b->len - b->headroom)
        return false;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    uint8_t *p = realloc(b->base, b->headroom + cap);
    if (!p)
        return false;
    b->base = p;
    b->cap = cap;
    return true;
}

bool rtm_buf_append(rtm_buf_t *b, const void *p, size_t n)
{
    if (n == 0)
        return true;
    if (!rtm_buf_reserve(b, n))
        return false;
    memcpy(b->base + b->headroom + b->len, p, n);
    b->len += n;
    return true;
}

uint8_t *rtm_buf_detach(rtm_buf_t *b, size_t *len)
{
    uint8_t *p = b->base;
    if (len)
        *len = b->len;
    rtm_buf_init(b, b->headroom);
    return p;
}
