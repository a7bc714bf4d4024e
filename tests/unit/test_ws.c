/* librtm's WebSocket client pieces (core/client/ws.c): the frame parser hands out the same
 * messages and control frames however the stream is cut (whole, byte by byte, split at every
 * point, random chunks), decodes whole frames in place, stops and resumes where asked, and
 * refuses every protocol violation; masking, frame headers and the opening handshake follow
 * RFC 6455. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

#define MAX 100000 /* the parser's message limit in these tests */

/* ---- building server frames ---- */

typedef struct stream {
    uint8_t *p;
    size_t len, cap;
} stream_t;

static void put(stream_t *s, const void *p, size_t n)
{
    if (s->len + n > s->cap) {
        s->cap = (s->len + n) * 2;
        s->p = realloc(s->p, s->cap);
        assert_non_null(s->p);
    }
    memcpy(s->p + s->len, p, n);
    s->len += n;
}

/* A frame as a server sends it (unmasked unless masked; first_byte_extra adds RSV bits). */
static void frame(stream_t *s, bool fin, uint8_t op, const uint8_t *payload, uint64_t len,
                  bool masked, uint8_t extra)
{
    uint8_t h[14];
    size_t hl = 2;
    h[0] = (uint8_t)((fin ? 0x80 : 0) | extra | op);
    uint8_t m = masked ? 0x80 : 0;
    if (len < 126) {
        h[1] = (uint8_t)(m | len);
    } else if (len <= 0xffff) {
        h[1] = m | 126;
        h[2] = (uint8_t)(len >> 8);
        h[3] = (uint8_t)len;
        hl = 4;
    } else {
        h[1] = m | 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (uint8_t)(len >> (56 - 8 * i));
        hl = 10;
    }
    if (masked) {
        memset(h + hl, 0, 4);
        hl += 4;
    }
    put(s, h, hl);
    if (payload)
        put(s, payload, (size_t)len);
}

static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + seed);
    return p;
}

/* ---- recording what the parser hands out ---- */

typedef struct rec {
    char log[4096];
    size_t n_events;
    const uint8_t *in_lo, *in_hi; /* the input of the current feed */
    size_t in_place;              /* messages handed out from inside the input */
    int stop_after;               /* return WS_RX_STOPPED after this many events (0: never) */
} rec_t;

static int on_frame(void *ud, uint8_t op, uint8_t *payload, size_t len)
{
    rec_t *r = ud;
    unsigned long sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = sum * 131 + payload[i];
    char line[64];
    snprintf(line, sizeof(line), "%u:%zu:%lx;", op, len, sum);
    assert_true(strlen(r->log) + strlen(line) < sizeof(r->log));
    strcat(r->log, line);
    r->n_events++;
    if (len && payload >= r->in_lo && payload + len <= r->in_hi)
        r->in_place++;
    if (r->stop_after && r->n_events % (size_t)r->stop_after == 0)
        return WS_RX_STOPPED;
    return WS_RX_OK;
}

/* Feeds s in chunks of the sizes chunk() gives (a copy per chunk, as a socket read would be:
 * the parser must not keep pointers into it), resuming after every stop. */
static void feed_chunks(ws_rx_t *rx, rec_t *r, const stream_t *s, size_t (*chunk)(size_t i))
{
    size_t off = 0;
    for (size_t i = 0; off < s->len; i++) {
        size_t n = chunk(i);
        if (n > s->len - off)
            n = s->len - off;
        uint8_t *copy = malloc(n);
        memcpy(copy, s->p + off, n);
        size_t done = 0;
        while (done < n) {
            size_t used = 0;
            r->in_lo = copy + done;
            r->in_hi = copy + n;
            int st = ws_rx_feed(rx, copy + done, n - done, &used, on_frame, r);
            assert_true(st == WS_RX_OK || st == WS_RX_STOPPED);
            if (st == WS_RX_OK)
                assert_int_equal(used, n - done);
            done += used;
        }
        memset(copy, 0xee, n); /* a read buffer is reused */
        free(copy);
        off += n;
    }
}

