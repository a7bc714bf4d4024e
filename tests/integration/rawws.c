/* Raw WebSocket test client (see rawws.h). */
#include "rawws.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static rtm_decoder_t dec;

/* Frames of a message read earlier that a caller has not looked at yet (one connection at a
 * time: a message often carries several frames, e.g. a RESULT and the pushes after it). */
static struct {
    int fd;
    uint8_t data[RTM_WIRE_MAX_MESSAGE];
    size_t len, off;
} rest = {.fd = -1};

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

int ws_connect(int port, const char *subprotocol)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
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
    if (rest.fd == fd)
        rest.fd = -1; /* leftovers of an earlier connection with the same number */
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
    for (int tries = 0; tries < 20; tries++) {
        if (rest.fd != fd || rest.off >= rest.len) {
            ssize_t n = ws_recv(fd, buf, cap, 5000);
            assert_true(n > 0);
            assert_true((size_t)n <= sizeof(rest.data));
            memcpy(rest.data, buf, (size_t)n);
            rest.fd = fd;
            rest.len = (size_t)n;
            rest.off = 0;
        }
        while (rest.off < rest.len) {
            assert_int_equal(rtm_frame_decode(&dec, rest.data, rest.len, &rest.off, f, NULL),
                             RTM_DECODE_OK);
            if (f->type == type)
                return; /* f borrows rest.data: valid until the next read */
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
