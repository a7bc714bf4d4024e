/* Token lifetimes of live sessions: TOKEN_WILL_EXPIRE --token-warn-s before the token's end,
 * once per token; SESSION_END TOKEN_EXPIRED at the end, and the session is gone; RENEW_TOKEN
 * moves the end and re-arms the warning. Tokens minted with rtm_token_build with lifetimes of
 * a few seconds (their ends are whole seconds); rtmd runs with --token-warn-s 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "harness.h"
#include "rawws.h"

#define APP_ID "970CA35de60c44645bbae8a215061b33"
#define CERT   "5CFd2fd1755d40ecb72977518be15d3b"
#define WARN_S 2
/* How late a timer may fire here (valgrind, a loaded CI machine): generous on purpose. */
#define LATE_MS 2000

static uint8_t buf[RTM_WIRE_MAX_MESSAGE];

static int setup(void **state)
{
    const char *args[] = {"--app-id", APP_ID, "--app-certificate", CERT, "--token-warn-s",
                          "2",        NULL};
    rtmd_start(&server, args);
    return 0;
}

/* A token for user ending at end_s (seconds since the epoch). */
static char *token_until(const char *user, uint32_t end_s)
{
    rtm_err_t err;
    char *t = rtm_token_build(APP_ID, CERT, user, end_s, 0, 0, &err);
    assert_int_equal(err, RTM_OK);
    return t;
}

static uint32_t now_s(void)
{
    return (uint32_t)time(NULL);
}

/* Connects to port and sends a LOGIN (id 1) for user with token, one that resumes the session
 * `resume` (rx 0) unless it is NULL; the RESULT, which must be OK, lands in *r (it points into
 * buf). Returns the connection. */
static int login_frame(int port, const char *user, const char *token, const uint8_t *resume,
                       rtm_frame_t *r)
{
    int fd = ws_connect(port, RTM_PROTOCOL_NAME);
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGIN, 1);
    rtm_frame_set_uint(&f, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_str(&f, RTM_K_APP_ID, APP_ID);
    rtm_frame_set_str(&f, RTM_K_USER, user);
    rtm_frame_set_str(&f, RTM_K_TOKEN, token);
    if (resume) {
        rtm_frame_set_bytes(&f, RTM_K_SESSION, resume, 16);
        rtm_frame_set_uint(&f, RTM_K_RX, 0);
    }
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, r);
    assert_int_equal(r->err, RTM_OK);
    return fd;
}

static int login_at(int port, const char *user, const char *token)
{
    rtm_frame_t f;
    int fd = login_frame(port, user, token, NULL, &f);
    assert_int_equal(f.id, 1);
    return fd;
}

static int login_with(const char *user, const char *token)
{
    return login_at(server.port, user, token);
}

/* The next TOKEN_WILL_EXPIRE, and when it came. */
static rtm_frame_t next_token_frame(int fd, int64_t *at_ms)
{
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_TOKEN_WILL_EXPIRE, &f);
    *at_ms = wall_ms();
    return f;
}

/* Reads until SESSION_END (failing on a second warning) and checks its reason and time. */
static void expect_session_end(int fd, uint32_t end_s)
{
    for (int i = 0; i < 20; i++) {
        ssize_t n = ws_recv(fd, buf, sizeof(buf), 10000);
        assert_true(n > 0);
        size_t off = 0;
        static rtm_decoder_t dec;
        while (off < (size_t)n) {
            rtm_frame_t f;
            assert_int_equal(rtm_frame_decode(&dec, buf, (size_t)n, &off, &f, NULL), RTM_DECODE_OK);
            assert_int_not_equal(f.type, RTM_FRAME_TOKEN_WILL_EXPIRE); /* once per token */
            if (f.type == RTM_FRAME_SESSION_END) {
                int64_t at = wall_ms();
                assert_int_equal(f.reason, RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED);
                assert_true(at >= (int64_t)end_s * 1000);
                assert_true(at <= (int64_t)end_s * 1000 + LATE_MS);
                /* and the connection closes */
                assert_true(ws_recv(fd, buf, sizeof(buf), 10000) < 0);
                return;
            }
        }
    }
    fail_msg("no SESSION_END");
}

