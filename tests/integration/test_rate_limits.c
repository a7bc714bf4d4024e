/* Rate limits: each limit with its default (messages 1500 / 3 s, joins 50 / 3 s, attribute
 * writes 100 / 5 s, logins 2 / s per user id): the request past the limit gets TOO_OFTEN, has
 * no effect, and the connection goes on working; --rate-limits off lifts them; the windows
 * slide. Wire level (requests packed into one WebSocket message, so thousands take no time),
 * plus what an application sees through librtm. */
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

static uint8_t buf[RTM_WIRE_MAX_MESSAGE];
static rtmd_t unlimited; /* --rate-limits off */
static rtmd_t small;     /* --rate-messages 4: for the sliding window */

static int setup(void **state)
{
    rtmd_start(&server, NULL); /* the defaults */
    const char *off[] = {"--rate-limits", "off", NULL};
    rtmd_start(&unlimited, off);
    const char *four[] = {"--rate-messages", "4", NULL};
    rtmd_start(&small, four);
    return 0;
}

static int teardown(void **state)
{
    int rc = rtmd_stop(&server) | rtmd_stop(&unlimited) | rtmd_stop(&small);
    return rc == 0 ? 0 : -1;
}

static void sleep_until(long long t_ms)
{
    long long left = t_ms - now_ms();
    if (left > 0)
        usleep((useconds_t)left * 1000);
}

static int logged_in(int port, const char *user)
{
    int fd = ws_connect(port, RTM_PROTOCOL_NAME);
    send_login(fd, 1, user);
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    return fd;
}

/* Requests sent in one WebSocket message; ids first_id, first_id + 1, ... */
typedef void (*make_frame_t)(rtm_frame_t *f, uint64_t id, int i);

static void send_many(int fd, make_frame_t make, uint64_t first_id, int n)
{
    rtm_buf_t out;
    rtm_buf_init(&out, 0);
    for (int i = 0; i < n; i++) {
        rtm_frame_t f;
        make(&f, first_id + (uint64_t)i, i);
        assert_true(rtm_frame_encode(&out, &f));
    }
    ws_send(fd, 2, rtm_buf_data(&out), out.len);
    rtm_buf_free(&out);
}

/* Reads the results of ids first_id .. first_id + n - 1 in order; returns how many were OK
 * (or `ok_too`) and checks that the others are TOO_OFTEN. */
static int read_results(int fd, uint64_t first_id, int n, rtm_err_t ok_too)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        rtm_frame_t f;
        expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
        assert_int_equal(f.id, first_id + (uint64_t)i);
        if (f.err == RTM_OK || f.err == ok_too) {
            assert_int_equal(ok, i); /* nothing passes after the first refusal */
            ok++;
        } else {
            assert_int_equal(f.err, RTM_ERR_TOO_OFTEN);
            assert_true(f.errmsg.len > 0);
        }
    }
    return ok;
}

/* The connection is alive and logged in: a request without a limit is served. */
static void expect_still_served(int fd, const char *user)
{
    rtm_frame_t f;
    rtm_bytes_t who = {user, strlen(user)};
    rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, 999999);
    rtm_frame_set_users(&f, &who, 1);
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 999999);
    assert_int_equal(f.err, RTM_OK);
}

static void channel_message(rtm_frame_t *f, uint64_t id, int i)
{
    rtm_frame_init(f, RTM_FRAME_SEND_CHANNEL, id);
    rtm_frame_set_str(f, RTM_K_CHANNEL, "rl-room");
    rtm_frame_set_uint(f, RTM_K_MTYPE, 1);
    rtm_frame_set_str(f, RTM_K_TEXT, "hi");
}

static void peer_message(rtm_frame_t *f, uint64_t id, int i)
{
    rtm_frame_init(f, RTM_FRAME_SEND_PEER, id);
    rtm_frame_set_str(f, RTM_K_USER, "rl-nobody"); /* offline: answered at once */
    rtm_frame_set_uint(f, RTM_K_MTYPE, 1);
    rtm_frame_set_str(f, RTM_K_TEXT, "hi");
}

