/* rtmd's own reading of plain ws:// connections (core/server/reader.c) on the wire: frames cut
 * anywhere by the ends of reads while other connections go on, fragmented messages with PINGs
 * between their fragments, many frames in one read, the closing handshake, protocol errors and
 * the message size limit. The clients are raw WebSocket peers (rawws.c) that write exactly the
 * bytes each test needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "harness.h"
#include "rawws.h"

/* How long an answer may take (generous: rtmd may run under valgrind). */
#define WAIT_MS 10000

enum { OP_CONT = 0, OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10 };

static uint8_t buf[RTM_WIRE_MAX_MESSAGE];

static bool bytes_eq(rtm_bytes_t b, const char *s)
{
    return b.len == strlen(s) && memcmp(b.ptr, s, b.len) == 0;
}

/* A raw connection logged in as user (LOGIN id 1). */
static int raw_login(const char *user)
{
    int fd = ws_connect(server.port, RTM_PROTOCOL_NAME);
    send_login(fd, 1, user);
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 1);
    assert_int_equal(f.err, RTM_OK);
    return fd;
}

/* The msgpack of a LOGIN of user with id, as the payload of a WebSocket message. */
static void login_payload(rtm_buf_t *out, uint64_t id, const char *user)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGIN, id);
    rtm_frame_set_uint(&f, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_str(&f, RTM_K_APP_ID, "test");
    rtm_frame_set_str(&f, RTM_K_USER, user);
    rtm_buf_init(out, 0);
    assert_true(rtm_frame_encode(out, &f));
}

/* Appends a QUERY_ONLINE with id for online (a user logged in) and absent (nobody) as one
 * masked binary WebSocket frame. */
static void build_query(rtm_buf_t *out, uint64_t id, const char *online, const char *absent)
{
    const rtm_bytes_t who[2] = {{online, strlen(online)}, {absent, strlen(absent)}};
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, id);
    rtm_frame_set_users(&f, who, 2);
    ws_build_rtm(out, &f);
}

/* Expects the next RESULT on fd to answer build_query(id, online, absent): the users echoed and
 * their states right, so every byte of the request arrived unmasked and in place. */
static void expect_query_result(int fd, uint64_t id, const char *online, const char *absent)
{
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    if (f.id != id)
        fail_msg("RESULT %llu where %llu was due", (unsigned long long)f.id,
                 (unsigned long long)id);
    assert_int_equal(f.err, RTM_OK);
    assert_int_equal(f.n_users, 2);
    assert_int_equal(f.n_states, 2);
    assert_true(bytes_eq(f.users[0], online));
    assert_true(bytes_eq(f.users[1], absent));
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_ONLINE);
    assert_int_equal(f.states[1], RTM_PEER_ONLINE_STATE_OFFLINE);
}

static void query(int fd, uint64_t id, const char *online, const char *absent)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    build_query(&b, id, online, absent);
    assert_true(ws_send_raw(fd, rtm_buf_data(&b), b.len));
    rtm_buf_free(&b);
    expect_query_result(fd, id, online, absent);
}

/* Receives on to_fd the peer message from `from` with text and acknowledges its delivery (the
 * sender's RESULT waits for that). */
static void receive_peer_message(int to_fd, const char *from, const char *text)
{
    rtm_frame_t f;
    expect_frame(to_fd, buf, sizeof(buf), RTM_FRAME_PEER_MESSAGE, &f);
    assert_true(bytes_eq(f.user, from));
    assert_true(bytes_eq(f.text, text));
    uint64_t mid = f.mid;
    rtm_frame_init(&f, RTM_FRAME_DELIVERY_ACK, 0);
    rtm_frame_set_uint(&f, RTM_K_MID, mid);
    send_frame(to_fd, &f);
}

/* Sends a peer message of text from fd (logged in as from) to `to` (on to_fd) with request id:
 * to_fd receives it intact and acknowledges it, then fd gets its RESULT. */
static void peer_message(int fd, const char *from, uint64_t id, int to_fd, const char *to,
                         const char *text)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_SEND_PEER, id);
    rtm_frame_set_str(&f, RTM_K_USER, to);
    rtm_frame_set_uint(&f, RTM_K_MTYPE, RTM_MESSAGE_TYPE_TEXT);
    rtm_frame_set_str(&f, RTM_K_TEXT, text);
    send_frame(fd, &f);
    receive_peer_message(to_fd, from, text);
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, id);
    assert_int_equal(f.err, RTM_OK);
}

