/* Channels through the ABI against a real rtmd: membership, member events, channel messages,
 * member lists and counts, channel attributes, force-send, limits and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "harness.h"
#include "rawws.h"

static rtm_client_t *user(const char *name)
{
    return logged_in_client(server.url, NULL, name);
}

/* Collects the channel messages c receives within ms: returns how many, checks each is one of
 * the expected (channel, sender, text) triples. */
static int drain_channel_messages(rtm_client_t *c, int ms, char out[][64], int max)
{
    int n = 0;
    rtm_event_t *e;
    while ((e = rtm_client_poll(c, ms)) != NULL) {
        if (rtm_event_type(e) == RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT)
            assert_int_equal(rtm_event_error(e), RTM_OK);
        if (rtm_event_type(e) == RTM_EVENT_CHANNEL_MESSAGE_RECEIVED && n < max) {
            snprintf(out[n++], 64, "%s|%s|%s", rtm_event_channel_id(e), rtm_event_user_id(e),
                     rtm_message_text(rtm_event_message(e)));
            assert_true(rtm_message_id(rtm_event_message(e)) > 0);
            assert_true(rtm_message_server_ts_ms(rtm_event_message(e)) > 1600000000000LL);
        }
        rtm_event_free(e);
    }
    return n;
}

static bool has(char got[][64], int n, const char *want)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        count += strcmp(got[i], want) == 0;
    assert_true(count <= 1); /* exactly once, never twice */
    return count == 1;
}

static void test_overlapping_channels_deliver_exactly_once_without_echo(void **state)
{
    /* a in red and blue, b in red, c in blue */
    rtm_client_t *a = user("ov-a"), *b = user("ov-b"), *c = user("ov-c");
    rtm_channel_t *a_red = joined_channel(a, "red"), *a_blue = joined_channel(a, "blue");
    rtm_channel_t *b_red = joined_channel(b, "red"), *c_blue = joined_channel(c, "blue");
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_JOINED, "red", "ov-b");
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_JOINED, "blue", "ov-c");
    /* everyone sends before anyone reads, so no wait for one event hides another */
    rtm_message_t *m[4] = {
        rtm_message_new_text("a to red", NULL), rtm_message_new_text("a to blue", NULL),
        rtm_message_new_text("b to red", NULL), rtm_message_new_text("c to blue", NULL)};
    assert_int_equal(rtm_channel_send_message(a_red, m[0], 0, NULL), RTM_OK);
    assert_int_equal(rtm_channel_send_message(a_blue, m[1], 0, NULL), RTM_OK);
    assert_int_equal(rtm_channel_send_message(b_red, m[2], 0, NULL), RTM_OK);
    assert_int_equal(rtm_channel_send_message(c_blue, m[3], 0, NULL), RTM_OK);
    for (int i = 0; i < 4; i++)
        rtm_message_free(m[i]);
    char got[16][64];
    int n = drain_channel_messages(a, 300, got, 16);
    assert_int_equal(n, 2);
    assert_true(has(got, n, "red|ov-b|b to red"));
    assert_true(has(got, n, "blue|ov-c|c to blue"));
    n = drain_channel_messages(b, 300, got, 16);
    assert_int_equal(n, 1);
    assert_true(has(got, n, "red|ov-a|a to red"));
    n = drain_channel_messages(c, 300, got, 16);
    assert_int_equal(n, 1);
    assert_true(has(got, n, "blue|ov-a|a to blue"));
    rtm_channel_free(a_red);
    rtm_channel_free(a_blue);
    rtm_channel_free(b_red);
    rtm_channel_free(c_blue);
    rtm_client_free(a);
    rtm_client_free(b);
    rtm_client_free(c);
}