static void test_message_past_1500_in_3_s_is_too_often_and_not_delivered(void **state)
{
    int member = logged_in(server.port, "rl-member");
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_JOIN, 2);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "rl-room");
    send_frame(member, &f);
    expect_frame(member, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);

    int sender = logged_in(server.port, "rl-sender");
    /* channel and peer messages share the limit */
    send_many(sender, channel_message, 10, 1499);
    send_many(sender, peer_message, 10 + 1499, 3);
    assert_int_equal(read_results(sender, 10, 1499, RTM_OK), 1499);
    assert_int_equal(read_results(sender, 10 + 1499, 3, RTM_ERR_PEER_UNREACHABLE), 1);
    send_many(sender, channel_message, 5000, 1);
    assert_int_equal(read_results(sender, 5000, 1, RTM_OK), 0);
    expect_still_served(sender, "rl-sender");

    /* the member got exactly the 1499 that passed */
    for (int i = 0; i < 1499; i++)
        expect_frame(member, buf, sizeof(buf), RTM_FRAME_CHANNEL_MESSAGE, &f);
    rtm_frame_init(&f, RTM_FRAME_LEAVE, 3);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "rl-room");
    send_frame(member, &f);
    expect_frame(member, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 3); /* no CHANNEL_MESSAGE was left before the answer */
    close(sender);
    close(member);
}

static void join_or_leave(rtm_frame_t *f, uint64_t id, int i)
{
    /* JOIN, LEAVE, JOIN, ...: 20 channels at most at once, but joins keep counting */
    rtm_frame_init(f, i % 2 ? RTM_FRAME_LEAVE : RTM_FRAME_JOIN, id);
    rtm_frame_set_str(f, RTM_K_CHANNEL, "rl-join");
}

static void test_join_past_50_in_3_s_is_too_often_and_does_not_join(void **state)
{
    int fd = logged_in(server.port, "rl-joiner");
    send_many(fd, join_or_leave, 100, 100); /* 50 joins and 50 leaves */
    assert_int_equal(read_results(fd, 100, 100, RTM_OK), 100);
    send_many(fd, join_or_leave, 200, 1); /* the 51st join */
    assert_int_equal(read_results(fd, 200, 1, RTM_OK), 0);
    /* not a member: the refused join had no effect */
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_GET_MEMBERS, 201);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "rl-join");
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 201);
    assert_int_equal(f.err, RTM_ERR_NOT_IN_CHANNEL);
    /* leaving is not limited */
    expect_still_served(fd, "rl-joiner");
    close(fd);
}

static void attribute_write(rtm_frame_t *f, uint64_t id, int i)
{
    /* the frame borrows these until it is encoded */
    static char value[16];
    static rtm_bytes_t key = {"k", 1}, val;
    snprintf(value, sizeof(value), "v%d", i);
    val = (rtm_bytes_t){value, strlen(value)};
    static const uint32_t types[] = {RTM_FRAME_SET_USER_ATTRS, RTM_FRAME_ADD_USER_ATTRS,
                                     RTM_FRAME_SET_CHANNEL_ATTRS, RTM_FRAME_ADD_CHANNEL_ATTRS};
    uint32_t type = types[i % 4];
    rtm_frame_init(f, type, id);
    if (type == RTM_FRAME_SET_CHANNEL_ATTRS || type == RTM_FRAME_ADD_CHANNEL_ATTRS)
        rtm_frame_set_str(f, RTM_K_CHANNEL, "rl-attrs");
    rtm_frame_set_strs(f, RTM_K_KEYS, &key, 1);
    rtm_frame_set_strs(f, RTM_K_VALUES, &val, 1);
}

static void test_attribute_write_past_100_in_5_s_is_too_often_and_changes_nothing(void **state)
{
    int fd = logged_in(server.port, "rl-writer");
    send_many(fd, attribute_write, 10, 101); /* user and channel writes share the limit */
    assert_int_equal(read_results(fd, 10, 101, RTM_OK), 100);
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_CLEAR_USER_ATTRS, 200); /* DEL and CLEAR count too */
    send_frame(fd, &f);
    assert_int_equal(read_results(fd, 200, 1, RTM_OK), 0);
    /* the user attribute is the last write that passed (i = 97: "v97"), not cleared */
    rtm_frame_init(&f, RTM_FRAME_GET_USER_ATTRS, 201);
    rtm_frame_set_str(&f, RTM_K_USER, "rl-writer");
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 201);
    assert_int_equal(f.err, RTM_OK);
    assert_int_equal(f.n_values, 1);
    assert_int_equal(f.values[0].len, 3);
    assert_memory_equal(f.values[0].ptr, "v97", 3);
    /* reads are not limited */
    rtm_frame_init(&f, RTM_FRAME_GET_CHANNEL_ATTRS, 202);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "rl-attrs");
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    close(fd);
}

