/* Sessions that outlive their connection (docs/protocol.md, "Sessions and the frame stream"):
 * a logged-in session whose connection drops is detached and held for --session-grace-ms
 * (its subscribers get PRESENCE UNREACHABLE), a LOGIN that resumes it moves it onto the new
 * connection (resend from the client's rx; ONLINE to the subscribers told UNREACHABLE), and
 * when the grace period passes it ends like a closed connection. Held sessions sit in one list
 * in the order they were detached, so one timer serves them all. Loop thread only. */
#ifndef RTMD_RESUME_H
#define RTMD_RESUME_H

#include <stdbool.h>
#include <stdint.h>

#include "outq.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

/* c's connection closed (c still has its wsi and is out of the liveness list). Detaches and
 * holds c's session when it may be resumed (logged in, not closing, grace on, the server not
 * stopping): true, and c stays alive. False: the caller ends the session. */
bool rtmd_resume_detach(rtmd_server_t *srv, rtmd_conn_t *c);

/* Moves the session held (or still attached to an older connection, which is then cut without
 * a word) onto the connection of c, whose LOGIN resumed it. The client has received rx counted
 * frames; login_result (one reference, taken over) is written first after what c had queued,
 * then every counted frame after rx. Returns held, now attached to c's connection; c is left
 * without connection and state, for the caller to free. */
rtmd_conn_t *rtmd_resume_attach(rtmd_server_t *srv, rtmd_conn_t *held, rtmd_conn_t *c, uint64_t rx,
                                rtmd_msg_t *login_result);

/* Takes held session c out of the held list (its session ends some other way now). */
void rtmd_resume_forget(rtmd_server_t *srv, rtmd_conn_t *c);
/* Held session c (now CLOSING: it passed the slow-consumer limit) ends at the next turn of the
 * loop, not inside the send that found it. */
void rtmd_resume_end_soon(rtmd_server_t *srv, rtmd_conn_t *c);
/* Ends every held session at once (drain, exit). */
void rtmd_resume_end_all(rtmd_server_t *srv);
/* Cancels the grace timer; call while the lws context is still alive. */
void rtmd_resume_stop(rtmd_server_t *srv);

#endif
