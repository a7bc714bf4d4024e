/* librtm's own WebSocket client against a scripted server (no rtmd): the server completes the
 * RFC 6455 handshake, then sends what each test says and records what the client sends back:
 * a PING is answered with a PONG carrying its payload (also when it arrives in the same read
 * as the 101 reply), a masked server frame or reserved bits close the connection with 1002, a
 * message above the limit with 1009, a CLOSE from the server is answered with a CLOSE; every
 * failure of the connection fails the login with RTM_ERR_NETWORK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

typedef struct script {
    int listen_fd;
    char url[64];
    const uint8_t *after; /* bytes sent right behind the 101 reply, in the same write */
    size_t after_len;
    /* what the client sent after the handshake */
    int n_binary;      /* binary frames (the LOGIN) */
    uint8_t pong[125]; /* the payload of its first PONG */
    int pong_len;      /* -1: none */
    int close_code;    /* its CLOSE's code; -1: none */
    bool masked;       /* every client frame was masked */
    char request[2048];
} script_t;

static bool read_full(int fd, uint8_t *p, size_t n)
{
    while (n) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 10000) != 1)
            return false;
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static void *serve(void *arg)
{
    script_t *s = arg;
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    if (!read_http_head(fd, s->request, sizeof(s->request))) {
        close(fd);
        return NULL;
    }
    char key[64] = "";
    const char *k = strstr(s->request, "Sec-WebSocket-Key: ");
    if (k)
        sscanf(k + strlen("Sec-WebSocket-Key: "), "%63[^\r]", key);
    char src[128];
    snprintf(src, sizeof(src), "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    uint8_t digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)src, strlen(src), digest);
    char accept_b64[64];
    EVP_EncodeBlock((unsigned char *)accept_b64, digest, sizeof(digest));
    uint8_t out[4096];
    int n = snprintf((char *)out, sizeof(out),
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
                     "Sec-WebSocket-Protocol: rtm.1\r\n\r\n",
                     accept_b64);
    memcpy(out + n, s->after, s->after_len);
    ssize_t w = write(fd, out, (size_t)n + s->after_len);
    (void)w;
    /* the client's frames, until it closes or sends CLOSE */
    s->masked = true;
    for (;;) {
        uint8_t h[14];
        if (!read_full(fd, h, 2))
            break;
        uint64_t len = h[1] & 0x7f;
        size_t ext = len == 126 ? 2 : len == 127 ? 8 : 0;
        if (!read_full(fd, h + 2, ext))
            break;
        if (len == 126)
            len = (uint64_t)h[2] << 8 | h[3];
        else if (len == 127)
            for (int i = 0; i < 8; i++)
                len = (i ? len << 8 : 0) | h[2 + i];
        uint8_t mask[4] = {0};
        if (!(h[1] & 0x80))
            s->masked = false;
        else if (!read_full(fd, mask, 4))
            break;
        uint8_t *p = malloc(len ? len : 1);
        if (!read_full(fd, p, len)) {
            free(p);
            break;
        }
        for (uint64_t i = 0; i < len; i++)
            p[i] ^= mask[i % 4];
        uint8_t op = h[0] & 0x0f;
        if (op == 0x2)
            s->n_binary++;
        if (op == 0xA && s->pong_len < 0) {
            s->pong_len = (int)len;
            memcpy(s->pong, p, len);
        }
        if (op == 0x8) {
            s->close_code = len >= 2 ? p[0] << 8 | p[1] : 0;
            free(p);
            break;
        }
        free(p);
    }
    close(fd);
    return NULL;
}

static void script_start(script_t *s, pthread_t *t, const uint8_t *after, size_t after_len)
{
    memset(s, 0, sizeof(*s));
    s->pong_len = -1;
    s->close_code = -1;
    s->after = after;
    s->after_len = after_len;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->listen_fd, 4), 0);
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&a, &len), 0);
    snprintf(s->url, sizeof(s->url), "ws://127.0.0.1:%d/rtm?v=1", ntohs(a.sin_port));
    assert_int_equal(pthread_create(t, NULL, serve, s), 0);
}

/* Logs in against the script (which never answers the LOGIN); the login fails with
 * expect_err (RTM_ERR_TIMEOUT when the connection stays up). */
static void run_login(script_t *s, pthread_t t, rtm_err_t expect_err)
{
    const char *settings[] = {"login.timeout_ms=1500", NULL};
    rtm_client_t *c = make_client(s->url, settings);
    assert_int_equal(login_result(c, NULL, "scripted"), expect_err);
    rtm_client_free(c);
    pthread_join(t, NULL);
    close(s->listen_fd);
    assert_non_null(strstr(s->request, "GET /rtm?v=1 HTTP/1.1\r\n"));
    assert_true(s->masked);
}

static void test_ping_in_the_same_read_as_the_reply_is_answered(void **state)
{
    static const uint8_t ping[] = {0x89, 3, 'a', 'b', 'c'};
    script_t s;
    pthread_t t;
    script_start(&s, &t, ping, sizeof(ping));
    run_login(&s, t, RTM_ERR_TIMEOUT);
    assert_int_equal(s.n_binary, 1); /* the LOGIN */
    assert_int_equal(s.pong_len, 3);
    assert_memory_equal(s.pong, "abc", 3);
}

/* The scripted server sends `bytes` after the 101; the login fails and the client's CLOSE
 * carries `code`. */
static void expect_close_code(const uint8_t *bytes, size_t len, unsigned code)
{
    script_t s;
    pthread_t t;
    script_start(&s, &t, bytes, len);
    run_login(&s, t, RTM_ERR_NETWORK);
    assert_int_equal(s.close_code, code);
}

static void test_masked_server_frame_closes_with_1002(void **state)
{
    static const uint8_t masked[] = {0x82, 0x82, 1, 2, 3, 4, 'x' ^ 1, 'y' ^ 2};
    expect_close_code(masked, sizeof(masked), 1002);
}

static void test_reserved_bits_close_with_1002(void **state)
{
    static const uint8_t rsv[] = {0xC2, 1, 'x'};
    expect_close_code(rsv, sizeof(rsv), 1002);
}

static void test_message_over_the_limit_closes_with_1009(void **state)
{
    /* a header announcing 256 KiB + 1 bytes: refused before any payload */
    static const uint8_t big[] = {0x82, 127, 0, 0, 0, 0, 0, 0x04, 0x00, 0x01};
    expect_close_code(big, sizeof(big), 1009);
}

static void test_server_close_is_answered(void **state)
{
    static const uint8_t bye[] = {0x88, 2, 0x03, 0xe9}; /* 1001: going away */
    expect_close_code(bye, sizeof(bye), 1001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping_in_the_same_read_as_the_reply_is_answered),
        cmocka_unit_test(test_masked_server_frame_closes_with_1002),
        cmocka_unit_test(test_reserved_bits_close_with_1002),
        cmocka_unit_test(test_message_over_the_limit_closes_with_1009),
        cmocka_unit_test(test_server_close_is_answered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
