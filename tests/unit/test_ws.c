/* The WebSocket pieces of core/common/ws.c. The frame parser, at either end (the client's:
 * unmasked server frames; the server's: masked client frames, unmasked in place), hands out the
 * same messages and control frames however the stream is cut (whole, byte by byte, split at
 * every point, random chunks, 64 KiB reads), decodes whole frames in place, stops and resumes
 * where asked, says when it is idle, survives having its state moved by struct assignment, and
 * refuses every protocol violation with a sentence naming the sender; masking, frame headers and
 * the opening handshake follow RFC 6455. */
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

/* Feeds n bytes at p as one read (a copy, as a socket read would be: the parser must not keep
 * pointers into it), resuming after every stop. */
static void feed_read(ws_rx_t *rx, rec_t *r, const uint8_t *p, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, p, n);
    size_t done = 0;
    while (done < n) {
        size_t used = 0;
        r->in_lo = copy + done;
        r->in_hi = copy + n;
        int st = ws_rx_feed(rx, copy + done, n - done, &used, on_frame, r);
        if (st != WS_RX_OK && st != WS_RX_STOPPED)
            fail_msg("ws_rx_feed returned %d: %s", st, rx->why);
        if (st == WS_RX_OK)
            assert_int_equal(used, n - done);
        done += used;
    }
    memset(copy, 0xee, n); /* a read buffer is reused */
    free(copy);
}

/* Feeds s in reads of the sizes chunk() gives. */
static void feed_chunks(ws_rx_t *rx, rec_t *r, const stream_t *s, size_t (*chunk)(size_t i))
{
    size_t off = 0;
    for (size_t i = 0; off < s->len; i++) {
        size_t n = chunk(i);
        if (n > s->len - off)
            n = s->len - off;
        feed_read(rx, r, s->p + off, n);
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

/* One thing the parser should hand out. */
typedef struct event {
    uint8_t op;
    const void *p;
    size_t n;
} event_t;

/* The log on_frame would write for events. */
static void log_of(const event_t *ev, size_t n_ev, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < n_ev; i++) {
        const uint8_t *p = ev[i].p;
        unsigned long sum = 0;
        for (size_t j = 0; j < ev[i].n; j++)
            sum = sum * 131 + p[j];
        char line[64];
        snprintf(line, sizeof(line), "%u:%zu:%lx;", ev[i].op, ev[i].n, sum);
        assert_true(strlen(out) + strlen(line) < cap);
        strcat(out, line);
    }
}

static void expected_log(char *out, size_t cap)
{
    /* the same events, computed from the payloads directly */
    uint8_t *a = pattern(10, 1), *b = pattern(300, 2), *c = pattern(70000, 3),
            *d = pattern(5000, 4);
    const event_t ev[] = {{2, a, 10},
                          {2, b, 300},
                          {2, c, 70000},
                          {2, NULL, 0},
                          {9, "hi", 2},
                          {10, NULL, 0},
                          {2, d, 5000},
                          {1, "text", 4},
                          {2, b, 126},
                          {2, b, 125},
                          {8,
                           "\x03\xe9"
                           "bye",
                           5}};
    log_of(ev, sizeof(ev) / sizeof(ev[0]), out, cap);
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

/* Feeds s whole, then byte by byte, to the server's end (server) or the client's: both must
 * hand out events_before events, then fail with code and exactly the sentence why. */
static void expect_error(const stream_t *s, bool server, size_t max, size_t events_before,
                         uint16_t code, const char *why)
{
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        ws_rx_t rx;
        if (server)
            ws_rx_init_server(&rx, max);
        else
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
        assert_int_equal(r.n_events, events_before);
        assert_int_equal(rx.error_code, code);
        assert_string_equal(rx.why, why);
        ws_rx_free(&rx);
    }
}

static void test_protocol_violations_are_errors(void **state)
{
    uint8_t p[200] = {0};
    stream_t s = {0};
    frame(&s, true, WS_OP_BINARY, p, 4, true, 0);
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL, "the server sent a masked WebSocket frame");
    s.len = 0;
    frame(&s, true, WS_OP_BINARY, p, 4, false, 0x40);
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the server set reserved bits of a WebSocket frame");
    s.len = 0;
    frame(&s, true, 0x3, p, 4, false, 0);
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the server sent a WebSocket frame of unknown opcode");
    s.len = 0;
    frame(&s, true, 0xB, p, 0, false, 0);
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the server sent a WebSocket frame of unknown opcode");
    s.len = 0;
    frame(&s, true, WS_OP_PING, p, 126, false, 0);
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the server sent a fragmented or over-long control frame");
    s.len = 0;
    frame(&s, false, WS_OP_PING, p, 1, false, 0);
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the server sent a fragmented or over-long control frame");
    s.len = 0;
    frame(&s, true, WS_OP_CONT, p, 1, false, 0);
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the server sent a continuation frame outside a fragmented message");
    s.len = 0;
    frame(&s, false, WS_OP_BINARY, p, 1, false, 0);
    frame(&s, true, WS_OP_BINARY, p, 1, false, 0);
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the server began a message inside a fragmented one");
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
    expect_error(&s, false, 1000, 0, WS_CLOSE_TOO_BIG,
                 "a message from the server exceeds 1000 bytes");
    s.len = 0;
    frame(&s, false, WS_OP_BINARY, p, 600, false, 0);
    frame(&s, true, WS_OP_CONT, p, 401, false, 0);
    expect_error(&s, false, 1000, 0, WS_CLOSE_TOO_BIG,
                 "a message from the server exceeds 1000 bytes");
    /* a huge length is refused from its header alone: nothing is buffered for it */
    s.len = 0;
    frame(&s, true, WS_OP_BINARY, NULL, (uint64_t)1 << 40, false, 0);
    expect_error(&s, false, MAX, 0, WS_CLOSE_TOO_BIG,
                 "a message from the server exceeds 100000 bytes");
    s.len = 0;
    frame(&s, true, WS_OP_BINARY, NULL, UINT64_MAX, false, 0);
    expect_error(&s, false, MAX, 0, WS_CLOSE_TOO_BIG,
                 "a message from the server exceeds 100000 bytes");
    free(p);
    free(s.p);
}

