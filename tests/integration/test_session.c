/* Login, logout, peer messages, online status and remote login against a real rtmd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void expect_next_state(rtm_client_t *c, rtm_connection_state_t st,
                              rtm_connection_change_reason_t reason)
{
    rtm_event_t *e = next_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 10000);
    assert_int_equal(rtm_event_connection_state(e), st);
    assert_int_equal(rtm_event_connection_reason(e), reason);
    rtm_event_free(e);
}

static void test_login_and_logout_emit_state_changes_before_results(void **state)
{
    rtm_client_t *c = make_client(server.url, NULL);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_DISCONNECTED);
    uint64_t req = 0;
    assert_int_equal(rtm_client_login(c, NULL, "alice", &req), RTM_OK);
    assert_true(req >= 1);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_CONNECTING);
    expect_next_state(c, RTM_CONNECTION_STATE_CONNECTING, RTM_CONNECTION_CHANGE_REASON_LOGIN);
    expect_next_state(c, RTM_CONNECTION_STATE_CONNECTED,
                      RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS);
    rtm_event_t *e = next_event(c, RTM_EVENT_LOGIN_RESULT, 1000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_CONNECTED);

    uint64_t out = 0;
    assert_int_equal(rtm_client_logout(c, &out), RTM_OK);
    assert_true(out > req);
    expect_next_state(c, RTM_CONNECTION_STATE_DISCONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGOUT);
    e = next_event(c, RTM_EVENT_LOGOUT_RESULT, 1000);
    assert_int_equal(rtm_event_request_id(e), out);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_DISCONNECTED);

    /* the same client can log in again */
    login_ok(c, NULL, "alice");
    rtm_client_free(c);
}

static void send_and_expect(rtm_client_t *from, const char *to, rtm_message_t *m, rtm_err_t want)
{
    uint64_t req = 0;
    assert_int_equal(rtm_client_send_message_to_peer(from, to, m, 0, &req), RTM_OK);
    rtm_event_t *e = wait_event(from, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 10000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), want);
    rtm_event_free(e);
}

static void test_text_message_is_delivered_and_acknowledged(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL), *b = make_client(server.url, NULL);
    login_ok(a, NULL, "a-text");
    login_ok(b, NULL, "b-text");
    rtm_message_t *m = rtm_message_new_text("héllo, b", NULL);
    send_and_expect(a, "b-text", m, RTM_OK);
    /* the OK result means b's client already had it */
    rtm_event_t *e = rtm_client_poll(b, 0);
    assert_non_null(e);
    assert_int_equal(rtm_event_type(e), RTM_EVENT_PEER_MESSAGE_RECEIVED);
    assert_string_equal(rtm_event_user_id(e), "a-text");
    const rtm_message_t *got = rtm_event_message(e);
    assert_int_equal(rtm_message_type(got), RTM_MESSAGE_TYPE_TEXT);
    assert_string_equal(rtm_message_text(got), "héllo, b");
    assert_true(rtm_message_id(got) > 0);
    assert_true(rtm_message_server_ts_ms(got) > 1600000000000LL);
    assert_int_equal(rtm_message_is_offline(got), 0);
    rtm_event_free(e);
    rtm_message_free(m);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_raw_message_keeps_bytes_with_nuls(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL), *b = make_client(server.url, NULL);
    login_ok(a, NULL, "a-raw");
    login_ok(b, NULL, "b-raw");
    unsigned char bytes[300];
    for (size_t i = 0; i < sizeof(bytes); i++)
        bytes[i] = (unsigned char)(i * 7); /* includes several 0 bytes */
    rtm_message_t *m = rtm_message_new_raw(bytes, sizeof(bytes), "blob", NULL);
    send_and_expect(a, "b-raw", m, RTM_OK);
    rtm_event_t *e = wait_event(b, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000);
    const rtm_message_t *got = rtm_event_message(e);
    assert_int_equal(rtm_message_type(got), RTM_MESSAGE_TYPE_RAW);
    assert_string_equal(rtm_message_text(got), "blob");
    size_t len = 0;
    const void *data = rtm_message_data(got, &len);
    assert_int_equal(len, sizeof(bytes));
    assert_memory_equal(data, bytes, sizeof(bytes));
    rtm_event_free(e);
    rtm_message_free(m);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_largest_message_arrives_whole(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL), *b = make_client(server.url, NULL);
    login_ok(a, NULL, "a-big");
    login_ok(b, NULL, "b-big");
    char *text = malloc(32769);
    memset(text, 'z', 32768);
    text[32768] = 0;
    rtm_message_t *m = rtm_message_new_text(text, NULL);
    assert_non_null(m);
    send_and_expect(a, "b-big", m, RTM_OK);
    rtm_event_t *e = wait_event(b, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000);
    assert_string_equal(rtm_message_text(rtm_event_message(e)), text);
    rtm_event_free(e);
    rtm_message_free(m);
    free(text);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_many_messages_arrive_in_order(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL), *b = make_client(server.url, NULL);
    login_ok(a, NULL, "a-order");
    login_ok(b, NULL, "b-order");
    enum { N = 500 };
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof(text), "%d", i);
        rtm_message_t *m = rtm_message_new_text(text, NULL);
        assert_int_equal(rtm_client_send_message_to_peer(a, "b-order", m, 0, NULL), RTM_OK);
        rtm_message_free(m);
    }
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof(text), "%d", i);
        rtm_event_t *e = next_event(b, RTM_EVENT_PEER_MESSAGE_RECEIVED, 10000);
        assert_string_equal(rtm_message_text(rtm_event_message(e)), text);
        rtm_event_free(e);
    }
    for (int i = 0; i < N; i++) {
        rtm_event_t *e = next_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 10000);
        assert_int_equal(rtm_event_error(e), RTM_OK);
        rtm_event_free(e);
    }
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_message_to_offline_peer_is_unreachable(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL);
    login_ok(a, NULL, "a-lonely");
    rtm_message_t *m = rtm_message_new_text("anyone?", NULL);
    send_and_expect(a, "nobody-here", m, RTM_ERR_PEER_UNREACHABLE);
    rtm_message_free(m);
    rtm_client_free(a);
}