static void test_raw_channel_message_keeps_its_bytes(void **state)
{
    rtm_client_t *a = user("raw-a"), *b = user("raw-b");
    rtm_channel_t *ca = joined_channel(a, "raw-room"), *cb = joined_channel(b, "raw-room");
    const unsigned char bytes[] = {0, 1, 0, 2, 0xff};
    rtm_message_t *m = rtm_message_new_raw(bytes, sizeof(bytes), "bin", NULL);
    assert_int_equal(rtm_channel_send_message(ca, m, 0, NULL), RTM_OK);
    rtm_message_free(m);
    rtm_event_t *e = wait_event(b, RTM_EVENT_CHANNEL_MESSAGE_RECEIVED, 5000);
    size_t len;
    const void *data = rtm_message_data(rtm_event_message(e), &len);
    assert_int_equal(len, sizeof(bytes));
    assert_memory_equal(data, bytes, sizeof(bytes));
    assert_string_equal(rtm_message_text(rtm_event_message(e)), "bin");
    rtm_event_free(e);
    rtm_channel_free(ca);
    rtm_channel_free(cb);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_members_see_joins_leaves_and_logouts(void **state)
{
    rtm_client_t *a = user("mem-a"), *b = user("mem-b");
    rtm_channel_t *ca = joined_channel(a, "lobby");
    rtm_channel_t *cb = joined_channel(b, "lobby");
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_JOINED, "lobby", "mem-b");
    uint64_t req;
    assert_int_equal(rtm_channel_leave(cb, &req), RTM_OK);
    rtm_event_t *e = wait_event(b, RTM_EVENT_LEAVE_CHANNEL_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_string_equal(rtm_event_channel_id(e), "lobby");
    rtm_event_free(e);
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_LEFT, "lobby", "mem-b");
    /* join again, then log out: the others see the member leave */
    assert_int_equal(rtm_channel_join(cb, NULL), RTM_OK);
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_JOINED, "lobby", "mem-b");
    assert_int_equal(rtm_client_logout(b, NULL), RTM_OK);
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_LEFT, "lobby", "mem-b");
    /* after the logout the handle is no longer joined */
    rtm_event_free(wait_event(b, RTM_EVENT_LOGOUT_RESULT, 5000));
    login_ok(b, NULL, "mem-b");
    assert_int_equal(rtm_channel_leave(cb, NULL), RTM_ERR_NOT_IN_CHANNEL);
    rtm_channel_free(ca);
    rtm_channel_free(cb);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_members_see_a_dropped_connection_leave(void **state)
{
    rtm_client_t *a = user("drop-a");
    rtm_channel_t *ca = joined_channel(a, "fragile");
    /* a raw client joins, then its socket just closes: no logout, no leave */
    int fd = ws_connect(server.port, RTM_PROTOCOL_NAME);
    uint8_t buf[4096];
    rtm_frame_t f;
    send_login(fd, 1, "drop-b");
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    rtm_frame_init(&f, RTM_FRAME_JOIN, 2);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "fragile");
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_JOINED, "fragile", "drop-b");
    close(fd);
    /* the session is held for the grace period (1 s here), then leaves like a logout */
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_LEFT, "fragile", "drop-b");
    rtm_channel_free(ca);
    rtm_client_free(a);
}

static void test_freeing_a_joined_channel_leaves_it_silently(void **state)
{
    rtm_client_t *a = user("free-a"), *b = user("free-b");
    rtm_channel_t *ca = joined_channel(a, "transient"), *cb = joined_channel(b, "transient");
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_JOINED, "transient", "free-b");
    /* a request still pending on the handle ends with CLOSED */
    uint64_t req;
    assert_int_equal(rtm_channel_get_members(cb, &req), RTM_OK);
    rtm_channel_free(cb);
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_LEFT, "transient", "free-b");
    bool saw_closed = false;
    rtm_event_t *e;
    while ((e = rtm_client_poll(b, 300)) != NULL) {
        assert_true(rtm_event_type(e) != RTM_EVENT_LEAVE_CHANNEL_RESULT); /* no event */
        if (rtm_event_type(e) == RTM_EVENT_GET_MEMBERS_RESULT) {
            assert_int_equal(rtm_event_request_id(e), req);
            /* either it was answered before the free, or it ends CLOSED */
            saw_closed = rtm_event_error(e) == RTM_ERR_CLOSED || rtm_event_error(e) == RTM_OK;
        }
        rtm_event_free(e);
    }
    assert_true(saw_closed);
    /* a new handle for the same id can be made again */
    rtm_channel_t *again = rtm_client_create_channel(b, "transient", NULL);
    assert_non_null(again);
    rtm_channel_free(again);
    rtm_channel_free(ca);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_handles_outlive_their_client_as_closed(void **state)
{
    rtm_client_t *a = user("orphan");
    rtm_channel_t *ch = joined_channel(a, "orphanage");
    rtm_channel_t *idle = rtm_client_create_channel(a, "never-joined", NULL);
    rtm_client_free(a);
    assert_string_equal(rtm_channel_id(ch), "orphanage");
    assert_int_equal(rtm_channel_join(idle, NULL), RTM_ERR_CLOSED);
    assert_int_equal(rtm_channel_leave(ch, NULL), RTM_ERR_CLOSED);
    assert_int_equal(rtm_channel_get_members(ch, NULL), RTM_ERR_CLOSED);
    rtm_message_t *m = rtm_message_new_text("x", NULL);
    assert_int_equal(rtm_channel_send_message(ch, m, 0, NULL), RTM_ERR_CLOSED);
    rtm_message_free(m);
    rtm_channel_free(ch);
    rtm_channel_free(idle);
}

