/* Sessions: the table of logged-in users (one connection per user id), LOGIN with its
 * version, app id and token checks, remote login, LOGOUT and RENEW_TOKEN. */
#ifndef RTMD_SESSION_H
#define RTMD_SESSION_H

#include <stddef.h>

#include "codec.h"
#include "rtm/rtm.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

/* Frame handlers. LOGIN may come on any connection; the others need a session. */
void rtmd_session_login(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_session_logout(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_session_renew_token(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

/* The logged-in connection of user (len bytes), or NULL. */
rtmd_conn_t *rtmd_session_find(const rtmd_server_t *srv, const char *user, size_t len);
/* c's session ended (logout, or its connection closed): its user leaves the table (if c still
 * holds the entry) and every channel, its subscriptions and user attributes go, and when its
 * user went offline (c held the entry) the user's subscribers get PRESENCE OFFLINE. */
void rtmd_session_conn_closed(rtmd_server_t *srv, rtmd_conn_t *c);
/* The server ends c's session (token expired, user banned): its state goes as at a logout, c
 * gets SESSION_END with reason and why, and the connection closes (WebSocket status 1000 with
 * close_reason, a static string) once that is written. */
void rtmd_session_end(rtmd_server_t *srv, rtmd_conn_t *c, rtm_connection_change_reason_t reason,
                      const char *why, const char *close_reason);

#endif