static void expect_warning(int fd, uint32_t end_s)
{
    int64_t at;
    rtm_frame_t f = next_token_frame(fd, &at);
    assert_int_equal(f.ts, (int64_t)end_s * 1000);
    assert_true(at >= (int64_t)(end_s - WARN_S) * 1000);
    assert_true(at <= (int64_t)(end_s - WARN_S) * 1000 + LATE_MS);
}

static void test_warning_then_session_end_at_the_tokens_end(void **state)
{
    uint32_t end = now_s() + 4;
    char *t = token_until("exp-alice", end);
    int fd = login_with("exp-alice", t);
    expect_warning(fd, end);
    expect_session_end(fd, end);
    close(fd);
    rtm_string_free(t);
}

static void test_token_ending_within_the_window_is_warned_about_at_once(void **state)
{
    /* an rtmd of its own with the default window (30 s), so that the token can live long
       enough to log in even under valgrind and still end within the window */
    const char *args[] = {"--app-id", APP_ID, "--app-certificate", CERT, NULL};
    rtmd_t d;
    rtmd_start(&d, args);
    uint32_t end = now_s() + 4;
    char *t = token_until("exp-bob", end);
    int64_t before = wall_ms();
    int fd = login_at(d.port, "exp-bob", t);
    int64_t at;
    rtm_frame_t f = next_token_frame(fd, &at);
    assert_int_equal(f.ts, (int64_t)end * 1000);
    assert_true(at - before <= LATE_MS);
    expect_session_end(fd, end);
    close(fd);
    rtm_string_free(t);
    assert_int_equal(rtmd_stop(&d), 0);
}

static void renew(int fd, uint64_t id, const char *token, rtm_err_t want)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_RENEW_TOKEN, id);
    rtm_frame_set_str(&f, RTM_K_TOKEN, token);
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, id);
    assert_int_equal(f.err, want);
}

static void test_renewal_moves_the_end_and_rearms_the_warning(void **state)
{
    uint32_t end1 = now_s() + 3;
    char *t1 = token_until("exp-carol", end1);
    int fd = login_with("exp-carol", t1);
    expect_warning(fd, end1);
    uint32_t end2 = now_s() + 4;
    char *t2 = token_until("exp-carol", end2);
    renew(fd, 2, t2, RTM_OK);
    /* the session outlives end1: warned again for end2, ended at end2 */
    expect_warning(fd, end2);
    expect_session_end(fd, end2);
    close(fd);
    rtm_string_free(t1);
    rtm_string_free(t2);
}

/* Waits until half a second past end_s, then asks (request id) whether user is online; returns
 * the length of the message that came next, in buf. */
static size_t query_online_after(int fd, uint32_t end_s, const char *user, uint64_t id)
{
    while (wall_ms() < (int64_t)end_s * 1000 + 500)
        usleep(100000);
    rtm_frame_t f;
    rtm_bytes_t who = {user, strlen(user)};
    rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, id);
    rtm_frame_set_users(&f, &who, 1);
    send_frame(fd, &f);
    ssize_t n = ws_recv(fd, buf, sizeof(buf), 10000);
    assert_true(n > 0);
    return (size_t)n;
}

static void test_renewal_outside_the_window_keeps_the_session(void **state)
{
    uint32_t end1 = now_s() + 3;
    char *t1 = token_until("exp-dave", end1);
    int fd = login_with("exp-dave", t1);
    char *t2 = token_until("exp-dave", now_s() + 3600);
    renew(fd, 2, t2, RTM_OK);
    /* a refused renewal changes nothing */
    renew(fd, 3, "006garbage", RTM_ERR_INVALID_TOKEN);
    size_t n = query_online_after(fd, end1, "exp-dave", 4);
    rtm_frame_t f;
    /* the next frame is the answer: no warning, no SESSION_END came in between */
    size_t off = 0;
    static rtm_decoder_t dec;
    assert_int_equal(rtm_frame_decode(&dec, buf, n, &off, &f, NULL), RTM_DECODE_OK);
    assert_int_equal(f.type, RTM_FRAME_RESULT);
    assert_int_equal(f.id, 4);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_ONLINE);
    close(fd);
    rtm_string_free(t1);
    rtm_string_free(t2);
}