/* Answers a server's CLOSE as a client must (with the same status), then expects the end of
 * the connection. */
static void finish_close(int fd, int status)
{
    const uint8_t body[2] = {(uint8_t)(status >> 8), (uint8_t)status};
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    ws_build_frame(&b, true, OP_CLOSE, true, body, sizeof(body));
    ws_send_raw(fd, rtm_buf_data(&b), b.len); /* may fail: rtmd may have closed already */
    rtm_buf_free(&b);
    ws_expect_eof(fd, WAIT_MS);
}

/* ---- 1. frames cut at every byte, other connections going on meanwhile --------------------- */

/* What a logged-in connection (b, to a third one, c) does between two bytes of a cut frame. */
typedef struct chatter {
    int b, c;
    int d;               /* another connection whose LOGIN is cut at every byte too; -1: none */
    const uint8_t *d_at; /* its next byte */
    const uint8_t *d_end;
    uint64_t next_id;
} chatter_t;

static void chat(void *ud, size_t i)
{
    chatter_t *x = ud;
    uint64_t id = x->next_id++;
    if (x->d >= 0 && x->d_at < x->d_end) {
        assert_true(ws_send_raw(x->d, x->d_at, 1));
        x->d_at++;
    }
    if (i % 2 == 0) {
        char absent[32];
        snprintf(absent, sizeof(absent), "rw-nobody-%llu", (unsigned long long)id);
        query(x->b, id, "rw-cut-c", absent);
    } else {
        char text[64];
        snprintf(text, sizeof(text), "between bytes, request %llu", (unsigned long long)id);
        peer_message(x->b, "rw-cut-b", id, x->c, "rw-cut-c", text);
    }
}

static void test_a_frame_cut_at_every_byte_while_others_talk(void **state)
{
    (void)state;
    int b = raw_login("rw-cut-b"), c = raw_login("rw-cut-c");
    int a = ws_connect(server.port, RTM_PROTOCOL_NAME),
        d = ws_connect(server.port, RTM_PROTOCOL_NAME);

    /* a's LOGIN and d's go one byte per read each, interleaved, while b talks to c in whole
       frames after every byte */
    rtm_buf_t pa, pd, wa, wd;
    login_payload(&pa, 3, "rw-cut-a");
    login_payload(&pd, 4, "rw-cut-d-with-a-longer-name");
    rtm_buf_init(&wa, 0);
    rtm_buf_init(&wd, 0);
    ws_build_frame(&wa, true, OP_BINARY, true, rtm_buf_data(&pa), pa.len);
    ws_build_frame(&wd, true, OP_BINARY, true, rtm_buf_data(&pd), pd.len);
    chatter_t x = {.b = b,
                   .c = c,
                   .d = d,
                   .d_at = rtm_buf_data(&wd),
                   .d_end = rtm_buf_data(&wd) + wd.len,
                   .next_id = 100};
    assert_true(ws_send_bytewise(a, rtm_buf_data(&wa), wa.len, 500, chat, &x));
    assert_true(x.d_at < x.d_end); /* d's frame is longer: the rest of it one byte at a time */
    x.d = -1;
    assert_true(ws_send_bytewise(d, x.d_at, (size_t)(x.d_end - x.d_at), 500, chat, &x));
    rtm_frame_t f;
    expect_frame(a, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 3);
    assert_int_equal(f.err, RTM_OK);
    expect_frame(d, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 4);
    assert_int_equal(f.err, RTM_OK);
    rtm_buf_free(&pa);
    rtm_buf_free(&pd);
    rtm_buf_free(&wa);
    rtm_buf_free(&wd);

    /* a frame with a 16-bit length, cut inside its header (one byte at a time), then every 97
       bytes of its payload */
    enum { TEXT_LEN = 3000 };
    char text[TEXT_LEN + 1];
    for (size_t i = 0; i < TEXT_LEN; i++)
        text[i] = (char)('a' + (i * 7) % 26);
    text[TEXT_LEN] = 0;
    rtm_frame_init(&f, RTM_FRAME_SEND_PEER, 5);
    rtm_frame_set_str(&f, RTM_K_USER, "rw-cut-c");
    rtm_frame_set_uint(&f, RTM_K_MTYPE, RTM_MESSAGE_TYPE_TEXT);
    rtm_frame_set_str(&f, RTM_K_TEXT, text);
    rtm_buf_t w;
    rtm_buf_init(&w, 0);
    ws_build_rtm(&w, &f);
    const uint8_t *p = rtm_buf_data(&w);
    assert_true(ws_send_bytewise(a, p, 10, 500, chat, &x));
    for (size_t off = 10; off < w.len; off += 97) {
        size_t n = w.len - off < 97 ? w.len - off : 97;
        assert_true(ws_send_raw(a, p + off, n));
        usleep(500);
        if (off + n < w.len) /* c's next message is a's once the frame is whole */
            chat(&x, off);
    }
    rtm_buf_free(&w);
    receive_peer_message(c, "rw-cut-a", text);
    expect_frame(a, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 5);
    assert_int_equal(f.err, RTM_OK);
    close(a);
    close(b);
    close(c);
    close(d);
}

