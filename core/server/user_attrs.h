/* User attributes: each session's own list (attr_list.c), written only by its owner with
 * SET/ADD/DEL/CLEAR_USER_ATTRS and read by anyone with GET_USER_ATTRS while the owner has a
 * session. The list lives in rtmd_conn_t and is freed when the session ends. */
#ifndef RTMD_USER_ATTRS_H
#define RTMD_USER_ATTRS_H

#include "codec.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

/* Frame handlers; c is logged in. write serves SET, ADD, DEL and CLEAR_USER_ATTRS. */
void rtmd_user_attrs_write(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_user_attrs_get(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

/* c's session ended: its attributes are gone. */
void rtmd_user_attrs_session_ended(rtmd_conn_t *c);

#endif