static void test_message_to_self_is_delivered(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL);
    login_ok(a, NULL, "narcissus");
    rtm_message_t *m = rtm_message_new_text("me", NULL);
    uint64_t req;
    assert_int_equal(rtm_client_send_message_to_peer(a, "narcissus", m, 0, &req), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000);
    assert_string_equal(rtm_event_user_id(e), "narcissus");
    rtm_event_free(e);
    e = wait_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    rtm_message_free(m);
    rtm_client_free(a);
}

static void test_query_reports_online_and_offline_peers(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL), *b = make_client(server.url, NULL);
    login_ok(a, NULL, "q-a");
    login_ok(b, NULL, "q-b");
    const char *ids[] = {"q-b", "q-missing", "q-a"};
    uint64_t req;
    assert_int_equal(rtm_client_query_peers_online_status(a, ids, 3, &req), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_int_equal(rtm_event_peer_count(e), 3);
    assert_string_equal(rtm_event_peer_id(e, 0), "q-b");
    assert_int_equal(rtm_event_peer_state(e, 0), RTM_PEER_ONLINE_STATE_ONLINE);
    assert_string_equal(rtm_event_peer_id(e, 1), "q-missing");
    assert_int_equal(rtm_event_peer_state(e, 1), RTM_PEER_ONLINE_STATE_OFFLINE);
    assert_int_equal(rtm_event_peer_state(e, 2), RTM_PEER_ONLINE_STATE_ONLINE);
    assert_null(rtm_event_peer_id(e, 3));
    rtm_event_free(e);

    /* after b logs out it is offline */
    uint64_t out;
    assert_int_equal(rtm_client_logout(b, &out), RTM_OK);
    rtm_event_free(wait_event(b, RTM_EVENT_LOGOUT_RESULT, 5000));
    assert_int_equal(rtm_client_query_peers_online_status(a, ids, 1, &req), RTM_OK);
    e = wait_event(a, RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT, 5000);
    assert_int_equal(rtm_event_peer_count(e), 1);
    assert_int_equal(rtm_event_peer_state(e, 0), RTM_PEER_ONLINE_STATE_OFFLINE);
    rtm_event_free(e);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_second_login_aborts_the_first_session(void **state)
{
    rtm_client_t *first = make_client(server.url, NULL), *second = make_client(server.url, NULL);
    login_ok(first, NULL, "twin");
    login_ok(second, NULL, "twin");
    rtm_event_t *e = wait_event(first, RTM_EVENT_CONNECTION_STATE_CHANGED, 5000);
    while (rtm_event_connection_state(e) != RTM_CONNECTION_STATE_ABORTED) {
        rtm_event_free(e);
        e = wait_event(first, RTM_EVENT_CONNECTION_STATE_CHANGED, 5000);
    }
    assert_int_equal(rtm_event_connection_reason(e), RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
    rtm_event_free(e);
    assert_int_equal(rtm_client_connection_state(first), RTM_CONNECTION_STATE_ABORTED);
    /* the aborted client needs a logout before it may log in again */
    assert_int_equal(rtm_client_login(first, NULL, "twin", NULL), RTM_ERR_ALREADY_LOGGED_IN);
    rtm_message_t *m = rtm_message_new_text("x", NULL);
    assert_int_equal(rtm_client_send_message_to_peer(first, "twin", m, 0, NULL),
                     RTM_ERR_NOT_LOGGED_IN);
    assert_int_equal(rtm_client_logout(first, NULL), RTM_OK);
    rtm_event_free(wait_event(first, RTM_EVENT_LOGOUT_RESULT, 5000));
    assert_int_equal(rtm_client_connection_state(first), RTM_CONNECTION_STATE_DISCONNECTED);
    /* the second session is the live one: messages reach it */
    rtm_client_t *other = make_client(server.url, NULL);
    login_ok(other, NULL, "twin-friend");
    send_and_expect(other, "twin", m, RTM_OK);
    rtm_message_free(m);
    rtm_client_free(first);
    rtm_client_free(second);
    rtm_client_free(other);
}

static void test_requests_queued_while_connecting_are_sent_after_login(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL), *b = make_client(server.url, NULL);
    login_ok(b, NULL, "early-b");
    assert_int_equal(rtm_client_login(a, NULL, "early-a", NULL), RTM_OK);
    rtm_message_t *m = rtm_message_new_text("queued", NULL);
    uint64_t req;
    assert_int_equal(rtm_client_send_message_to_peer(a, "early-b", m, 0, &req), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    e = wait_event(b, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000);
    assert_string_equal(rtm_message_text(rtm_event_message(e)), "queued");
    rtm_event_free(e);
    rtm_message_free(m);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_full_queue_pauses_reading_without_losing_events(void **state)
{
    const char *small[] = {"event_queue.capacity=16", NULL};
    rtm_client_t *a = make_client(server.url, NULL), *b = make_client(server.url, small);
    login_ok(a, NULL, "a-flood");
    login_ok(b, NULL, "b-slow");
    enum { N = 300 };
    /* 1 KB each, so the server's batches (16 KB) span many WebSocket messages: the client
       pauses between messages */
    char text[1024];
    memset(text, 'f', sizeof(text) - 1);
    text[sizeof(text) - 1] = 0;
    rtm_message_t *m = rtm_message_new_text(text, NULL);
    for (int i = 0; i < N; i++)
        assert_int_equal(rtm_client_send_message_to_peer(a, "b-slow", m, 0, NULL), RTM_OK);
    rtm_message_free(m);
    /* b does not poll: its client stops reading, so a cannot have every delivery ack */
    int acked = 0;
    rtm_event_t *e;
    while ((e = rtm_client_poll(a, 500)) != NULL) {
        assert_int_equal(rtm_event_error(e), RTM_OK);
        acked++;
        rtm_event_free(e);
    }
    assert_true(acked < N);
    /* once b polls, everything arrives, in order, and a's results complete */
    for (int i = 0; i < N; i++)
        rtm_event_free(next_event(b, RTM_EVENT_PEER_MESSAGE_RECEIVED, 10000));
    for (; acked < N; acked++) {
        e = next_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 10000);
        assert_int_equal(rtm_event_error(e), RTM_OK);
        rtm_event_free(e);
    }
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_message_received_right_before_free_is_still_acknowledged(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL);
    login_ok(a, NULL, "a-ack-free");
    rtm_message_t *m = rtm_message_new_text("catch", NULL);
    for (int round = 0; round < 10; round++) {
        rtm_client_t *b = make_client(server.url, NULL);
        login_ok(b, NULL, "b-ack-free");
        uint64_t req;
        assert_int_equal(rtm_client_send_message_to_peer(a, "b-ack-free", m, 0, &req), RTM_OK);
        rtm_event_free(wait_event(b, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000));
        rtm_client_free(b); /* at once: its queued ack still goes out */
        rtm_event_t *e = wait_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 5000);
        assert_int_equal(rtm_event_request_id(e), req);
        assert_int_equal(rtm_event_error(e), RTM_OK);
        rtm_event_free(e);
    }
    rtm_message_free(m);
    rtm_client_free(a);
}

static void test_rtmd_answers_healthz(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "curl -sf http://127.0.0.1:%d/healthz >/dev/null", server.port);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_and_logout_emit_state_changes_before_results),
        cmocka_unit_test(test_text_message_is_delivered_and_acknowledged),
        cmocka_unit_test(test_raw_message_keeps_bytes_with_nuls),
        cmocka_unit_test(test_largest_message_arrives_whole),
        cmocka_unit_test(test_many_messages_arrive_in_order),
        cmocka_unit_test(test_message_to_offline_peer_is_unreachable),
        cmocka_unit_test(test_message_to_self_is_delivered),
        cmocka_unit_test(test_query_reports_online_and_offline_peers),
        cmocka_unit_test(test_second_login_aborts_the_first_session),
        cmocka_unit_test(test_requests_queued_while_connecting_are_sent_after_login),
        cmocka_unit_test(test_full_queue_pauses_reading_without_losing_events),
        cmocka_unit_test(test_message_received_right_before_free_is_still_acknowledged),
        cmocka_unit_test(test_rtmd_answers_healthz),
    };
    return cmocka_run_group_tests(tests, start_server_relogins, stop_server);
}
