/* The connection lifecycle through the ABI, against real rtmd processes: a server killed and
 * restarted, a network that goes silent, resumed sessions that nobody else notices, replay of
 * channel messages after a lost session, de-duplication of a peer message sent twice, the
 * drain of a server that goes away, a paused reader that keeps its session, and requests made
 * while reconnecting. Faults come from SIGKILL / SIGTERM and from a loopback proxy (proxy.h). */
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
#include "proxy.h"

/* Fast reconnects and heartbeats, so faults resolve in well under a second. */
static const char *const FAST[] = {"reconnect.backoff_min_ms=100", "reconnect.backoff_max_ms=400",
                                   "heartbeat.interval_ms=300", NULL};

static void send_channel_text(rtm_channel_t *ch, const char *text, uint64_t *req)
{
    rtm_message_t *m = rtm_message_new_text(text, NULL);
    assert_int_equal(rtm_channel_send_message(ch, m, 0, req), RTM_OK);
    rtm_message_free(m);
}

static void send_peer_text(rtm_client_t *c, const char *peer, const char *text, uint64_t *req)
{
    rtm_message_t *m = rtm_message_new_text(text, NULL);
    assert_int_equal(rtm_client_send_message_to_peer(c, peer, m, 0, req), RTM_OK);
    rtm_message_free(m);
}

/* Everything c receives within ms, as one line per event of interest:
 * "msg <channel>|<from>|<text>", "peer <from>|<text>", "left <user>", "joined <user>",
 * "presence <user>=<state>", "state <state>/<reason>". */
static int collect(rtm_client_t *c, int ms, char lines[][96], int max)
{
    int n = 0;
    long long deadline = now_ms() + ms;
    while (now_ms() < deadline) {
        rtm_event_t *e = rtm_client_poll(c, (int)(deadline - now_ms()));
        if (!e)
            break;
        char line[96] = "";
        switch (rtm_event_type(e)) {
        case RTM_EVENT_CHANNEL_MESSAGE_RECEIVED:
            snprintf(line, sizeof(line), "msg %s|%s|%s", rtm_event_channel_id(e),
                     rtm_event_user_id(e), rtm_message_text(rtm_event_message(e)));
            break;
        case RTM_EVENT_PEER_MESSAGE_RECEIVED:
            snprintf(line, sizeof(line), "peer %s|%s", rtm_event_user_id(e),
                     rtm_message_text(rtm_event_message(e)));
            break;
        case RTM_EVENT_CHANNEL_MEMBER_LEFT:
            snprintf(line, sizeof(line), "left %s", rtm_event_user_id(e));
            break;
        case RTM_EVENT_CHANNEL_MEMBER_JOINED:
            snprintf(line, sizeof(line), "joined %s", rtm_event_user_id(e));
            break;
        case RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED:
            for (size_t i = 0; i < rtm_event_peer_count(e) && n < max; i++)
                snprintf(lines[n++], 96, "presence %s=%d", rtm_event_peer_id(e, i),
                         rtm_event_peer_state(e, i));
            break;
        case RTM_EVENT_CONNECTION_STATE_CHANGED:
            snprintf(line, sizeof(line), "state %d/%d", rtm_event_connection_state(e),
                     rtm_event_connection_reason(e));
            break;
        default:
            break;
        }
        if (*line && n < max)
            snprintf(lines[n++], 96, "%s", line);
        rtm_event_free(e);
    }
    return n;
}

static int count_lines(char lines[][96], int n, const char *prefix)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += strncmp(lines[i], prefix, strlen(prefix)) == 0;
    return k;
}

/* Sends count channel messages on ch, the texts fmt (one int conversion) of 0, 1, 2 ... */
static void send_numbered_texts(rtm_channel_t *ch, const char *fmt, int count)
{
    for (int i = 0; i < count; i++) {
        char text[16];
        snprintf(text, sizeof(text), fmt, i);
        send_channel_text(ch, text, NULL);
    }
}

/* The channel messages among lines (see collect) are exactly the count texts of
 * send_numbered_texts(fmt), sent by `from` in `channel`: in order, each once. */
