/* TLS: rtmd with --tls-cert/--tls-key serves wss:// and https; librtm verifies the certificate
 * against tls.ca_file (or the system store) and the host name unless tls.verify_peer=false,
 * and a failed verification fails the login with RTM_ERR_TLS and a sentence. The test makes
 * its own certificate authorities and server certificates with the openssl command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define ADMIN_TOKEN "tls-admin-secret-0123456789"

static char dir[64];      /* the temp dir with the certificates */
static char ca_file[128]; /* the CA that signed both server certificates */
static char other_ca_file[128];
static rtmd_t tls_server;   /* certificate for localhost and 127.0.0.1 */
static rtmd_t other_server; /* certificate for other.example only, same CA */
static char tls_url[64], localhost_url[64], other_url[64];

static void run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* A certificate authority named name: dir/name.pem and dir/name.key. */
static void make_ca(const char *name)
{
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 2 "
        "-subj '/CN=%s' "
        "-keyout %s/%s.key -out %s/%s.pem 2>/dev/null",
        name, dir, name, dir, name);
}

/* A server certificate dir/name.pem (key dir/name.key) signed by ca for the given names. */
static void make_server_cert(const char *name, const char *ca, const char *cn, const char *san)
{
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -subj "
        "'/CN=%s' -keyout %s/%s.key "
        "-out %s/%s.csr 2>/dev/null",
        cn, dir, name, dir, name);
    run("printf 'subjectAltName=%s\\n' > %s/%s.ext", san, dir, name);
    run("openssl x509 -req -sha256 -days 2 -in %s/%s.csr -CA %s/%s.pem -CAkey %s/%s.key "
        "-CAcreateserial -extfile %s/%s.ext -out %s/%s.pem 2>/dev/null",
        dir, name, dir, ca, dir, ca, dir, name, dir, name);
}

static void start_tls_rtmd(rtmd_t *d, const char *cert, char *url, size_t cap)
{
    char cert_path[128], key_path[128];
    snprintf(cert_path, sizeof(cert_path), "%s/%s.pem", dir, cert);
    snprintf(key_path, sizeof(key_path), "%s/%s.key", dir, cert);
    const char *args[] = {"--tls-cert",    cert_path,   "--tls-key", key_path,
                          "--admin-token", ADMIN_TOKEN, NULL};
    rtmd_start(d, args);
    snprintf(url, cap, "wss://127.0.0.1:%d", d->port);
}

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/rtm-tls-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    make_ca("ca");
    make_ca("other-ca");
    make_server_cert("server", "ca", "localhost", "DNS:localhost,IP:127.0.0.1");
    make_server_cert("elsewhere", "ca", "other.example", "DNS:other.example");
    snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", dir);
    snprintf(other_ca_file, sizeof(other_ca_file), "%s/other-ca.pem", dir);
    start_tls_rtmd(&tls_server, "server", tls_url, sizeof(tls_url));
    snprintf(localhost_url, sizeof(localhost_url), "wss://localhost:%d", tls_server.port);
    start_tls_rtmd(&other_server, "elsewhere", other_url, sizeof(other_url));
    rtmd_start(&server, NULL); /* a plain one */
    return 0;
}

static int teardown(void **state)
{
    int rc = rtmd_stop(&tls_server) | rtmd_stop(&other_server) | rtmd_stop(&server);
    run("rm -rf %s", dir);
    return rc == 0 ? 0 : -1;
}

static rtm_client_t *tls_client(const char *url, const char *ca, const char *verify)
{
    char ca_setting[192], verify_setting[64];
    const char *settings[3] = {NULL, NULL, NULL};
    int n = 0;
    if (ca) {
        snprintf(ca_setting, sizeof(ca_setting), "tls.ca_file=%s", ca);
        settings[n++] = ca_setting;
    }
    if (verify) {
        snprintf(verify_setting, sizeof(verify_setting), "tls.verify_peer=%s", verify);
        settings[n++] = verify_setting;
    }
    /* one attempt per URL: a TLS failure is final for a login */
    return make_client(url, settings);
}

/* The login fails with RTM_ERR_TLS, the client ends DISCONNECTED, and the last error says
 * what failed (it contains want). */
static void expect_tls_failure(rtm_client_t *c, const char *user, const char *want)
{
    assert_int_equal(login_result(c, NULL, user), RTM_ERR_TLS);
    assert_int_equal(rtm_client_connection_state(c), RTM_CONNECTION_STATE_DISCONNECTED);
    const char *why = rtm_client_last_error(c);
    if (!strstr(why, want))
        fail_msg("last error '%s' does not say '%s'", why, want);
}

/* A request that needs the server: proves the session works over TLS. */
static void expect_round_trip(rtm_client_t *c, const char *user)
{
    const char *peers[] = {user};
    uint64_t req = 0;
    assert_int_equal(rtm_client_query_peers_online_status(c, peers, 1, &req), RTM_OK);
    rtm_event_t *e = wait_event(c, RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT, 10000);
    assert_int_equal(rtm_event_error(e), RTM_OK);
    rtm_event_free(e);
}

static void test_tls_login_with_the_signing_ca_works(void **state)
{
    rtm_client_t *c = tls_client(tls_url, ca_file, NULL);
    login_ok(c, NULL, "tls-alice");
    expect_round_trip(c, "tls-alice");
    rtm_client_free(c);
    /* the certificate names localhost too */
    c = tls_client(localhost_url, ca_file, NULL);
    login_ok(c, NULL, "tls-alice2");
    expect_round_trip(c, "tls-alice2");
    rtm_client_free(c);
}