/* ---- 2. a fragmented message with PINGs between its fragments ---------------------------- */

/* A LOGIN of user in three fragments (BINARY, CONT, CONT with FIN) with a PING after the first
 * (payload "first ping") and one after the second (125 bytes, the most a control frame holds).
 * Sent in one write, or each frame cut in two writes. */
static void fragmented_login(const char *user, bool cut)
{
    int fd = ws_connect(server.port, RTM_PROTOCOL_NAME);
    rtm_buf_t p;
    login_payload(&p, 7, user);
    const uint8_t *d = rtm_buf_data(&p);
    assert_true(p.len > 20);
    uint8_t ping2[125];
    for (size_t i = 0; i < sizeof(ping2); i++)
        ping2[i] = (uint8_t)(i * 13 + 1);
    rtm_buf_t frames[5];
    for (int i = 0; i < 5; i++)
        rtm_buf_init(&frames[i], 0);
    ws_build_frame(&frames[0], false, OP_BINARY, true, d, 9);
    ws_build_frame(&frames[1], true, OP_PING, true, "first ping", 10);
    ws_build_frame(&frames[2], false, OP_CONT, true, d + 9, 9);
    ws_build_frame(&frames[3], true, OP_PING, true, ping2, sizeof(ping2));
    ws_build_frame(&frames[4], true, OP_CONT, true, d + 18, p.len - 18);
    rtm_buf_t all;
    rtm_buf_init(&all, 0);
    for (int i = 0; i < 5; i++) {
        const uint8_t *q = rtm_buf_data(&frames[i]);
        size_t half = frames[i].len / 2;
        if (cut) {
            assert_true(ws_send_raw(fd, q, half));
            usleep(2000);
            assert_true(ws_send_raw(fd, q + half, frames[i].len - half));
            usleep(2000);
        } else {
            assert_true(rtm_buf_append(&all, q, frames[i].len));
        }
        rtm_buf_free(&frames[i]);
    }
    if (!cut)
        assert_true(ws_send_raw(fd, rtm_buf_data(&all), all.len));
    rtm_buf_free(&all);
    rtm_buf_free(&p);

    /* the PONGs come first, in order, each with its PING's payload; then the RESULT */
    size_t len;
    assert_int_equal(ws_recv_frame(fd, buf, sizeof(buf), &len, NULL, WAIT_MS), OP_PONG);
    assert_int_equal(len, 10);
    assert_memory_equal(buf, "first ping", 10);
    assert_int_equal(ws_recv_frame(fd, buf, sizeof(buf), &len, NULL, WAIT_MS), OP_PONG);
    assert_int_equal(len, sizeof(ping2));
    assert_memory_equal(buf, ping2, sizeof(ping2));
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 7);
    assert_int_equal(f.err, RTM_OK);
    query(fd, 8, user, "rw-nobody");
    close(fd);
}

static void test_a_login_in_fragments_with_pings_between_them(void **state)
{
    (void)state;
    fragmented_login("rw-frag-one-write", false);
    fragmented_login("rw-frag-cut", true);
}

/* ---- 3. many frames in one write --------------------------------------------------------- */

/* A user id for request id that makes a query 87 bytes long on the wire. */
static void padded_absent(char *dst, size_t cap, uint64_t id)
{
    snprintf(dst, cap, "rw-pack-%06llu-abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstu",
             (unsigned long long)id);
}

