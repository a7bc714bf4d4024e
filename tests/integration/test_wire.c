/* rtmd against hostile and malformed input on the wire: a minimal raw WebSocket client (plain
 * sockets, no libwebsockets) sends what librtm never would and checks the answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec.h"
#include "harness.h"

static rtm_decoder_t dec;

/* ---- a tiny WebSocket client --------------------------------------------------------- */

static bool read_exact(int fd, uint8_t *p, size_t n, int timeout_ms)
{
    while (n) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) != 1)
            return false;
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static int ws_connect(const char *subprotocol)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)server.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
                     subprotocol);
    assert_int_equal(write(fd, req, (size_t)n), n);
    char resp[2048];
    size_t got = 0;
    while (got < sizeof(resp) - 1) {
        assert_true(read_exact(fd, (uint8_t *)resp + got, 1, 5000));
        got++;
        if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    resp[got] = 0;
    assert_non_null(strstr(resp, " 101 "));
    return fd;
}

/* Sends one WebSocket message (opcode 2 binary, 1 text), masked as a client must. */
static void ws_send(int fd, int opcode, const void *data, size_t len)
{
    uint8_t *frame = malloc(len + 14);
    size_t h = 0;
    frame[h++] = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        frame[h++] = (uint8_t)(0x80 | len);
    } else if (len < 65536) {
        frame[h++] = 0x80 | 126;
        frame[h++] = (uint8_t)(len >> 8);
        frame[h++] = (uint8_t)len;
    } else {
        frame[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            frame[h++] = (uint8_t)((uint64_t)len >> (i * 8));
    }
    const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(frame + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < len; i++)
        frame[h + i] = ((const uint8_t *)data)[i] ^ mask[i % 4];
    size_t total = h + len, off = 0;
    while (off < total) {
        ssize_t w = write(fd, frame + off, total - off);
        if (w <= 0)
            break; /* the server may close on us: the caller checks that */
        off += (size_t)w;
    }
    free(frame);
}

/* Reads one WebSocket message; returns its length, or -1 on close/timeout. */
static ssize_t ws_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
    for (;;) {
        uint8_t h[2];
        if (!read_exact(fd, h, 2, timeout_ms))
            return -1;
        uint64_t len = h[1] & 0x7f;
        if (len == 126 || len == 127) {
            uint8_t ext[8];
            size_t n = len == 126 ? 2 : 8;
            if (!read_exact(fd, ext, n, timeout_ms))
                return -1;
            len = 0;
            for (size_t i = 0; i < n; i++)
                len = (len << 8) | ext[i];
        }
        if (len > cap || !read_exact(fd, buf, (size_t)len, timeout_ms))
            return -1;
        int opcode = h[0] & 0x0f;
        if (opcode == 8)
            return -1; /* close */
        if (opcode == 2)
            return (ssize_t)len;
        /* ping/pong/text: keep reading */
    }
}

/* Reads messages until a frame of type arrives; fills f (borrowing buf). */
static void expect_frame(int fd, uint8_t *buf, size_t cap, uint32_t type, rtm_frame_t *f)
{
    for (int tries = 0; tries < 20; tries++) {
        ssize_t n = ws_recv(fd, buf, cap, 5000);
        assert_true(n > 0);
        size_t off = 0;
        while (off < (size_t)n) {
            assert_int_equal(rtm_frame_decode(&dec, buf, (size_t)n, &off, f, NULL), RTM_DECODE_OK);
            if (f->type == type)
                return;
        }
    }
    fail_msg("no frame of type %u", type);
}

static void send_frame(int fd, const rtm_frame_t *f)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    assert_true(rtm_frame_encode(&b, f));
    ws_send(fd, 2, rtm_buf_data(&b), b.len);
    rtm_buf_free(&b);
}

static void send_login(int fd, uint64_t id, const char *user)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGIN, id);
    rtm_frame_set_uint(&f, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_str(&f, RTM_K_APP_ID, "test");
    rtm_frame_set_str(&f, RTM_K_USER, user);
    send_frame(fd, &f);
}

static uint8_t buf[RTM_WIRE_MAX_MESSAGE];

/* ---- tests --------------------------------------------------------------------------- */

static void test_garbage_gets_an_error_and_the_connection_stays_usable(void **state)
{
    int fd = ws_connect(RTM_PROTOCOL_NAME);
    const uint8_t junk[] = {0xc1, 0xff, 0x00, 0x13, 0x37};
    ws_send(fd, 2, junk, sizeof(junk));
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_ERROR, &f);
    assert_int_equal(f.err, RTM_ERR_PROTOCOL);
    assert_true(f.errmsg.len > 0);
    send_login(fd, 5, "wire-garbage");
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 5);
    assert_int_equal(f.err, RTM_OK);
    close(fd);
}

static void test_unknown_frame_type_is_answered_with_its_id(void **state)
{
    int fd = ws_connect(RTM_PROTOCOL_NAME);
    const uint8_t unknown[] = {0x93, 0x3f, 0x2a, 0x80}; /* [63, 42, {}] */
    ws_send(fd, 2, unknown, sizeof(unknown));
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_ERROR, &f);
    assert_int_equal(f.id, 42);
    /* a server frame type sent by a client is refused too */
    rtm_frame_init(&f, RTM_FRAME_RESULT, 43);
    rtm_frame_set_uint(&f, RTM_K_ERR, 0);
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_ERROR, &f);
    assert_int_equal(f.id, 43);
    close(fd);
}

