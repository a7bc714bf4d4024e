/* Bans and the admin endpoint: POST /admin/ban?user=ID, POST /admin/unban?user=ID and
 * GET /admin/bans with `Authorization: Bearer` --admin-token (401 without or wrong, 400 for a
 * bad id, 404 without --admin-token); a banned user's live session ends with SESSION_END
 * BANNED_BY_SERVER and its logins get REJECTED (reason BANNED_BY_SERVER); --ban and `ban =`
 * in a config file ban from the start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec.h"
#include "harness.h"
#include "rawws.h"

#define SECRET "admin-secret-for-tests-42"

static uint8_t buf[RTM_WIRE_MAX_MESSAGE];
static rtmd_t plain; /* without --admin-token */

static int setup(void **state)
{
    /* the tests log banned users in several times a second */
    const char *args[] = {"--admin-token", SECRET, "--rate-logins", "1000", NULL};
    rtmd_start(&server, args);
    rtmd_start(&plain, NULL);
    return 0;
}

static int teardown(void **state)
{
    int rc = rtmd_stop(&server) | rtmd_stop(&plain);
    return rc == 0 ? 0 : -1;
}

/* One HTTP/1.1 request; returns the status and puts the body in body. auth: the whole
 * Authorization value, or NULL for none. */
static int http(int port, const char *method, const char *target, const char *auth,
                const char *req_body, char *body, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[1024];
    int n = snprintf(req, sizeof(req),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     method, target, auth ? "Authorization: " : "", auth ? auth : "",
                     auth ? "\r\n" : "", req_body ? strlen(req_body) : 0, req_body ? req_body : "");
    assert_int_equal(write(fd, req, (size_t)n), n);
    static char resp[16384];
    size_t got = 0;
    ssize_t r;
    while (got + 1 < sizeof(resp) && (r = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
        got += (size_t)r;
    resp[got] = '\0';
    close(fd);
    int status = 0;
    assert_int_equal(sscanf(resp, "HTTP/1.1 %d", &status), 1);
    const char *start = strstr(resp, "\r\n\r\n");
    snprintf(body, cap, "%s", start ? start + 4 : "");
    return status;
}

static int admin(const char *method, const char *target, char *body, size_t cap)
{
    return http(server.port, method, target, "Bearer " SECRET, NULL, body, cap);
}

static void test_admin_is_not_found_without_admin_token(void **state)
{
    char body[512];
    assert_int_equal(
        http(plain.port, "POST", "/admin/ban?user=x", "Bearer " SECRET, NULL, body, sizeof(body)),
        404);
    assert_int_equal(
        http(plain.port, "GET", "/admin/bans", "Bearer " SECRET, NULL, body, sizeof(body)), 404);
}

static void test_admin_needs_the_bearer_token(void **state)
{
    char body[512];
    assert_int_equal(
        http(server.port, "POST", "/admin/ban?user=ban-x", NULL, NULL, body, sizeof(body)), 401);
    assert_non_null(strstr(body, "error"));
    assert_int_equal(http(server.port, "POST", "/admin/ban?user=ban-x", "Bearer wrong-secret", NULL,
                          body, sizeof(body)),
                     401);
    assert_int_equal(http(server.port, "POST", "/admin/ban?user=ban-x",
                          "Bearer " SECRET "-and-more", NULL, body, sizeof(body)),
                     401);
    assert_int_equal(
        http(server.port, "GET", "/admin/bans", "Basic " SECRET, NULL, body, sizeof(body)), 401);
    /* nothing was banned by those */
    assert_int_equal(admin("GET", "/admin/bans", body, sizeof(body)), 200);
    assert_null(strstr(body, "ban-x"));
}

static void test_admin_refuses_bad_ids_methods_and_paths(void **state)
{
    char body[512];
    assert_int_equal(admin("POST", "/admin/ban", body, sizeof(body)), 400);
    assert_int_equal(admin("POST", "/admin/ban?user=", body, sizeof(body)), 400);
    assert_int_equal(admin("POST", "/admin/ban?user=null", body, sizeof(body)), 400);
    assert_int_equal(admin("POST", "/admin/ban?user=%20lead", body, sizeof(body)), 400);
    assert_int_equal(admin("POST", "/admin/ban?user=a%22b", body, sizeof(body)), 400);
    assert_int_equal(admin("POST", "/admin/ban?user=a&user=b", body, sizeof(body)), 400);
    char target[256];
    snprintf(target, sizeof(target), "/admin/ban?user=%065d", 0); /* 65 bytes */
    assert_int_equal(admin("POST", target, body, sizeof(body)), 400);
    assert_int_equal(admin("GET", "/admin/ban?user=ban-y", body, sizeof(body)), 405);
    assert_int_equal(admin("POST", "/admin/bans", body, sizeof(body)), 405);
    assert_int_equal(admin("POST", "/admin/other", body, sizeof(body)), 404);
    assert_int_equal(admin("GET", "/admin/bans", body, sizeof(body)), 200);
    assert_string_equal(body, "{\"count\":0,\"bans\":[]}\n");
}

static int wire_login(int port, const char *user, rtm_frame_t *result)
{
    int fd = ws_connect(port, RTM_PROTOCOL_NAME);
    send_login(fd, 1, user);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, result);
    return fd;
}

static void expect_banned_login(int port, const char *user)
{
    rtm_frame_t f;
    int fd = wire_login(port, user, &f);
    assert_int_equal(f.err, RTM_ERR_REJECTED);
    assert_true(rtm_frame_has(&f, RTM_K_REASON));
    assert_int_equal(f.reason, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
    assert_true(ws_recv(fd, buf, sizeof(buf), 5000) < 0); /* closed */
    close(fd);
}

static void test_ban_ends_the_session_and_refuses_logins_until_unban(void **state)
{
    /* a member of a channel with the user to be banned */
    rtm_frame_t f;
    int other = wire_login(server.port, "ban-other", &f);
    assert_int_equal(f.err, RTM_OK);
    rtm_frame_init(&f, RTM_FRAME_JOIN, 2);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "ban-room");
    send_frame(other, &f);
    expect_frame(other, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);

    rtm_client_t *c = make_client(server.url, NULL);
    login_ok(c, NULL, "ban-me");
    rtm_err_t err;
    rtm_channel_t *ch = rtm_client_create_channel(c, "ban-room", &err);
    uint64_t req;
    assert_int_equal(rtm_channel_join(ch, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_JOIN_CHANNEL_RESULT, 10000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    expect_frame(other, buf, sizeof(buf), RTM_FRAME_MEMBER_JOINED, &f);

    char body[512];
    assert_int_equal(admin("POST", "/admin/ban?user=ban-me", body, sizeof(body)), 200);
    assert_string_equal(body, "{\"user\":\"ban-me\",\"banned\":true,\"changed\":true}\n");

    /* the client is aborted (BANNED_BY_SERVER) and does not come back */
    for (;;) {
        e = wait_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 10000);
        if (rtm_event_connection_state(e) == RTM_CONNECTION_STATE_ABORTED)
            break;
        rtm_event_free(e);
    }
    assert_int_equal(rtm_event_connection_reason(e), RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
    rtm_event_free(e);
    /* its session is over: the other member sees it leave */
    expect_frame(other, buf, sizeof(buf), RTM_FRAME_MEMBER_LEFT, &f);
    assert_int_equal(f.user.len, 6);
    assert_memory_equal(f.user.ptr, "ban-me", 6);
    rtm_channel_free(ch);
    rtm_client_free(c);

    /* banning again changes nothing; the list has it */
    assert_int_equal(admin("POST", "/admin/ban?user=ban-me", body, sizeof(body)), 200);
    assert_string_equal(body, "{\"user\":\"ban-me\",\"banned\":true,\"changed\":false}\n");
    assert_int_equal(admin("GET", "/admin/bans", body, sizeof(body)), 200);
    assert_string_equal(body, "{\"count\":1,\"bans\":[\"ban-me\"]}\n");

    /* logins are refused: on the wire, and through librtm */
    expect_banned_login(server.port, "ban-me");
    c = make_client(server.url, NULL);
    assert_int_equal(login_result(c, NULL, "ban-me"), RTM_ERR_REJECTED);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_DISCONNECTED);

    /* unban: logins work again */
    assert_int_equal(admin("POST", "/admin/unban?user=ban-me", body, sizeof(body)), 200);
    assert_string_equal(body, "{\"user\":\"ban-me\",\"banned\":false,\"changed\":true}\n");
    assert_int_equal(admin("POST", "/admin/unban?user=ban-me", body, sizeof(body)), 200);
    assert_string_equal(body, "{\"user\":\"ban-me\",\"banned\":false,\"changed\":false}\n");
    login_ok(c, NULL, "ban-me");
    rtm_client_free(c);
    assert_int_equal(admin("GET", "/admin/bans", body, sizeof(body)), 200);
    assert_string_equal(body, "{\"count\":0,\"bans\":[]}\n");
    close(other);
}

static void test_ban_of_a_wire_session_sends_session_end(void **state)
{
    rtm_frame_t f;
    int fd = wire_login(server.port, "ban-wire", &f);
    assert_int_equal(f.err, RTM_OK);
    char body[512];
    assert_int_equal(admin("POST", "/admin/ban?user=ban-wire", body, sizeof(body)), 200);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_SESSION_END, &f);
    assert_int_equal(f.reason, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
    assert_true(f.errmsg.len > 0);
    assert_true(ws_recv(fd, buf, sizeof(buf), 5000) < 0);
    close(fd);
    assert_int_equal(admin("POST", "/admin/unban?user=ban-wire", body, sizeof(body)), 200);
}

/* watcher subscribes to user and reads the PRESENCE snapshot */
static void subscribe(int watcher, const char *user)
{
    rtm_frame_t f;
    rtm_bytes_t who = {user, strlen(user)};
    rtm_frame_init(&f, RTM_FRAME_SUBSCRIBE, 50);
    rtm_frame_set_users(&f, &who, 1);
    send_frame(watcher, &f);
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_PRESENCE, &f);
}

static void expect_presence(int watcher, uint32_t state)
{
    rtm_frame_t f;
    expect_frame(watcher, buf, sizeof(buf), RTM_FRAME_PRESENCE, &f);
    assert_int_equal(f.n_states, 1);
    assert_int_equal(f.states[0], state);
}

static void test_ban_ends_a_session_held_for_a_resume(void **state)
{
    rtm_frame_t f;
    int watcher = wire_login(server.port, "ban-watcher", &f);
    assert_int_equal(f.err, RTM_OK);
    subscribe(watcher, "ban-held");
    int fd = wire_login(server.port, "ban-held", &f);
    assert_int_equal(f.err, RTM_OK);
    uint8_t secret[16];
    assert_int_equal(f.session.len, sizeof(secret));
    memcpy(secret, f.session.ptr, sizeof(secret));
    expect_presence(watcher, RTM_PEER_ONLINE_STATE_ONLINE);
    close(fd); /* dropped without LOGOUT: the session is held for a resume */
    expect_presence(watcher, RTM_PEER_ONLINE_STATE_UNREACHABLE);

    char body[512];
    assert_int_equal(admin("POST", "/admin/ban?user=ban-held", body, sizeof(body)), 200);
    expect_presence(watcher, RTM_PEER_ONLINE_STATE_OFFLINE); /* ended now, not at grace end */

    /* the resume is refused as a banned login */
    fd = ws_connect(server.port, RTM_PROTOCOL_NAME);
    rtm_frame_init(&f, RTM_FRAME_LOGIN, 9);
    rtm_frame_set_uint(&f, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_str(&f, RTM_K_APP_ID, "test");
    rtm_frame_set_str(&f, RTM_K_USER, "ban-held");
    rtm_frame_set_bytes(&f, RTM_K_SESSION, secret, sizeof(secret));
    rtm_frame_set_uint(&f, RTM_K_RX, 0);
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_ERR_REJECTED);
    assert_int_equal(f.reason, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
    close(fd);
    assert_int_equal(admin("POST", "/admin/unban?user=ban-held", body, sizeof(body)), 200);
    close(watcher);
}

static void test_ids_are_url_decoded_and_a_request_body_is_ignored(void **state)
{
    char body[512];
    /* "a&b+c d%e=f": characters that need URL encoding ('+' is a space, as in forms) */
    assert_int_equal(http(server.port, "POST", "/admin/ban?user=a%26b%2Bc+d%25e%3Df",
                          "Bearer " SECRET, "ignored=1", body, sizeof(body)),
                     200);
    assert_string_equal(body, "{\"user\":\"a&b+c d%e=f\",\"banned\":true,\"changed\":true}\n");
    expect_banned_login(server.port, "a&b+c d%e=f");
    assert_int_equal(admin("POST", "/admin/unban?user=a%26b%2Bc%20d%25e%3Df", body, sizeof(body)),
                     200);
    assert_non_null(strstr(body, "\"changed\":true"));
}

static void test_bans_from_the_command_line_and_config_file(void **state)
{
    char path[] = "/tmp/rtmd-bans-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char conf[] = "# banned from the start\nban = ban-conf-1\nban = ban conf 2\n";
    assert_int_equal(write(fd, conf, sizeof(conf) - 1), (ssize_t)(sizeof(conf) - 1));
    close(fd);
    const char *args[] = {"--config", path, "--ban", "ban-cli", "--admin-token", SECRET, NULL};
    rtmd_t d;
    rtmd_start(&d, args);
    expect_banned_login(d.port, "ban-conf-1");
    expect_banned_login(d.port, "ban conf 2");
    expect_banned_login(d.port, "ban-cli");
    char body[512];
    assert_int_equal(http(d.port, "GET", "/admin/bans", "Bearer " SECRET, NULL, body, sizeof(body)),
                     200);
    assert_string_equal(body,
                        "{\"count\":3,\"bans\":[\"ban-conf-1\",\"ban conf 2\",\"ban-cli\"]}\n");
    assert_int_equal(rtmd_stop(&d), 0);
    unlink(path);

    /* an invalid id is a bad option: exit status 2 (rtmd_start would fail the test) */
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s --listen 127.0.0.1:0 --ban null 2>/dev/null",
             getenv("RTMD") && *getenv("RTMD") ? getenv("RTMD") : RTMD_PATH);
    int rc = system(cmd);
    assert_true(WIFEXITED(rc));
    assert_int_equal(WEXITSTATUS(rc), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admin_is_not_found_without_admin_token),
        cmocka_unit_test(test_admin_needs_the_bearer_token),
        cmocka_unit_test(test_admin_refuses_bad_ids_methods_and_paths),
        cmocka_unit_test(test_ban_ends_the_session_and_refuses_logins_until_unban),
        cmocka_unit_test(test_ban_of_a_wire_session_sends_session_end),
        cmocka_unit_test(test_ban_ends_a_session_held_for_a_resume),
        cmocka_unit_test(test_ids_are_url_decoded_and_a_request_body_is_ignored),
        cmocka_unit_test(test_bans_from_the_command_line_and_config_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