static void test_many_frames_in_one_write_are_all_answered_in_order(void **state)
{
    (void)state;
    int fd = raw_login("rw-pack");
    char absent[80];
    rtm_buf_t w, rest;
    rtm_buf_init(&w, 0);
    rtm_buf_init(&rest, 0);
    /* round 1: about 60 KB of whole frames and half a frame in one write, the other half and a
       few more frames in a second one */
    uint64_t id = 100;
    while (w.len < 60000) {
        padded_absent(absent, sizeof(absent), id);
        build_query(&w, id++, "rw-pack", absent);
    }
    uint64_t round1 = id - 100;
    assert_true(round1 >= 500);
    padded_absent(absent, sizeof(absent), id);
    build_query(&rest, id++, "rw-pack", absent);
    size_t half = rest.len / 2;
    assert_true(rtm_buf_append(&w, rtm_buf_data(&rest), half));
    assert_true(ws_send_raw(fd, rtm_buf_data(&w), w.len));
    usleep(50 * 1000); /* rtmd reads it all and keeps the half frame */
    rtm_buf_clear(&w);
    assert_true(rtm_buf_append(&w, rtm_buf_data(&rest) + half, rest.len - half));
    for (int i = 0; i < 4; i++) {
        padded_absent(absent, sizeof(absent), id);
        build_query(&w, id++, "rw-pack", absent);
    }
    assert_true(ws_send_raw(fd, rtm_buf_data(&w), w.len));
    for (uint64_t i = 100; i < id; i++) {
        padded_absent(absent, sizeof(absent), i);
        expect_query_result(fd, i, "rw-pack", absent);
    }

    /* round 2: 1,000 frames (over 64 KB) in one write: rtmd's reads cut them where they end */
    rtm_buf_clear(&w);
    uint64_t first = id;
    for (int i = 0; i < 1000; i++) {
        padded_absent(absent, sizeof(absent), id);
        build_query(&w, id++, "rw-pack", absent);
    }
    assert_true(w.len > 65536);
    assert_true(ws_send_raw(fd, rtm_buf_data(&w), w.len));
    for (uint64_t i = first; i < id; i++) {
        padded_absent(absent, sizeof(absent), i);
        expect_query_result(fd, i, "rw-pack", absent);
    }
    rtm_buf_free(&w);
    rtm_buf_free(&rest);
    close(fd);
}

/* ---- 4. the client's CLOSE --------------------------------------------------------------- */

/* How long rtmd may take to end the TCP connection after answering a client's CLOSE. RFC 6455
 * 5.5.1 wants it at once (rtmd once waited for libwebsockets' 5 s close-ack timeout there);
 * generous for valgrind. */
#define CLOSE_EOF_MS 2000

typedef struct close_case {
    const char *user;
    uint8_t payload[8];
    size_t len;
    int want;
    int fd;
} close_case_t;

static void test_a_close_is_answered_with_the_clients_status(void **state)
{
    (void)state;
    close_case_t cases[] = {
        {"rw-close-4000", {0x0f, 0xa0, 'b', 'y', 'e'}, 5, 4000, -1},
        {"rw-close-1001", {0x03, 0xe9}, 2, 1001, -1},
        {"rw-close-empty", {0}, 0, 1000, -1},
        /* codes that never go on the wire are answered with 1000 */
        {"rw-close-1005", {0x03, 0xed}, 2, 1000, -1},
        {"rw-close-999", {0x03, 0xe7}, 2, 1000, -1},
        /* and so are reserved ones (RFC 6455 7.4) */
        {"rw-close-1004", {0x03, 0xec}, 2, 1000, -1},
        {"rw-close-2999", {0x0b, 0xb7}, 2, 1000, -1},
        {"rw-close-5000", {0x13, 0x88}, 2, 1000, -1},
    };
    enum { N = sizeof(cases) / sizeof(cases[0]) };
    /* all at once: each connection's CLOSE, cut after its third byte */
    rtm_buf_t frames[N];
    for (int i = 0; i < N; i++) {
        cases[i].fd = raw_login(cases[i].user);
        rtm_buf_init(&frames[i], 0);
        ws_build_frame(&frames[i], true, OP_CLOSE, true, cases[i].payload, cases[i].len);
        assert_true(ws_send_raw(cases[i].fd, rtm_buf_data(&frames[i]), 3));
    }
    usleep(2000);
    for (int i = 0; i < N; i++) {
        assert_true(ws_send_raw(cases[i].fd, rtm_buf_data(&frames[i]) + 3, frames[i].len - 3));
        rtm_buf_free(&frames[i]);
    }
    for (int i = 0; i < N; i++) {
        int got = ws_expect_close(cases[i].fd, NULL, 0, WAIT_MS);
        if (got != cases[i].want)
            fail_msg("%s: CLOSE %d, wanted %d", cases[i].user, got, cases[i].want);
    }
    for (int i = 0; i < N; i++) {
        ws_expect_eof(cases[i].fd, CLOSE_EOF_MS);
        close(cases[i].fd);
    }
}