static size_t chunk_all(size_t i)
{
    return SIZE_MAX;
}
static size_t chunk_one(size_t i)
{
    return 1;
}
static unsigned rnd_state = 12345;
static size_t chunk_random(size_t i)
{
    rnd_state = rnd_state * 1103515245 + 12345;
    return 1 + (rnd_state >> 8) % 3000;
}

/* A stream with every kind of frame: short, 16-bit and 64-bit lengths, empty, a fragmented
 * message with control frames between its fragments, text, PONG, CLOSE. */
static void sample(stream_t *s)
{
    uint8_t *a = pattern(10, 1), *b = pattern(300, 2), *c = pattern(70000, 3),
            *d = pattern(5000, 4);
    frame(s, true, WS_OP_BINARY, a, 10, false, 0);
    frame(s, true, WS_OP_BINARY, b, 300, false, 0);
    frame(s, true, WS_OP_BINARY, c, 70000, false, 0);
    frame(s, true, WS_OP_BINARY, NULL, 0, false, 0);
    frame(s, false, WS_OP_BINARY, d, 1000, false, 0);
    frame(s, true, WS_OP_PING, (const uint8_t *)"hi", 2, false, 0);
    frame(s, false, WS_OP_CONT, d + 1000, 3000, false, 0);
    frame(s, true, WS_OP_PONG, NULL, 0, false, 0);
    frame(s, true, WS_OP_CONT, d + 4000, 1000, false, 0);
    frame(s, true, WS_OP_TEXT, (const uint8_t *)"text", 4, false, 0);
    frame(s, true, WS_OP_BINARY, b, 126, false, 0);
    frame(s, true, WS_OP_BINARY, b, 125, false, 0);
    frame(s, true, WS_OP_CLOSE,
          (const uint8_t *)"\x03\xe9"
                           "bye",
          5, false, 0);
    free(a);
    free(b);
    free(c);
    free(d);
}

static void expected_log(char *out, size_t cap)
{
    /* the same events, computed from the payloads directly */
    uint8_t *a = pattern(10, 1), *b = pattern(300, 2), *c = pattern(70000, 3),
            *d = pattern(5000, 4);
    struct {
        uint8_t op;
        const uint8_t *p;
        size_t n;
    } ev[] = {{2, a, 10},
              {2, b, 300},
              {2, c, 70000},
              {2, NULL, 0},
              {9, (const uint8_t *)"hi", 2},
              {10, NULL, 0},
              {2, d, 5000},
              {1, (const uint8_t *)"text", 4},
              {2, b, 126},
              {2, b, 125},
              {8,
               (const uint8_t *)"\x03\xe9"
                                "bye",
               5}};
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
        unsigned long sum = 0;
        for (size_t j = 0; j < ev[i].n; j++)
            sum = sum * 131 + ev[i].p[j];
        char line[64];
        snprintf(line, sizeof(line), "%u:%zu:%lx;", ev[i].op, ev[i].n, sum);
        strncat(out, line, cap - strlen(out) - 1);
    }
    free(a);
    free(b);
    free(c);
    free(d);
}

static void run(size_t (*chunk)(size_t), int stop_after, rec_t *r)
{
    stream_t s = {0};
    sample(&s);
    ws_rx_t rx;
    ws_rx_init(&rx, MAX);
    memset(r, 0, sizeof(*r));
    r->stop_after = stop_after;
    feed_chunks(&rx, r, &s, chunk);
    /* idle again: nothing held */
    assert_int_equal(rx.cut.len, 0);
    assert_int_equal(rx.msg_op, 0);
    assert_null(rx.cut.base);
    assert_null(rx.msg.base);
    ws_rx_free(&rx);
    free(s.p);
}

static void test_whole_stream_decodes_in_place(void **state)
{
    char want[4096];
    expected_log(want, sizeof(want));
    rec_t r;
    run(chunk_all, 0, &r);
    assert_string_equal(r.log, want);
    /* every non-empty message that is not fragmented comes straight from the input */
    assert_int_equal(r.in_place, 8);
}

