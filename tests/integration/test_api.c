/* The ABI's contract apart from the server's features: bad input, wrong state, the event
 * queue, its fd and wakeup, failures to connect, timeouts, and freeing with work in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* A TCP listener that never accepts: connections hang before the WebSocket handshake. */
static int silent_listener(char *url, size_t n)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    snprintf(url, n, "ws://127.0.0.1:%d", ntohs(a.sin_port));
    return fd;
}

/* A port with nothing listening (bound, then closed). */
static void dead_url(char *url, size_t n)
{
    int fd = silent_listener(url, n);
    close(fd);
}

static bool fd_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* rtm_live_handles counts what the application holds: every handle returned, until freed. */
static void test_live_handles_count_what_the_application_holds(void **state)
{
    size_t base = rtm_live_handles();
    rtm_config_t *cfg = rtm_config_new();
    assert_int_equal(rtm_config_set(cfg, "server.url", server.url), RTM_OK);
    rtm_client_t *c = rtm_client_new("test", cfg, NULL);
    rtm_message_t *m = rtm_message_new_text("x", NULL);
    rtm_message_t *bad = rtm_message_new_text(NULL, NULL); /* refused: nothing to count */
    rtm_channel_t *ch = rtm_client_create_channel(c, "live", NULL);
    rtm_invitation_t *inv = rtm_client_create_local_invitation(c, "bob", NULL);
    assert_null(bad);
    assert_int_equal(rtm_live_handles(), base + 5);
    uint64_t req;
    assert_int_equal(rtm_client_login(c, NULL, "live-user", &req), RTM_OK);
    rtm_event_t *e = rtm_client_poll(c, 5000); /* CONNECTING */
    assert_non_null(e);
    assert_int_equal(rtm_live_handles(), base + 6);
    rtm_event_free(e);
    rtm_event_free(NULL);
    rtm_invitation_free(inv);
    rtm_channel_free(ch);
    rtm_message_free(m);
    rtm_client_free(c);
    rtm_config_free(cfg);
    assert_int_equal(rtm_live_handles(), base);
}

static void test_library_reports_its_version_and_names(void **state)
{
    assert_int_equal(rtm_version(), (1u << 16));
    assert_string_equal(rtm_version_string(), "1.0.0");
    assert_string_equal(rtm_err_name(RTM_ERR_TIMEOUT), "RTM_ERR_TIMEOUT");
    assert_string_equal(rtm_err_name(RTM_ERR_NOT_SUPPORTED), "RTM_ERR_NOT_SUPPORTED");
    assert_string_equal(rtm_err_name((rtm_err_t)999), "RTM_ERR_UNKNOWN");
    assert_string_equal(rtm_err_name((rtm_err_t)-1), "RTM_ERR_UNKNOWN");
    assert_true(strlen(rtm_err_str(RTM_ERR_PEER_UNREACHABLE)) > 10);
    assert_string_equal(rtm_event_type_name(RTM_EVENT_LOGIN_RESULT), "RTM_EVENT_LOGIN_RESULT");
    assert_string_equal(rtm_event_type_name(RTM_EVENT_INVITATION_RESULT),
                        "RTM_EVENT_INVITATION_RESULT");
    assert_string_equal(rtm_event_type_name((rtm_event_type_t)7), "RTM_EVENT_UNKNOWN");
}

static void test_config_refuses_unknown_keys_and_bad_values(void **state)
{
    rtm_config_t *cfg = rtm_config_new();
    assert_int_equal(rtm_config_set(cfg, "no.such.key", "1"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, "login.timeout_ms", "soon"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, "login.timeout_ms", "-5"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, "tls.verify_peer", "maybe"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, "log.level", "loud"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, "server.url", "http://x"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, "server.url", "ws://h:99999"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, "reconnect.backoff_min_ms", "999999"),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, NULL, "1"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, "log.level", NULL), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(NULL, "log.level", "off"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_config_set(cfg, "server.url", "ws://a:1, wss://b/x"), RTM_OK);
    assert_int_equal(rtm_config_set(cfg, "channel.member_list_on_join", "true"), RTM_OK);
    assert_int_equal(rtm_config_set(cfg, "event_queue.capacity", "1024"), RTM_OK);
    rtm_config_free(cfg);
    rtm_config_free(NULL);
}