/* rtmd's own close (here: the answer to a LOGOUT) is written by rtmd itself on a connection
 * it reads, without a libwebsockets timer per connection: the connection ends as soon as the
 * client answers the CLOSE, and a client that never answers is cut by rtmd's closing list
 * (RTMD_CLOSE_FLUSH_S, 5 s) rather than left open. */
static void test_rtmds_close_ends_once_answered_and_is_cut_when_not(void **state)
{
    (void)state;
    int answers = raw_login("rw-bye-answers");
    int silent = raw_login("rw-bye-silent");
    int broken = raw_login("rw-bye-broken");
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGOUT, 7);
    send_frame(answers, &f);
    send_frame(silent, &f);
    send_frame(broken, &f);
    char why[126];
    assert_int_equal(ws_expect_close(answers, why, sizeof(why), WAIT_MS), 1000);
    assert_string_equal(why, "logout");
    int64_t t0 = wall_ms();
    assert_int_equal(ws_expect_close(silent, why, sizeof(why), WAIT_MS), 1000);
    assert_int_equal(ws_expect_close(broken, why, sizeof(why), WAIT_MS), 1000);
    /* nothing goes after rtmd's CLOSE: not a PONG (silent pings instead of answering), not a
       second CLOSE for a protocol error (broken sends an unmasked frame: the connection ends) */
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    ws_build_frame(&b, true, OP_PING, true, "after the close", 15);
    assert_true(ws_send_raw(silent, rtm_buf_data(&b), b.len));
    rtm_buf_clear(&b);
    ws_build_frame(&b, true, OP_BINARY, false, "\x91\x01", 2);
    assert_true(ws_send_raw(broken, rtm_buf_data(&b), b.len));
    rtm_buf_free(&b);
    ws_expect_eof(broken, CLOSE_EOF_MS);
    close(broken);
    finish_close(answers, 1000);
    int64_t answered_ms = wall_ms() - t0;
    if (answered_ms > CLOSE_EOF_MS)
        fail_msg("the answered close took %lld ms to end", (long long)answered_ms);
    ws_expect_eof(silent, WAIT_MS); /* cut after 5 s, well within WAIT_MS */
    int64_t silent_ms = wall_ms() - t0;
    if (silent_ms < 3000)
        fail_msg("a client that did not answer was cut after %lld ms, before its 5 s",
                 (long long)silent_ms);
    close(answers);
    close(silent);
}

/* ---- 5. protocol errors and the size limit ------------------------------------------------ */

/* Expects rtmd to close fd with status and reason, and the connection to end once the client
 * answered. */
static void expect_closed_with(int fd, int status, const char *reason)
{
    char why[126];
    assert_int_equal(ws_expect_close(fd, why, sizeof(why), WAIT_MS), status);
    assert_string_equal(why, reason);
    finish_close(fd, status);
    close(fd);
}

/* Appends a QUERY_ONLINE with id for user, written by hand with an unknown body key (60, which
 * rtmd skips) holding padding, exactly total bytes long (msgpack, no WebSocket header). */
static void padded_query(rtm_buf_t *out, uint16_t id, const char *user, size_t total)
{
    size_t ulen = strlen(user);
    assert_true(ulen < 32);
    uint8_t h[64];
    size_t n = 0;
    h[n++] = 0x93; /* [type, id, body] */
    h[n++] = 0x05; /* QUERY_ONLINE */
    h[n++] = 0xcd; /* uint16 id */
    h[n++] = (uint8_t)(id >> 8);
    h[n++] = (uint8_t)id;
    h[n++] = 0x82; /* body: two entries */
    h[n++] = 0x0f; /* users: */
    h[n++] = 0x91; /* [user] */
    h[n++] = (uint8_t)(0xa0 | ulen);
    memcpy(h + n, user, ulen);
    n += ulen;
    h[n++] = 0x3c; /* 60: */
    h[n++] = 0xc6; /* bin 32 */
    assert_true(total >= n + 4);
    size_t pad = total - n - 4;
    for (int i = 3; i >= 0; i--)
        h[n++] = (uint8_t)(pad >> (i * 8));
    assert_true(rtm_buf_append(out, h, n));
    assert_true(rtm_buf_reserve(out, pad));
    memset(rtm_buf_data(out) + out->len, 0x5a, pad);
    out->len += pad;
}