static void expect_numbered_texts(char lines[][96], int n, const char *channel, const char *from,
                                  const char *fmt, int count)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (strncmp(lines[i], "msg ", 4) != 0)
            continue;
        char text[16], want[96];
        snprintf(text, sizeof(text), fmt, k++);
        snprintf(want, sizeof(want), "msg %s|%s|%s", channel, from, text);
        assert_string_equal(lines[i], want);
    }
    assert_int_equal(k, count);
}

/* Cuts the connection of c, which goes through p, and keeps it away: c must report
 * RECONNECTING / INTERRUPTED within 5 s. */
static void cut_off(rtm_client_t *c, proxy_t *p)
{
    proxy_refuse(p, true);
    proxy_cut(p);
    expect_state(c, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 5000);
}

/* Lets c, which goes through p, connect again: it must report CONNECTED / LOGIN_SUCCESS within
 * 5 s. */
static void let_back(rtm_client_t *c, proxy_t *p)
{
    proxy_refuse(p, false);
    expect_state(c, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS,
                 5000);
}

/* Frees the two clients and their channels, stops p (when there is one) and rtmd, which must
 * exit 0. */
static void finish(rtm_client_t *a, rtm_channel_t *cha, rtm_client_t *b, rtm_channel_t *chb,
                   proxy_t *p, rtmd_t *d)
{
    rtm_channel_free(cha);
    rtm_channel_free(chb);
    rtm_client_free(a);
    rtm_client_free(b);
    if (p)
        proxy_stop(p);
    assert_int_equal(rtmd_stop(d), 0);
}

/* Polls until a peer message arrives and checks its sender and text. */
static void expect_peer_text(rtm_client_t *c, const char *from, const char *text)
{
    rtm_event_t *e = wait_event(c, RTM_EVENT_PEER_MESSAGE_RECEIVED, 5000);
    assert_string_equal(rtm_event_user_id(e), from);
    assert_string_equal(rtm_message_text(rtm_event_message(e)), text);
    rtm_event_free(e);
}

/* Waits until the member list of ch (as seen by its client c) holds `who`. */
static void wait_member(rtm_client_t *c, rtm_channel_t *ch, const char *who)
{
    long long deadline = now_ms() + 8000;
    while (now_ms() < deadline) {
        uint64_t req;
        assert_int_equal(rtm_channel_get_members(ch, &req), RTM_OK);
        rtm_event_t *e = wait_event(c, RTM_EVENT_GET_MEMBERS_RESULT, 5000);
        bool found = false;
        for (size_t i = 0; i < rtm_event_user_count(e); i++)
            found = found || strcmp(rtm_event_user_at(e, i), who) == 0;
        rtm_event_free(e);
        if (found)
            return;
        usleep(50 * 1000);
    }
    fail_msg("%s never came back into the channel", who);
}

/* ---- rtmd killed with SIGKILL and started again on the same port -------------------- */

