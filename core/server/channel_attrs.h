/* Channel attributes: one channel's entries (key, value, who last wrote it, when) in insertion
 * order, and the SET/ADD/DEL/CLEAR/GET_CHANNEL_ATTRS handlers. A request is checked whole and
 * applied whole: a refused request changes nothing. Channel records come from channel.c. */
#ifndef RTMD_CHANNEL_ATTRS_H
#define RTMD_CHANNEL_ATTRS_H

#include <stdint.h>

#include "codec.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;
typedef struct rtmd_attr rtmd_attr_t;

typedef struct rtmd_channel_attrs {
    rtmd_attr_t **items; /* RTM_ATTR_MAX_COUNT slots, n used, insertion order; NULL when empty */
    uint32_t n;
    uint32_t bytes; /* keys plus values */
} rtmd_channel_attrs_t;

/* Frees every entry (the channel is being dropped). */
void rtmd_channel_attrs_free(rtmd_channel_attrs_t *a);

/* Frame handlers; c is logged in. write serves SET, ADD, DEL and CLEAR_CHANNEL_ATTRS. */
void rtmd_channel_attrs_write(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_channel_attrs_get(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

#endif
