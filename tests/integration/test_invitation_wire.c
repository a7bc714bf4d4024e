/* rtmd's call-invitation routing and timeouts, driven on the wire by raw WebSocket clients
 * (the librtm invitation handles build on exactly these frames). rtmd runs with short
 * invitation timeouts so every path finishes quickly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "rawws.h"

static uint8_t buf[65536];

static int start_invite_server(void **state)
{
    const char *args[] = {"--invite-offline-timeout-ms", "600", "--invite-ack-timeout-ms", "600",
                          "--invite-expire-ms", "1500",
                          /* a dropped connection ends its session at once (the grace period
                             would race the 600 ms ack timeout) */
                          "--session-grace-ms", "0", NULL};
    rtmd_start(&server, args);
    return 0;
}

static int login(const char *user)
{
    int fd = ws_connect(server.port, RTM_PROTOCOL_NAME);
    rtm_frame_t f;
    send_login(fd, 1, user);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    return fd;
}

static void logout(int fd)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGOUT, 99);
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    close(fd);
}

/* Sends an invitation frame of type (INVITE, _CANCEL, _ACCEPT, _REFUSE) and returns the RESULT
 * error. */
static uint64_t request(int fd, uint32_t type, uint64_t id, const char *peer, uint64_t iid,
                        const char *text)
{
    rtm_frame_t f;
    rtm_frame_init(&f, type, id);
    rtm_frame_set_str(&f, RTM_K_USER, peer);
    rtm_frame_set_uint(&f, RTM_K_IID, iid);
    if (text)
        rtm_frame_set_str(&f, RTM_K_TEXT, text);
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, id);
    return f.err;
}

static void ack(int fd, const char *caller, uint64_t iid)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_INVITE_ACK, 0);
    rtm_frame_set_str(&f, RTM_K_USER, caller);
    rtm_frame_set_uint(&f, RTM_K_IID, iid);
    send_frame(fd, &f);
}

static void expect_received(int fd, const char *caller, uint64_t iid, const char *content)
{
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_INVITE_RECEIVED, &f);
    assert_int_equal(f.iid, iid);
    assert_int_equal(f.user.len, strlen(caller));
    assert_memory_equal(f.user.ptr, caller, f.user.len);
    if (content) {
        assert_int_equal(f.text.len, strlen(content));
        assert_memory_equal(f.text.ptr, content, f.text.len);
    }
}

static void expect_update(int fd, uint64_t iid, uint64_t kind, rtm_err_t err, const char *text)
{
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_INVITE_UPDATE, &f);
    assert_int_equal(f.iid, iid);
    assert_int_equal(f.kind, kind);
    if (kind == RTM_INVITE_FAILED || kind == RTM_INVITE_CALLEE_FAILED)
        assert_int_equal(f.err, err);
    if (text) {
        assert_int_equal(f.text.len, strlen(text));
        assert_memory_equal(f.text.ptr, text, f.text.len);
    }
}

static void test_invitation_accepted_with_response(void **state)
{
    int caller = login("iw-caller"), callee = login("iw-callee");
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 2, "iw-callee", 7, "call me ☎"), RTM_OK);
    expect_received(callee, "iw-caller", 7, "call me ☎");
    ack(callee, "iw-caller", 7);
    expect_update(caller, 7, RTM_INVITE_RECEIVED_BY_PEER, RTM_OK, NULL);
    assert_int_equal(request(callee, RTM_FRAME_INVITE_ACCEPT, 3, "iw-caller", 7, "on my way"),
                     RTM_OK);
    expect_update(caller, 7, RTM_INVITE_ACCEPTED, RTM_OK, "on my way");
    /* ended: a cancel or a second answer is refused */
    assert_int_equal(request(caller, RTM_FRAME_INVITE_CANCEL, 4, "iw-callee", 7, NULL),
                     RTM_ERR_INVALID_STATE);
    assert_int_equal(request(callee, RTM_FRAME_INVITE_REFUSE, 5, "iw-caller", 7, NULL),
                     RTM_ERR_INVALID_STATE);
    logout(caller);
    logout(callee);
}

static void test_invitation_refused_and_cancelled(void **state)
{
    int caller = login("iw-c2"), callee = login("iw-e2");
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 2, "iw-e2", 1, NULL), RTM_OK);
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 3, "iw-e2", 2, NULL), RTM_OK);
    expect_received(callee, "iw-c2", 1, NULL);
    expect_received(callee, "iw-c2", 2, NULL);
    ack(callee, "iw-c2", 1);
    ack(callee, "iw-c2", 2);
    expect_update(caller, 1, RTM_INVITE_RECEIVED_BY_PEER, RTM_OK, NULL);
    expect_update(caller, 2, RTM_INVITE_RECEIVED_BY_PEER, RTM_OK, NULL);
    /* two invitations at once stay independent */
    assert_int_equal(request(callee, RTM_FRAME_INVITE_REFUSE, 4, "iw-c2", 1, "busy"), RTM_OK);
    expect_update(caller, 1, RTM_INVITE_REFUSED, RTM_OK, "busy");
    assert_int_equal(request(caller, RTM_FRAME_INVITE_CANCEL, 5, "iw-e2", 2, NULL), RTM_OK);
    expect_update(callee, 2, RTM_INVITE_CANCELED, RTM_OK, NULL);
    /* an iid still in use is refused; a fresh one is fine */
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 6, "iw-e2", 3, NULL), RTM_OK);
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 7, "iw-e2", 3, NULL), RTM_ERR_INVALID_STATE);
    logout(caller);
    logout(callee);
}

