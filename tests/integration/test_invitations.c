/* Call invitations through the ABI against a real rtmd with short invitation timeouts: both
 * state machines, their events, wrong-state calls, content and response, offline callees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static int start_invite_server(void **state)
{
    const char *args[] = {"--invite-offline-timeout-ms",
                          "800",
                          "--invite-ack-timeout-ms",
                          "800",
                          "--invite-expire-ms",
                          "2000",
                          NULL};
    rtmd_start(&server, args);
    return 0;
}

static rtm_client_t *user(const char *name)
{
    return logged_in_client(server.url, NULL, name);
}

/* The next invitation event of c must be type; returns its invitation (a new reference). */
static rtm_invitation_t *expect_inv_event(rtm_client_t *c, rtm_event_type_t type, rtm_err_t err)
{
    rtm_event_t *e = wait_event(c, type, 8000);
    assert_int_equal(rtm_event_error(e), err);
    rtm_invitation_t *inv = rtm_event_invitation(e);
    assert_non_null(inv);
    rtm_event_free(e);
    return inv;
}

/* The call's INVITATION_RESULT, then (if want_event) the state event it caused right after. */
static void expect_result_then(rtm_client_t *c, uint64_t req, rtm_err_t err, rtm_event_type_t then)
{
    rtm_event_t *e = wait_event(c, RTM_EVENT_INVITATION_RESULT, 8000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), err);
    rtm_invitation_t *inv = rtm_event_invitation(e);
    assert_non_null(inv);
    rtm_invitation_free(inv);
    rtm_event_free(e);
    if (then) {
        e = next_event(c, then, 8000);
        rtm_event_free(e);
    }
}

/* inv's state is `first` (set inside the application's call) or `next` (the other side's
 * answer, which may already have arrived on the I/O thread). */
static void assert_state_one_of(const rtm_invitation_t *inv, int first, int next)
{
    int st = rtm_invitation_state(inv);
    if (st != first)
        assert_int_equal(st, next);
}