static void test_byte_by_byte_gives_the_same(void **state)
{
    char want[4096];
    expected_log(want, sizeof(want));
    rec_t r;
    run(chunk_one, 0, &r);
    assert_string_equal(r.log, want);
}

static void test_random_chunks_give_the_same(void **state)
{
    char want[4096];
    expected_log(want, sizeof(want));
    for (unsigned seed = 1; seed <= 20; seed++) {
        rnd_state = seed;
        rec_t r;
        run(chunk_random, 0, &r);
        assert_string_equal(r.log, want);
    }
}

static size_t split_at;
static size_t chunk_split(size_t i)
{
    return i == 0 ? split_at : SIZE_MAX;
}

static void test_every_split_point_gives_the_same(void **state)
{
    /* a smaller stream, cut in two at every byte */
    stream_t s = {0};
    uint8_t *b = pattern(300, 7);
    frame(&s, true, WS_OP_BINARY, b, 3, false, 0);
    frame(&s, true, WS_OP_BINARY, b, 300, false, 0);
    frame(&s, false, WS_OP_BINARY, b, 20, false, 0);
    frame(&s, true, WS_OP_PING, b, 4, false, 0);
    frame(&s, true, WS_OP_CONT, b + 20, 10, false, 0);
    rec_t whole;
    memset(&whole, 0, sizeof(whole));
    ws_rx_t rx;
    ws_rx_init(&rx, MAX);
    split_at = s.len;
    feed_chunks(&rx, &whole, &s, chunk_split);
    assert_int_equal(whole.n_events, 4);
    for (split_at = 1; split_at < s.len; split_at++) {
        rec_t r;
        memset(&r, 0, sizeof(r));
        feed_chunks(&rx, &r, &s, chunk_split);
        assert_string_equal(r.log, whole.log);
        assert_int_equal(rx.cut.len, 0);
    }
    ws_rx_free(&rx);
    free(b);
    free(s.p);
}

static void test_stop_resumes_after_the_frame(void **state)
{
    char want[4096];
    expected_log(want, sizeof(want));
    rec_t r;
    run(chunk_all, 1, &r); /* stop after every event: each feed takes exactly one */
    assert_string_equal(r.log, want);
    run(chunk_random, 3, &r);
    assert_string_equal(r.log, want);

    /* used ends right behind the frame that stopped */
    stream_t s = {0};
    frame(&s, true, WS_OP_BINARY, (const uint8_t *)"abc", 3, false, 0);
    frame(&s, true, WS_OP_BINARY, (const uint8_t *)"defg", 4, false, 0);
    ws_rx_t rx;
    ws_rx_init(&rx, MAX);
    memset(&r, 0, sizeof(r));
    r.stop_after = 1;
    size_t used = 0;
    assert_int_equal(ws_rx_feed(&rx, s.p, s.len, &used, on_frame, &r), WS_RX_STOPPED);
    assert_int_equal(used, 5);
    assert_int_equal(ws_rx_feed(&rx, s.p + used, s.len - used, &used, on_frame, &r), WS_RX_STOPPED);
    assert_int_equal(used, 6);
    assert_int_equal(r.n_events, 2);
    ws_rx_free(&rx);
    free(s.p);
}

static int abort_frame(void *ud, uint8_t op, uint8_t *payload, size_t len)
{
    (*(int *)ud)++;
    return WS_RX_ABORTED;
}

static void test_abort_drops_the_rest(void **state)
{
    stream_t s = {0};
    frame(&s, true, WS_OP_CLOSE, NULL, 0, false, 0);
    frame(&s, true, WS_OP_BINARY, (const uint8_t *)"x", 1, false, 0);
    ws_rx_t rx;
    ws_rx_init(&rx, MAX);
    int calls = 0;
    size_t used = 0;
    assert_int_equal(ws_rx_feed(&rx, s.p, s.len, &used, abort_frame, &calls), WS_RX_ABORTED);
    assert_int_equal(calls, 1);
    assert_int_equal(used, 2);
    ws_rx_free(&rx);
    free(s.p);
}

