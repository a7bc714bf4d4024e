/* Integration test harness (see harness.h). */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *rtmd_path(void)
{
    const char *p = getenv("RTMD");
    return p && *p ? p : RTMD_PATH;
}

/* rtmds this process started and has not stopped: a failed assertion jumps past the test's
 * own stop, so they are killed at exit instead of lingering. */
static pid_t live[64];

static void remember(pid_t pid, bool add)
{
    for (int i = 0; i < 64; i++) {
        if (add ? live[i] == 0 : live[i] == pid) {
            live[i] = add ? pid : 0;
            return;
        }
    }
}

static void kill_leftovers(void)
{
    for (int i = 0; i < 64; i++)
        if (live[i] > 0) {
            kill(live[i], SIGKILL);
            waitpid(live[i], NULL, 0);
        }
}

void rtmd_start(rtmd_t *d, const char *const *extra_args)
{
    static bool registered;
    if (!registered) {
        atexit(kill_leftovers);
        registered = true;
    }
    int out[2];
    assert_int_equal(pipe(out), 0);
    const char *argv[64];
    int argc = 0;
    if (getenv("RTMD_VALGRIND")) /* the server under valgrind too: errors make it exit 99 */
        for (const char *const *v =
                 (const char *const[]){"/usr/bin/valgrind", "--quiet", "--error-exitcode=99",
                                       "--leak-check=full",
                                       "--errors-for-leak-kinds=definite,indirect", NULL};
             *v; v++)
            argv[argc++] = *v;
    argv[argc++] = rtmd_path();
    argv[argc++] = "--listen";
    argv[argc++] = "127.0.0.1:0";
    argv[argc++] = "--log-level";
    argv[argc++] = "warn";
    for (int i = 0; extra_args && extra_args[i] && argc < 62; i++)
        argv[argc++] = extra_args[i];
    argv[argc] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    FILE *fp = fdopen(out[0], "r");
    char line[256] = "";
    /* the first line names the port; rtmd exits (EOF here) when it cannot start */
    if (!fgets(line, sizeof(line), fp)) {
        fclose(fp);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("rtmd printed nothing (is %s built?)", argv[0]);
    }
    d->out = fp;
    char host[64];
    if (sscanf(line, "rtmd listening on %63[^:]:%d", host, &d->port) != 2) {
        fclose(fp);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("unexpected first line from rtmd: %s", line);
    }
    d->pid = pid;
    remember(pid, true);
    snprintf(d->url, sizeof(d->url), "ws://127.0.0.1:%d", d->port);
}

rtmd_t server;

void rtmd_crash(rtmd_t *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
        remember(d->pid, false);
    }
    d->pid = 0;
    rtmd_stop(d); /* closes the stdout pipe */
}

void rtmd_restart(rtmd_t *d, const char *const *extra_args)
{
    int port = d->port;
    char listen[32];
    const char *args[32] = {"--listen", listen};
    int n = 2;
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
    for (int i = 0; extra_args && extra_args[i] && n < 31; i++)
        args[n++] = extra_args[i];
    args[n] = NULL;
    rtmd_start(d, args); /* the later --listen wins over port 0 */
    assert_int_equal(d->port, port);
}

int start_server(void **state)
{
    rtmd_start(&server, NULL);
    return 0;
}

int start_server_relogins(void **state)
{
    const char *args[] = {"--rate-logins", "1000", NULL};
    rtmd_start(&server, args);
    return 0;
}

int stop_server(void **state)
{
    return rtmd_stop(&server) == 0 ? 0 : -1;
}

int rtmd_stop(rtmd_t *d)
{
    if (d->pid > 0)
        kill(d->pid, SIGTERM);
    return rtmd_wait(d, 10000);
}

int rtmd_wait(rtmd_t *d, int timeout_ms)
{
    int status = 0, rc = -1;
    if (d->pid > 0)
        remember(d->pid, false);
    for (int waited = 0; waited <= timeout_ms && d->pid > 0; waited += 10) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            d->pid = 0;
            rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        } else {
            usleep(10000);
        }
    }
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
        d->pid = 0;
    }
    if (d->out)
        fclose(d->out);
    d->out = NULL;
    return rc;
}