/* ---- the server's end: masked frames from a client ---- */

/* RFC 6455 section 5.7, as on the wire: a single-frame masked text message "Hello" (masking key
 * 37 fa 21 3d), a masked PONG of the same body, and the unmasked text message "Hello". */
static const uint8_t rfc_masked_hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                           0x7f, 0x9f, 0x4d, 0x51, 0x58};
static const uint8_t rfc_masked_pong[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                          0x7f, 0x9f, 0x4d, 0x51, 0x58};
static const uint8_t rfc_unmasked_hello[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};

/* A frame as a client sends it, built by librtm's own sender ws_frame_finish (which masks the
 * payload with key), with FIN cleared for a fragment that is not the last. */
static void client_frame(stream_t *s, bool fin, uint8_t op, const void *payload, size_t len,
                         uint32_t key)
{
    size_t hl = ws_header_len(len);
    uint8_t *f = malloc(hl + len);
    assert_non_null(f);
    if (len)
        memcpy(f + hl, payload, len);
    assert_int_equal(ws_frame_finish(f, op, len, key), hl);
    if (!fin)
        f[0] &= 0x7f;
    put(s, f, hl + len);
    free(f);
}

/* A stream of client frames that knows, after each frame, where it ends and whether a fragmented
 * message is open there: where ws_rx_idle must be true. */
#define SCRIPT_FRAMES 64
typedef struct script {
    stream_t s;
    size_t n;
    size_t end[SCRIPT_FRAMES];
    bool open[SCRIPT_FRAMES];
    uint32_t key; /* the masking key of the last frame; each frame gets another */
} script_t;

static void script_note(script_t *sc, bool open)
{
    assert_true(sc->n < SCRIPT_FRAMES);
    sc->end[sc->n] = sc->s.len;
    sc->open[sc->n] = open;
    sc->n++;
}

static bool script_open(const script_t *sc)
{
    return sc->n && sc->open[sc->n - 1];
}

static void script_frame(script_t *sc, bool fin, uint8_t op, const void *payload, size_t len)
{
    sc->key = sc->key * 1664525u + 1013904223u;
    client_frame(&sc->s, fin, op, payload, len, sc->key);
    /* a control frame leaves a fragmented message as it was */
    script_note(sc, op >= WS_OP_CLOSE ? script_open(sc) : !fin);
}

/* A whole frame written out by hand (an unfragmented message or a control frame). */
static void script_raw(script_t *sc, const uint8_t *frame_bytes, size_t len)
{
    put(&sc->s, frame_bytes, len);
    script_note(sc, script_open(sc));
}

/* Whether a parser fed the first k bytes of sc must be idle. */
static bool idle_at(const script_t *sc, size_t k)
{
    if (k == 0)
        return true;
    for (size_t i = 0; i < sc->n; i++)
        if (sc->end[i] == k)
            return !sc->open[i];
    return false;
}

/* Every kind of client frame: 7-bit, 16-bit (126, 65535) and 64-bit (65536, 70000) lengths,
 * empty messages, text and binary, PING and PONG with payloads (125 bytes: the most a control
 * frame may hold), RFC 6455's masked "Hello" and PONG, fragmented messages with control frames
 * and empty fragments between their fragments, fragments of every length encoding, a message
 * made of empty fragments, and a CLOSE with a code and a reason. */