/* Feeds s whole, then byte by byte: both must fail with code and a sentence containing why. */
static void expect_error(const stream_t *s, size_t max, uint16_t code, const char *why)
{
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        ws_rx_t rx;
        ws_rx_init(&rx, max);
        rec_t r;
        memset(&r, 0, sizeof(r));
        int st = WS_RX_OK;
        size_t used;
        if (bytewise) {
            for (size_t i = 0; i < s->len && st == WS_RX_OK; i++)
                st = ws_rx_feed(&rx, s->p + i, 1, &used, on_frame, &r);
        } else {
            st = ws_rx_feed(&rx, s->p, s->len, &used, on_frame, &r);
        }
        assert_int_equal(st, WS_RX_ERROR);
        assert_int_equal(rx.error_code, code);
        if (!strstr(rx.why, why))
            fail_msg("'%s' does not say '%s'", rx.why, why);
        ws_rx_free(&rx);
    }
}

static void test_protocol_violations_are_errors(void **state)
{
    uint8_t p[200] = {0};
    stream_t s = {0};
    frame(&s, true, WS_OP_BINARY, p, 4, true, 0);
    expect_error(&s, MAX, WS_CLOSE_PROTOCOL, "masked");
    s.len = 0;
    frame(&s, true, WS_OP_BINARY, p, 4, false, 0x40);
    expect_error(&s, MAX, WS_CLOSE_PROTOCOL, "reserved bits");
    s.len = 0;
    frame(&s, true, 0x3, p, 4, false, 0);
    expect_error(&s, MAX, WS_CLOSE_PROTOCOL, "unknown opcode");
    s.len = 0;
    frame(&s, true, 0xB, p, 0, false, 0);
    expect_error(&s, MAX, WS_CLOSE_PROTOCOL, "unknown opcode");
    s.len = 0;
    frame(&s, true, WS_OP_PING, p, 126, false, 0);
    expect_error(&s, MAX, WS_CLOSE_PROTOCOL, "control frame");
    s.len = 0;
    frame(&s, false, WS_OP_PING, p, 1, false, 0);
    expect_error(&s, MAX, WS_CLOSE_PROTOCOL, "control frame");
    s.len = 0;
    frame(&s, true, WS_OP_CONT, p, 1, false, 0);
    expect_error(&s, MAX, WS_CLOSE_PROTOCOL, "continuation");
    s.len = 0;
    frame(&s, false, WS_OP_BINARY, p, 1, false, 0);
    frame(&s, true, WS_OP_BINARY, p, 1, false, 0);
    expect_error(&s, MAX, WS_CLOSE_PROTOCOL, "inside a fragmented");
    free(s.p);
}

static void test_messages_over_the_limit_are_errors(void **state)
{
    uint8_t *p = pattern(1001, 9);
    stream_t s = {0};
    /* exactly the limit is fine */
    frame(&s, true, WS_OP_BINARY, p, 1000, false, 0);
    ws_rx_t rx;
    ws_rx_init(&rx, 1000);
    rec_t r;
    memset(&r, 0, sizeof(r));
    size_t used;
    assert_int_equal(ws_rx_feed(&rx, s.p, s.len, &used, on_frame, &r), WS_RX_OK);
    assert_int_equal(r.n_events, 1);
    ws_rx_free(&rx);
    /* one more byte, in one frame or across fragments */
    s.len = 0;
    frame(&s, true, WS_OP_BINARY, p, 1001, false, 0);
    expect_error(&s, 1000, WS_CLOSE_TOO_BIG, "exceeds 1000 bytes");
    s.len = 0;
    frame(&s, false, WS_OP_BINARY, p, 600, false, 0);
    frame(&s, true, WS_OP_CONT, p, 401, false, 0);
    expect_error(&s, 1000, WS_CLOSE_TOO_BIG, "exceeds 1000 bytes");
    /* a huge length is refused from its header alone: nothing is buffered for it */
    s.len = 0;
    frame(&s, true, WS_OP_BINARY, NULL, (uint64_t)1 << 40, false, 0);
    expect_error(&s, MAX, WS_CLOSE_TOO_BIG, "exceeds");
    s.len = 0;
    frame(&s, true, WS_OP_BINARY, NULL, UINT64_MAX, false, 0);
    expect_error(&s, MAX, WS_CLOSE_TOO_BIG, "exceeds");
    free(p);
    free(s.p);
}