rtm_client_t *make_client(const char *url, const char *const *settings)
{
    rtm_config_t *cfg = rtm_config_new();
    assert_non_null(cfg);
    if (url)
        assert_int_equal(rtm_config_set(cfg, "server.url", url), RTM_OK);
    for (int i = 0; settings && settings[i]; i++) {
        char key[128];
        const char *eq = strchr(settings[i], '=');
        assert_non_null(eq);
        snprintf(key, sizeof(key), "%.*s", (int)(eq - settings[i]), settings[i]);
        assert_int_equal(rtm_config_set(cfg, key, eq + 1), RTM_OK);
    }
    rtm_err_t err = RTM_ERR_FAILURE;
    rtm_client_t *c = rtm_client_new("test", cfg, &err);
    rtm_config_free(cfg);
    assert_int_equal(err, RTM_OK);
    assert_non_null(c);
    return c;
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

rtm_event_t *wait_event(rtm_client_t *c, rtm_event_type_t type, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left < 0)
            left = 0;
        rtm_event_t *e = rtm_client_poll(c, (int)left);
        if (e && rtm_event_type(e) == type)
            return e;
        rtm_event_free(e);
        if (!e && now_ms() >= deadline)
            fail_msg("no %s within %d ms", rtm_event_type_name(type), timeout_ms);
    }
}

rtm_event_t *next_event(rtm_client_t *c, rtm_event_type_t type, int timeout_ms)
{
    rtm_event_t *e = rtm_client_poll(c, timeout_ms);
    if (!e)
        fail_msg("no event within %d ms (wanted %s)", timeout_ms, rtm_event_type_name(type));
    if (rtm_event_type(e) != type)
        fail_msg("got %s, wanted %s", rtm_event_type_name(rtm_event_type(e)),
                 rtm_event_type_name(type));
    return e;
}

bool no_event_within(rtm_client_t *c, int ms)
{
    rtm_event_t *e = rtm_client_poll(c, ms);
    if (e)
        fprintf(stderr, "unexpected event %s\n", rtm_event_type_name(rtm_event_type(e)));
    rtm_event_free(e);
    return e == NULL;
}

rtm_err_t login_result(rtm_client_t *c, const char *token, const char *user)
{
    uint64_t req = 0;
    assert_int_equal(rtm_client_login(c, token, user, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_LOGIN_RESULT, 10000);
    assert_int_equal(rtm_event_request_id(e), req);
    rtm_err_t err = rtm_event_error(e);
    rtm_event_free(e);
    return err;
}

void login_ok(rtm_client_t *c, const char *token, const char *user)
{
    assert_int_equal(login_result(c, token, user), RTM_OK);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_CONNECTED);
}

rtm_client_t *logged_in_client(const char *url, const char *const *settings, const char *user)
{
    rtm_client_t *c = make_client(url, settings);
    login_ok(c, NULL, user);
    return c;
}

rtm_channel_t *joined_channel(rtm_client_t *c, const char *id)
{
    rtm_err_t err;
    rtm_channel_t *ch = rtm_client_create_channel(c, id, &err);
    assert_int_equal(err, RTM_OK);
    uint64_t req;
    assert_int_equal(rtm_channel_join(ch, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_JOIN_CHANNEL_RESULT, 5000);
    assert_int_equal(rtm_event_request_id(e), req);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    assert_string_equal(rtm_event_channel_id(e), id);
    rtm_event_free(e);
    return ch;
}

void expect_member_event(rtm_client_t *c, rtm_event_type_t type, const char *channel,
                         const char *who)
{
    rtm_event_t *e = wait_event(c, type, 5000);
    assert_string_equal(rtm_event_channel_id(e), channel);
    assert_string_equal(rtm_event_user_id(e), who);
    rtm_event_free(e);
}

void expect_state(rtm_client_t *c, rtm_connection_state_t state,
                  rtm_connection_change_reason_t reason, int timeout_ms)
{
    rtm_event_t *e = wait_event(c, RTM_EVENT_CONNECTION_STATE_CHANGED, timeout_ms);
    if (rtm_event_connection_state(e) != state || rtm_event_connection_reason(e) != reason)
        fail_msg("state %d reason %d, wanted %d / %d", rtm_event_connection_state(e),
                 rtm_event_connection_reason(e), state, reason);
    rtm_event_free(e);
}

bool read_http_head(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    buf[0] = '\0';
    while (got + 1 < cap && !strstr(buf, "\r\n\r\n")) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n <= 0)
            return false;
        got += (size_t)n;
        buf[got] = '\0';
    }
    return true;
}