static void test_accepted_invitation_walks_both_state_machines(void **state)
{
    rtm_client_t *a = user("inv-a"), *b = user("inv-b");
    rtm_invitation_t *li = rtm_client_create_local_invitation(a, "inv-b", NULL);
    assert_int_equal(rtm_invitation_kind(li), RTM_INVITATION_KIND_LOCAL);
    assert_int_equal(rtm_invitation_state(li), RTM_LOCAL_INVITATION_STATE_IDLE);
    assert_string_equal(rtm_invitation_callee_id(li), "inv-b");
    assert_int_equal(rtm_invitation_set_content(li, "视频通话? ☎"), RTM_OK);
    assert_int_equal(rtm_invitation_set_channel_id(li, "call-room"), RTM_OK);
    uint64_t req;
    assert_int_equal(rtm_invitation_send(li, &req), RTM_OK);
    /* SENT_TO_REMOTE inside the call; the callee's client may already have answered that it
       has it (RECEIVED_BY_REMOTE): abi.md, a state read "reflects at least" what happened */
    assert_state_one_of(li, RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE,
                        RTM_LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE);
    expect_result_then(a, req, RTM_OK, 0);
    /* the callee */
    rtm_invitation_t *ri = expect_inv_event(b, RTM_EVENT_REMOTE_INVITATION_RECEIVED, RTM_OK);
    assert_int_equal(rtm_invitation_kind(ri), RTM_INVITATION_KIND_REMOTE);
    assert_int_equal(rtm_invitation_state(ri), RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED);
    assert_string_equal(rtm_invitation_caller_id(ri), "inv-a");
    assert_string_equal(rtm_invitation_content(ri), "视频通话? ☎");
    assert_string_equal(rtm_invitation_channel_id(ri), "call-room");
    /* the caller hears it arrived; the event's reference is the same invitation */
    rtm_invitation_t *same =
        expect_inv_event(a, RTM_EVENT_LOCAL_INVITATION_RECEIVED_BY_PEER, RTM_OK);
    assert_int_equal(rtm_invitation_id(same), rtm_invitation_id(li));
    assert_int_equal(rtm_invitation_state(li), RTM_LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE);
    rtm_invitation_free(same);
    assert_int_equal(rtm_invitation_set_response(ri, "coming ✓"), RTM_OK);
    assert_int_equal(rtm_invitation_accept(ri, &req), RTM_OK);
    /* ACCEPT_SENT_TO_LOCAL inside the call; ACCEPTED as soon as the server passed it on */
    assert_state_one_of(ri, RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL,
                        RTM_REMOTE_INVITATION_STATE_ACCEPTED);
    expect_result_then(b, req, RTM_OK, RTM_EVENT_REMOTE_INVITATION_ACCEPTED);
    assert_int_equal(rtm_invitation_state(ri), RTM_REMOTE_INVITATION_STATE_ACCEPTED);
    rtm_invitation_t *acc = expect_inv_event(a, RTM_EVENT_LOCAL_INVITATION_ACCEPTED, RTM_OK);
    assert_string_equal(rtm_invitation_response(acc), "coming ✓");
    assert_int_equal(rtm_invitation_state(li), RTM_LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE);
    rtm_invitation_free(acc);
    /* ended: every further call is in the wrong state */
    assert_int_equal(rtm_invitation_cancel(li, &req), RTM_ERR_INVALID_STATE);
    assert_int_equal(rtm_invitation_send(li, &req), RTM_ERR_INVALID_STATE);
    assert_int_equal(rtm_invitation_refuse(ri, &req), RTM_ERR_INVALID_STATE);
    assert_true(strlen(rtm_client_last_error(b)) > 0);
    rtm_invitation_free(li);
    rtm_invitation_free(ri);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_refused_and_cancelled_invitations(void **state)
{
    rtm_client_t *a = user("inv-a2"), *b = user("inv-b2");
    rtm_invitation_t *one = rtm_client_create_local_invitation(a, "inv-b2", NULL);
    rtm_invitation_t *two = rtm_client_create_local_invitation(a, "inv-b2", NULL);
    assert_true(rtm_invitation_id(one) != rtm_invitation_id(two));
    uint64_t r1, r2, req;
    assert_int_equal(rtm_invitation_send(one, &r1), RTM_OK);
    assert_int_equal(rtm_invitation_send(two, &r2), RTM_OK);
    rtm_invitation_t *ri1 = expect_inv_event(b, RTM_EVENT_REMOTE_INVITATION_RECEIVED, RTM_OK);
    rtm_invitation_t *ri2 = expect_inv_event(b, RTM_EVENT_REMOTE_INVITATION_RECEIVED, RTM_OK);
    assert_int_equal(rtm_invitation_set_response(ri1, "not now"), RTM_OK);
    assert_int_equal(rtm_invitation_refuse(ri1, &req), RTM_OK);
    assert_int_equal(rtm_invitation_state(ri1), RTM_REMOTE_INVITATION_STATE_REFUSED);
    expect_result_then(b, req, RTM_OK, RTM_EVENT_REMOTE_INVITATION_REFUSED);
    rtm_invitation_t *ref = expect_inv_event(a, RTM_EVENT_LOCAL_INVITATION_REFUSED, RTM_OK);
    assert_int_equal(rtm_invitation_id(ref), rtm_invitation_id(one));
    assert_string_equal(rtm_invitation_response(ref), "not now");
    assert_int_equal(rtm_invitation_state(one), RTM_LOCAL_INVITATION_STATE_REFUSED_BY_REMOTE);
    rtm_invitation_free(ref);
    /* the other one is still pending, independent: the caller cancels it */
    assert_int_equal(rtm_invitation_cancel(two, &req), RTM_OK);
    assert_int_equal(rtm_invitation_state(two), RTM_LOCAL_INVITATION_STATE_CANCELED);
    rtm_event_t *e;
    bool result_seen = false;
    while (!result_seen) { /* the send results and RECEIVED_BY_PEER events may come first */
        e = wait_event(a, RTM_EVENT_INVITATION_RESULT, 8000);
        result_seen = rtm_event_request_id(e) == req;
        rtm_event_free(e);
    }
    rtm_event_free(next_event(a, RTM_EVENT_LOCAL_INVITATION_CANCELED, 8000));
    rtm_invitation_t *can = expect_inv_event(b, RTM_EVENT_REMOTE_INVITATION_CANCELED, RTM_OK);
    assert_int_equal(rtm_invitation_state(ri2), RTM_REMOTE_INVITATION_STATE_CANCELED);
    assert_int_equal(rtm_invitation_accept(ri2, &req), RTM_ERR_INVALID_STATE); /* after cancel */
    rtm_invitation_free(can);
    rtm_invitation_free(one);
    rtm_invitation_free(two);
    rtm_invitation_free(ri1);
    rtm_invitation_free(ri2);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_wrong_state_and_bad_input_fail_at_once(void **state)
{
    rtm_client_t *a = make_client(server.url, NULL);
    rtm_err_t err;
    assert_null(rtm_client_create_local_invitation(a, "bad/id", &err));
    assert_int_equal(err, RTM_ERR_INVALID_USER_ID);
    assert_null(rtm_client_create_local_invitation(a, NULL, &err));
    assert_int_equal(err, RTM_ERR_INVALID_ARGUMENT);
    assert_null(rtm_client_create_local_invitation(NULL, "x", &err));
    assert_int_equal(err, RTM_ERR_INVALID_ARGUMENT);
    rtm_invitation_t *li = rtm_client_create_local_invitation(a, "someone", &err);
    assert_non_null(li); /* creation works before login */
    uint64_t req = 42;
    assert_int_equal(rtm_invitation_send(li, &req), RTM_ERR_NOT_LOGGED_IN);
    assert_int_equal(rtm_invitation_cancel(li, &req), RTM_ERR_INVALID_STATE); /* not sent */
    assert_true(strlen(rtm_client_last_error(a)) > 0);
    assert_int_equal(rtm_invitation_accept(li, &req), RTM_ERR_INVALID_STATE); /* a local one */
    assert_int_equal(rtm_invitation_refuse(li, &req), RTM_ERR_INVALID_STATE);
    assert_int_equal(rtm_invitation_set_response(li, "x"), RTM_ERR_INVALID_STATE);
    char *big = malloc(8194);
    memset(big, 'x', 8193);
    big[8193] = 0;
    assert_int_equal(rtm_invitation_set_content(li, big), RTM_ERR_SIZE_OVERFLOW);
    assert_non_null(strstr(rtm_client_last_error(a), "longer than 8192 bytes"));
    big[8192] = 0;
    assert_int_equal(rtm_invitation_set_content(li, big), RTM_OK); /* exactly 8 KB */
    free(big);
    assert_int_equal(rtm_invitation_set_content(li, "\xff"), RTM_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(rtm_client_last_error(a), "UTF-8"));
    assert_int_equal(rtm_invitation_set_content(li, NULL), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_invitation_set_channel_id(li, "no/no"), RTM_ERR_INVALID_CHANNEL_ID);
    assert_non_null(strstr(rtm_client_last_error(a), "id rules"));
    assert_int_equal(rtm_invitation_send(NULL, &req), RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_invitation_state(NULL), -1);
    assert_null(rtm_invitation_content(NULL));
    rtm_invitation_free(NULL);
    assert_int_equal(req, 42);
    login_ok(a, NULL, "inv-rules");
    assert_int_equal(rtm_invitation_send(li, &req), RTM_OK);
    assert_int_equal(rtm_invitation_send(li, &req), RTM_ERR_INVALID_STATE); /* twice */
    assert_int_equal(rtm_invitation_set_content(li, "late"), RTM_ERR_INVALID_STATE);
    assert_int_equal(rtm_invitation_set_channel_id(li, "late"), RTM_ERR_INVALID_STATE);
    /* the client goes first: the invitation stays valid to free, calls say CLOSED */
    rtm_client_free(a);
    assert_int_equal(rtm_invitation_cancel(li, &req), RTM_ERR_CLOSED);
    assert_int_equal(rtm_invitation_id(li) > 0, 1);
    rtm_invitation_free(li);
}

static void test_offline_callee_logging_in_in_time_gets_it(void **state)
{
    rtm_client_t *a = user("inv-early");
    rtm_invitation_t *li = rtm_client_create_local_invitation(a, "inv-sleepy", NULL);
    uint64_t req;
    assert_int_equal(rtm_invitation_send(li, &req), RTM_OK);
    expect_result_then(a, req, RTM_OK, 0);
    rtm_client_t *b = user("inv-sleepy"); /* within the 800 ms offline timeout */
    rtm_invitation_t *ri = expect_inv_event(b, RTM_EVENT_REMOTE_INVITATION_RECEIVED, RTM_OK);
    rtm_invitation_free(expect_inv_event(a, RTM_EVENT_LOCAL_INVITATION_RECEIVED_BY_PEER, RTM_OK));
    /* unanswered: both sides see it expire */
    rtm_invitation_free(
        expect_inv_event(a, RTM_EVENT_LOCAL_INVITATION_FAILURE, RTM_ERR_INVITATION_EXPIRED));
    rtm_invitation_free(
        expect_inv_event(b, RTM_EVENT_REMOTE_INVITATION_FAILURE, RTM_ERR_INVITATION_EXPIRED));
    assert_int_equal(rtm_invitation_state(li), RTM_LOCAL_INVITATION_STATE_FAILURE);
    assert_int_equal(rtm_invitation_state(ri), RTM_REMOTE_INVITATION_STATE_FAILURE);
    rtm_invitation_free(li);
    rtm_invitation_free(ri);
    rtm_client_free(a);
    rtm_client_free(b);
}

static void test_callee_who_stays_offline_fails_with_peer_offline(void **state)
{
    rtm_client_t *a = user("inv-lonely");
    rtm_invitation_t *li = rtm_client_create_local_invitation(a, "inv-absent", NULL);
    assert_int_equal(rtm_invitation_send(li, NULL), RTM_OK);
    rtm_invitation_t *f =
        expect_inv_event(a, RTM_EVENT_LOCAL_INVITATION_FAILURE, RTM_ERR_PEER_OFFLINE);
    assert_int_equal(rtm_invitation_id(f), rtm_invitation_id(li));
    assert_int_equal(rtm_invitation_state(li), RTM_LOCAL_INVITATION_STATE_FAILURE);
    rtm_invitation_free(f);
    rtm_invitation_free(li);
    rtm_client_free(a);
}

static void test_caller_logout_fails_the_callees_invitation(void **state)
{
    rtm_client_t *a = user("inv-quitter"), *b = user("inv-left");
    rtm_invitation_t *li = rtm_client_create_local_invitation(a, "inv-left", NULL);
    assert_int_equal(rtm_invitation_send(li, NULL), RTM_OK);
    rtm_invitation_t *ri = expect_inv_event(b, RTM_EVENT_REMOTE_INVITATION_RECEIVED, RTM_OK);
    assert_int_equal(rtm_client_logout(a, NULL), RTM_OK);
    rtm_invitation_free(
        expect_inv_event(b, RTM_EVENT_REMOTE_INVITATION_FAILURE, RTM_ERR_PEER_OFFLINE));
    assert_int_equal(rtm_invitation_state(ri), RTM_REMOTE_INVITATION_STATE_FAILURE);
    uint64_t req;
    assert_int_equal(rtm_invitation_accept(ri, &req), RTM_ERR_INVALID_STATE);
    rtm_invitation_free(li);
    rtm_invitation_free(ri);
    rtm_client_free(a);
    rtm_client_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_invitation_walks_both_state_machines),
        cmocka_unit_test(test_refused_and_cancelled_invitations),
        cmocka_unit_test(test_wrong_state_and_bad_input_fail_at_once),
        cmocka_unit_test(test_offline_callee_logging_in_in_time_gets_it),
        cmocka_unit_test(test_callee_who_stays_offline_fails_with_peer_offline),
        cmocka_unit_test(test_caller_logout_fails_the_callees_invitation),
    };
    return cmocka_run_group_tests(tests, start_invite_server, stop_server);
}