/* ---- sending ---- */

static void test_masking_matches_the_bytewise_definition(void **state)
{
    uint32_t key;
    memcpy(&key, "\x37\xfa\x21\x3d", 4);
    for (size_t len = 0; len < 40; len++) {
        uint8_t *p = pattern(len, 5), *want = pattern(len, 5);
        const uint8_t k[4] = {0x37, 0xfa, 0x21, 0x3d};
        for (size_t i = 0; i < len; i++)
            want[i] ^= k[i % 4];
        ws_mask(p, len, key);
        if (len)
            assert_memory_equal(p, want, len);
        free(p);
        free(want);
    }
}

static void test_client_frames_are_masked_with_the_right_header(void **state)
{
    size_t lens[] = {0, 5, 125, 126, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t len = lens[i];
        uint8_t *buf = malloc(WS_MAX_HEADER + len + 1);
        uint8_t *payload = pattern(len, 3);
        size_t hl = ws_header_len(len);
        assert_int_equal(hl, len < 126 ? 6 : len < 65536 ? 8 : 14);
        memcpy(buf + hl, payload, len);
        uint32_t key;
        memcpy(&key, "\x01\x02\x03\x04", 4);
        assert_int_equal(ws_frame_finish(buf, WS_OP_BINARY, len, key), hl);
        assert_int_equal(buf[0], 0x82);
        assert_true(buf[1] & 0x80);
        uint64_t got = buf[1] & 0x7f;
        if (got == 126)
            got = (uint64_t)buf[2] << 8 | buf[3];
        else if (got == 127) {
            got = 0;
            for (int j = 0; j < 8; j++)
                got = got << 8 | buf[2 + j];
        }
        assert_int_equal(got, len);
        assert_memory_equal(buf + hl - 4, "\x01\x02\x03\x04", 4);
        ws_mask(buf + hl, len, key); /* unmasking is masking again */
        if (len)
            assert_memory_equal(buf + hl, payload, len);
        free(buf);
        free(payload);
    }
}

static void test_rng_gives_different_keys(void **state)
{
    ws_rng_t a, b;
    ws_rng_seed(&a);
    ws_rng_seed(&b);
    uint64_t x = ws_rng_next(&a), y = ws_rng_next(&a);
    assert_true(x != y);
    assert_true(x != ws_rng_next(&b)); /* seeded from getrandom, not a constant */
}

/* ---- the opening handshake ---- */

static void test_upgrade_request(void **state)
{
    char key[WS_KEY_LEN + 1], key2[WS_KEY_LEN + 1];
    assert_true(ws_make_key(key));
    assert_true(ws_make_key(key2));
    assert_int_equal(strlen(key), WS_KEY_LEN);
    assert_string_not_equal(key, key2);
    char req[1024];
    size_t n =
        ws_upgrade_request(req, sizeof(req), "example.com", 9090, false, "/rtm?x=1", key, "rtm.1");
    assert_int_equal(n, strlen(req));
    assert_non_null(strstr(req, "GET /rtm?x=1 HTTP/1.1\r\n"));
    assert_non_null(strstr(req, "\r\nHost: example.com:9090\r\n"));
    assert_non_null(strstr(req, "\r\nUpgrade: websocket\r\n"));
    assert_non_null(strstr(req, "\r\nConnection: Upgrade\r\n"));
    assert_non_null(strstr(req, "\r\nSec-WebSocket-Version: 13\r\n"));
    assert_non_null(strstr(req, "\r\nSec-WebSocket-Protocol: rtm.1\r\n"));
    assert_non_null(strstr(req, key));
    assert_int_equal(memcmp(req + n - 4, "\r\n\r\n", 4), 0);
    /* the default port of the scheme is left out */
    ws_upgrade_request(req, sizeof(req), "example.com", 443, true, "/", key, "rtm.1");
    assert_non_null(strstr(req, "\r\nHost: example.com\r\n"));
    ws_upgrade_request(req, sizeof(req), "example.com", 80, true, "/", key, "rtm.1");
    assert_non_null(strstr(req, "\r\nHost: example.com:80\r\n"));
    assert_int_equal(ws_upgrade_request(req, 50, "example.com", 80, false, "/", key, "rtm.1"), 0);
}