/* A LOGIN that resumes user's session with secret (rx 0) and token; returns the connection
 * and whether it resumed. */
static int resume_with(const char *user, const uint8_t *secret, const char *token, bool *resumed)
{
    rtm_frame_t f;
    int fd = login_frame(server.port, user, token, secret, &f);
    *resumed = f.resumed;
    return fd;
}

/* Logs user in with token; its session secret in secret. */
static int login_keeping_secret(const char *user, const char *token, uint8_t *secret)
{
    rtm_frame_t f;
    int fd = login_frame(server.port, user, token, NULL, &f);
    assert_int_equal(f.session.len, 16);
    memcpy(secret, f.session.ptr, 16);
    return fd;
}

static void test_a_held_session_ends_at_its_tokens_end_and_a_resume_brings_a_new_token(void **state)
{
    char *wt = token_until("exp-watcher2", now_s() + 3600);
    int watcher = login_with("exp-watcher2", wt);
    rtm_frame_t f;
    rtm_bytes_t who[] = {{"exp-held", 8}, {"exp-resumed", 11}};
    rtm_frame_init(&f, RTM_FRAME_SUBSCRIBE, 2);
    rtm_frame_set_users(&f, who, 2);
    send_frame(watcher, &f);
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_PRESENCE, &f);

    /* exp-held drops its connection and its token ends while it is held (grace: 10 s) */
    uint32_t end = now_s() + 3;
    char *t = token_until("exp-held", end);
    uint8_t secret[16];
    int fd = login_keeping_secret("exp-held", t, secret);
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_PRESENCE, &f); /* ONLINE */
    close(fd);
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_PRESENCE, &f);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_UNREACHABLE);
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_PRESENCE, &f);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_OFFLINE);
    int64_t at = wall_ms();
    assert_true(at >= (int64_t)end * 1000);
    assert_true(at <= (int64_t)end * 1000 + LATE_MS);

    /* exp-resumed drops, resumes with a token good for an hour: its old end passes quietly */
    uint32_t end2 = now_s() + 3;
    char *t2 = token_until("exp-resumed", end2);
    fd = login_keeping_secret("exp-resumed", t2, secret);
    close(fd);
    char *fresh = token_until("exp-resumed", now_s() + 3600);
    bool resumed = false;
    fd = resume_with("exp-resumed", secret, fresh, &resumed);
    assert_true(resumed);
    size_t n = query_online_after(fd, end2, "exp-resumed", 5);
    size_t off = 0;
    static rtm_decoder_t dec;
    do { /* no TOKEN_WILL_EXPIRE, no SESSION_END before the answer */
        assert_int_equal(rtm_frame_decode(&dec, buf, n, &off, &f, NULL), RTM_DECODE_OK);
        assert_int_not_equal(f.type, RTM_FRAME_TOKEN_WILL_EXPIRE);
        assert_int_not_equal(f.type, RTM_FRAME_SESSION_END);
    } while (f.type != RTM_FRAME_RESULT && off < n);
    assert_int_equal(f.type, RTM_FRAME_RESULT);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_ONLINE);
    close(fd);
    close(watcher);
    rtm_string_free(wt);
    rtm_string_free(t);
    rtm_string_free(t2);
    rtm_string_free(fresh);
}

/* A librtm client of app APP_ID (make_client's is "test") for the server. */
static rtm_client_t *client_of_app(void)
{
    rtm_config_t *cfg = rtm_config_new();
    rtm_config_set(cfg, "server.url", server.url);
    rtm_err_t err;
    rtm_client_t *c = rtm_client_new(APP_ID, cfg, &err);
    rtm_config_free(cfg);
    assert_non_null(c);
    return c;
}