/* A message of exactly the 256 KiB limit: four frames of 60,000 bytes and one with the rest. */
static void message_at_limit(rtm_buf_t *m, const char *user)
{
    rtm_buf_init(m, 0);
    for (uint16_t id = 20; id < 24; id++)
        padded_query(m, id, user, 60000);
    padded_query(m, 24, user, RTM_WIRE_MAX_MESSAGE - m->len);
    assert_int_equal(m->len, RTM_WIRE_MAX_MESSAGE);
}

static void expect_padded_results(int fd, const char *user)
{
    for (uint64_t id = 20; id <= 24; id++) {
        rtm_frame_t f;
        expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
        assert_int_equal(f.id, id);
        assert_int_equal(f.err, RTM_OK);
        assert_int_equal(f.n_users, 1);
        assert_true(bytes_eq(f.users[0], user));
        assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_ONLINE);
    }
}

/* A CLOSE whose payload is one byte (a status needs two) is a protocol error. */
static void test_a_close_of_one_byte_closes_with_1002(void **state)
{
    (void)state;
    int fd = raw_login("rw-close-1-byte");
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    ws_build_frame(&b, true, OP_CLOSE, true, "\x03", 1);
    assert_true(ws_send_raw(fd, rtm_buf_data(&b), b.len));
    rtm_buf_free(&b);
    expect_closed_with(fd, 1002, "protocol error");
}

/* rtmd's own raw descriptor has a protocol name lws knows; no client may upgrade to it. */
static void test_nobody_can_upgrade_to_rtmds_internal_protocol(void **state)
{
    (void)state;
    char resp[512];
    if (ws_upgrade_status(server.port, "rtmd-reader", resp, sizeof(resp)) == 101)
        fail_msg("an upgrade to rtmd-reader was accepted");
}

static void test_an_unmasked_frame_closes_with_1002(void **state)
{
    (void)state;
    int fd = raw_login("rw-unmasked");
    const rtm_bytes_t who = {"rw-unmasked", 11};
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, 2);
    rtm_frame_set_users(&f, &who, 1);
    rtm_buf_t p, w;
    rtm_buf_init(&p, 0);
    rtm_buf_init(&w, 0);
    assert_true(rtm_frame_encode(&p, &f));
    ws_build_frame(&w, true, OP_BINARY, false, rtm_buf_data(&p), p.len);
    assert_true(ws_send_raw(fd, rtm_buf_data(&w), w.len));
    rtm_buf_free(&p);
    rtm_buf_free(&w);
    expect_closed_with(fd, 1002, "protocol error");
}

