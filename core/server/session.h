/* Sessions: the table of logged-in users (one session per user id), LOGIN with its version,
 * app id and token checks, new sessions (secret, remote login) and resumed ones (resume.c),
 * LOGOUT and RENEW_TOKEN, and the end of a session. */
#ifndef RTMD_SESSION_H
#define RTMD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "rtm/rtm.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

/* LOGIN may come on any connection. Returns the session that serves c's connection from now
 * on: c, or a held session the LOGIN resumed (c is then the caller's to free, once it has
 * finished reading from c). */
rtmd_conn_t *rtmd_session_login(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
/* Frame handlers; c is logged in. */
void rtmd_session_logout(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_session_renew_token(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

/* The session of user (len bytes), attached or held, or NULL. */
rtmd_conn_t *rtmd_session_find(const rtmd_server_t *srv, const char *user, size_t len);
/* What others are told about user: ONLINE (a session on a connection), UNREACHABLE (a session
 * held for a resume) or OFFLINE (none), as rtm_peer_online_state_t values. */
uint32_t rtmd_session_online_state(const rtmd_server_t *srv, const char *user, size_t len);
/* c's session ended (logout, remote login, closed connection, grace period over): its user
 * leaves the table (if c still holds the entry) and every channel, its subscriptions and user
 * attributes go, and when its user went offline (c held the entry) the user's subscribers get
 * PRESENCE OFFLINE. Does nothing more for a connection that is not logged in. */
void rtmd_session_end(rtmd_server_t *srv, rtmd_conn_t *c);
/* c is gone for good (in no server list any more): its session ends, the deliveries it was
 * part of are settled (peer.c), and c is freed. */
void rtmd_session_destroy(rtmd_server_t *srv, rtmd_conn_t *c);
/* The server ends c's session (token expired, user banned). Attached: its state goes as at a
 * logout, c gets SESSION_END with reason and why, and the connection closes (WebSocket status
 * 1000 with close_reason, a static string) once that is written. Held for a resume: it ends
 * at once and c is freed (nobody to tell). */
void rtmd_session_end_by_server(rtmd_server_t *srv, rtmd_conn_t *c,
                                rtm_connection_change_reason_t reason, const char *why,
                                const char *close_reason);

#endif
