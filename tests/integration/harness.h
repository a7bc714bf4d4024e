/* Test harness for client/server integration tests: starts rtmd on a free loopback port,
 * stops it by pid, and waits for events with bounded timeouts. */
#ifndef RTM_TESTS_HARNESS_H
#define RTM_TESTS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "rtm/rtm.h"

typedef struct rtmd {
    pid_t pid;
    void *out; /* rtmd's stdout, kept open so its later writes never hit a closed pipe */
    int port;
    char url[64];
} rtmd_t;

/* Starts rtmd (path from $RTMD or the build) with --listen 127.0.0.1:0 and the NULL-ended
 * extra arguments; fails the test when it does not report its port within 10 s. */
void rtmd_start(rtmd_t *d, const char *const *extra_args);
/* SIGTERM, then waits up to 10 s; returns the exit status (-1 when it had to be killed). */
int rtmd_stop(rtmd_t *d);
/* Waits up to timeout_ms for rtmd to exit by itself (after a signal the test sent it); returns
 * the exit status, or -1 when it died of a signal or had to be killed after the wait. rtmd is
 * forgotten afterwards, as after rtmd_stop. */
int rtmd_wait(rtmd_t *d, int timeout_ms);

/* Kills rtmd with SIGKILL: no goodbye to anyone. */
void rtmd_crash(rtmd_t *d);
/* Starts rtmd again on the port it had, with extra_args. */
void rtmd_restart(rtmd_t *d, const char *const *extra_args);

/* cmocka group setup/teardown for test programs that share one default rtmd: `server`. */
extern rtmd_t server;
int start_server(void **state);
/* start_server for programs whose tests log the same user ids in again within a second, more
 * often than rtmd's default rate limit (2 logins per second per user id) allows: the same
 * server with --rate-logins 1000 (every other limit stays at its default). */
int start_server_relogins(void **state);
int stop_server(void **state);

/* A client of app "test" for url (NULL: server.url is left to settings) with extra "key=value"
 * settings (NULL-ended, may be NULL). */
rtm_client_t *make_client(const char *url, const char *const *settings);
/* Polls until an event of type arrives (others are freed) or timeout_ms passes (then fails
 * the test). The caller frees the event. */
rtm_event_t *wait_event(rtm_client_t *c, rtm_event_type_t type, int timeout_ms);
/* Polls exactly one event and checks its type. */
rtm_event_t *next_event(rtm_client_t *c, rtm_event_type_t type, int timeout_ms);
/* True when no event arrives within ms. */
bool no_event_within(rtm_client_t *c, int ms);
/* Logs in and waits for LOGIN_RESULT OK. */
void login_ok(rtm_client_t *c, const char *token, const char *user);
/* Logs in and returns the LOGIN_RESULT error. */
rtm_err_t login_result(rtm_client_t *c, const char *token, const char *user);
/* make_client(url, settings), then login_ok as user without a token: a logged-in client. */
rtm_client_t *logged_in_client(const char *url, const char *const *settings, const char *user);
/* Creates channel id on c, joins it and waits up to 5 s for its JOIN_CHANNEL_RESULT, which must
 * answer this request, be OK and name the channel. */
rtm_channel_t *joined_channel(rtm_client_t *c, const char *id);
/* Waits up to 5 s for a channel member event of type (JOINED or LEFT; other events before it
 * are dropped) and checks its channel and user. */
void expect_member_event(rtm_client_t *c, rtm_event_type_t type, const char *channel,
                         const char *who);
/* Waits up to timeout_ms for the next CONNECTION_STATE_CHANGED (other events before it are
 * dropped) and checks its state and reason. */
void expect_state(rtm_client_t *c, rtm_connection_state_t state,
                  rtm_connection_change_reason_t reason, int timeout_ms);

/* Milliseconds on the monotonic clock (for deadlines and durations). */
int64_t now_ms(void);
/* Milliseconds since the epoch (to compare with times the server states, such as token ends). */
int64_t wall_ms(void);

/* Reads an HTTP head (through its empty line, or until buf is full) from fd into buf,
 * NUL-terminated, for scripted servers; false when the peer closed before it was complete. */
bool read_http_head(int fd, char *buf, size_t cap);

#endif
