/* Raw WebSocket test client (see rawws.h). */
#include "rawws.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static rtm_decoder_t dec;

/* Frames of a message read earlier that a caller has not looked at yet, per connection (a
 * message often carries several frames, e.g. a RESULT and the pushes after it). */
#define REST_SLOTS 8
typedef struct rest {
    bool live;
    int fd;
    uint64_t last_use; /* the least recently used slot goes to a new connection */
    size_t len, off;
    uint8_t data[RTM_WIRE_MAX_MESSAGE];
} rest_t;
static rest_t rests[REST_SLOTS];
static uint64_t rest_clock;

/* The slot of fd, a free or the least recently used one when it has none (emptied). */
static rest_t *rest_of(int fd)
{
    rest_t *pick = NULL;
    for (int i = 0; i < REST_SLOTS; i++) {
        rest_t *r = &rests[i];
        if (r->live && r->fd == fd) {
            pick = r;
            break;
        }
        if (!pick || (pick->live && (!r->live || r->last_use < pick->last_use)))
            pick = r;
    }
    if (!pick->live || pick->fd != fd) {
        pick->live = true;
        pick->fd = fd;
        pick->len = pick->off = 0;
    }
    pick->last_use = ++rest_clock;
    return pick;
}

/* Forgets what is left of an earlier connection with the number fd. */
static void rest_forget(int fd)
{
    for (int i = 0; i < REST_SLOTS; i++)
        if (rests[i].live && rests[i].fd == fd)
            rests[i].live = false;
}

static int read_exact(int fd, uint8_t *p, size_t n, int timeout_ms)
{
    while (n) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) != 1)
            return 0;
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return 0;
        p += r;
        n -= (size_t)r;
    }
    return 1;
}

int ws_tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* The upgrade request for subprotocol; its length. */
static int upgrade_request(char *req, size_t cap, const char *subprotocol)
{
    return snprintf(req, cap,
                    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
                    subprotocol);
}

int ws_upgrade_status(int port, const char *subprotocol, char *resp, size_t cap)
{
    int fd = ws_tcp_connect(port);
    char req[512];
    int n = upgrade_request(req, sizeof(req), subprotocol);
    ssize_t w = send(fd, req, (size_t)n, MSG_NOSIGNAL);
    (void)w; /* a refused socket may already be closed: its answer still tells */
    size_t got = 0;
    resp[0] = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (got < cap - 1 && !strstr(resp, "\r\n\r\n") && poll(&p, 1, 5000) == 1) {
        ssize_t r = recv(fd, resp + got, cap - 1 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
        resp[got] = 0;
    }
    resp[got] = 0;
    close(fd);
    int status = -1;
    if (sscanf(resp, "HTTP/1.1 %d", &status) != 1)
        return -1;
    return status;
}

int ws_connect(int port, const char *subprotocol)
{
    int fd = ws_tcp_connect(port);
    int one = 1; /* every write leaves at once, as written: tests cut frames where they choose */
    assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    char req[512];
    int n = upgrade_request(req, sizeof(req), subprotocol);
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
    rest_forget(fd); /* leftovers of an earlier connection with the same number */
    return fd;
}

/* Sends one WebSocket message (opcode 2 binary, 1 text), masked as a client must. */
void ws_send(int fd, int opcode, const void *data, size_t len)
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
ssize_t ws_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms)
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
void expect_frame(int fd, uint8_t *buf, size_t cap, uint32_t type, rtm_frame_t *f)
{
    rest_t *rest = rest_of(fd);
    for (int tries = 0; tries < 20; tries++) {
        if (rest->off >= rest->len) {
            ssize_t n = ws_recv(fd, buf, cap, 5000);
            assert_true(n > 0);
            assert_true((size_t)n <= sizeof(rest->data));
            memcpy(rest->data, buf, (size_t)n);
            rest->len = (size_t)n;
            rest->off = 0;
        }
        while (rest->off < rest->len) {
            assert_int_equal(rtm_frame_decode(&dec, rest->data, rest->len, &rest->off, f, NULL),
                             RTM_DECODE_OK);
            if (f->type == type)
                return; /* f borrows rest->data: valid until the next read of fd */
        }
    }
    fail_msg("no frame of type %u", type);
}

void send_frame(int fd, const rtm_frame_t *f)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    assert_true(rtm_frame_encode(&b, f));
    ws_send(fd, 2, rtm_buf_data(&b), b.len);
    rtm_buf_free(&b);
}

void send_login(int fd, uint64_t id, const char *user)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGIN, id);
    rtm_frame_set_uint(&f, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_str(&f, RTM_K_APP_ID, "test");
    rtm_frame_set_str(&f, RTM_K_USER, user);
    send_frame(fd, &f);
}