static void client_sample(script_t *sc)
{
    uint8_t *a = pattern(70000, 11), *d = pattern(5000, 12);
    script_frame(sc, true, WS_OP_BINARY, a, 10);
    script_raw(sc, rfc_masked_hello, sizeof(rfc_masked_hello));
    script_frame(sc, true, WS_OP_BINARY, NULL, 0);
    script_frame(sc, true, WS_OP_TEXT, NULL, 0);
    script_frame(sc, true, WS_OP_BINARY, a, 125);
    script_frame(sc, true, WS_OP_BINARY, a + 1, 126);
    script_frame(sc, true, WS_OP_BINARY, a + 2, 65535);
    script_frame(sc, true, WS_OP_BINARY, a + 3, 65536);
    script_frame(sc, true, WS_OP_BINARY, a, 70000);
    script_frame(sc, true, WS_OP_PING, "ping!", 5);
    script_frame(sc, true, WS_OP_PONG, a, 125);
    script_frame(sc, false, WS_OP_BINARY, d, 1000);
    script_frame(sc, true, WS_OP_PING, "hi", 2);
    script_frame(sc, false, WS_OP_CONT, NULL, 0);
    script_frame(sc, false, WS_OP_CONT, d + 1000, 3000);
    script_frame(sc, true, WS_OP_PONG, NULL, 0);
    script_raw(sc, rfc_masked_pong, sizeof(rfc_masked_pong));
    script_frame(sc, true, WS_OP_CONT, d + 4000, 1000);
    script_frame(sc, false, WS_OP_TEXT, NULL, 0);
    script_frame(sc, false, WS_OP_CONT, a, 66000);
    script_frame(sc, true, WS_OP_PING, a + 5, 100);
    script_frame(sc, true, WS_OP_CONT, a + 66000, 4000);
    script_frame(sc, false, WS_OP_BINARY, NULL, 0);
    script_frame(sc, true, WS_OP_CONT, NULL, 0);
    script_frame(sc, true, WS_OP_CLOSE,
                 "\x03\xe9"
                 "bye",
                 5);
    free(a);
    free(d);
}

/* The unmasked payloads client_sample's frames carry, computed from them directly. */
static void client_sample_log(char *out, size_t cap)
{
    uint8_t *a = pattern(70000, 11), *d = pattern(5000, 12);
    const event_t ev[] = {{WS_OP_BINARY, a, 10},
                          {WS_OP_TEXT, "Hello", 5},
                          {WS_OP_BINARY, NULL, 0},
                          {WS_OP_TEXT, NULL, 0},
                          {WS_OP_BINARY, a, 125},
                          {WS_OP_BINARY, a + 1, 126},
                          {WS_OP_BINARY, a + 2, 65535},
                          {WS_OP_BINARY, a + 3, 65536},
                          {WS_OP_BINARY, a, 70000},
                          {WS_OP_PING, "ping!", 5},
                          {WS_OP_PONG, a, 125},
                          {WS_OP_PING, "hi", 2},
                          {WS_OP_PONG, NULL, 0},
                          {WS_OP_PONG, "Hello", 5},
                          {WS_OP_BINARY, d, 5000},
                          {WS_OP_PING, a + 5, 100},
                          {WS_OP_TEXT, a, 70000},
                          {WS_OP_BINARY, NULL, 0},
                          {WS_OP_CLOSE,
                           "\x03\xe9"
                           "bye",
                           5}};
    log_of(ev, sizeof(ev) / sizeof(ev[0]), out, cap);
    free(a);
    free(d);
}

/* A short stream of client frames, to be cut at every byte: RFC 6455's "Hello", 7- and 16-bit
 * lengths, a fragmented message with a PING, an empty fragment and a PONG between fragments. */
static void client_small(script_t *sc, uint8_t *b /* 300 bytes */)
{
    script_raw(sc, rfc_masked_hello, sizeof(rfc_masked_hello));
    script_frame(sc, true, WS_OP_BINARY, b, 3);
    script_frame(sc, true, WS_OP_BINARY, b, 300);
    script_frame(sc, false, WS_OP_BINARY, b, 20);
    script_frame(sc, true, WS_OP_PING, b, 4);
    script_frame(sc, false, WS_OP_CONT, NULL, 0);
    script_raw(sc, rfc_masked_pong, sizeof(rfc_masked_pong));
    script_frame(sc, true, WS_OP_CONT, b + 20, 10);
    script_frame(sc, true, WS_OP_CLOSE, "\x03\xe8", 2);
}

static void client_small_log(const uint8_t *b, char *out, size_t cap)
{
    const event_t ev[] = {{WS_OP_TEXT, "Hello", 5},    {WS_OP_BINARY, b, 3},
                          {WS_OP_BINARY, b, 300},      {WS_OP_PING, b, 4},
                          {WS_OP_PONG, "Hello", 5},    {WS_OP_BINARY, b, 30},
                          {WS_OP_CLOSE, "\x03\xe8", 2}};
    log_of(ev, sizeof(ev) / sizeof(ev[0]), out, cap);
}

/* Feeds sc's stream to a new server's end in reads of chunk() bytes; the parser must end idle,
 * holding no memory. */
static void run_server(const script_t *sc, size_t (*chunk)(size_t), int stop_after, rec_t *r)
{
    ws_rx_t rx;
    ws_rx_init_server(&rx, MAX);
    memset(r, 0, sizeof(*r));
    r->stop_after = stop_after;
    feed_chunks(&rx, r, &sc->s, chunk);
    assert_true(ws_rx_idle(&rx));
    assert_null(rx.cut.base);
    assert_null(rx.msg.base);
    ws_rx_free(&rx);
}

static size_t chunk_64k(size_t i)
{
    return 65536; /* what rtmd reads at a time */
}