static void test_messages_over_256_kib_close_with_1009(void **state)
{
    (void)state;
    /* exactly 256 KiB passes, in one frame and in three fragments */
    int fd = raw_login("rw-limit");
    rtm_buf_t m, w;
    message_at_limit(&m, "rw-limit");
    rtm_buf_init(&w, 0);
    ws_build_frame(&w, true, OP_BINARY, true, rtm_buf_data(&m), m.len);
    assert_true(ws_send_raw(fd, rtm_buf_data(&w), w.len));
    expect_padded_results(fd, "rw-limit");
    rtm_buf_clear(&w);
    const uint8_t *d = rtm_buf_data(&m);
    ws_build_frame(&w, false, OP_BINARY, true, d, 100000);
    ws_build_frame(&w, false, OP_CONT, true, d + 100000, 100000);
    ws_build_frame(&w, true, OP_CONT, true, d + 200000, m.len - 200000);
    assert_true(ws_send_raw(fd, rtm_buf_data(&w), w.len));
    expect_padded_results(fd, "rw-limit");
    close(fd);

    /* one byte more in one frame */
    uint8_t *big = calloc(1, RTM_WIRE_MAX_MESSAGE + 1);
    assert_non_null(big);
    memcpy(big, d, m.len);
    fd = raw_login("rw-limit-frame");
    rtm_buf_clear(&w);
    ws_build_frame(&w, true, OP_BINARY, true, big, RTM_WIRE_MAX_MESSAGE + 1);
    ws_send_raw(fd, rtm_buf_data(&w), w.len); /* rtmd may close before taking it all */
    expect_closed_with(fd, 1009, "message too large");

    /* ... and in fragments: 128 KiB, 128 KiB, 1 byte */
    fd = raw_login("rw-limit-frags");
    rtm_buf_clear(&w);
    ws_build_frame(&w, false, OP_BINARY, true, big, RTM_WIRE_MAX_MESSAGE / 2);
    ws_build_frame(&w, false, OP_CONT, true, big + RTM_WIRE_MAX_MESSAGE / 2,
                   RTM_WIRE_MAX_MESSAGE / 2);
    ws_build_frame(&w, true, OP_CONT, true, big + RTM_WIRE_MAX_MESSAGE, 1);
    ws_send_raw(fd, rtm_buf_data(&w), w.len);
    expect_closed_with(fd, 1009, "message too large");
    free(big);
    rtm_buf_free(&m);
    rtm_buf_free(&w);
}

/* ---- 6. TEXT messages ------------------------------------------------------------------- */

static void expect_text_refused(int fd)
{
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_ERROR, &f);
    assert_int_equal(f.id, 0);
    assert_int_equal(f.err, RTM_ERR_PROTOCOL);
    assert_true(f.errmsg.len > 0);
}

static void test_a_text_message_gets_an_error_and_the_connection_stays(void **state)
{
    (void)state;
    /* before login */
    int fd = ws_connect(server.port, RTM_PROTOCOL_NAME);
    rtm_buf_t w;
    rtm_buf_init(&w, 0);
    ws_build_frame(&w, true, OP_TEXT, true, "hello", 5);
    assert_true(ws_send_raw(fd, rtm_buf_data(&w), w.len));
    expect_text_refused(fd);
    send_login(fd, 2, "rw-text");
    rtm_frame_t f;
    expect_frame(fd, buf, sizeof(buf), RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 2);
    assert_int_equal(f.err, RTM_OK);
    /* logged in, whole and in fragments */
    assert_true(ws_send_raw(fd, rtm_buf_data(&w), w.len));
    expect_text_refused(fd);
    query(fd, 3, "rw-text", "rw-nobody");
    rtm_buf_clear(&w);
    ws_build_frame(&w, false, OP_TEXT, true, "hel", 3);
    ws_build_frame(&w, true, OP_CONT, true, "lo", 2);
    assert_true(ws_send_raw(fd, rtm_buf_data(&w), w.len));
    expect_text_refused(fd);
    query(fd, 4, "rw-text", "rw-nobody");
    rtm_buf_free(&w);
    close(fd);
}

/* ---- 7. still serving ------------------------------------------------------------------- */

static void test_rtmd_still_serves_after_all_this(void **state)
{
    (void)state;
    int fd = raw_login("rw-after");
    query(fd, 2, "rw-after", "rw-nobody");
    close(fd);
    rtm_client_t *c = make_client(server.url, NULL);
    login_ok(c, NULL, "rw-after-client");
    rtm_client_free(c);
    /* stop_server, the group teardown, checks that rtmd exits 0 on SIGTERM */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_frame_cut_at_every_byte_while_others_talk),
        cmocka_unit_test(test_a_login_in_fragments_with_pings_between_them),
        cmocka_unit_test(test_many_frames_in_one_write_are_all_answered_in_order),
        cmocka_unit_test(test_a_close_is_answered_with_the_clients_status),
        cmocka_unit_test(test_rtmds_close_ends_once_answered_and_is_cut_when_not),
        cmocka_unit_test(test_an_unmasked_frame_closes_with_1002),
        cmocka_unit_test(test_a_close_of_one_byte_closes_with_1002),
        cmocka_unit_test(test_nobody_can_upgrade_to_rtmds_internal_protocol),
        cmocka_unit_test(test_messages_over_256_kib_close_with_1009),
        cmocka_unit_test(test_a_text_message_gets_an_error_and_the_connection_stays),
        cmocka_unit_test(test_rtmd_still_serves_after_all_this),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