static void test_offline_callee_gets_it_at_login_or_the_caller_hears_peer_offline(void **state)
{
    int caller = login("iw-c3");
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 2, "iw-late", 1, "hello?"), RTM_OK);
    int callee = login("iw-late"); /* before the 600 ms offline timeout */
    expect_received(callee, "iw-c3", 1, "hello?");
    ack(callee, "iw-c3", 1);
    expect_update(caller, 1, RTM_INVITE_RECEIVED_BY_PEER, RTM_OK, NULL);
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 3, "iw-never", 2, NULL), RTM_OK);
    expect_update(caller, 2, RTM_INVITE_FAILED, RTM_ERR_PEER_OFFLINE, NULL);
    logout(caller);
    logout(callee);
}

static void test_unacknowledged_and_unanswered_invitations_fail(void **state)
{
    int caller = login("iw-c4"), callee = login("iw-e4");
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 2, "iw-e4", 1, NULL), RTM_OK);
    expect_received(callee, "iw-c4", 1, NULL); /* never acknowledged */
    expect_update(caller, 1, RTM_INVITE_FAILED, RTM_ERR_PEER_NO_RESPONSE, NULL);
    expect_update(callee, 1, RTM_INVITE_CALLEE_FAILED, RTM_ERR_PEER_NO_RESPONSE, NULL);
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 3, "iw-e4", 2, NULL), RTM_OK);
    expect_received(callee, "iw-c4", 2, NULL);
    ack(callee, "iw-c4", 2);
    expect_update(caller, 2, RTM_INVITE_RECEIVED_BY_PEER, RTM_OK, NULL);
    /* acknowledged but never answered: both hear it expire */
    expect_update(caller, 2, RTM_INVITE_FAILED, RTM_ERR_INVITATION_EXPIRED, NULL);
    expect_update(callee, 2, RTM_INVITE_CALLEE_FAILED, RTM_ERR_INVITATION_EXPIRED, NULL);
    logout(caller);
    logout(callee);
}

static void test_the_other_side_leaving_fails_the_invitation(void **state)
{
    int caller = login("iw-c5"), callee = login("iw-e5");
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 2, "iw-e5", 1, NULL), RTM_OK);
    expect_received(callee, "iw-c5", 1, NULL);
    ack(callee, "iw-c5", 1);
    expect_update(caller, 1, RTM_INVITE_RECEIVED_BY_PEER, RTM_OK, NULL);
    logout(caller); /* the caller goes away mid-invitation */
    expect_update(callee, 1, RTM_INVITE_CALLEE_FAILED, RTM_ERR_PEER_OFFLINE, NULL);
    caller = login("iw-c5");
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 3, "iw-e5", 2, NULL), RTM_OK);
    expect_received(callee, "iw-c5", 2, NULL);
    close(callee); /* the callee's connection just drops */
    expect_update(caller, 2, RTM_INVITE_FAILED, RTM_ERR_PEER_OFFLINE, NULL);
    logout(caller);
}

static void test_bad_invitations_are_refused(void **state)
{
    int caller = login("iw-c6");
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 2, "bad/id", 1, NULL),
                     RTM_ERR_INVALID_USER_ID);
    char *big = malloc(8194);
    memset(big, 'x', 8193);
    big[8193] = 0;
    assert_int_equal(request(caller, RTM_FRAME_INVITE, 3, "iw-x", 2, big), RTM_ERR_SIZE_OVERFLOW);
    free(big);
    /* answering an invitation that does not exist */
    assert_int_equal(request(caller, RTM_FRAME_INVITE_ACCEPT, 4, "iw-x", 9, NULL),
                     RTM_ERR_INVALID_STATE);
    assert_int_equal(request(caller, RTM_FRAME_INVITE_CANCEL, 5, "iw-x", 9, NULL),
                     RTM_ERR_INVALID_STATE);
    logout(caller);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invitation_accepted_with_response),
        cmocka_unit_test(test_invitation_refused_and_cancelled),
        cmocka_unit_test(test_offline_callee_gets_it_at_login_or_the_caller_hears_peer_offline),
        cmocka_unit_test(test_unacknowledged_and_unanswered_invitations_fail),
        cmocka_unit_test(test_the_other_side_leaving_fails_the_invitation),
        cmocka_unit_test(test_bad_invitations_are_refused),
    };
    return cmocka_run_group_tests(tests, start_invite_server, stop_server);
}