static void test_server_unmasks_the_rfc_example(void **state)
{
    /* librtm's sender writes RFC 6455's example byte for byte */
    uint32_t key;
    memcpy(&key, "\x37\xfa\x21\x3d", 4);
    uint8_t f[16];
    memcpy(f + 6, "Hello", 5);
    assert_int_equal(ws_frame_finish(f, WS_OP_TEXT, 5, key), 6);
    assert_memory_equal(f, rfc_masked_hello, sizeof(rfc_masked_hello));

    /* the server's end hands out "Hello", unmasked in place in the read */
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        uint8_t in[sizeof(rfc_masked_hello) + sizeof(rfc_masked_pong)];
        memcpy(in, rfc_masked_hello, sizeof(rfc_masked_hello));
        memcpy(in + sizeof(rfc_masked_hello), rfc_masked_pong, sizeof(rfc_masked_pong));
        ws_rx_t rx;
        ws_rx_init_server(&rx, MAX);
        rec_t r;
        memset(&r, 0, sizeof(r));
        r.in_lo = in;
        r.in_hi = in + sizeof(in);
        size_t used;
        if (bytewise) {
            for (size_t i = 0; i < sizeof(in); i++) {
                assert_int_equal(ws_rx_feed(&rx, in + i, 1, &used, on_frame, &r), WS_RX_OK);
                assert_int_equal(used, 1);
            }
        } else {
            assert_int_equal(ws_rx_feed(&rx, in, sizeof(in), &used, on_frame, &r), WS_RX_OK);
            assert_int_equal(used, sizeof(in));
            assert_int_equal(r.in_place, 2);
            assert_memory_equal(in + 6, "Hello", 5);
            assert_memory_equal(in + sizeof(rfc_masked_hello) + 6, "Hello", 5);
        }
        char want[128];
        const event_t ev[] = {{WS_OP_TEXT, "Hello", 5}, {WS_OP_PONG, "Hello", 5}};
        log_of(ev, 2, want, sizeof(want));
        assert_string_equal(r.log, want);
        assert_true(ws_rx_idle(&rx));
        ws_rx_free(&rx);
    }
}

static void test_server_stream_decodes_whole_and_in_place(void **state)
{
    char want[4096];
    client_sample_log(want, sizeof(want));
    script_t sc = {0};
    client_sample(&sc);
    rec_t r;
    run_server(&sc, chunk_all, 0, &r);
    assert_string_equal(r.log, want);
    /* every non-empty message that is not fragmented, and every non-empty control frame, is
       unmasked in place in the read */
    assert_int_equal(r.in_place, 13);
    free(sc.s.p);
}

static void test_server_stream_byte_by_byte_gives_the_same(void **state)
{
    char want[4096];
    client_sample_log(want, sizeof(want));
    script_t sc = {0};
    client_sample(&sc);
    rec_t r;
    run_server(&sc, chunk_one, 0, &r);
    assert_string_equal(r.log, want);
    free(sc.s.p);
}

static void test_server_stream_random_and_64k_reads_give_the_same(void **state)
{
    char want[4096];
    client_sample_log(want, sizeof(want));
    script_t sc = {0};
    client_sample(&sc);
    rec_t r;
    run_server(&sc, chunk_64k, 0, &r);
    assert_string_equal(r.log, want);
    for (unsigned seed = 1; seed <= 20; seed++) {
        rnd_state = seed;
        run_server(&sc, chunk_random, 0, &r);
        assert_string_equal(r.log, want);
    }
    free(sc.s.p);
}

/* Feeds sc cut in two after k bytes; in between the parser must be idle exactly where sc says. */
static void feed_split(const script_t *sc, size_t k, rec_t *r)
{
    ws_rx_t rx;
    ws_rx_init_server(&rx, MAX);
    memset(r, 0, sizeof(*r));
    feed_read(&rx, r, sc->s.p, k);
    if (ws_rx_idle(&rx) != idle_at(sc, k))
        fail_msg("cut after %zu bytes: ws_rx_idle says %d", k, ws_rx_idle(&rx));
    feed_read(&rx, r, sc->s.p + k, sc->s.len - k);
    assert_true(ws_rx_idle(&rx));
    ws_rx_free(&rx);
}

static void test_server_every_split_point_gives_the_same(void **state)
{
    /* the short stream, cut at every byte */
    uint8_t *b = pattern(300, 7);
    char want[1024];
    client_small_log(b, want, sizeof(want));
    script_t sc = {0};
    client_small(&sc, b);
    for (size_t k = 0; k <= sc.s.len; k++) {
        rec_t r;
        feed_split(&sc, k, &r);
        assert_string_equal(r.log, want);
    }
    free(sc.s.p);
    free(b);

    /* the long one, cut at every byte around the start of each frame: in its header (64-bit
       lengths included), in its masking key and at the start of its payload */
    char want_long[4096];
    client_sample_log(want_long, sizeof(want_long));
    script_t lc = {0};
    client_sample(&lc);
    for (size_t i = 0; i < lc.n; i++) {
        size_t start = i ? lc.end[i - 1] : 0;
        size_t from = start >= 2 ? start - 2 : 0;
        for (size_t k = from; k <= start + 16 && k <= lc.s.len; k++) {
            rec_t r;
            feed_split(&lc, k, &r);
            assert_string_equal(r.log, want_long);
        }
    }
    free(lc.s.p);
}