static void test_tls_unknown_ca_fails_with_tls_error(void **state)
{
    rtm_client_t *c = tls_client(tls_url, other_ca_file, NULL);
    expect_tls_failure(c, "tls-bob", "certificate authority");
    rtm_client_free(c);
}

static void test_tls_wrong_host_name_fails_with_tls_error(void **state)
{
    rtm_client_t *c = tls_client(other_url, ca_file, NULL);
    expect_tls_failure(c, "tls-carol", "host name 127.0.0.1");
    rtm_client_free(c);
}

static void test_tls_verify_peer_false_accepts_any_certificate(void **state)
{
    rtm_client_t *c = tls_client(tls_url, other_ca_file, "false");
    login_ok(c, NULL, "tls-dave");
    expect_round_trip(c, "tls-dave");
    rtm_client_free(c);
    c = tls_client(other_url, other_ca_file, "false"); /* wrong CA and wrong name */
    login_ok(c, NULL, "tls-dave2");
    rtm_client_free(c);
}

static void test_tls_clients_in_one_process_use_their_own_ca_files(void **state)
{
    rtm_client_t *good = tls_client(tls_url, ca_file, NULL);
    rtm_client_t *bad = tls_client(tls_url, other_ca_file, NULL);
    rtm_client_t *good2 = tls_client(tls_url, ca_file, NULL);
    login_ok(good, NULL, "tls-erin");
    expect_tls_failure(bad, "tls-frank", "certificate authority");
    login_ok(good2, NULL, "tls-grace");
    expect_round_trip(good, "tls-grace");
    rtm_client_free(bad);
    rtm_client_free(good2);
    rtm_client_free(good);
}

static void test_tls_without_ca_file_uses_the_system_store(void **state)
{
    /* The system store does not know the test CA... */
    rtm_client_t *c = tls_client(tls_url, NULL, NULL);
    expect_tls_failure(c, "tls-heidi", "certificate authority");
    rtm_client_free(c);
    /* ...unless OpenSSL's default locations point at it. The I/O thread (and its TLS setup)
     * starts with the first client of the process, so no other client may be alive here. */
    setenv("SSL_CERT_FILE", ca_file, 1);
    c = tls_client(tls_url, NULL, NULL);
    login_ok(c, NULL, "tls-heidi");
    rtm_client_free(c);
    unsetenv("SSL_CERT_FILE");
}

static void test_tls_unreadable_ca_file_fails_with_tls_error(void **state)
{
    rtm_client_t *c = tls_client(tls_url, "/nonexistent/ca.pem", NULL);
    expect_tls_failure(c, "tls-ivan", "cannot read tls.ca_file /nonexistent/ca.pem");
    rtm_client_free(c);
    char not_pem[160];
    snprintf(not_pem, sizeof(not_pem), "%s/server.ext", dir);
    c = tls_client(tls_url, not_pem, NULL);
    expect_tls_failure(c, "tls-ivan", "holds no PEM certificate");
    rtm_client_free(c);
}

static void test_tls_to_a_plain_server_fails_with_tls_error(void **state)
{
    char url[64];
    snprintf(url, sizeof(url), "wss://127.0.0.1:%d", server.port);
    rtm_client_t *c = tls_client(url, ca_file, NULL);
    expect_tls_failure(c, "tls-judy", "TLS");
    rtm_client_free(c);
}

/* ---- https -------------------------------------------------------------------------- */

/* Sends request over TLS (verified against ca_file for 127.0.0.1) to port and returns the
 * whole answer in buf. */
static void https_exchange(int port, const char *request, char *buf, size_t cap)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, ca_file, NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
    assert_int_equal(SSL_connect(ssl), 1);
    assert_int_equal(SSL_write(ssl, request, (int)strlen(request)), (int)strlen(request));
    size_t got = 0;
    int n;
    while (got + 1 < cap && (n = SSL_read(ssl, buf + got, (int)(cap - 1 - got))) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
}

static void test_https_serves_healthz_and_admin(void **state)
{
    char buf[4096];
    https_exchange(tls_server.port,
                   "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", buf,
                   sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strstr(buf, "\r\n\r\nok\n"));
    https_exchange(
        tls_server.port,
        "GET /admin/bans HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " ADMIN_TOKEN
        "\r\nConnection: close\r\n\r\n",
        buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strstr(buf, "{\"count\":0,\"bans\":[]}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_login_with_the_signing_ca_works),
        cmocka_unit_test(test_tls_unknown_ca_fails_with_tls_error),
        cmocka_unit_test(test_tls_wrong_host_name_fails_with_tls_error),
        cmocka_unit_test(test_tls_verify_peer_false_accepts_any_certificate),
        cmocka_unit_test(test_tls_clients_in_one_process_use_their_own_ca_files),
        cmocka_unit_test(test_tls_without_ca_file_uses_the_system_store),
        cmocka_unit_test(test_tls_unreadable_ca_file_fails_with_tls_error),
        cmocka_unit_test(test_tls_to_a_plain_server_fails_with_tls_error),
        cmocka_unit_test(test_https_serves_healthz_and_admin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
