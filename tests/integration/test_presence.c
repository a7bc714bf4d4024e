/* Presence subscriptions, user attributes and offline messages through the ABI against a real
 * rtmd, including offline messages that survive a kill -9 of rtmd with --data-dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "rawws.h"

static rtm_client_t *user(const char *name)
{
    return logged_in_client(server.url, NULL, name);
}

/* The next PEERS_ONLINE_STATUS_CHANGED must say exactly peer -> st. */
static void expect_presence(rtm_client_t *c, const char *peer, rtm_peer_online_state_t st)
{
    rtm_event_t *e = wait_event(c, RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED, 5000);
    assert_int_equal(rtm_event_peer_count(e), 1);
    assert_string_equal(rtm_event_peer_id(e, 0), peer);
    assert_int_equal(rtm_event_peer_state(e, 0), st);
    rtm_event_free(e);
}

static void subscribe_ok(rtm_client_t *c, const char *const *ids, size_t n)
{
    uint64_t req;
    assert_int_equal(rtm_client_subscribe_peers_online_status(c, ids, n, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_SUBSCRIPTION_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
}

static void test_subscribers_see_login_logout_and_a_dropped_connection(void **state)
{
    rtm_client_t *watcher = user("sub-watcher");
    const char *ids[] = {"sub-target"};
    subscribe_ok(watcher, ids, 1);
    expect_presence(watcher, "sub-target", RTM_PEER_ONLINE_STATE_OFFLINE); /* the snapshot */
    rtm_client_t *target = user("sub-target");
    expect_presence(watcher, "sub-target", RTM_PEER_ONLINE_STATE_ONLINE);
    assert_int_equal(rtm_client_logout(target, NULL), RTM_OK);
    expect_presence(watcher, "sub-target", RTM_PEER_ONLINE_STATE_OFFLINE);
    rtm_client_free(target);
    /* a raw connection that just drops */
    int fd = ws_connect(server.port, RTM_PROTOCOL_NAME);
    uint8_t buf[1024];
    rtm_frame_t f;
    send_login(fd, 1, "sub-target");
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    expect_presence(watcher, "sub-target", RTM_PEER_ONLINE_STATE_ONLINE);
    close(fd);
    rtm_event_t *e = wait_event(watcher, RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED, 5000);
    assert_string_equal(rtm_event_peer_id(e, 0), "sub-target");
    /* UNREACHABLE first is allowed (a session grace period), OFFLINE in the end */
    if (rtm_event_peer_state(e, 0) == RTM_PEER_ONLINE_STATE_UNREACHABLE) {
        rtm_event_free(e);
        e = wait_event(watcher, RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED, 30000);
    }
    assert_int_equal(rtm_event_peer_state(e, 0), RTM_PEER_ONLINE_STATE_OFFLINE);
    rtm_event_free(e);
    rtm_client_free(watcher);
}

static void test_subscription_snapshot_unsubscribe_and_query(void **state)
{
    rtm_client_t *a = user("snap-a"), *b = user("snap-b");
    const char *ids[] = {"snap-b", "snap-nobody"};
    uint64_t req;
    assert_int_equal(rtm_client_subscribe_peers_online_status(a, ids, 2, &req), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_SUBSCRIPTION_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    e = wait_event(a, RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED, 5000);
    assert_int_equal(rtm_event_peer_count(e), 2);
    for (size_t i = 0; i < 2; i++) {
        if (strcmp(rtm_event_peer_id(e, i), "snap-b") == 0)
            assert_int_equal(rtm_event_peer_state(e, i), RTM_PEER_ONLINE_STATE_ONLINE);
        else
            assert_int_equal(rtm_event_peer_state(e, i), RTM_PEER_ONLINE_STATE_OFFLINE);
    }
    rtm_event_free(e);
    /* subscribing twice is no error */
    subscribe_ok(a, ids, 1);
    assert_int_equal(rtm_client_query_peers_by_subscription_option(
                         a, RTM_SUBSCRIPTION_OPTION_ONLINE_STATUS, &req),
                     RTM_OK);
    e = wait_event(a, RTM_EVENT_QUERY_PEERS_BY_SUBSCRIPTION_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_int_equal(rtm_event_user_count(e), 2);
    rtm_event_free(e);
    /* unsubscribed: no more events for b */
    assert_int_equal(rtm_client_unsubscribe_peers_online_status(a, ids, 1, &req), RTM_OK);
    e = wait_event(a, RTM_EVENT_SUBSCRIPTION_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    rtm_client_logout(b, NULL);
    rtm_event_free(wait_event(b, RTM_EVENT_LOGOUT_RESULT, 5000));
    while ((e = rtm_client_poll(a, 300)) != NULL) {
        assert_true(rtm_event_type(e) != RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED);
        rtm_event_free(e);
    }
    assert_int_equal(rtm_client_query_peers_by_subscription_option(
                         a, RTM_SUBSCRIPTION_OPTION_ONLINE_STATUS, &req),
                     RTM_OK);
    e = wait_event(a, RTM_EVENT_QUERY_PEERS_BY_SUBSCRIPTION_RESULT, 5000);
    assert_int_equal(rtm_event_user_count(e), 1);
    assert_string_equal(rtm_event_user_at(e, 0), "snap-nobody");
    rtm_event_free(e);
    /* subscriptions end at logout */
    rtm_client_logout(a, NULL);
    rtm_event_free(wait_event(a, RTM_EVENT_LOGOUT_RESULT, 5000));
    login_ok(a, NULL, "snap-a");
    assert_int_equal(rtm_client_query_peers_by_subscription_option(
                         a, RTM_SUBSCRIPTION_OPTION_ONLINE_STATUS, &req),
                     RTM_OK);
    e = wait_event(a, RTM_EVENT_QUERY_PEERS_BY_SUBSCRIPTION_RESULT, 5000);
    assert_int_equal(rtm_event_user_count(e), 0);
    rtm_event_free(e);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_subscription_limits(void **state)
{
    rtm_client_t *a = user("sub-limits");
    static char names[600][16];
    const char *ids[600];
    for (int i = 0; i < 600; i++) {
        snprintf(names[i], sizeof(names[i]), "p%d", i);
        ids[i] = names[i];
    }
    uint64_t req = 9;
    assert_int_equal(rtm_client_subscribe_peers_online_status(a, ids, 513, &req),
                     RTM_ERR_EXCEED_LIMIT);
    assert_int_equal(rtm_client_unsubscribe_peers_online_status(a, ids, 513, &req),
                     RTM_ERR_EXCEED_LIMIT);
    assert_int_equal(rtm_client_subscribe_peers_online_status(a, NULL, 1, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_subscribe_peers_online_status(a, ids, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    const char *bad[] = {"fine", "not fine/"};
    assert_int_equal(rtm_client_subscribe_peers_online_status(a, bad, 2, &req),
                     RTM_ERR_INVALID_USER_ID);
    assert_int_equal(rtm_client_query_peers_by_subscription_option(a, 7, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(req, 9);
    /* 512 in one call is fine; one more in total is refused by the server */
    subscribe_ok(a, ids, 512);
    rtm_event_free(wait_event(a, RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED, 5000));
    assert_int_equal(rtm_client_subscribe_peers_online_status(a, ids + 512, 1, &req), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_SUBSCRIPTION_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_ERR_EXCEED_LIMIT);
    rtm_event_free(e);
    /* ones already subscribed still fit */
    subscribe_ok(a, ids + 10, 5);
    rtm_client_free(a);
}

static rtm_event_t *get_attrs(rtm_client_t *c, const char *who, const char *const *keys, size_t n)
{
    uint64_t req;
    if (keys)
        assert_int_equal(rtm_client_get_user_attributes_by_keys(c, who, keys, n, &req), RTM_OK);
    else
        assert_int_equal(rtm_client_get_user_attributes(c, who, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_GET_USER_ATTRIBUTES_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    return e;
}

/* call_err is the call's return; *req is read only after the call (its out-parameter). */
static void write_ok(rtm_client_t *c, rtm_err_t call_err, const uint64_t *req)
{
    assert_int_equal(call_err, RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_USER_ATTRIBUTES_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), *req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
}

static const char *value_of(const rtm_event_t *e, const char *key)
{
    for (size_t i = 0; i < rtm_event_attribute_count(e); i++)
        if (strcmp(rtm_event_attribute_key(e, i), key) == 0)
            return rtm_event_attribute_value(e, i);
    return NULL;
}

static void test_user_attributes_seen_from_another_client(void **state)
{
    rtm_client_t *a = user("ua-a"), *b = user("ua-b");
    uint64_t req;
    rtm_attribute_t set[] = {{"status", "busy"}, {"color", "teal"}};
    write_ok(a, (rtm_client_set_local_user_attributes(a, set, 2, &req)), &req);
    rtm_event_t *e = get_attrs(b, "ua-a", NULL, 0);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_string_equal(rtm_event_user_id(e), "ua-a");
    assert_int_equal(rtm_event_attribute_count(e), 2);
    assert_string_equal(value_of(e, "status"), "busy");
    rtm_event_free(e);
    rtm_attribute_t add[] = {{"status", "free"}, {"lang", "fr"}};
    write_ok(a, (rtm_client_add_or_update_local_user_attributes(a, add, 2, &req)), &req);
    const char *keys[] = {"status", "absent"};
    e = get_attrs(b, "ua-a", keys, 2);
    assert_int_equal(rtm_event_attribute_count(e), 1);
    assert_string_equal(value_of(e, "status"), "free");
    rtm_event_free(e);
    const char *del[] = {"color"};
    write_ok(a, (rtm_client_delete_local_user_attributes_by_keys(a, del, 1, &req)), &req);
    e = get_attrs(b, "ua-a", NULL, 0);
    assert_int_equal(rtm_event_attribute_count(e), 2);
    assert_null(value_of(e, "color"));
    rtm_event_free(e);
    write_ok(a, (rtm_client_clear_local_user_attributes(a, &req)), &req);
    e = get_attrs(b, "ua-a", NULL, 0);
    assert_int_equal(rtm_event_attribute_count(e), 0);
    rtm_event_free(e);
    /* set replaces all; cleared at logout; an offline user is not found */
    write_ok(a, (rtm_client_set_local_user_attributes(a, set, 1, &req)), &req);
    rtm_client_logout(a, NULL);
    rtm_event_free(wait_event(a, RTM_EVENT_LOGOUT_RESULT, 5000));
    e = get_attrs(b, "ua-a", NULL, 0);
    assert_int_equal(rtm_event_error(e), RTM_ERR_USER_NOT_FOUND);
    assert_string_equal(rtm_event_user_id(e), "ua-a"); /* a failed read names its user too */
    rtm_event_free(e);
    login_ok(a, NULL, "ua-a");
    e = get_attrs(b, "ua-a", NULL, 0);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_int_equal(rtm_event_attribute_count(e), 0);
    rtm_event_free(e);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_user_attributes_refuse_bad_and_oversized_input(void **state)
{
    rtm_client_t *a = user("ua-limits");
    uint64_t req = 3;
    char key33[34], value[8194];
    memset(key33, 'k', 33);
    key33[33] = 0;
    memset(value, 'v', 8193);
    value[8193] = 0;
    rtm_attribute_t long_key[] = {{key33, "v"}};
    assert_int_equal(rtm_client_set_local_user_attributes(a, long_key, 1, &req),
                     RTM_ERR_SIZE_OVERFLOW);
    rtm_attribute_t long_value[] = {{"k", value}};
    assert_int_equal(rtm_client_add_or_update_local_user_attributes(a, long_value, 1, &req),
                     RTM_ERR_SIZE_OVERFLOW);
    value[6000] = 0; /* 3 x 6,000 bytes: over the 16 KB a user may have */
    rtm_attribute_t three[] = {{"a", value}, {"b", value}, {"c", value}};
    assert_int_equal(rtm_client_set_local_user_attributes(a, three, 3, &req),
                     RTM_ERR_SIZE_OVERFLOW);
    rtm_attribute_t empty[] = {{"k", ""}};
    assert_int_equal(rtm_client_set_local_user_attributes(a, empty, 1, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_set_local_user_attributes(a, NULL, 1, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    rtm_attribute_t many[33];
    char names[33][8];
    for (int i = 0; i < 33; i++) {
        snprintf(names[i], sizeof(names[i]), "k%d", i);
        many[i] = (rtm_attribute_t){names[i], "v"};
    }
    assert_int_equal(rtm_client_set_local_user_attributes(a, many, 33, &req),
                     RTM_ERR_SIZE_OVERFLOW);
    assert_int_equal(rtm_client_delete_local_user_attributes_by_keys(a, NULL, 1, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_get_user_attributes(a, "bad/id", &req), RTM_ERR_INVALID_USER_ID);
    assert_int_equal(rtm_client_get_user_attributes(a, NULL, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_clear_local_user_attributes(NULL, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(req, 3);
    /* the merged total is the server's to refuse */
    write_ok(a, (rtm_client_set_local_user_attributes(a, three, 2, &req)), &req);
    rtm_attribute_t third[] = {{"c", value}};
    assert_int_equal(rtm_client_add_or_update_local_user_attributes(a, third, 1, &req), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_USER_ATTRIBUTES_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_ERR_SIZE_OVERFLOW);
    rtm_event_free(e);
    /* not logged in */
    rtm_client_t *b = make_client(server.url, NULL);
    assert_int_equal(rtm_client_set_local_user_attributes(b, third, 1, &req),
                     RTM_ERR_NOT_LOGGED_IN);
    rtm_client_free(b);
    rtm_client_free(a);
}

static void test_one_user_cannot_change_anothers_attributes(void **state)
{
    /* the calls have no user argument: a client writes only its own user's attributes */
    rtm_client_t *a = user("own-a"), *b = user("own-b");
    uint64_t req;
    rtm_attribute_t mine[] = {{"owner", "a"}};
    write_ok(a, (rtm_client_set_local_user_attributes(a, mine, 1, &req)), &req);
    write_ok(b, (rtm_client_clear_local_user_attributes(b, &req)), &req);
    rtm_event_t *e = get_attrs(b, "own-a", NULL, 0);
    assert_string_equal(value_of(e, "owner"), "a");
    rtm_event_free(e);
    rtm_client_free(a);
    rtm_client_free(b);
}

static uint64_t send_offline(rtm_client_t *c, const char *to, const char *text, rtm_err_t want)
{
    rtm_message_t *m = rtm_message_new_text(text, NULL);
    uint64_t req;
    assert_int_equal(rtm_client_send_message_to_peer(c, to, m, RTM_SEND_OFFLINE, &req), RTM_OK);
    rtm_message_free(m);
    rtm_event_t *e = wait_event(c, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 10000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), want);
    rtm_event_free(e);
    return req;
}

/* Logs in as who on url and collects the offline messages that arrive: waits (up to 10 s)
 * for `expect` of them, then 300 ms more for any extra; returns how many came. */
static int collect_offline(const char *url, const char *who, char texts[][16], int max,
                           int64_t *first_ts, int expect)
{
    rtm_client_t *c = make_client(url, NULL);
    login_ok(c, NULL, who);
    int n = 0;
    rtm_event_t *e;
    while ((e = rtm_client_poll(c, n < expect ? 10000 : 300)) != NULL) {
        if (rtm_event_type(e) == RTM_EVENT_PEER_MESSAGE_RECEIVED) {
            const rtm_message_t *m = rtm_event_message(e);
            assert_int_equal(rtm_message_is_offline(m), 1);
            if (n == 0 && first_ts)
                *first_ts = rtm_message_server_ts_ms(m);
            if (n < max)
                snprintf(texts[n], 16, "%s", rtm_message_text(m));
            n++;
        }
        rtm_event_free(e);
    }
    rtm_client_free(c);
    return n;
}

static void test_offline_messages_arrive_in_order_with_flag_and_timestamp(void **state)
{
    rtm_client_t *a = user("off-sender");
    int64_t before = wall_ms();
    send_offline(a, "off-rcv", "one", RTM_ERR_CACHED_BY_SERVER);
    send_offline(a, "off-rcv", "two", RTM_ERR_CACHED_BY_SERVER);
    send_offline(a, "off-rcv", "three", RTM_ERR_CACHED_BY_SERVER);
    int64_t stored = wall_ms();
    usleep(300000); /* the stored timestamp is the send time, not the delivery time */
    char texts[8][16];
    int64_t ts = 0;
    assert_int_equal(collect_offline(server.url, "off-rcv", texts, 8, &ts, 3), 3);
    assert_string_equal(texts[0], "one");
    assert_string_equal(texts[1], "two");
    assert_string_equal(texts[2], "three");
    assert_true(ts >= before - 5 && ts <= stored + 5);
    /* delivered and acknowledged: not delivered again */
    assert_int_equal(collect_offline(server.url, "off-rcv", texts, 8, NULL, 0), 0);
    /* without the flag an offline peer is unreachable; with it an online peer gets it live */
    send_offline(a, "off-rcv", "live?", RTM_ERR_CACHED_BY_SERVER);
    rtm_message_t *m = rtm_message_new_text("not kept", NULL);
    uint64_t req;
    assert_int_equal(rtm_client_send_message_to_peer(a, "off-rcv", m, 0, &req), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_ERR_PEER_UNREACHABLE);
    rtm_event_free(e);
    rtm_message_free(m);
    rtm_client_t *r = user("off-rcv");
    e = wait_event(r, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000);
    assert_string_equal(rtm_message_text(rtm_event_message(e)), "live?");
    rtm_event_free(e);
    send_offline(a, "off-rcv", "online now", RTM_OK);
    e = wait_event(r, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000);
    assert_int_equal(rtm_message_is_offline(rtm_event_message(e)), 0);
    rtm_event_free(e);
    rtm_client_free(r);
    rtm_client_free(a);
}

static void test_offline_store_keeps_the_newest_200(void **state)
{
    rtm_client_t *a = user("cap-sender");
    char text[16];
    for (int i = 0; i < 205; i++) {
        snprintf(text, sizeof(text), "m%d", i);
        rtm_message_t *m = rtm_message_new_text(text, NULL);
        assert_int_equal(rtm_client_send_message_to_peer(a, "cap-rcv", m, RTM_SEND_OFFLINE, NULL),
                         RTM_OK);
        rtm_message_free(m);
    }
    for (int i = 0; i < 205; i++) {
        rtm_event_t *e = wait_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 10000);
        assert_int_equal(rtm_event_error(e), RTM_ERR_CACHED_BY_SERVER);
        rtm_event_free(e);
    }
    static char texts[300][16];
    assert_int_equal(collect_offline(server.url, "cap-rcv", texts, 300, NULL, 200), 200);
    assert_string_equal(texts[0], "m5"); /* the five oldest gave way */
    assert_string_equal(texts[199], "m204");
    rtm_client_free(a);
}

static void test_offline_messages_survive_kill_9_of_rtmd(void **state)
{
    char dir[] = "/tmp/rtm-data-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *args[] = {"--data-dir", dir, NULL};
    rtmd_t own;
    rtmd_start(&own, args);
    rtm_client_t *a = make_client(own.url, NULL);
    login_ok(a, NULL, "durable-sender");
    char text[16];
    for (int i = 0; i < 5; i++) {
        snprintf(text, sizeof(text), "kept%d", i);
        rtm_message_t *m = rtm_message_new_text(text, NULL);
        assert_int_equal(
            rtm_client_send_message_to_peer(a, "durable-rcv", m, RTM_SEND_OFFLINE, NULL), RTM_OK);
        rtm_message_free(m);
    }
    for (int i = 0; i < 5; i++) { /* each acknowledged as stored... */
        rtm_event_t *e = wait_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 10000);
        assert_int_equal(rtm_event_error(e), RTM_ERR_CACHED_BY_SERVER);
        rtm_event_free(e);
    }
    rtm_client_free(a);
    rtmd_crash(&own); /* ...then rtmd dies without any chance to flush */
    rtmd_restart(&own, args);
    char texts[16][16];
    assert_int_equal(collect_offline(own.url, "durable-rcv", texts, 16, NULL, 5), 5);
    for (int i = 0; i < 5; i++) {
        snprintf(text, sizeof(text), "kept%d", i);
        assert_string_equal(texts[i], text);
    }
    /* exactly once: after delivery and ack they are gone, also after another restart */
    assert_int_equal(rtmd_stop(&own), 0);
    rtmd_restart(&own, args);
    assert_int_equal(collect_offline(own.url, "durable-rcv", texts, 16, NULL, 0), 0);
    assert_int_equal(rtmd_stop(&own), 0);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A short session grace period: a dropped connection's user goes OFFLINE within the tests'
 * waits. */
static int start_presence_server(void **state)
{
    /* the tests log the same user ids in several times a second */
    const char *args[] = {"--session-grace-ms", "1000", "--rate-logins", "1000", NULL};
    rtmd_start(&server, args);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscribers_see_login_logout_and_a_dropped_connection),
        cmocka_unit_test(test_subscription_snapshot_unsubscribe_and_query),
        cmocka_unit_test(test_subscription_limits),
        cmocka_unit_test(test_user_attributes_seen_from_another_client),
        cmocka_unit_test(test_user_attributes_refuse_bad_and_oversized_input),
        cmocka_unit_test(test_one_user_cannot_change_anothers_attributes),
        cmocka_unit_test(test_offline_messages_arrive_in_order_with_flag_and_timestamp),
        cmocka_unit_test(test_offline_store_keeps_the_newest_200),
        cmocka_unit_test(test_offline_messages_survive_kill_9_of_rtmd),
    };
    return cmocka_run_group_tests(tests, start_presence_server, stop_server);
}