static void test_server_stop_resumes_after_the_frame(void **state)
{
    char want[4096];
    client_sample_log(want, sizeof(want));
    script_t sc = {0};
    client_sample(&sc);
    rec_t r;
    run_server(&sc, chunk_all, 1, &r);
    assert_string_equal(r.log, want);
    rnd_state = 7;
    run_server(&sc, chunk_random, 3, &r);
    assert_string_equal(r.log, want);
    free(sc.s.p);

    /* used ends right behind the frame that stopped (masking key included) */
    stream_t s = {0};
    client_frame(&s, true, WS_OP_BINARY, "abc", 3, 0x01020304);
    client_frame(&s, true, WS_OP_BINARY, "defg", 4, 0x05060708);
    ws_rx_t rx;
    ws_rx_init_server(&rx, MAX);
    memset(&r, 0, sizeof(r));
    r.stop_after = 1;
    size_t used = 0;
    assert_int_equal(ws_rx_feed(&rx, s.p, s.len, &used, on_frame, &r), WS_RX_STOPPED);
    assert_int_equal(used, 9);
    assert_int_equal(ws_rx_feed(&rx, s.p + used, s.len - used, &used, on_frame, &r), WS_RX_STOPPED);
    assert_int_equal(used, 10);
    const event_t ev[] = {{WS_OP_BINARY, "abc", 3}, {WS_OP_BINARY, "defg", 4}};
    char want_two[128];
    log_of(ev, 2, want_two, sizeof(want_two));
    assert_string_equal(r.log, want_two);
    ws_rx_free(&rx);
    free(s.p);
}

static void test_server_refuses_unmasked_frames(void **state)
{
    stream_t s = {0};
    /* RFC 6455's unmasked "Hello": the client's end takes it, the server's end must not */
    put(&s, rfc_unmasked_hello, sizeof(rfc_unmasked_hello));
    ws_rx_t rx;
    ws_rx_init(&rx, MAX);
    rec_t r;
    memset(&r, 0, sizeof(r));
    size_t used;
    assert_int_equal(ws_rx_feed(&rx, s.p, s.len, &used, on_frame, &r), WS_RX_OK);
    char want[128];
    const event_t hello[] = {{WS_OP_TEXT, "Hello", 5}};
    log_of(hello, 1, want, sizeof(want));
    assert_string_equal(r.log, want);
    ws_rx_free(&rx);
    expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the client sent an unmasked WebSocket frame");

    /* unmasked frames of every kind and length encoding, also after masked ones */
    uint8_t *p = pattern(70000, 5);
    const size_t lens[] = {0, 1, 125, 126, 65535, 65536};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        s.len = 0;
        frame(&s, true, WS_OP_BINARY, p, lens[i], false, 0);
        expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                     "the client sent an unmasked WebSocket frame");
    }
    s.len = 0;
    client_frame(&s, true, WS_OP_BINARY, "ok", 2, 0x11223344);
    frame(&s, true, WS_OP_PING, NULL, 0, false, 0);
    expect_error(&s, true, MAX, 1, WS_CLOSE_PROTOCOL,
                 "the client sent an unmasked WebSocket frame");
    s.len = 0;
    client_frame(&s, false, WS_OP_TEXT, p, 10, 0x11223344);
    frame(&s, true, WS_OP_CONT, p + 10, 10, false, 0);
    expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the client sent an unmasked WebSocket frame");

    /* the client's end still refuses masked frames, and names the server */
    s.len = 0;
    put(&s, rfc_masked_hello, sizeof(rfc_masked_hello));
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL, "the server sent a masked WebSocket frame");
    s.len = 0;
    client_frame(&s, true, WS_OP_BINARY, p, 70000, 0x11223344);
    expect_error(&s, false, MAX, 0, WS_CLOSE_PROTOCOL, "the server sent a masked WebSocket frame");
    free(p);
    free(s.p);
}