static void test_expired_session_is_gone_for_everyone(void **state)
{
    /* a watcher subscribed to the user, and a client (through librtm) whose token ends */
    char *wt = token_until("exp-watcher", now_s() + 3600);
    int watcher = login_with("exp-watcher", wt);
    rtm_frame_t f;
    rtm_bytes_t who = {"exp-erin", 8};
    rtm_frame_init(&f, RTM_FRAME_SUBSCRIBE, 2);
    rtm_frame_set_users(&f, &who, 1);
    send_frame(watcher, &f);
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_PRESENCE, &f); /* OFFLINE for now */

    rtm_client_t *c = client_of_app();
    uint32_t end = now_s() + 4; /* minted once the client (and its I/O thread) exists */
    char *t = token_until("exp-erin", end);
    login_ok(c, t, "exp-erin");
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_PRESENCE, &f);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_ONLINE);

    /* the application is warned, then the client is aborted with reason TOKEN_EXPIRED and
       told so, in this order */
    rtm_event_t *e = wait_event(c, RTM_EVENT_TOKEN_PRIVILEGE_WILL_EXPIRE, 10000);
    rtm_event_free(e);
    e = next_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 10000);
    assert_int_equal(rtm_event_connection_state(e), RTM_CONNECTION_STATE_ABORTED);
    assert_int_equal(rtm_event_connection_reason(e), RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED);
    assert_true(wall_ms() >= (int64_t)end * 1000);
    rtm_event_free(e);
    e = next_event(c, RTM_EVENT_TOKEN_EXPIRED, 1000);
    rtm_event_free(e);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_ABORTED);
    /* the watcher sees the user go offline */
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_PRESENCE, &f);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_OFFLINE);
    rtm_client_free(c);

    /* a fresh token logs in again */
    char *t2 = token_until("exp-erin", now_s() + 3600);
    int fd = login_with("exp-erin", t2);
    close(fd);
    close(watcher);
    rtm_string_free(t);
    rtm_string_free(t2);
    rtm_string_free(wt);
}

static void test_client_renewing_on_the_warning_keeps_its_session(void **state)
{
    rtm_client_t *c = client_of_app();
    uint32_t end = now_s() + 4;
    char *t = token_until("exp-frank", end);
    login_ok(c, t, "exp-frank");
    rtm_event_t *e = wait_event(c, RTM_EVENT_TOKEN_PRIVILEGE_WILL_EXPIRE, 10000);
    rtm_event_free(e);
    char *fresh = token_until("exp-frank", now_s() + 3600);
    uint64_t req = 0;
    assert_int_equal(rtm_client_renew_token(c, fresh, &req), RTM_OK);
    e = next_event(c, RTM_EVENT_RENEW_TOKEN_RESULT, 10000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    /* the old end passes: nothing happens */
    int64_t wait = (int64_t)end * 1000 + 1000 - wall_ms();
    assert_true(no_event_within(c, wait > 0 ? (int)wait : 0));
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_CONNECTED);
    rtm_client_free(c);
    rtm_string_free(t);
    rtm_string_free(fresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warning_then_session_end_at_the_tokens_end),
        cmocka_unit_test(test_token_ending_within_the_window_is_warned_about_at_once),
        cmocka_unit_test(test_renewal_moves_the_end_and_rearms_the_warning),
        cmocka_unit_test(test_renewal_outside_the_window_keeps_the_session),
        cmocka_unit_test(
            test_a_held_session_ends_at_its_tokens_end_and_a_resume_brings_a_new_token),
        cmocka_unit_test(test_expired_session_is_gone_for_everyone),
        cmocka_unit_test(test_client_renewing_on_the_warning_keeps_its_session),
    };
    return cmocka_run_group_tests(tests, setup, stop_server);
}