static void test_member_list_comes_with_the_join_when_configured(void **state)
{
    rtm_client_t *a = user("list-a");
    rtm_channel_t *ca = joined_channel(a, "listed");
    const char *cfg[] = {"channel.member_list_on_join=true", NULL};
    rtm_client_t *b = make_client(server.url, cfg);
    login_ok(b, NULL, "list-b");
    rtm_channel_t *cb = rtm_client_create_channel(b, "listed", NULL);
    assert_int_equal(rtm_channel_join(cb, NULL), RTM_OK);
    rtm_event_t *e = wait_event(b, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_int_equal(rtm_event_user_count(e), 2);
    bool saw_a = false, saw_b = false;
    for (size_t i = 0; i < 2; i++) {
        saw_a |= strcmp(rtm_event_user_at(e, i), "list-a") == 0;
        saw_b |= strcmp(rtm_event_user_at(e, i), "list-b") == 0;
    }
    assert_true(saw_a && saw_b);
    rtm_event_free(e);
    /* without the setting the result carries no list */
    rtm_client_t *c = user("list-c");
    rtm_channel_t *cc = rtm_client_create_channel(c, "listed", NULL);
    assert_int_equal(rtm_channel_join(cc, NULL), RTM_OK);
    e = wait_event(c, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000);
    assert_int_equal(rtm_event_user_count(e), 0);
    rtm_event_free(e);
    /* get_members lists everyone */
    uint64_t req;
    assert_int_equal(rtm_channel_get_members(ca, &req), RTM_OK);
    e = wait_event(a, RTM_EVENT_GET_MEMBERS_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_user_count(e), 3);
    assert_string_equal(rtm_event_channel_id(e), "listed");
    rtm_event_free(e);
    rtm_channel_free(ca);
    rtm_channel_free(cb);
    rtm_channel_free(cc);
    rtm_client_free(a);
    rtm_client_free(b);
    rtm_client_free(c);
}

static int member_count(rtm_client_t *c, const char *const *ids, size_t n, int i)
{
    uint64_t req;
    assert_int_equal(rtm_client_get_channel_member_count(c, ids, n, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_GET_CHANNEL_MEMBER_COUNT_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_int_equal(rtm_event_channel_count(e), n);
    assert_string_equal(rtm_event_channel_at(e, (size_t)i), ids[i]);
    int count = rtm_event_channel_member_count_at(e, (size_t)i);
    rtm_event_free(e);
    return count;
}

static void test_member_counts_follow_joins_and_leaves(void **state)
{
    rtm_client_t *a = user("cnt-a"), *b = user("cnt-b");
    const char *ids[] = {"counted", "no-such-channel"};
    assert_int_equal(member_count(a, ids, 2, 0), 0);
    assert_int_equal(member_count(a, ids, 2, 1), 0);
    rtm_channel_t *ca = joined_channel(a, "counted");
    assert_int_equal(member_count(a, ids, 2, 0), 1);
    rtm_channel_t *cb = joined_channel(b, "counted");
    assert_int_equal(member_count(a, ids, 2, 0), 2);
    assert_int_equal(rtm_channel_leave(cb, NULL), RTM_OK);
    rtm_event_free(wait_event(b, RTM_EVENT_LEAVE_CHANNEL_RESULT, 5000));
    assert_int_equal(member_count(a, ids, 2, 0), 1);
    /* the count-updated events end at the true count */
    int last = -1;
    rtm_event_t *e;
    while ((e = rtm_client_poll(a, 1500)) != NULL) {
        if (rtm_event_type(e) == RTM_EVENT_CHANNEL_MEMBER_COUNT_UPDATED) {
            assert_string_equal(rtm_event_channel_id(e), "counted");
            last = rtm_event_member_count(e);
        }
        rtm_event_free(e);
    }
    assert_int_equal(last, 1);
    rtm_channel_free(ca);
    rtm_channel_free(cb);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_member_count_updates_are_coalesced_and_end_true(void **state)
{
    rtm_client_t *watcher = user("co-watch");
    rtm_channel_t *w = joined_channel(watcher, "busy");
    enum { N = 6 };
    rtm_client_t *c[N];
    rtm_channel_t *ch[N];
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "co-%d", i);
        c[i] = user(name);
        ch[i] = rtm_client_create_channel(c[i], "busy", NULL);
        assert_int_equal(rtm_channel_join(ch[i], NULL), RTM_OK);
    }
    int updates = 0, last = -1;
    rtm_event_t *e;
    while ((e = rtm_client_poll(watcher, 2500)) != NULL) {
        if (rtm_event_type(e) == RTM_EVENT_CHANNEL_MEMBER_COUNT_UPDATED) {
            updates++;
            last = rtm_event_member_count(e);
        }
        rtm_event_free(e);
    }
    assert_int_equal(last, N + 1);
    assert_true(updates >= 1 && updates <= N + 1); /* the watcher's own join counts too */
    for (int i = 0; i < N; i++) {
        rtm_channel_free(ch[i]);
        rtm_client_free(c[i]);
    }
    rtm_channel_free(w);
    rtm_client_free(watcher);
}

static void test_twenty_channels_at_most(void **state)
{
    rtm_client_t *a = user("greedy");
    rtm_channel_t *ch[21];
    char id[32];
    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof(id), "g-%d", i);
        ch[i] = joined_channel(a, id);
    }
    ch[20] = rtm_client_create_channel(a, "g-20", NULL);
    assert_int_equal(rtm_channel_join(ch[20], NULL), RTM_ERR_EXCEED_LIMIT);
    assert_true(strlen(rtm_client_last_error(a)) > 0);
    /* leaving one makes room */
    assert_int_equal(rtm_channel_leave(ch[0], NULL), RTM_OK);
    rtm_event_free(wait_event(a, RTM_EVENT_LEAVE_CHANNEL_RESULT, 5000));
    assert_int_equal(rtm_channel_join(ch[20], NULL), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    for (int i = 0; i < 21; i++)
        rtm_channel_free(ch[i]);
    rtm_client_free(a);
}

static void test_channel_calls_check_state_and_arguments(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL);
    rtm_err_t err = RTM_OK;
    /* creation: before login is fine; bad ids and duplicates are not */
    assert_null(rtm_client_create_channel(NULL, "x", &err));
    assert_int_equal(err, RTM_ERR_INVALID_ARGUMENT);
    assert_null(rtm_client_create_channel(a, NULL, &err));
    assert_int_equal(err, RTM_ERR_INVALID_ARGUMENT);
    assert_null(rtm_client_create_channel(a, "bad/id", &err));
    assert_int_equal(err, RTM_ERR_INVALID_CHANNEL_ID);
    assert_null(rtm_client_create_channel(a, "null", &err));
    assert_int_equal(err, RTM_ERR_INVALID_CHANNEL_ID);
    rtm_channel_t *ch = rtm_client_create_channel(a, "rules", &err);
    assert_non_null(ch);
    assert_null(rtm_client_create_channel(a, "rules", &err));
    assert_int_equal(err, RTM_ERR_INVALID_STATE);
    /* not logged in */
    uint64_t req = 777;
    assert_int_equal(rtm_channel_join(ch, &req), RTM_ERR_NOT_LOGGED_IN);
    assert_int_equal(rtm_channel_leave(ch, &req), RTM_ERR_NOT_LOGGED_IN);
    rtm_message_t *m = rtm_message_new_text("hi", NULL);
    assert_int_equal(rtm_channel_send_message(ch, m, 0, &req), RTM_ERR_NOT_LOGGED_IN);
    const char *ids[] = {"rules"};
    assert_int_equal(rtm_client_get_channel_member_count(a, ids, 1, &req), RTM_ERR_NOT_LOGGED_IN);
    login_ok(a, NULL, "rule-keeper");
    /* not joined */
    assert_int_equal(rtm_channel_leave(ch, &req), RTM_ERR_NOT_IN_CHANNEL);
    assert_int_equal(rtm_channel_send_message(ch, m, 0, &req), RTM_ERR_NOT_IN_CHANNEL);
    assert_int_equal(rtm_channel_get_members(ch, &req), RTM_ERR_NOT_IN_CHANNEL);
    assert_true(strlen(rtm_client_last_error(a)) > 0);
    /* NULL and bad arguments */
    assert_int_equal(rtm_channel_join(NULL, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_channel_leave(NULL, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_channel_get_members(NULL, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_channel_send_message(NULL, m, 0, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_channel_send_message(ch, NULL, 0, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_channel_send_message(ch, m, 4, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_null(rtm_channel_id(NULL));
    rtm_channel_free(NULL);
    assert_int_equal(rtm_client_send_message_to_channel(a, "bad/id", m, 0, &req),
                     RTM_ERR_INVALID_CHANNEL_ID);
    assert_int_equal(rtm_client_send_message_to_channel(a, NULL, m, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_send_message_to_channel(a, "rules", NULL, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_send_message_to_channel(NULL, "rules", m, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_get_channel_member_count(a, NULL, 1, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_get_channel_member_count(a, ids, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    const char *bad_ids[] = {"ok", "no/ok"};
    assert_int_equal(rtm_client_get_channel_member_count(a, bad_ids, 2, &req),
                     RTM_ERR_INVALID_CHANNEL_ID);
    const char *many[33];
    for (int i = 0; i < 33; i++)
        many[i] = "c";
    assert_int_equal(rtm_client_get_channel_member_count(a, many, 33, &req), RTM_ERR_EXCEED_LIMIT);
    assert_int_equal(req, 777); /* none of these sent anything */
    /* joined: a second join is refused at once */
    assert_int_equal(rtm_channel_join(ch, &req), RTM_OK);
    assert_int_equal(rtm_channel_join(ch, &req), RTM_ERR_ALREADY_JOINED);
    rtm_event_free(wait_event(a, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000));
    assert_int_equal(rtm_channel_join(ch, &req), RTM_ERR_ALREADY_JOINED);
    rtm_message_free(m);
    rtm_channel_free(ch);
    rtm_client_free(a);
}

static rtm_event_t *attr_result(rtm_client_t *c, rtm_event_type_t type, uint64_t req)
{
    rtm_event_t *e = wait_event(c, type, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    return e;
}

static void expect_attr_ok(rtm_client_t *c, uint64_t req)
{
    rtm_event_t *e = attr_result(c, RTM_EVENT_CHANNEL_ATTRIBUTES_RESULT, req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
}

static const char *attr_value(const rtm_event_t *e, const char *key)
{
    for (size_t i = 0; i < rtm_event_attribute_count(e); i++)
        if (strcmp(rtm_event_attribute_key(e, i), key) == 0)
            return rtm_event_attribute_value(e, i);
    return NULL;
}

static void test_channel_attributes_every_operation(void **state)
{
    rtm_client_t *a = user("attr-a"), *b = user("attr-b");
    rtm_channel_t *ca = joined_channel(a, "attrs"), *cb = joined_channel(b, "attrs");
    uint64_t req;
    rtm_attribute_t set[] = {{"topic", "cats"}, {"mood", "calm"}};
    assert_int_equal(rtm_client_set_channel_attributes(a, "attrs", set, 2, 0, &req), RTM_OK);
    expect_attr_ok(a, req);
    assert_int_equal(rtm_client_get_channel_attributes(b, "attrs", &req), RTM_OK);
    rtm_event_t *e = attr_result(b, RTM_EVENT_GET_CHANNEL_ATTRIBUTES_RESULT, req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_string_equal(rtm_event_channel_id(e), "attrs");
    assert_int_equal(rtm_event_attribute_count(e), 2);
    assert_string_equal(attr_value(e, "topic"), "cats");
    assert_string_equal(rtm_event_attribute_updated_by(e, 0), "attr-a");
    assert_true(rtm_event_attribute_updated_ts_ms(e, 0) > 1600000000000LL);
    rtm_event_free(e);
    /* without the notify flag b heard nothing */
    rtm_event_t *none;
    while ((none = rtm_client_poll(b, 200)) != NULL) {
        assert_true(rtm_event_type(none) != RTM_EVENT_CHANNEL_ATTRIBUTES_UPDATED);
        rtm_event_free(none);
    }
    /* add-or-update with notify: b gets the full list, a (the writer) does not */
    rtm_attribute_t add[] = {{"mood", "lively"}, {"size", "2"}};
    assert_int_equal(rtm_client_add_or_update_channel_attributes(b, "attrs", add, 2,
                                                                 RTM_ATTR_NOTIFY_MEMBERS, &req),
                     RTM_OK);
    expect_attr_ok(b, req);
    e = wait_event(a, RTM_EVENT_CHANNEL_ATTRIBUTES_UPDATED, 5000);
    assert_string_equal(rtm_event_channel_id(e), "attrs");
    assert_int_equal(rtm_event_attribute_count(e), 3);
    assert_string_equal(attr_value(e, "mood"), "lively");
    assert_string_equal(attr_value(e, "topic"), "cats");
    rtm_event_free(e);
    /* by keys */
    const char *keys[] = {"size", "absent"};
    assert_int_equal(rtm_client_get_channel_attributes_by_keys(a, "attrs", keys, 2, &req), RTM_OK);
    e = attr_result(a, RTM_EVENT_GET_CHANNEL_ATTRIBUTES_RESULT, req);
    assert_int_equal(rtm_event_attribute_count(e), 1);
    assert_string_equal(rtm_event_attribute_key(e, 0), "size");
    assert_string_equal(rtm_event_attribute_updated_by(e, 0), "attr-b");
    rtm_event_free(e);
    /* delete by keys, notified */
    const char *del[] = {"topic"};
    assert_int_equal(rtm_client_delete_channel_attributes_by_keys(a, "attrs", del, 1,
                                                                  RTM_ATTR_NOTIFY_MEMBERS, &req),
                     RTM_OK);
    expect_attr_ok(a, req);
    e = wait_event(b, RTM_EVENT_CHANNEL_ATTRIBUTES_UPDATED, 5000);
    assert_int_equal(rtm_event_attribute_count(e), 2);
    assert_null(attr_value(e, "topic"));
    rtm_event_free(e);
    /* clear, notified: an empty list */
    assert_int_equal(rtm_client_clear_channel_attributes(a, "attrs", RTM_ATTR_NOTIFY_MEMBERS, &req),
                     RTM_OK);
    expect_attr_ok(a, req);
    e = wait_event(b, RTM_EVENT_CHANNEL_ATTRIBUTES_UPDATED, 5000);
    assert_int_equal(rtm_event_attribute_count(e), 0);
    rtm_event_free(e);
    /* set replaces all */
    assert_int_equal(rtm_client_set_channel_attributes(a, "attrs", add, 2, 0, &req), RTM_OK);
    expect_attr_ok(a, req);
    assert_int_equal(rtm_client_set_channel_attributes(a, "attrs", set, 1, 0, &req), RTM_OK);
    expect_attr_ok(a, req);
    assert_int_equal(rtm_client_get_channel_attributes(a, "attrs", &req), RTM_OK);
    e = attr_result(a, RTM_EVENT_GET_CHANNEL_ATTRIBUTES_RESULT, req);
    assert_int_equal(rtm_event_attribute_count(e), 1);
    assert_string_equal(attr_value(e, "topic"), "cats");
    rtm_event_free(e);
    /* the last member leaving drops them (b first, seen by a; then a, whose own leave goes
       out before its next request) */
    rtm_channel_free(cb);
    expect_member_event(a, RTM_EVENT_CHANNEL_MEMBER_LEFT, "attrs", "attr-b");
    rtm_channel_free(ca);
    assert_int_equal(rtm_client_get_channel_attributes(a, "attrs", &req), RTM_OK);
    e = attr_result(a, RTM_EVENT_GET_CHANNEL_ATTRIBUTES_RESULT, req);
    assert_int_equal(rtm_event_attribute_count(e), 0);
    rtm_event_free(e);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_channel_attribute_limits(void **state)
{
    rtm_client_t *a = user("limits");
    uint64_t req = 5;
    char key33[34], value8k[8194];
    memset(key33, 'k', 33);
    key33[33] = 0;
    memset(value8k, 'v', 8193);
    value8k[8193] = 0;
    rtm_attribute_t long_key[] = {{key33, "v"}};
    assert_int_equal(rtm_client_set_channel_attributes(a, "lim", long_key, 1, 0, &req),
                     RTM_ERR_SIZE_OVERFLOW);
    rtm_attribute_t long_value[] = {{"k", value8k}};
    assert_int_equal(rtm_client_add_or_update_channel_attributes(a, "lim", long_value, 1, 0, &req),
                     RTM_ERR_SIZE_OVERFLOW);
    rtm_attribute_t empty_value[] = {{"k", ""}};
    assert_int_equal(rtm_client_set_channel_attributes(a, "lim", empty_value, 1, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    rtm_attribute_t null_key[] = {{NULL, "v"}};
    assert_int_equal(rtm_client_set_channel_attributes(a, "lim", null_key, 1, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    rtm_attribute_t many[33];
    char names[33][8];
    for (int i = 0; i < 33; i++) {
        snprintf(names[i], sizeof(names[i]), "k%d", i);
        many[i] = (rtm_attribute_t){names[i], "v"};
    }
    assert_int_equal(rtm_client_set_channel_attributes(a, "lim", many, 33, 0, &req),
                     RTM_ERR_SIZE_OVERFLOW);
    /* 5 values of 8,000 bytes: each fine, 40,000 in all is over 32 KB */
    value8k[8000] = 0;
    rtm_attribute_t big[5];
    for (int i = 0; i < 5; i++)
        big[i] = (rtm_attribute_t){names[i], value8k};
    assert_int_equal(rtm_client_set_channel_attributes(a, "lim", big, 5, 0, &req),
                     RTM_ERR_SIZE_OVERFLOW);
    assert_int_equal(rtm_client_set_channel_attributes(a, "lim", big, 0, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_set_channel_attributes(a, "lim", NULL, 1, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_set_channel_attributes(a, "lim", big, 1, 2, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_client_set_channel_attributes(a, "bad/id", big, 1, 0, &req),
                     RTM_ERR_INVALID_CHANNEL_ID);
    assert_int_equal(rtm_client_delete_channel_attributes_by_keys(a, "lim", NULL, 1, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    const char *bad_keys[] = {""};
    assert_int_equal(rtm_client_delete_channel_attributes_by_keys(a, "lim", bad_keys, 1, 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    const char *long_keys[] = {key33};
    assert_int_equal(rtm_client_get_channel_attributes_by_keys(a, "lim", long_keys, 1, &req),
                     RTM_ERR_SIZE_OVERFLOW);
    assert_int_equal(rtm_client_clear_channel_attributes(NULL, "lim", 0, &req),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(req, 5);
    /* the server refuses what only it can see: the merged total over 32 KB */
    big[0].key = "a";
    big[1].key = "b";
    big[2].key = "c";
    assert_int_equal(rtm_client_set_channel_attributes(a, "lim", big, 3, 0, &req), RTM_OK);
    expect_attr_ok(a, req);
    big[0].key = "d";
    big[1].key = "e";
    assert_int_equal(rtm_client_add_or_update_channel_attributes(a, "lim", big, 2, 0, &req),
                     RTM_OK);
    rtm_event_t *e = attr_result(a, RTM_EVENT_CHANNEL_ATTRIBUTES_RESULT, req);
    assert_int_equal(rtm_event_error(e), RTM_ERR_SIZE_OVERFLOW);
    rtm_event_free(e);
    rtm_client_free(a);
}

static void test_outside_send_is_allowed_by_default(void **state)
{
    rtm_client_t *member = user("in-1"), *outsider = user("out-1");
    rtm_channel_t *ch = joined_channel(member, "open-house");
    rtm_message_t *m = rtm_message_new_text("knock knock", NULL);
    uint64_t req;
    assert_int_equal(rtm_client_send_message_to_channel(outsider, "open-house", m, 0, &req),
                     RTM_OK);
    rtm_event_t *e = wait_event(outsider, RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    e = wait_event(member, RTM_EVENT_CHANNEL_MESSAGE_RECEIVED, 5000);
    assert_string_equal(rtm_event_user_id(e), "out-1");
    assert_string_equal(rtm_message_text(rtm_event_message(e)), "knock knock");
    rtm_event_free(e);
    rtm_message_free(m);
    rtm_channel_free(ch);
    rtm_client_free(member);
    rtm_client_free(outsider);
}

static void test_outside_send_is_refused_when_the_server_denies_it(void **state)
{
    const char *args[] = {"--deny-outside-send", NULL};
    rtmd_t strict;
    rtmd_start(&strict, args);
    rtm_client_t *member = make_client(strict.url, NULL), *outsider = make_client(strict.url, NULL);
    login_ok(member, NULL, "in-2");
    login_ok(outsider, NULL, "out-2");
    rtm_channel_t *ch = rtm_client_create_channel(member, "closed-house", NULL);
    assert_int_equal(rtm_channel_join(ch, NULL), RTM_OK);
    rtm_event_free(wait_event(member, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000));
    rtm_message_t *m = rtm_message_new_text("let me in", NULL);
    uint64_t req;
    assert_int_equal(rtm_client_send_message_to_channel(outsider, "closed-house", m, 0, &req),
                     RTM_OK);
    rtm_event_t *e = wait_event(outsider, RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_ERR_NOT_AUTHORIZED);
    rtm_event_free(e);
    /* a member may still use the same call */
    assert_int_equal(rtm_client_send_message_to_channel(member, "closed-house", m, 0, &req),
                     RTM_OK);
    e = wait_event(member, RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    rtm_message_free(m);
    rtm_channel_free(ch);
    rtm_client_free(member);
    rtm_client_free(outsider);
    assert_int_equal(rtmd_stop(&strict), 0);
}

static void test_channels_are_rejoined_after_a_reconnect(void **state)
{
    rtmd_t own;
    rtmd_start(&own, NULL);
    const char *fast[] = {"reconnect.backoff_min_ms=50", "reconnect.backoff_max_ms=200", NULL};
    rtm_client_t *a = make_client(own.url, fast), *b = make_client(own.url, fast);
    login_ok(a, NULL, "rj-a");
    login_ok(b, NULL, "rj-b");
    rtm_channel_t *ca = rtm_client_create_channel(a, "sticky", NULL);
    rtm_channel_t *cb = rtm_client_create_channel(b, "sticky", NULL);
    assert_int_equal(rtm_channel_join(ca, NULL), RTM_OK);
    rtm_event_free(wait_event(a, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000));
    assert_int_equal(rtm_channel_join(cb, NULL), RTM_OK);
    rtm_event_free(wait_event(b, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000));
    rtmd_crash(&own);
    rtmd_restart(&own, NULL);
    rtm_client_t *both[] = {a, b};
    for (int i = 0; i < 2; i++) {
        rtm_event_t *e;
        do {
            e = wait_event(both[i], RTM_EVENT_CONNECTION_STATE_CHANGED, 10000);
            rtm_connection_state_t st = rtm_event_connection_state(e);
            rtm_event_free(e);
            if (st == RTM_CONNECTION_STATE_CONNECTED)
                break;
        } while (1);
    }
    /* both are members again without doing anything: b's message reaches a */
    const char *ids[] = {"sticky"};
    for (int tries = 0; tries < 100; tries++) {
        uint64_t req;
        assert_int_equal(rtm_client_get_channel_member_count(a, ids, 1, &req), RTM_OK);
        rtm_event_t *e = wait_event(a, RTM_EVENT_GET_CHANNEL_MEMBER_COUNT_RESULT, 5000);
        int n = rtm_event_channel_member_count_at(e, 0);
        rtm_event_free(e);
        if (n == 2)
            break;
        assert_true(tries < 99);
        usleep(20000);
    }
    rtm_message_t *m = rtm_message_new_text("still here", NULL);
    assert_int_equal(rtm_channel_send_message(cb, m, 0, NULL), RTM_OK);
    rtm_message_free(m);
    rtm_event_t *e = wait_event(a, RTM_EVENT_CHANNEL_MESSAGE_RECEIVED, 5000);
    assert_string_equal(rtm_message_text(rtm_event_message(e)), "still here");
    rtm_event_free(e);
    rtm_channel_free(ca);
    rtm_channel_free(cb);
    rtm_client_free(a);
    rtm_client_free(b);
    assert_int_equal(rtmd_stop(&own), 0);
}

static void test_leave_then_free_really_leaves(void **state)
{
    rtm_client_t *a = user("lf-a");
    const char *ids[] = {"lf-room"};
    for (int i = 0; i < 25; i++) { /* more rounds than the 20-channel limit would allow */
        rtm_channel_t *ch = joined_channel(a, "lf-room");
        assert_int_equal(rtm_channel_leave(ch, NULL), RTM_OK);
        rtm_channel_free(ch); /* before the leave's result */
    }
    assert_int_equal(member_count(a, ids, 1, 0), 0);
    rtm_client_free(a);
}

static void test_a_join_that_timed_out_is_undone_on_the_server(void **state)
{
    rtmd_t own;
    rtmd_start(&own, NULL);
    const char *quick[] = {"request.timeout_ms=300", NULL};
    rtm_client_t *a = make_client(own.url, quick);
    login_ok(a, NULL, "jt-a");
    rtm_channel_t *ch = rtm_client_create_channel(a, "jt-room", NULL);
    kill(own.pid, SIGSTOP); /* the server hears the JOIN only after the client gave up */
    uint64_t req;
    assert_int_equal(rtm_channel_join(ch, &req), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_ERR_TIMEOUT);
    rtm_event_free(e);
    kill(own.pid, SIGCONT);
    assert_int_equal(rtm_client_set_option(a, "request.timeout_ms", "10000"), RTM_OK);
    const char *ids[] = {"jt-room"};
    assert_int_equal(member_count(a, ids, 1, 0), 0); /* not a member behind the app's back */
    /* and a new join works normally */
    assert_int_equal(rtm_channel_join(ch, &req), RTM_OK);
    e = wait_event(a, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    assert_int_equal(member_count(a, ids, 1, 0), 1);
    rtm_channel_free(ch);
    rtm_client_free(a);
    assert_int_equal(rtmd_stop(&own), 0);
}

/* A short session grace period: a dropped connection's channels are left within the tests'
 * waits. */
static int start_channel_server(void **state)
{
    const char *args[] = {"--session-grace-ms", "1000", NULL};
    rtmd_start(&server, args);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlapping_channels_deliver_exactly_once_without_echo),
        cmocka_unit_test(test_raw_channel_message_keeps_its_bytes),
        cmocka_unit_test(test_members_see_joins_leaves_and_logouts),
        cmocka_unit_test(test_members_see_a_dropped_connection_leave),
        cmocka_unit_test(test_freeing_a_joined_channel_leaves_it_silently),
        cmocka_unit_test(test_handles_outlive_their_client_as_closed),
        cmocka_unit_test(test_member_list_comes_with_the_join_when_configured),
        cmocka_unit_test(test_member_counts_follow_joins_and_leaves),
        cmocka_unit_test(test_member_count_updates_are_coalesced_and_end_true),
        cmocka_unit_test(test_twenty_channels_at_most),
        cmocka_unit_test(test_channel_calls_check_state_and_arguments),
        cmocka_unit_test(test_channel_attributes_every_operation),
        cmocka_unit_test(test_channel_attribute_limits),
        cmocka_unit_test(test_outside_send_is_allowed_by_default),
        cmocka_unit_test(test_outside_send_is_refused_when_the_server_denies_it),
        cmocka_unit_test(test_channels_are_rejoined_after_a_reconnect),
        cmocka_unit_test(test_leave_then_free_really_leaves),
        cmocka_unit_test(test_a_join_that_timed_out_is_undone_on_the_server),
    };
    return cmocka_run_group_tests(tests, start_channel_server, stop_server);
}