/* Appends a masked client frame whose first byte then gets extra bits (RSV). */
static void client_frame_rsv(stream_t *s, uint8_t op, size_t len, uint8_t extra)
{
    size_t at = s->len;
    uint8_t p[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    client_frame(s, true, op, p, len, 0xa1b2c3d4);
    s->p[at] |= extra;
}

static void test_server_protocol_violations_name_the_client(void **state)
{
    uint8_t *p = pattern(70000, 6);
    stream_t s = {0};
    const uint8_t rsv[] = {0x40, 0x20, 0x10, 0x70};
    for (size_t i = 0; i < sizeof(rsv); i++) {
        s.len = 0;
        client_frame_rsv(&s, WS_OP_BINARY, 4, rsv[i]);
        expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                     "the client set reserved bits of a WebSocket frame");
    }
    s.len = 0;
    client_frame_rsv(&s, WS_OP_PING, 0, 0x40);
    expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the client set reserved bits of a WebSocket frame");
    const uint8_t unknown[] = {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF};
    for (size_t i = 0; i < sizeof(unknown); i++) {
        s.len = 0;
        client_frame(&s, true, unknown[i], p, 4, 0xa1b2c3d4);
        expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                     "the client sent a WebSocket frame of unknown opcode");
    }

    /* control frames: never fragmented, at most 125 bytes (refused from the header alone) */
    const uint8_t control[] = {WS_OP_PING, WS_OP_PONG, WS_OP_CLOSE};
    for (size_t i = 0; i < sizeof(control); i++) {
        s.len = 0;
        client_frame(&s, true, control[i], p, 126, 0xa1b2c3d4);
        expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                     "the client sent a fragmented or over-long control frame");
        s.len = 0;
        frame(&s, true, control[i], NULL, 65536, true, 0);
        expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                     "the client sent a fragmented or over-long control frame");
        s.len = 0;
        client_frame(&s, false, control[i], p, 1, 0xa1b2c3d4);
        expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                     "the client sent a fragmented or over-long control frame");
    }
    /* a non-final control frame inside a fragmented message, after a good control frame */
    s.len = 0;
    client_frame(&s, false, WS_OP_BINARY, p, 10, 0xa1b2c3d4);
    client_frame(&s, true, WS_OP_PING, p, 125, 0xa1b2c3d5);
    client_frame(&s, false, WS_OP_PONG, p, 1, 0xa1b2c3d6);
    expect_error(&s, true, MAX, 1, WS_CLOSE_PROTOCOL,
                 "the client sent a fragmented or over-long control frame");

    /* continuation frames outside a fragmented message, also right after one ended */
    s.len = 0;
    client_frame(&s, true, WS_OP_CONT, p, 1, 0xa1b2c3d4);
    expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the client sent a continuation frame outside a fragmented message");
    s.len = 0;
    client_frame(&s, false, WS_OP_CONT, NULL, 0, 0xa1b2c3d4);
    expect_error(&s, true, MAX, 0, WS_CLOSE_PROTOCOL,
                 "the client sent a continuation frame outside a fragmented message");
    s.len = 0;
    client_frame(&s, false, WS_OP_TEXT, p, 3, 0xa1b2c3d4);
    client_frame(&s, true, WS_OP_CONT, p, 3, 0xa1b2c3d5);
    client_frame(&s, true, WS_OP_CONT, p, 3, 0xa1b2c3d6);
    expect_error(&s, true, MAX, 1, WS_CLOSE_PROTOCOL,
                 "the client sent a continuation frame outside a fragmented message");

    /* a new message inside a fragmented one, final or not, also after a control frame */
    const uint8_t data[] = {WS_OP_TEXT, WS_OP_BINARY};
    for (size_t i = 0; i < 2; i++) {
        for (int fin = 0; fin < 2; fin++) {
            s.len = 0;
            client_frame(&s, false, WS_OP_BINARY, p, 100, 0xa1b2c3d4);
            client_frame(&s, true, WS_OP_PING, NULL, 0, 0xa1b2c3d5);
            client_frame(&s, fin, data[i], p, 2, 0xa1b2c3d6);
            expect_error(&s, true, MAX, 1, WS_CLOSE_PROTOCOL,
                         "the client began a message inside a fragmented one");
        }
    }
    free(p);
    free(s.p);
}

static void test_server_messages_over_the_limit_name_the_client(void **state)
{
    uint8_t *p = pattern(1001, 9);
    /* exactly the limit is fine, in one frame or across fragments */
    script_t sc = {0};
    script_frame(&sc, true, WS_OP_BINARY, p, 1000);
    script_frame(&sc, false, WS_OP_TEXT, p, 600);
    script_frame(&sc, true, WS_OP_PING, p, 125);
    script_frame(&sc, false, WS_OP_CONT, NULL, 0);
    script_frame(&sc, true, WS_OP_CONT, p + 600, 400);
    ws_rx_t rx;
    ws_rx_init_server(&rx, 1000);
    rec_t r;
    memset(&r, 0, sizeof(r));
    feed_read(&rx, &r, sc.s.p, sc.s.len);
    const event_t ev[] = {{WS_OP_BINARY, p, 1000}, {WS_OP_PING, p, 125}, {WS_OP_TEXT, p, 1000}};
    char want[256];
    log_of(ev, 3, want, sizeof(want));
    assert_string_equal(r.log, want);
    ws_rx_free(&rx);
    free(sc.s.p);

    /* one byte more, in one frame or across fragments */
    stream_t s = {0};
    client_frame(&s, true, WS_OP_BINARY, p, 1001, 0x0badcafe);
    expect_error(&s, true, 1000, 0, WS_CLOSE_TOO_BIG,
                 "a message from the client exceeds 1000 bytes");
    s.len = 0;
    client_frame(&s, true, WS_OP_TEXT, p, 1001, 0x0badcafe);
    expect_error(&s, true, 1000, 0, WS_CLOSE_TOO_BIG,
                 "a message from the client exceeds 1000 bytes");
    s.len = 0;
    client_frame(&s, false, WS_OP_BINARY, p, 600, 0x0badcafe);
    client_frame(&s, true, WS_OP_CONT, p, 401, 0x0badcaff);
    expect_error(&s, true, 1000, 0, WS_CLOSE_TOO_BIG,
                 "a message from the client exceeds 1000 bytes");
    s.len = 0;
    client_frame(&s, false, WS_OP_TEXT, p, 500, 0x0badcafe);
    client_frame(&s, true, WS_OP_PONG, p, 3, 0x0badcaff);
    client_frame(&s, false, WS_OP_CONT, p, 500, 0x0badcb00);
    client_frame(&s, true, WS_OP_CONT, p, 1, 0x0badcb01);
    expect_error(&s, true, 1000, 1, WS_CLOSE_TOO_BIG,
                 "a message from the client exceeds 1000 bytes");
    /* a huge length is refused from its header alone: nothing is buffered for it */
    s.len = 0;
    frame(&s, true, WS_OP_BINARY, NULL, (uint64_t)1 << 40, true, 0);
    expect_error(&s, true, MAX, 0, WS_CLOSE_TOO_BIG,
                 "a message from the client exceeds 100000 bytes");
    s.len = 0;
    frame(&s, true, WS_OP_BINARY, NULL, UINT64_MAX, true, 0);
    expect_error(&s, true, MAX, 0, WS_CLOSE_TOO_BIG,
                 "a message from the client exceeds 100000 bytes");
    s.len = 0;
    client_frame(&s, false, WS_OP_BINARY, p, 1000, 0x0badcafe);
    frame(&s, true, WS_OP_CONT, NULL, UINT64_MAX - 500, true, 0);
    expect_error(&s, true, MAX, 0, WS_CLOSE_TOO_BIG,
                 "a message from the client exceeds 100000 bytes");
    free(p);
    free(s.p);
}