/* ---- raw frames ------------------------------------------------------------------------- */

void ws_build_frame(rtm_buf_t *out, bool fin, int opcode, bool masked, const void *payload,
                    size_t len)
{
    uint8_t h[14];
    size_t n = 0;
    h[n++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
    uint8_t m = masked ? 0x80 : 0;
    if (len < 126) {
        h[n++] = (uint8_t)(m | len);
    } else if (len < 65536) {
        h[n++] = m | 126;
        h[n++] = (uint8_t)(len >> 8);
        h[n++] = (uint8_t)len;
    } else {
        h[n++] = m | 127;
        for (int i = 7; i >= 0; i--)
            h[n++] = (uint8_t)((uint64_t)len >> (i * 8));
    }
    const uint8_t key[4] = {0xa5, 0x3c, 0x0f, 0x96};
    if (masked) {
        memcpy(h + n, key, 4);
        n += 4;
    }
    assert_true(rtm_buf_reserve(out, n + len));
    assert_true(rtm_buf_append(out, h, n));
    uint8_t *p = rtm_buf_data(out) + out->len;
    if (len)
        memcpy(p, payload, len);
    for (size_t i = 0; masked && i < len; i++)
        p[i] ^= key[i % 4];
    out->len += len;
}

void ws_build_rtm(rtm_buf_t *out, const rtm_frame_t *f)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    assert_true(rtm_frame_encode(&b, f));
    ws_build_frame(out, true, 2, true, rtm_buf_data(&b), b.len);
    rtm_buf_free(&b);
}

bool ws_send_raw(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

bool ws_send_bytewise(int fd, const void *data, size_t len, int pause_us,
                      void (*between)(void *ud, size_t i), void *ud)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        if (!ws_send_raw(fd, p + i, 1))
            return false;
        usleep((useconds_t)pause_us);
        if (between)
            between(ud, i);
    }
    return true;
}

/* 1: n bytes read; 0: nothing more within timeout_ms; -1: the connection ended or broke. */
static int read_all(int fd, uint8_t *p, size_t n, int timeout_ms)
{
    while (n) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int k = poll(&pfd, 1, timeout_ms);
        if (k < 0 && errno == EINTR)
            continue;
        if (k != 1)
            return 0;
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 1;
}

int ws_recv_frame(int fd, uint8_t *buf, size_t cap, size_t *len, bool *fin, int timeout_ms)
{
    uint8_t h[2] = {0}, ext[8];
    int rc = read_all(fd, h, 2, timeout_ms);
    uint64_t n = h[1] & 0x7f;
    if (rc > 0 && n >= 126) {
        size_t k = n == 126 ? 2 : 8;
        rc = read_all(fd, ext, k, timeout_ms);
        n = 0;
        for (size_t i = 0; rc > 0 && i < k; i++)
            n = (n << 8) | ext[i];
    }
    if (rc > 0 && (h[1] & 0x80))
        fail_msg("the server sent a masked frame");
    if (rc > 0 && n > cap)
        return WS_RECV_EOF;
    if (rc > 0)
        rc = read_all(fd, buf, (size_t)n, timeout_ms);
    if (rc <= 0)
        return rc < 0 ? WS_RECV_EOF : WS_RECV_TIMEOUT;
    *len = (size_t)n;
    if (fin)
        *fin = (h[0] & 0x80) != 0;
    return h[0] & 0x0f;
}

int ws_expect_close(int fd, char *reason, size_t cap, int timeout_ms)
{
    static uint8_t body[RTM_WIRE_MAX_MESSAGE];
    for (int frames = 0; frames < 100; frames++) {
        size_t len;
        int op = ws_recv_frame(fd, body, sizeof(body), &len, NULL, timeout_ms);
        if (op == WS_RECV_EOF)
            fail_msg("the connection ended without a CLOSE");
        if (op == WS_RECV_TIMEOUT)
            fail_msg("no CLOSE within %d ms", timeout_ms);
        if (op != 8)
            continue;
        if (reason && cap) {
            size_t n = len > 2 ? len - 2 : 0;
            if (n > cap - 1)
                n = cap - 1;
            memcpy(reason, body + 2, n);
            reason[n] = 0;
        }
        return len >= 2 ? body[0] << 8 | body[1] : 1005;
    }
    fail_msg("no CLOSE among 100 frames");
    return -1;
}

void ws_expect_eof(int fd, int timeout_ms)
{
    uint8_t b;
    int rc = read_all(fd, &b, 1, timeout_ms);
    if (rc > 0)
        fail_msg("the server sent more after its CLOSE");
    if (rc == 0)
        fail_msg("the connection did not end within %d ms", timeout_ms);
}
