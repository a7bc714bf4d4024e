/* Token mode: rtmd with --app-id and --app-certificate accepts exactly the right tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define APP_ID       "970CA35de60c44645bbae8a215061b33"
#define CERT         "5CFd2fd1755d40ecb72977518be15d3b"
#define OTHER_APP_ID "0123456789abcdef0123456789abcdef"
#define OTHER_CERT   "fedcba9876543210fedcba9876543210"

static int start_token_server(void **state)
{
    /* the tests log tok-user in many times a second */
    const char *args[] = {"--app-id", APP_ID, "--app-certificate", CERT, "--rate-logins",
                          "1000",     NULL};
    rtmd_start(&server, args);
    return 0;
}

static rtm_client_t *client_for(const char *app_id)
{
    rtm_config_t *cfg = rtm_config_new();
    rtm_config_set(cfg, "server.url", server.url);
    rtm_err_t err;
    rtm_client_t *c = rtm_client_new(app_id, cfg, &err);
    rtm_config_free(cfg);
    assert_non_null(c);
    return c;
}

static char *token(const char *app, const char *cert, const char *user, long lifetime_s)
{
    rtm_err_t err;
    char *t = rtm_token_build(app, cert, user, (uint32_t)(time(NULL) + lifetime_s), 0, 0, &err);
    assert_int_equal(err, RTM_OK);
    assert_non_null(t);
    return t;
}

static void expect_login(const char *app_id, const char *tok, const char *user, rtm_err_t want)
{
    rtm_client_t *c = client_for(app_id);
    assert_int_equal(login_result(c, tok, user), want);
    if (want != RTM_OK)
        assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_DISCONNECTED);
    rtm_client_free(c);
}

static void test_valid_token_logs_in(void **state)
{
    char *t = token(APP_ID, CERT, "tok-user", 3600);
    expect_login(APP_ID, t, "tok-user", RTM_OK);
    rtm_string_free(t);
}

static void test_missing_token_is_invalid(void **state)
{
    expect_login(APP_ID, NULL, "tok-user", RTM_ERR_INVALID_TOKEN);
}

static void test_forged_token_is_invalid(void **state)
{
    char *t = token(APP_ID, OTHER_CERT, "tok-user", 3600); /* signed with the wrong certificate */
    expect_login(APP_ID, t, "tok-user", RTM_ERR_INVALID_TOKEN);
    rtm_string_free(t);
    t = token(APP_ID, CERT, "tok-user", 3600);
    size_t n = strlen(t);
    t[n - 6] = t[n - 6] == 'A' ? 'B' : 'A'; /* tampered */
    expect_login(APP_ID, t, "tok-user", RTM_ERR_INVALID_TOKEN);
    rtm_string_free(t);
    expect_login(APP_ID, "006garbage", "tok-user", RTM_ERR_INVALID_TOKEN);
}

static void test_token_of_another_user_is_invalid(void **state)
{
    char *t = token(APP_ID, CERT, "someone-else", 3600);
    expect_login(APP_ID, t, "tok-user", RTM_ERR_INVALID_TOKEN);
    rtm_string_free(t);
}

static void test_token_of_another_app_is_invalid(void **state)
{
    char *t = token(OTHER_APP_ID, CERT, "tok-user", 3600);
    expect_login(APP_ID, t, "tok-user", RTM_ERR_INVALID_TOKEN);
    rtm_string_free(t);
}

static void test_login_with_another_app_id_is_refused(void **state)
{
    char *t = token(OTHER_APP_ID, CERT, "tok-user", 3600);
    expect_login(OTHER_APP_ID, t, "tok-user", RTM_ERR_INVALID_APP_ID);
    rtm_string_free(t);
}

static void test_expired_token_is_refused(void **state)
{
    rtm_err_t err;
    /* issued two days ago: its own 24 h are over */
    uint32_t issued = (uint32_t)time(NULL) - 2 * 86400;
    char *t = rtm_token_build(APP_ID, CERT, "tok-user", 0, 0, issued, &err);
    assert_non_null(t);
    expect_login(APP_ID, t, "tok-user", RTM_ERR_TOKEN_EXPIRED);
    rtm_string_free(t);
    /* privilege expired a minute ago */
    t = token(APP_ID, CERT, "tok-user", -60);
    expect_login(APP_ID, t, "tok-user", RTM_ERR_TOKEN_EXPIRED);
    rtm_string_free(t);
}

static void test_renew_token_succeeds_with_a_valid_token(void **state)
{
    rtm_client_t *c = client_for(APP_ID);
    char *t = token(APP_ID, CERT, "renewer", 60);
    login_ok(c, t, "renewer");
    rtm_string_free(t);
    t = token(APP_ID, CERT, "renewer", 7200);
    uint64_t req;
    assert_int_equal(rtm_client_renew_token(c, t, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_RENEW_TOKEN_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
    rtm_string_free(t);
    t = token(APP_ID, CERT, "not-renewer", 7200);
    assert_int_equal(rtm_client_renew_token(c, t, &req), RTM_OK);
    e = wait_event(c, RTM_EVENT_RENEW_TOKEN_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_ERR_INVALID_TOKEN);
    rtm_event_free(e);
    rtm_string_free(t);
    rtm_client_free(c);
}

static void test_rejected_renewal_keeps_the_working_token_for_reconnects(void **state)
{
    const char *args[] = {"--app-id", APP_ID, "--app-certificate", CERT, NULL};
    rtmd_t own;
    rtmd_start(&own, args);
    rtm_config_t *cfg = rtm_config_new();
    rtm_config_set(cfg, "server.url", own.url);
    rtm_config_set(cfg, "reconnect.backoff_min_ms", "50");
    rtm_config_set(cfg, "reconnect.backoff_max_ms", "200");
    rtm_client_t *c = rtm_client_new(APP_ID, cfg, NULL);
    rtm_config_free(cfg);
    char *t = token(APP_ID, CERT, "keeper", 3600);
    login_ok(c, t, "keeper");
    rtm_string_free(t);
    assert_int_equal(rtm_client_renew_token(c, "006garbage", NULL), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_RENEW_TOKEN_RESULT, 5000);
    assert_int_equal(rtm_event_error(e), RTM_ERR_INVALID_TOKEN);
    rtm_event_free(e);
    rtmd_crash(&own);
    rtmd_restart(&own, args);
    /* the reconnect logs in with the token that worked, not the refused one */
    e = wait_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 10000);
    assert_int_equal(rtm_event_connection_state(e), RTM_CONNECTION_STATE_RECONNECTING);
    rtm_event_free(e);
    e = wait_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, 10000);
    assert_int_equal(rtm_event_connection_state(e), RTM_CONNECTION_STATE_CONNECTED);
    rtm_event_free(e);
    rtm_client_free(c);
    assert_int_equal(rtmd_stop(&own), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_token_logs_in),
        cmocka_unit_test(test_missing_token_is_invalid),
        cmocka_unit_test(test_forged_token_is_invalid),
        cmocka_unit_test(test_token_of_another_user_is_invalid),
        cmocka_unit_test(test_token_of_another_app_is_invalid),
        cmocka_unit_test(test_login_with_another_app_id_is_refused),
        cmocka_unit_test(test_expired_token_is_refused),
        cmocka_unit_test(test_renew_token_succeeds_with_a_valid_token),
        cmocka_unit_test(test_rejected_renewal_keeps_the_working_token_for_reconnects),
    };
    return cmocka_run_group_tests(tests, start_token_server, stop_server);
}