static void test_idle_only_between_whole_messages(void **state)
{
    ws_rx_t rx;
    ws_rx_init(&rx, MAX);
    assert_true(ws_rx_idle(&rx));
    ws_rx_free(&rx);

    script_t sc = {0};
    client_sample(&sc);
    /* byte by byte: not idle while a frame is cut or a message is open; idle, holding no memory,
       at every frame boundary outside a fragmented message */
    ws_rx_init_server(&rx, MAX);
    assert_true(ws_rx_idle(&rx));
    rec_t r;
    memset(&r, 0, sizeof(r));
    size_t n_idle = 0;
    for (size_t k = 1; k <= sc.s.len; k++) {
        feed_read(&rx, &r, sc.s.p + k - 1, 1);
        bool want = idle_at(&sc, k);
        if (ws_rx_idle(&rx) != want)
            fail_msg("after %zu bytes ws_rx_idle says %d", k, ws_rx_idle(&rx));
        if (want) {
            assert_null(rx.cut.base);
            assert_null(rx.msg.base);
            n_idle++;
        }
    }
    assert_int_equal(n_idle, 15); /* the frames that end a message or stand outside one */
    ws_rx_free(&rx);

    /* frame by frame, each a whole read: idle unless a fragmented message is open */
    ws_rx_init_server(&rx, MAX);
    memset(&r, 0, sizeof(r));
    for (size_t i = 0; i < sc.n; i++) {
        size_t start = i ? sc.end[i - 1] : 0;
        feed_read(&rx, &r, sc.s.p + start, sc.end[i] - start);
        assert_int_equal(ws_rx_idle(&rx), !sc.open[i]);
    }
    char want[4096];
    client_sample_log(want, sizeof(want));
    assert_string_equal(r.log, want);
    ws_rx_free(&rx);
    free(sc.s.p);
}

static void test_state_moved_by_struct_assignment_continues(void **state)
{
    uint8_t *b = pattern(300, 8);
    char want[1024];
    client_small_log(b, want, sizeof(want));
    script_t sc = {0};
    client_small(&sc, b);
    script_t fresh = {0};
    script_raw(&fresh, rfc_masked_hello, sizeof(rfc_masked_hello));
    script_frame(&fresh, false, WS_OP_BINARY, "fre", 3);
    script_frame(&fresh, true, WS_OP_CONT, "sh", 2);
    const event_t fresh_ev[] = {{WS_OP_TEXT, "Hello", 5}, {WS_OP_BINARY, "fresh", 5}};
    char want_fresh[256];
    log_of(fresh_ev, 2, want_fresh, sizeof(want_fresh));

    /* at every cut: the state moves to a heap copy, the original starts over and parses another
       stream first, then the copy parses the rest of the first */
    for (size_t k = 1; k < sc.s.len; k++) {
        ws_rx_t rx;
        ws_rx_init_server(&rx, MAX);
        rec_t r;
        memset(&r, 0, sizeof(r));
        feed_read(&rx, &r, sc.s.p, k);
        assert_int_equal(ws_rx_idle(&rx), idle_at(&sc, k));
        ws_rx_t *moved = malloc(sizeof(*moved));
        assert_non_null(moved);
        *moved = rx;
        ws_rx_init_server(&rx, MAX);
        assert_true(ws_rx_idle(&rx));
        rec_t rf;
        memset(&rf, 0, sizeof(rf));
        feed_read(&rx, &rf, fresh.s.p, fresh.s.len);
        assert_string_equal(rf.log, want_fresh);
        assert_true(ws_rx_idle(&rx));
        ws_rx_free(&rx);
        feed_read(moved, &r, sc.s.p + k, sc.s.len - k);
        assert_string_equal(r.log, want);
        assert_true(ws_rx_idle(moved));
        ws_rx_free(moved);
        free(moved);
    }
    free(sc.s.p);
    free(fresh.s.p);
    free(b);
}