static void test_requests_before_login_are_not_logged_in(void **state)
{
    int fd = ws_connect(RTM_PROTOCOL_NAME);
    rtm_frame_t f;
    rtm_bytes_t who = {"someone", 7};
    rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, 9);
    rtm_frame_set_users(&f, &who, 1);
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 9);
    assert_int_equal(f.err, RTM_ERR_NOT_LOGGED_IN);
    close(fd);
}

static void test_wrong_protocol_version_is_refused_with_the_servers(void **state)
{
    int fd = ws_connect(RTM_PROTOCOL_NAME);
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGIN, 1);
    rtm_frame_set_uint(&f, RTM_K_VERSION, 99);
    rtm_frame_set_str(&f, RTM_K_APP_ID, "test");
    rtm_frame_set_str(&f, RTM_K_USER, "future");
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_ERR_PROTOCOL);
    assert_true(rtm_frame_has(&f, RTM_K_VERSION));
    assert_int_equal(f.version, RTM_PROTOCOL_VERSION);
    close(fd);
}

static void test_bad_ids_and_messages_are_refused_by_the_server(void **state)
{
    int fd = ws_connect(RTM_PROTOCOL_NAME);
    rtm_frame_t f;
    send_login(fd, 1, "null"); /* the client library never sends this; the server checks too */
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_ERR_INVALID_USER_ID);
    close(fd);

    fd = ws_connect(RTM_PROTOCOL_NAME);
    send_login(fd, 1, "wire-sender");
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    rtm_frame_init(&f, RTM_FRAME_SEND_PEER, 2);
    rtm_frame_set_str(&f, RTM_K_USER, "wire-sender");
    rtm_frame_set_uint(&f, RTM_K_MTYPE, 1);
    rtm_frame_set_bytes(&f, RTM_K_TEXT, "\xff\xfe", 2); /* not UTF-8 */
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 2);
    assert_int_equal(f.err, RTM_ERR_INVALID_MESSAGE);
    char *big = malloc(40000);
    memset(big, 'a', 40000);
    rtm_frame_init(&f, RTM_FRAME_SEND_PEER, 3);
    rtm_frame_set_str(&f, RTM_K_USER, "wire-sender");
    rtm_frame_set_uint(&f, RTM_K_MTYPE, 1);
    rtm_frame_set_bytes(&f, RTM_K_TEXT, big, 40000);
    send_frame(fd, &f);
    free(big);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 3);
    assert_int_equal(f.err, RTM_ERR_INVALID_MESSAGE);
    rtm_frame_init(&f, RTM_FRAME_SEND_PEER, 4);
    rtm_frame_set_str(&f, RTM_K_USER, "bad/peer");
    rtm_frame_set_uint(&f, RTM_K_MTYPE, 1);
    rtm_frame_set_str(&f, RTM_K_TEXT, "x");
    send_frame(fd, &f);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_ERR_INVALID_USER_ID);
    close(fd);
}

static void test_oversized_message_closes_the_connection(void **state)
{
    int fd = ws_connect(RTM_PROTOCOL_NAME);
    size_t n = RTM_WIRE_MAX_MESSAGE + 1024;
    uint8_t *big = calloc(1, n);
    ws_send(fd, 2, big, n);
    free(big);
    /* the server closes (possibly after an ERROR): reading ends within the bound */
    ssize_t r;
    int messages = 0;
    while ((r = ws_recv(fd, buf, sizeof(buf), 5000)) > 0 && messages < 10)
        messages++;
    assert_true(r < 0);
    close(fd);
}

static void test_random_input_never_brings_the_server_down(void **state)
{
    uint64_t seed = 0x243f6a8885a308d3ull;
    for (int conn = 0; conn < 20; conn++) {
        int fd = ws_connect(RTM_PROTOCOL_NAME);
        if (conn % 2)
            send_login(fd, 1, "fuzzer");
        for (int m = 0; m < 50; m++) {
            uint8_t msg[96];
            size_t len = 1 + (size_t)(seed % sizeof(msg));
            for (size_t i = 0; i < len; i++) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                msg[i] = (uint8_t)seed;
            }
            if (m % 3 == 0)
                msg[0] = 0x93; /* looks like a frame: exercises the deeper paths */
            ws_send(fd, 2, msg, len);
        }
        close(fd);
    }
    /* still serving: a real client logs in and a healthz answers */
    rtm_client_t *c = make_client(server.url, NULL);
    login_ok(c, NULL, "after-the-storm");
    rtm_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_gets_an_error_and_the_connection_stays_usable),
        cmocka_unit_test(test_unknown_frame_type_is_answered_with_its_id),
        cmocka_unit_test(test_requests_before_login_are_not_logged_in),
        cmocka_unit_test(test_wrong_protocol_version_is_refused_with_the_servers),
        cmocka_unit_test(test_bad_ids_and_messages_are_refused_by_the_server),
        cmocka_unit_test(test_oversized_message_closes_the_connection),
        cmocka_unit_test(test_random_input_never_brings_the_server_down),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