static void test_clients_recover_everything_after_server_restart(void **state)
{
    rtmd_t d;
    rtmd_start(&d, NULL);
    rtm_client_t *a = logged_in_client(d.url, FAST, "alice"),
                 *b = logged_in_client(d.url, FAST, "bob");
    rtm_channel_t *cha = joined_channel(a, "room"), *chb = joined_channel(b, "room");
    const char *carol_id[] = {"carol"};
    uint64_t req;
    assert_int_equal(rtm_client_subscribe_peers_online_status(a, carol_id, 1, &req), RTM_OK);
    rtm_event_free(wait_event(a, RTM_EVENT_SUBSCRIPTION_RESULT, 5000));
    rtm_attribute_t attr = {"mood", "sunny"};
    assert_int_equal(rtm_client_set_local_user_attributes(b, &attr, 1, &req), RTM_OK);
    rtm_event_t *e = wait_event(b, RTM_EVENT_USER_ATTRIBUTES_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    rtm_event_free(rtm_client_poll(a, 200)); /* bob's join, the presence snapshot */
    while ((e = rtm_client_poll(a, 100)))
        rtm_event_free(e);

    rtmd_crash(&d);
    expect_state(a, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 5000);
    expect_state(b, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 5000);
    /* a request made while the server is away waits for it */
    uint64_t queued;
    send_channel_text(cha, "queued while away", &queued);
    rtmd_restart(&d, NULL);
    expect_state(a, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS,
                 8000);
    expect_state(b, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS,
                 8000);
    e = wait_event(a, RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT, 8000);
    assert_int_equal(rtm_event_request_id(e), queued); /* exactly one result, and it is OK */
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);

    /* channels work again: both are members without doing anything */
    wait_member(a, cha, "bob");
    wait_member(b, chb, "alice");
    send_channel_text(cha, "after restart", &req);
    e = wait_event(b, RTM_EVENT_CHANNEL_MESSAGE_RECEIVED, 5000);
    if (strcmp(rtm_message_text(rtm_event_message(e)), "queued while away") == 0) {
        rtm_event_free(e); /* it may reach bob if his rejoin came first */
        e = wait_event(b, RTM_EVENT_CHANNEL_MESSAGE_RECEIVED, 5000);
    }
    assert_string_equal(rtm_message_text(rtm_event_message(e)), "after restart");
    rtm_event_free(e);

    /* bob's attributes were set again by his client */
    assert_int_equal(rtm_client_get_user_attributes(a, "bob", &req), RTM_OK);
    e = wait_event(a, RTM_EVENT_GET_USER_ATTRIBUTES_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_int_equal(rtm_event_attribute_count(e), 1);
    assert_string_equal(rtm_event_attribute_key(e, 0), "mood");
    assert_string_equal(rtm_event_attribute_value(e, 0), "sunny");
    rtm_event_free(e);

    /* alice's subscription came back: carol's login reaches her */
    rtm_client_t *carol = logged_in_client(d.url, FAST, "carol");
    long long deadline = now_ms() + 5000;
    bool online = false;
    while (!online && now_ms() < deadline) {
        e = wait_event(a, RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED, 5000);
        online = rtm_event_peer_count(e) == 1 && strcmp(rtm_event_peer_id(e, 0), "carol") == 0 &&
                 rtm_event_peer_state(e, 0) == RTM_PEER_ONLINE_STATE_ONLINE;
        rtm_event_free(e);
    }
    assert_true(online);

    rtm_client_free(carol);
    finish(a, cha, b, chb, NULL, &d);
}

static void test_request_times_out_while_server_is_away(void **state)
{
    rtmd_t d;
    rtmd_start(&d, NULL);
    rtm_client_t *a = logged_in_client(d.url, FAST, "alice");
    rtmd_crash(&d);
    expect_state(a, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 5000);
    assert_int_equal(rtm_client_set_option(a, "request.timeout_ms", "500"), RTM_OK);
    uint64_t req;
    assert_int_equal(rtm_client_get_user_attributes(a, "bob", &req), RTM_OK);
    rtm_event_t *e = wait_event(a, RTM_EVENT_GET_USER_ATTRIBUTES_RESULT, 3000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_ERR_TIMEOUT);
    rtm_event_free(e);
    rtmd_restart(&d, NULL);
    expect_state(a, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS,
                 8000);
    /* the timed-out request was never sent late: no second result */
    char lines[16][96];
    assert_int_equal(collect(a, 500, lines, 16), 0);
    rtm_client_free(a);
    assert_int_equal(rtmd_stop(&d), 0);
}

/* ---- a network that goes silent without closing -------------------------------------- */

static void test_silent_network_is_detected_by_heartbeats(void **state)
{
    rtmd_t d;
    rtmd_start(&d, NULL);
    proxy_t *p = proxy_start(d.port);
    const char *settings[] = {"heartbeat.interval_ms=200", "reconnect.backoff_min_ms=100",
                              "reconnect.backoff_max_ms=200", NULL};
    rtm_client_t *a = make_client(proxy_url(p), settings);
    login_ok(a, NULL, "alice");
    long long t0 = now_ms();
    proxy_freeze(p, true, true);
    expect_state(a, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 5000);
    long long detected = now_ms() - t0;
    /* three silent intervals of 200 ms, checked once per interval: under a second; the bound
       is generous for a loaded machine */
    assert_true(detected >= 500);
    assert_true(detected < 3000);
    proxy_freeze(p, false, false);
    expect_state(a, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS,
                 5000);
    rtm_client_free(a);
    proxy_stop(p);
    assert_int_equal(rtmd_stop(&d), 0);
}

static void test_paused_reader_keeps_its_session(void **state)
{
    const char *args[] = {"--heartbeat-timeout-ms", "1000", NULL};
    rtmd_t d;
    rtmd_start(&d, args);
    const char *settings[] = {"heartbeat.interval_ms=200", "event_queue.capacity=16", NULL};
    rtm_client_t *a = make_client(d.url, settings);
    login_ok(a, NULL, "alice");
    rtm_client_t *b = logged_in_client(d.url, FAST, "bob");
    rtm_channel_t *cha = joined_channel(a, "room"), *chb = joined_channel(b, "room");
    char lines[64][96];
    collect(a, 200, lines, 64); /* bob's join */
    send_numbered_texts(chb, "m%02d", 40);
    sleep(3); /* alice does not poll: her client stops reading, but keeps pinging */
    int n = collect(a, 1500, lines, 64);
    assert_int_equal(count_lines(lines, n, "state"), 0);
    expect_numbered_texts(lines, n, "room", "bob", "m%02d", 40);
    finish(a, cha, b, chb, NULL, &d);
}

/* ---- resume within the grace period -------------------------------------------------- */

static void test_resumed_session_loses_nothing_and_nobody_notices(void **state)
{
    const char *args[] = {"--session-grace-ms", "5000", NULL};
    rtmd_t d;
    rtmd_start(&d, args);
    proxy_t *p = proxy_start(d.port);
    rtm_client_t *a = logged_in_client(proxy_url(p), FAST, "alice"),
                 *b = logged_in_client(d.url, FAST, "bob");
    rtm_channel_t *cha = joined_channel(a, "room"), *chb = joined_channel(b, "room");
    const char *alice_id[] = {"alice"};
    uint64_t req;
    assert_int_equal(rtm_client_subscribe_peers_online_status(b, alice_id, 1, &req), RTM_OK);
    char lines[64][96];
    collect(b, 300, lines, 64); /* the subscription result, the snapshot, alice's join */
    collect(a, 100, lines, 64);

    cut_off(a, p); /* alice stays away until we let her back */
    send_numbered_texts(chb, "c%d", 5);
    uint64_t peer_req;
    send_peer_text(b, "alice", "while away", &peer_req);
    let_back(a, p);
    int n = collect(a, 1000, lines, 64);
    expect_numbered_texts(lines, n, "room", "bob", "c%d", 5);
    assert_int_equal(count_lines(lines, n, "peer bob|while away"), 1);
    /* bob's message was delivered, and he was told so */
    rtm_event_t *e = wait_event(b, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), peer_req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    /* bob saw no member leave or join, and never OFFLINE (UNREACHABLE, then ONLINE at most) */
    n = collect(b, 500, lines, 64);
    assert_int_equal(count_lines(lines, n, "left "), 0);
    assert_int_equal(count_lines(lines, n, "joined "), 0);
    assert_int_equal(count_lines(lines, n, "presence alice=2"), 0);
    finish(a, cha, b, chb, p, &d);
}

/* ---- a session lost for good: replay and de-duplication ------------------------------ */

static void test_channel_messages_missed_are_replayed_after_a_new_session(void **state)
{
    const char *args[] = {"--session-grace-ms", "0", NULL};
    rtmd_t d;
    rtmd_start(&d, args);
    proxy_t *p = proxy_start(d.port);
    rtm_client_t *a = logged_in_client(proxy_url(p), FAST, "alice"),
                 *b = logged_in_client(d.url, FAST, "bob");
    rtm_channel_t *cha = joined_channel(a, "room"), *chb = joined_channel(b, "room");
    char lines[64][96];
    send_channel_text(chb, "before", NULL);
    int n = collect(a, 500, lines, 64);
    assert_int_equal(count_lines(lines, n, "msg room|bob|before"), 1);
    collect(b, 100, lines, 64);

    cut_off(a, p);
    /* the server ended alice's session (no grace): bob sees her leave */
    rtm_event_t *e = wait_event(b, RTM_EVENT_CHANNEL_MEMBER_LEFT, 5000);
    assert_string_equal(rtm_event_user_id(e), "alice");
    rtm_event_free(e);
    send_numbered_texts(chb, "missed%d", 3);
    collect(b, 200, lines, 64);
    let_back(a, p);
    n = collect(a, 1000, lines, 64);
    expect_numbered_texts(lines, n, "room", "bob", "missed%d", 3); /* not "before" again */
    /* one leave/join pair for bob */
    e = wait_event(b, RTM_EVENT_CHANNEL_MEMBER_JOINED, 5000);
    assert_string_equal(rtm_event_user_id(e), "alice");
    rtm_event_free(e);
    finish(a, cha, b, chb, p, &d);
}

static void test_peer_message_sent_again_is_received_once(void **state)
{
    const char *args[] = {"--session-grace-ms", "0", NULL};
    rtmd_t d;
    rtmd_start(&d, args);
    proxy_t *p = proxy_start(d.port);
    rtm_client_t *a = logged_in_client(proxy_url(p), FAST, "alice"),
                 *b = logged_in_client(d.url, FAST, "bob");
    /* alice's frames reach the server, the server's never reach alice: bob gets the message,
       alice never hears that he did */
    proxy_freeze(p, false, true);
    uint64_t req;
    send_peer_text(a, "bob", "exactly once", &req);
    expect_peer_text(b, "alice", "exactly once");
    proxy_refuse(p, true);
    proxy_cut(p);
    proxy_freeze(p, false, false);
    expect_state(a, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 5000);
    let_back(a, p);
    /* a new session: alice's client sends the message again and it completes */
    rtm_event_t *e = wait_event(a, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    char lines[16][96];
    int n = collect(b, 800, lines, 16);
    assert_int_equal(count_lines(lines, n, "peer "), 0); /* bob's application got it once */
    rtm_client_free(a);
    rtm_client_free(b);
    proxy_stop(p);
    assert_int_equal(rtmd_stop(&d), 0);
}

/* ---- a server that drains ------------------------------------------------------------ */

static void test_drained_server_sends_clients_to_the_next_one(void **state)
{
    rtmd_t d1, d2;
    rtmd_start(&d1, NULL);
    rtmd_start(&d2, NULL);
    char urls[160];
    snprintf(urls, sizeof(urls), "server.url=%s,%s", d1.url, d2.url);
    /* a long backoff: only GOAWAY explains a reconnect within a second */
    const char *settings[] = {urls, "reconnect.backoff_min_ms=5000",
                              "reconnect.backoff_max_ms=10000", NULL};
    rtm_client_t *a = make_client(NULL, settings);
    login_ok(a, NULL, "alice");
    long long t0 = now_ms();
    assert_int_equal(rtmd_stop(&d1), 0); /* SIGTERM: drains and exits 0 */
    expect_state(a, RTM_CONNECTION_STATE_RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED,
                 5000);
    expect_state(a, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS,
                 4000);
    assert_true(now_ms() - t0 < 4000);
    rtm_client_free(a);
    assert_int_equal(rtmd_stop(&d2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clients_recover_everything_after_server_restart),
        cmocka_unit_test(test_request_times_out_while_server_is_away),
        cmocka_unit_test(test_silent_network_is_detected_by_heartbeats),
        cmocka_unit_test(test_paused_reader_keeps_its_session),
        cmocka_unit_test(test_resumed_session_loses_nothing_and_nobody_notices),
        cmocka_unit_test(test_channel_messages_missed_are_replayed_after_a_new_session),
        cmocka_unit_test(test_peer_message_sent_again_is_received_once),
        cmocka_unit_test(test_drained_server_sends_clients_to_the_next_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