/* A connection as rtmd holds it: parsing with the shared parser while that is idle, with a heap
 * copy of its own while a frame is cut or a message is open. */
typedef struct conn {
    const script_t *sc;
    size_t off;
    ws_rx_t *own;
    rec_t rec;
    size_t moves;
} conn_t;

static void conn_read(conn_t *c, ws_rx_t *shared, size_t n)
{
    if (n > c->sc->s.len - c->off)
        n = c->sc->s.len - c->off;
    ws_rx_t *rx = c->own ? c->own : shared;
    feed_read(rx, &c->rec, c->sc->s.p + c->off, n);
    c->off += n;
    if (!c->own && !ws_rx_idle(shared)) {
        c->own = malloc(sizeof(*c->own));
        assert_non_null(c->own);
        *c->own = *shared;
        ws_rx_init_server(shared, MAX);
        c->moves++;
    } else if (c->own && ws_rx_idle(c->own)) {
        ws_rx_free(c->own);
        free(c->own);
        c->own = NULL;
    }
    assert_true(ws_rx_idle(shared));
    assert_null(shared->cut.base);
    assert_null(shared->msg.base);
}

/* Where the first frame of sc that ends after off ends. */
static size_t next_end(const script_t *sc, size_t off)
{
    for (size_t i = 0; i < sc->n; i++)
        if (sc->end[i] > off)
            return sc->end[i];
    return sc->s.len;
}

static void test_connections_share_one_idle_parser(void **state)
{
    char want_long[4096], want_small[1024];
    client_sample_log(want_long, sizeof(want_long));
    uint8_t *b = pattern(300, 9);
    client_small_log(b, want_small, sizeof(want_small));
    script_t long_sc = {0}, small_sc = {0};
    client_sample(&long_sc);
    client_small(&small_sc, b);
    size_t moves[3] = {0};
    for (unsigned seed = 1; seed <= 10; seed++) {
        ws_rx_t shared;
        ws_rx_init_server(&shared, MAX);
        conn_t c[3] = {{.sc = &long_sc}, {.sc = &small_sc}, {.sc = &long_sc}};
        rnd_state = seed;
        size_t left = 3;
        while (left) {
            rnd_state = rnd_state * 1103515245 + 12345;
            conn_t *x = &c[(rnd_state >> 16) % 3];
            if (x->off == x->sc->s.len)
                continue;
            /* reads of 64 KiB, of a few bytes (frames cut everywhere), or up to the end of the
               next frame (whole frames, fragments of a message among them) */
            size_t kind = (rnd_state >> 8) % 4, n = 65536;
            if (kind == 1 || kind == 2)
                n = chunk_random(0) / 50 + 1;
            else if (kind == 3)
                n = next_end(x->sc, x->off) - x->off;
            conn_read(x, &shared, n);
            if (x->off == x->sc->s.len)
                left--;
        }
        assert_string_equal(c[0].rec.log, want_long);
        assert_string_equal(c[1].rec.log, want_small);
        assert_string_equal(c[2].rec.log, want_long);
        for (int i = 0; i < 3; i++) {
            assert_null(c[i].own);
            moves[i] += c[i].moves;
        }
        ws_rx_free(&shared);
    }
    /* every connection had its state moved at some point (the short one is sometimes read
       whole) */
    for (int i = 0; i < 3; i++)
        assert_true(moves[i] > 0);
    free(long_sc.s.p);
    free(small_sc.s.p);
    free(b);
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
        cmocka_unit_test(test_server_unmasks_the_rfc_example),
        cmocka_unit_test(test_server_stream_decodes_whole_and_in_place),
        cmocka_unit_test(test_server_stream_byte_by_byte_gives_the_same),
        cmocka_unit_test(test_server_stream_random_and_64k_reads_give_the_same),
        cmocka_unit_test(test_server_every_split_point_gives_the_same),
        cmocka_unit_test(test_server_stop_resumes_after_the_frame),
        cmocka_unit_test(test_server_refuses_unmasked_frames),
        cmocka_unit_test(test_server_protocol_violations_name_the_client),
        cmocka_unit_test(test_server_messages_over_the_limit_name_the_client),
        cmocka_unit_test(test_idle_only_between_whole_messages),
        cmocka_unit_test(test_state_moved_by_struct_assignment_continues),
        cmocka_unit_test(test_connections_share_one_idle_parser),
        cmocka_unit_test(test_masking_matches_the_bytewise_definition),
        cmocka_unit_test(test_client_frames_are_masked_with_the_right_header),
        cmocka_unit_test(test_rng_gives_different_keys),
        cmocka_unit_test(test_upgrade_request),
        cmocka_unit_test(test_reply_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