#define RFC_KEY    "dGhlIHNhbXBsZSBub25jZQ==" /* RFC 6455 section 1.3 */
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

static bool check(const char *reply, char *why)
{
    size_t n = ws_reply_head_len((const uint8_t *)reply, strlen(reply));
    assert_int_equal(n, strlen(reply));
    return ws_check_reply((const uint8_t *)reply, n, RFC_KEY, "rtm.1", why, 200);
}

static void test_reply_checks(void **state)
{
    char why[200];
    assert_true(check("HTTP/1.1 101 Switching Protocols\r\n"
                      "upgrade:  WebSocket\r\n"
                      "Connection: keep-alive, Upgrade\r\n"
                      "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
                      "Sec-WebSocket-Protocol: rtm.1\r\n\r\n",
                      why));
    assert_false(check("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", why));
    assert_non_null(strstr(why, "refused the WebSocket upgrade: HTTP/1.1 403 Forbidden"));
    assert_false(check("SSH-2.0-OpenSSH\r\n\r\n", why));
    assert_non_null(strstr(why, "not HTTP"));
    assert_false(check("HTTP/1.1 101 Switching Protocols\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
                       "Sec-WebSocket-Protocol: rtm.1\r\n\r\n",
                       why));
    assert_non_null(strstr(why, "Upgrade: websocket"));
    assert_false(check("HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket\r\n"
                       "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
                       "Sec-WebSocket-Protocol: rtm.1\r\n\r\n",
                       why));
    assert_non_null(strstr(why, "Connection: Upgrade"));
    assert_false(check("HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOx=\r\n"
                       "Sec-WebSocket-Protocol: rtm.1\r\n\r\n",
                       why));
    assert_non_null(strstr(why, "Sec-WebSocket-Accept"));
    assert_false(check("HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n\r\n",
                       why));
    assert_non_null(strstr(why, "subprotocol rtm.1"));
    assert_false(check("HTTP/1.1 101 Switching Protocols\r\n"
                       "Upgrade: websocket\r\n"
                       "Connection: Upgrade\r\n"
                       "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n"
                       "Sec-WebSocket-Protocol: rtm.2\r\n\r\n",
                       why));
    /* incomplete heads */
    assert_int_equal(ws_reply_head_len((const uint8_t *)"HTTP/1.1 101 OK\r\n", 17), 0);
    assert_int_equal(ws_reply_head_len((const uint8_t *)"HTTP/1.1 101 OK\r\n\r\nxy", 21), 19);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_stream_decodes_in_place),
        cmocka_unit_test(test_byte_by_byte_gives_the_same),
        cmocka_unit_test(test_random_chunks_give_the_same),
        cmocka_unit_test(test_every_split_point_gives_the_same),
        cmocka_unit_test(test_stop_resumes_after_the_frame),
        cmocka_unit_test(test_abort_drops_the_rest),
        cmocka_unit_test(test_protocol_violations_are_errors),
        cmocka_unit_test(test_messages_over_the_limit_are_errors),
        cmocka_unit_test(test_masking_matches_the_bytewise_definition),
        cmocka_unit_test(test_client_frames_are_masked_with_the_right_header),
        cmocka_unit_test(test_rng_gives_different_keys),
        cmocka_unit_test(test_upgrade_request),
        cmocka_unit_test(test_reply_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