static void test_third_login_of_a_user_within_a_second_is_too_often(void **state)
{
    rtm_frame_t f;
    int a = logged_in(server.port, "rl-login");
    int b = logged_in(server.port, "rl-login"); /* the second: remote login ends a */
    int c = ws_connect(server.port, RTM_PROTOCOL_NAME);
    send_login(c, 7, "rl-login");
    expect_frame(c, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 7);
    assert_int_equal(f.err, RTM_ERR_TOO_OFTEN);
    /* nothing happened: b keeps its session, and c may try again on the same connection */
    expect_still_served(b, "rl-login");
    /* another user id has its own count */
    int d = logged_in(server.port, "rl-login-other");
    sleep_until(now_ms() + 1300); /* the window (1 s, counted in 125 ms slots) passes */
    send_login(c, 8, "rl-login");
    expect_frame(c, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 8);
    assert_int_equal(f.err, RTM_OK);
    close(a);
    close(b);
    close(c);
    close(d);
}

static void test_rate_limits_off_lets_everything_through(void **state)
{
    int fd = logged_in(unlimited.port, "rl-free");
    send_many(fd, channel_message, 10, 1600);
    assert_int_equal(read_results(fd, 10, 1600, RTM_OK), 1600);
    send_many(fd, join_or_leave, 2000, 120);
    assert_int_equal(read_results(fd, 2000, 120, RTM_OK), 120);
    send_many(fd, attribute_write, 3000, 110);
    assert_int_equal(read_results(fd, 3000, 110, RTM_OK), 110);
    int more[3];
    for (int i = 0; i < 3; i++)
        more[i] = logged_in(unlimited.port, "rl-free-login");
    for (int i = 0; i < 3; i++)
        close(more[i]);
    close(fd);
}

static void test_message_window_slides(void **state)
{
    /* --rate-messages 4: a request counts for 3 s to 3.375 s (3 s in 375 ms slots) */
    int fd = logged_in(small.port, "rl-slide");
    send_many(fd, channel_message, 10, 2);
    assert_int_equal(read_results(fd, 10, 2, RTM_OK), 2);
    long long first = now_ms(); /* the server counted the first two before this */
    sleep_until(first + 1600);
    send_many(fd, channel_message, 20, 3);
    assert_int_equal(read_results(fd, 20, 3, RTM_OK), 2); /* 4 in the window: full */
    /* the first two have left the window, the next two (sent at +1.6 s) have not */
    sleep_until(first + 3500);
    send_many(fd, channel_message, 30, 3);
    assert_int_equal(read_results(fd, 30, 3, RTM_OK), 2);
    close(fd);
}

static void test_client_sees_too_often_as_a_request_result(void **state)
{
    rtm_client_t *c = make_client(small.url, NULL);
    login_ok(c, NULL, "rl-client");
    rtm_err_t err;
    rtm_channel_t *ch = rtm_client_create_channel(c, "rl-client-room", &err);
    assert_non_null(ch);
    uint64_t join = 0;
    assert_int_equal(rtm_channel_join(ch, &join), RTM_OK);
    rtm_event_t *j = wait_event(c, RTM_EVENT_JOIN_CHANNEL_RESULT, 10000);
    assert_int_equal(rtm_event_error(j), RTM_OK);
    rtm_event_free(j);
    rtm_message_t *m = rtm_message_new_text("hello", &err);
    assert_non_null(m);
    rtm_err_t got[5];
    uint64_t ids[5];
    for (int i = 0; i < 5; i++)
        assert_int_equal(rtm_channel_send_message(ch, m, 0, &ids[i]), RTM_OK);
    for (int i = 0; i < 5; i++) {
        rtm_event_t *e = wait_event(c, RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT, 10000);
        assert_int_equal(rtm_event_request_id(e), ids[i]);
        got[i] = rtm_event_error(e);
        rtm_event_free(e);
    }
    assert_int_equal(got[3], RTM_OK);
    assert_int_equal(got[4], RTM_ERR_TOO_OFTEN);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_CONNECTED);
    rtm_message_free(m);
    rtm_channel_free(ch);
    rtm_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_past_1500_in_3_s_is_too_often_and_not_delivered),
        cmocka_unit_test(test_join_past_50_in_3_s_is_too_often_and_does_not_join),
        cmocka_unit_test(test_attribute_write_past_100_in_5_s_is_too_often_and_changes_nothing),
        cmocka_unit_test(test_third_login_of_a_user_within_a_second_is_too_often),
        cmocka_unit_test(test_rate_limits_off_lets_everything_through),
        cmocka_unit_test(test_message_window_slides),
        cmocka_unit_test(test_client_sees_too_often_as_a_request_result),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
