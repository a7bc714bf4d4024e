/* Channel attributes: the SET/ADD/DEL/CLEAR/GET_CHANNEL_ATTRS handlers over each channel's
 * attribute list (attr_list.c), and the CHANNEL_ATTRS notice to members. Channel records come
 * from channel.c. */
#ifndef RTMD_CHANNEL_ATTRS_H
#define RTMD_CHANNEL_ATTRS_H

#include "codec.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

/* Frame handlers; c is logged in. write serves SET, ADD, DEL and CLEAR_CHANNEL_ATTRS. */
void rtmd_channel_attrs_write(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_channel_attrs_get(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

#endif