static void test_client_new_refuses_missing_app_id(void **state)
{
    rtm_err_t err = RTM_OK;
    assert_null(rtm_client_new(NULL, NULL, &err));
    assert_int_equal(err, RTM_ERR_INVALID_APP_ID);
    assert_null(rtm_client_new("", NULL, &err));
    assert_int_equal(err, RTM_ERR_INVALID_APP_ID);
    assert_null(rtm_client_new("", NULL, NULL)); /* err may be NULL */
    char long_app[300];
    memset(long_app, 'a', sizeof(long_app) - 1);
    long_app[sizeof(long_app) - 1] = 0;
    assert_null(rtm_client_new(long_app, NULL, &err));
    assert_int_equal(err, RTM_ERR_INVALID_APP_ID);
    rtm_client_t *c = rtm_client_new("any app id at all", NULL, &err);
    assert_int_equal(err, RTM_OK);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_DISCONNECTED);
    rtm_client_free(c);
    rtm_client_free(NULL);
}

static void test_live_options_change_and_others_refuse(void **state)
{
    rtm_client_t *c = make_client(server.url, NULL);
    assert_int_equal(rtm_client_set_option(c, "request.timeout_ms", "2000"), RTM_OK);
    assert_int_equal(rtm_client_set_option(c, "log.level", "error"), RTM_OK);
    assert_int_equal(rtm_client_set_option(c, "server.url", "ws://x:1"), RTM_ERR_INVALID_STATE);
    assert_true(strlen(rtm_client_last_error(c)) > 0);
    assert_int_equal(rtm_client_set_option(c, "bogus", "1"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_set_option(c, "request.timeout_ms", "x"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_set_option(c, NULL, "1"), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_set_option(NULL, "log.level", "off"), RTM_ERR_INVALID_ARGUMENT);
    rtm_client_free(c);
}

static void test_messages_validate_their_content(void **state)
{
    rtm_err_t err = RTM_OK;
    assert_null(rtm_message_new_text(NULL, &err));
    assert_int_equal(err, RTM_ERR_INVALID_ARGUMENT);
    char *big = malloc(32770);
    memset(big, 'a', 32769);
    big[32769] = 0;
    assert_null(rtm_message_new_text(big, &err));
    assert_int_equal(err, RTM_ERR_INVALID_MESSAGE);
    assert_null(rtm_message_new_raw(big, 32769, NULL, &err));
    assert_int_equal(err, RTM_ERR_INVALID_MESSAGE);
    assert_null(rtm_message_new_raw(big, 32760, "0123456789", &err)); /* bytes + description */
    assert_int_equal(err, RTM_ERR_INVALID_MESSAGE);
    assert_null(rtm_message_new_text("\xff\xfe", &err));
    assert_int_equal(err, RTM_ERR_INVALID_MESSAGE);
    assert_null(rtm_message_new_raw(NULL, 5, NULL, &err));
    assert_int_equal(err, RTM_ERR_INVALID_ARGUMENT);
    big[32768] = 0;
    rtm_message_t *m = rtm_message_new_text(big, &err);
    assert_non_null(m);
    assert_int_equal(err, RTM_OK);
    size_t len;
    assert_memory_equal(rtm_message_data(m, &len), big, 32768);
    assert_int_equal(len, 32768);
    assert_int_equal(rtm_message_id(m), 0);
    assert_int_equal(rtm_message_server_ts_ms(m), 0);
    rtm_message_free(m);
    m = rtm_message_new_raw("\0\1\0", 3, NULL, &err);
    assert_int_equal(rtm_message_type(m), RTM_MESSAGE_TYPE_RAW);
    assert_string_equal(rtm_message_text(m), "");
    rtm_message_free(m);
    rtm_message_free(NULL);
    assert_int_equal(rtm_message_type(NULL), RTM_MESSAGE_TYPE_UNDEFINED);
    assert_null(rtm_message_text(NULL));
    free(big);
}

static void test_bad_arguments_fail_at_once_with_a_sentence(void **state)
{
    rtm_client_t *c = make_client(server.url, NULL);
    rtm_message_t *m = rtm_message_new_text("hi", NULL);
    uint64_t req = 12345;
    /* NULL client */
    assert_int_equal(rtm_client_login(NULL, NULL, "u", &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_logout(NULL, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_send_message_to_peer(NULL, "p", m, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_wakeup(NULL), RTM_ERR_INVALID_ARGUMENT);
    assert_null(rtm_client_poll(NULL, 0));
    assert_int_equal(rtm_client_event_fd(NULL), -1);
    assert_int_equal(rtm_client_connection_state(NULL), 0);
    /* login arguments */
    assert_int_equal(rtm_client_login(c, NULL, NULL, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_login(c, NULL, "", &req), RTM_ERR_INVALID_USER_ID);
    assert_true(strlen(rtm_client_last_error(c)) > 0);
    assert_int_equal(rtm_client_login(c, NULL, " lead", &req), RTM_ERR_INVALID_USER_ID);
    assert_int_equal(rtm_client_login(c, NULL, "null", &req), RTM_ERR_INVALID_USER_ID);
    assert_int_equal(rtm_client_login(c, NULL, "a/b", &req), RTM_ERR_INVALID_USER_ID);
    char long_id[70];
    memset(long_id, 'x', 65);
    long_id[65] = 0;
    assert_int_equal(rtm_client_login(c, NULL, long_id, &req), RTM_ERR_INVALID_USER_ID);
    char *long_token = malloc(3000);
    memset(long_token, 'a', 2999);
    long_token[2999] = 0;
    assert_int_equal(rtm_client_login(c, long_token, "ok", &req), RTM_ERR_INVALID_TOKEN);
    free(long_token);
    assert_int_equal(req, 12345); /* nothing was sent: no request id */
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_DISCONNECTED);

    /* needs a session */
    assert_int_equal(rtm_client_send_message_to_peer(c, "p", m, 0, &req), RTM_ERR_NOT_LOGGED_IN);
    assert_string_equal(rtm_client_last_error(c), "the client is not logged in");
    assert_int_equal(rtm_client_logout(c, &req), RTM_ERR_NOT_LOGGED_IN);
    assert_int_equal(rtm_client_renew_token(c, "t", &req), RTM_ERR_NOT_LOGGED_IN);
    const char *ids[] = {"p"};
    assert_int_equal(rtm_client_query_peers_online_status(c, ids, 1, &req), RTM_ERR_NOT_LOGGED_IN);

    login_ok(c, NULL, "bad-args");
    assert_int_equal(rtm_client_login(c, NULL, "bad-args", &req), RTM_ERR_ALREADY_LOGGED_IN);
    /* send arguments */
    assert_int_equal(rtm_client_send_message_to_peer(c, NULL, m, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_send_message_to_peer(c, "p", NULL, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_send_message_to_peer(c, "bad/id", m, 0, &req),
                     RTM_ERR_INVALID_USER_ID);
    assert_int_equal(rtm_client_send_message_to_peer(c, "p", m, 2, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_send_message_to_peer(c, "p", m, 0x80000000u, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    /* query arguments */
    assert_int_equal(rtm_client_query_peers_online_status(c, NULL, 1, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_query_peers_online_status(c, ids, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    const char *bad_ids[] = {"ok", "not ok/"};
    assert_int_equal(rtm_client_query_peers_online_status(c, bad_ids, 2, &req),
                     RTM_ERR_INVALID_USER_ID);
    const char *null_ids[] = {"ok", NULL};
    assert_int_equal(rtm_client_query_peers_online_status(c, null_ids, 2, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    const char *many[257];
    for (int i = 0; i < 257; i++)
        many[i] = "x";
    assert_int_equal(rtm_client_query_peers_online_status(c, many, 257, &req),
                     RTM_ERR_EXCEED_LIMIT);
    assert_int_equal(rtm_client_renew_token(c, NULL, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_renew_token(c, "", &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(req, 12345);
    /* a full query of 256 is fine */
    assert_int_equal(rtm_client_query_peers_online_status(c, many, 256, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_int_equal(rtm_event_peer_count(e), 1); /* one distinct peer */
    rtm_event_free(e);
    /* nothing else came of the refused calls */
    assert_true(no_event_within(c, 200));
    rtm_message_free(m);
    rtm_client_free(c);
}

static void test_event_accessors_tolerate_null_and_wrong_events(void **state)
{
    assert_int_equal(rtm_event_type(NULL), 0);
    assert_int_equal(rtm_event_request_id(NULL), 0);
    assert_null(rtm_event_user_id(NULL));
    assert_null(rtm_event_channel_id(NULL));
    assert_null(rtm_event_message(NULL));
    assert_int_equal(rtm_event_peer_count(NULL), 0);
    assert_null(rtm_event_peer_id(NULL, 0));
    assert_int_equal(rtm_event_user_count(NULL), 0);
    assert_null(rtm_event_user_at(NULL, 0));
    rtm_event_free(NULL);
    rtm_client_t *c = make_client(server.url, NULL);
    assert_int_equal(rtm_client_login(c, NULL, "accessors", NULL), RTM_OK);
    rtm_event_t *e = next_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 5000);
    assert_null(rtm_event_message(e));
    assert_null(rtm_event_user_id(e));
    assert_int_equal(rtm_event_peer_count(e), 0);
    assert_null(rtm_event_peer_id(e, 0));
    assert_int_equal(rtm_event_request_id(e), 0);
    rtm_event_free(e);
    rtm_client_free(c);
}

static void test_event_fd_is_readable_exactly_while_events_wait(void **state)
{
    rtm_client_t *c = make_client(server.url, NULL);
    int fd = rtm_client_event_fd(c);
    assert_true(fd >= 0);
    assert_int_equal(rtm_client_event_fd(c), fd); /* the same fd every time */
    assert_false(fd_readable(fd));
    assert_int_equal(rtm_client_login(c, NULL, "fd-user", NULL), RTM_OK);
    assert_true(fd_readable(fd)); /* CONNECTING is queued inside the call */
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int seen = 0;
    while (seen < 3) { /* CONNECTING, CONNECTED, LOGIN_RESULT */
        assert_int_equal(poll(&p, 1, 5000), 1);
        rtm_event_t *e;
        while ((e = rtm_client_poll(c, 0)) != NULL) {
            seen++;
            rtm_event_free(e);
        }
    }
    assert_int_equal(seen, 3);
    assert_false(fd_readable(fd)); /* drained, and an idle session queues nothing */
    rtm_client_free(c);
}

static void test_event_fd_created_late_reflects_queued_events(void **state)
{
    rtm_client_t *c = make_client(server.url, NULL);
    assert_int_equal(rtm_client_login(c, NULL, "late-fd", NULL), RTM_OK);
    int fd = rtm_client_event_fd(c);
    assert_true(fd_readable(fd));
    rtm_client_free(c);
}

static void *wake_later(void *arg)
{
    usleep(100000);
    rtm_client_wakeup(arg);
    return NULL;
}

static void test_wakeup_releases_a_blocked_poll(void **state)
{
    rtm_client_t *c = make_client(server.url, NULL);
    pthread_t t;
    pthread_create(&t, NULL, wake_later, c);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_null(rtm_client_poll(c, -1)); /* would block forever without the wakeup */
    clock_gettime(CLOCK_MONOTONIC, &b);
    pthread_join(t, NULL);
    assert_true(b.tv_sec - a.tv_sec < 5);
    rtm_client_free(c);
}

static void test_wakeup_without_a_poll_makes_the_next_poll_return_at_once(void **state)
{
    rtm_client_t *c = make_client(server.url, NULL);
    int fd = rtm_client_event_fd(c);
    assert_int_equal(rtm_client_wakeup(c), RTM_OK);
    assert_true(fd_readable(fd));
    assert_null(rtm_client_poll(c, 10000));
    assert_false(fd_readable(fd));
    /* only one poll is released */
    assert_null(rtm_client_poll(c, 50));
    rtm_client_free(c);
}

static void test_login_to_a_dead_port_fails_with_network(void **state)
{
    char url[64];
    dead_url(url, sizeof(url));
    rtm_client_t *c = make_client(url, NULL);
    uint64_t req;
    assert_int_equal(rtm_client_login(c, NULL, "nobody", &req), RTM_OK);
    rtm_event_t *e = next_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 5000);
    assert_int_equal(rtm_event_connection_state(e), RTM_CONNECTION_STATE_CONNECTING);
    rtm_event_free(e);
    e = next_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 10000);
    assert_int_equal(rtm_event_connection_state(e), RTM_CONNECTION_STATE_DISCONNECTED);
    assert_int_equal(rtm_event_connection_reason(e), RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE);
    rtm_event_free(e);
    e = next_event(c, RTM_EVENT_LOGIN_RESULT, 1000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_ERR_NETWORK);
    rtm_event_free(e);
    rtm_client_free(c);
}

static void test_login_times_out_when_the_server_never_answers(void **state)
{
    char url[64];
    int fd = silent_listener(url, sizeof(url));
    const char *settings[] = {"login.timeout_ms=300", NULL};
    rtm_client_t *c = make_client(url, settings);
    uint64_t req;
    assert_int_equal(rtm_client_login(c, NULL, "patient", &req), RTM_OK);
    rtm_event_free(next_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 1000));
    rtm_event_t *e = next_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 10000);
    assert_int_equal(rtm_event_connection_state(e), RTM_CONNECTION_STATE_DISCONNECTED);
    assert_int_equal(rtm_event_connection_reason(e), RTM_CONNECTION_CHANGE_REASON_LOGIN_TIMEOUT);
    rtm_event_free(e);
    e = next_event(c, RTM_EVENT_LOGIN_RESULT, 1000);
    assert_int_equal(rtm_event_error(e), RTM_ERR_TIMEOUT);
    rtm_event_free(e);
    rtm_client_free(c);
    close(fd);
}

/* A fake server for one connection: reads the upgrade request, answers with reply, then
 * waits for the client to close. */
typedef struct fake_server {
    int fd;
    const char *reply;
    char request[2048];
} fake_server_t;

static void *fake_server_run(void *arg)
{
    fake_server_t *f = arg;
    int conn = accept(f->fd, NULL, NULL);
    if (conn < 0)
        return NULL;
    read_http_head(conn, f->request, sizeof(f->request)); /* answered all the same */
    ssize_t w = write(conn, f->reply, strlen(f->reply));
    (void)w;
    char sink[256];
    while (read(conn, sink, sizeof(sink)) > 0) {
    }
    close(conn);
    return NULL;
}

/* An answer to the WebSocket upgrade that is not a good 101 fails the login with
 * RTM_ERR_NETWORK; the request asked for rtm.1 and named host and port. */
static void test_login_fails_with_network_when_the_upgrade_is_refused(void **state)
{
    const char *replies[] = {
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        "Sec-WebSocket-Protocol: rtm.1\r\n\r\n",
        "not http at all\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
        fake_server_t f;
        memset(&f, 0, sizeof(f));
        char url[64];
        f.fd = silent_listener(url, sizeof(url));
        f.reply = replies[i];
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, fake_server_run, &f), 0);
        rtm_client_t *c = make_client(url, NULL);
        assert_int_equal(login_result(c, NULL, "refused"), RTM_ERR_NETWORK);
        assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_DISCONNECTED);
        rtm_client_free(c);
        pthread_join(t, NULL);
        close(f.fd);
        char host[96];
        snprintf(host, sizeof(host), "\r\nHost: %s\r\n", url + strlen("ws://"));
        assert_non_null(strstr(f.request, "GET / HTTP/1.1\r\n"));
        assert_non_null(strstr(f.request, host));
        assert_non_null(strstr(f.request, "\r\nSec-WebSocket-Protocol: rtm.1\r\n"));
        assert_non_null(strstr(f.request, "\r\nSec-WebSocket-Key: "));
    }
}

static void test_logout_while_connecting_completes_queued_requests_with_closed(void **state)
{
    char url[64];
    int fd = silent_listener(url, sizeof(url));
    rtm_client_t *c = make_client(url, NULL);
    uint64_t login, send, out;
    assert_int_equal(rtm_client_login(c, NULL, "quitter", &login), RTM_OK);
    rtm_message_t *m = rtm_message_new_text("never", NULL);
    assert_int_equal(rtm_client_send_message_to_peer(c, "someone", m, 0, &send), RTM_OK);
    rtm_message_free(m);
    assert_int_equal(rtm_client_logout(c, &out), RTM_OK);
    rtm_event_free(next_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 1000)); /* CONNECTING */
    rtm_event_t *e = next_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 1000);
    assert_int_equal(rtm_event_connection_reason(e), RTM_CONNECTION_CHANGE_REASON_LOGOUT);
    rtm_event_free(e);
    e = next_event(c, RTM_EVENT_LOGIN_RESULT, 1000);
    assert_int_equal(rtm_event_request_id(e), login);
    assert_int_equal(rtm_event_error(e), RTM_ERR_CLOSED);
    rtm_event_free(e);
    e = next_event(c, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 1000);
    assert_int_equal(rtm_event_request_id(e), send);
    assert_int_equal(rtm_event_error(e), RTM_ERR_CLOSED);
    rtm_event_free(e);
    e = next_event(c, RTM_EVENT_LOGOUT_RESULT, 1000);
    assert_int_equal(rtm_event_request_id(e), out);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    assert_true(no_event_within(c, 200));
    rtm_client_free(c);
    close(fd);
}

static void test_queued_request_times_out_while_connecting(void **state)
{
    char url[64];
    int fd = silent_listener(url, sizeof(url));
    const char *settings[] = {"request.timeout_ms=200", NULL};
    rtm_client_t *c = make_client(url, settings);
    assert_int_equal(rtm_client_login(c, NULL, "waiting", NULL), RTM_OK);
    const char *ids[] = {"x"};
    uint64_t req;
    assert_int_equal(rtm_client_query_peers_online_status(c, ids, 1, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_ERR_TIMEOUT);
    rtm_event_free(e);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_CONNECTING);
    rtm_client_free(c);
    close(fd);
}

static void test_server_list_is_tried_in_turn(void **state)
{
    char dead[64], url[160];
    dead_url(dead, sizeof(dead));
    snprintf(url, sizeof(url), "%s,%s", dead, server.url);
    rtm_client_t *c = make_client(url, NULL);
    login_ok(c, NULL, "failover");
    rtm_client_free(c);
}

static void test_free_with_requests_in_flight_is_clean(void **state)
{
    for (int round = 0; round < 5; round++) {
        rtm_client_t *a = make_client(server.url, NULL), *b = make_client(server.url, NULL);
        login_ok(a, NULL, "inflight-a");
        login_ok(b, NULL, "inflight-b");
        rtm_message_t *m = rtm_message_new_text("in flight", NULL);
        for (int i = 0; i < 200; i++)
            rtm_client_send_message_to_peer(a, "inflight-b", m, 0, NULL);
        rtm_message_free(m);
        rtm_client_free(round % 2 ? a : b); /* free one side mid-stream */
        rtm_client_free(round % 2 ? b : a);
    }
    /* a client freed while still connecting */
    rtm_client_t *c = make_client(server.url, NULL);
    rtm_client_login(c, NULL, "hasty", NULL);
    rtm_client_free(c);
}

static void test_freeing_a_client_logs_its_user_out(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL), *b = make_client(server.url, NULL);
    login_ok(a, NULL, "leaver");
    login_ok(b, NULL, "watcher");
    rtm_client_free(a);
    const char *ids[] = {"leaver"};
    for (int i = 0; i < 50; i++) { /* the server learns of it within a moment */
        rtm_client_query_peers_online_status(b, ids, 1, NULL);
        rtm_event_t *e = wait_event(b, RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT, 5000);
        rtm_peer_online_state_t st = rtm_event_peer_state(e, 0);
        rtm_event_free(e);
        if (st == RTM_PEER_ONLINE_STATE_OFFLINE)
            break;
        assert_true(i < 49);
        usleep(20000);
    }
    rtm_client_free(b);
}

static void test_client_reconnects_by_itself_when_the_server_comes_back(void **state)
{
    rtmd_t own;
    rtmd_start(&own, NULL);
    const char *fast[] = {"reconnect.backoff_min_ms=50", "reconnect.backoff_max_ms=200", NULL};
    rtm_client_t *a = make_client(own.url, fast), *b = make_client(own.url, fast);
    login_ok(a, NULL, "phoenix-a");
    login_ok(b, NULL, "phoenix-b");
    rtmd_crash(&own); /* the server vanishes without a goodbye */
    expect_state(a, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 10000);
    assert_int_equal(rtm_client_connection_state(a), RTM_CONNECTION_STATE_RECONNECTING);
    /* requests made meanwhile wait for the session to come back (to itself: b may come back
       later than a) */
    rtm_message_t *m = rtm_message_new_text("after the outage", NULL);
    uint64_t req;
    assert_int_equal(rtm_client_send_message_to_peer(a, "phoenix-a", m, 0, &req), RTM_OK);
    rtmd_restart(&own, NULL);
    expect_state(a, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS,
                 10000);
    expect_state(b, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 10000);
    expect_state(b, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS,
                 10000);
    rtm_event_t *e = wait_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 10000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    /* both sessions are back: peer messages flow between them again */
    assert_int_equal(rtm_client_send_message_to_peer(a, "phoenix-b", m, 0, &req), RTM_OK);
    e = wait_event(b, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000);
    assert_string_equal(rtm_message_text(rtm_event_message(e)), "after the outage");
    rtm_event_free(e);
    rtm_message_free(m);
    rtm_client_free(a);
    rtm_client_free(b);
    assert_int_equal(rtmd_stop(&own), 0);
}

static void test_request_that_timed_out_while_reconnecting_is_never_sent(void **state)
{
    rtmd_t own;
    rtmd_start(&own, NULL);
    const char *fast[] = {"reconnect.backoff_min_ms=50", "reconnect.backoff_max_ms=200",
                          "request.timeout_ms=300", NULL};
    rtm_client_t *a = make_client(own.url, fast);
    login_ok(a, NULL, "echo");
    rtmd_crash(&own);
    expect_state(a, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 10000);
    rtm_message_t *late = rtm_message_new_text("late", NULL);
    uint64_t req;
    assert_int_equal(rtm_client_send_message_to_peer(a, "echo", late, 0, &req), RTM_OK);
    rtm_message_free(late);
    rtm_event_t *e = wait_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_ERR_TIMEOUT);
    rtm_event_free(e);
    rtmd_restart(&own, NULL);
    expect_state(a, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS,
                 10000);
    /* the application was told "late" failed: it must not arrive after all */
    rtm_message_t *fresh = rtm_message_new_text("fresh", NULL);
    assert_int_equal(rtm_client_send_message_to_peer(a, "echo", fresh, 0, &req), RTM_OK);
    rtm_message_free(fresh);
    e = wait_event(a, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000);
    assert_string_equal(rtm_message_text(rtm_event_message(e)), "fresh");
    rtm_event_free(e);
    rtm_client_free(a);
    assert_int_equal(rtmd_stop(&own), 0);
}

static void test_many_clients_share_one_process(void **state)
{
    enum { N = 50 };
    rtm_client_t *c[N];
    char name[32];
    for (int i = 0; i < N; i++) {
        c[i] = make_client(server.url, NULL);
        snprintf(name, sizeof(name), "crowd-%d", i);
        assert_int_equal(rtm_client_login(c[i], NULL, name, NULL), RTM_OK);
    }
    for (int i = 0; i < N; i++)
        rtm_event_free(wait_event(c[i], RTM_EVENT_LOGIN_RESULT, 10000));
    for (int i = 0; i < N; i++)
        rtm_client_free(c[i]);
}

/* Clients created, used and freed from several threads at once, with others alive so that the
 * I/O thread keeps running: freeing a client while the I/O thread is detaching it must not
 * leave it on the thread's to-do list (a use after free that ASan and valgrind catch). */
static void *churn(void *arg)
{
    for (int i = 0; i < 25; i++) {
        rtm_client_t *c = make_client(server.url, NULL);
        char name[32];
        snprintf(name, sizeof(name), "churn-%d-%d", (int)(intptr_t)arg, i);
        uint64_t req;
        rtm_client_login(c, NULL, name, &req);
        if (i % 2)
            rtm_client_wakeup(c); /* one more kick of the I/O thread */
        rtm_client_free(c);
    }
    return NULL;
}

static void test_clients_freed_from_many_threads_while_others_live(void **state)
{
    rtm_client_t *keeper = make_client(server.url, NULL);
    login_ok(keeper, NULL, "churn-keeper");
    pthread_t t[4];
    for (intptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)i), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(rtm_client_connection_state(keeper), RTM_CONNECTION_STATE_CONNECTED);
    rtm_client_free(keeper);
}

static void app_handler(int sig)
{
    (void)sig;
}

/* librtm never takes the application's signals, neither while its I/O thread runs nor after
 * it stopped (a JVM or Mono runtime relies on its own SIGSEGV handler). */
static void test_library_leaves_signal_handlers_alone(void **state)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGFPE};
    struct sigaction mine = {.sa_handler = app_handler}, saved[5], now;
    for (int i = 0; i < 5; i++)
        assert_int_equal(sigaction(sigs[i], &mine, &saved[i]), 0);
    for (int round = 0; round < 2; round++) { /* the thread starts and stops each round */
        rtm_client_t *c = make_client(server.url, NULL);
        login_ok(c, NULL, "sig-user");
        for (int i = 0; i < 5; i++) {
            assert_int_equal(sigaction(sigs[i], NULL, &now), 0);
            assert_ptr_equal(now.sa_handler, app_handler);
        }
        rtm_client_free(c);
        for (int i = 0; i < 5; i++) {
            assert_int_equal(sigaction(sigs[i], NULL, &now), 0);
            assert_ptr_equal(now.sa_handler, app_handler);
        }
    }
    for (int i = 0; i < 5; i++)
        sigaction(sigs[i], &saved[i], NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_library_reports_its_version_and_names),
        cmocka_unit_test(test_live_handles_count_what_the_application_holds),
        cmocka_unit_test(test_library_leaves_signal_handlers_alone),
        cmocka_unit_test(test_clients_freed_from_many_threads_while_others_live),
        cmocka_unit_test(test_config_refuses_unknown_keys_and_bad_values),
        cmocka_unit_test(test_client_new_refuses_missing_app_id),
        cmocka_unit_test(test_live_options_change_and_others_refuse),
        cmocka_unit_test(test_messages_validate_their_content),
        cmocka_unit_test(test_bad_arguments_fail_at_once_with_a_sentence),
        cmocka_unit_test(test_event_accessors_tolerate_null_and_wrong_events),
        cmocka_unit_test(test_event_fd_is_readable_exactly_while_events_wait),
        cmocka_unit_test(test_event_fd_created_late_reflects_queued_events),
        cmocka_unit_test(test_wakeup_releases_a_blocked_poll),
        cmocka_unit_test(test_wakeup_without_a_poll_makes_the_next_poll_return_at_once),
        cmocka_unit_test(test_login_to_a_dead_port_fails_with_network),
        cmocka_unit_test(test_login_times_out_when_the_server_never_answers),
        cmocka_unit_test(test_login_fails_with_network_when_the_upgrade_is_refused),
        cmocka_unit_test(test_logout_while_connecting_completes_queued_requests_with_closed),
        cmocka_unit_test(test_queued_request_times_out_while_connecting),
        cmocka_unit_test(test_server_list_is_tried_in_turn),
        cmocka_unit_test(test_free_with_requests_in_flight_is_clean),
        cmocka_unit_test(test_freeing_a_client_logs_its_user_out),
        cmocka_unit_test(test_client_reconnects_by_itself_when_the_server_comes_back),
        cmocka_unit_test(test_request_that_timed_out_while_reconnecting_is_never_sent),
        cmocka_unit_test(test_many_clients_share_one_process),
    };
    return cmocka_run_group_tests(tests, start_server_relogins, stop_server);
}
