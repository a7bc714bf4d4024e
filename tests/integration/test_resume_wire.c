/* rtmd's connection lifecycle on the wire (docs/protocol.md, "Connection lifecycle"): PING and
 * PONG, counted frames and SERVER_ACK, the heartbeat timeout, sessions held for a resume and
 * what others see of it, retransmission both ways, replay on JOIN with mid, cmid, and the drain
 * on SIGTERM. The clients here are raw WebSocket peers that count frames as a client must, so
 * every test checks the exact stream rtmd sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "harness.h"
#include "rawws.h"

/* How long a frame may take to come (generous: rtmd may run under valgrind). */
#define WAIT_MS 10000

/* The shared server's settings (start_lifecycle_server). */
#define HEARTBEAT_MS 5000
#define GRACE_MS     1500
#define REPLAY_MAX   4
#define REPLAY_MS    1500

static rtm_decoder_t dec;

/* ---- a raw client that counts its session's frames ---------------------------------------- */

typedef struct peer {
    int fd;
    int port;
    const char *user;
    bool logged_in;
    bool closed;         /* the server closed the connection */
    uint16_t close_code; /* ... with this status */
    uint64_t login_id;   /* the LOGIN whose RESULT is not counted */
    uint8_t secret[16];
    uint64_t epoch, heartbeat_ms;
    uint64_t rx;   /* counted frames received in the session */
    uint64_t sent; /* counted frames sent in the session */
    uint8_t *msg;  /* the WebSocket message being read */
    size_t len, off;
} peer_t;

static void peer_connect(peer_t *p, int port, const char *user)
{
    if (!p->msg)
        p->msg = malloc(RTM_WIRE_MAX_MESSAGE);
    assert_non_null(p->msg);
    p->fd = ws_connect(port, RTM_PROTOCOL_NAME);
    p->port = port;
    p->user = user;
    p->logged_in = false;
    p->closed = false;
    p->len = p->off = 0;
}

/* Closes the socket without a word (the network dropped); the session state stays. */
static void peer_drop(peer_t *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

static void peer_free(peer_t *p)
{
    peer_drop(p);
    free(p->msg);
    p->msg = NULL;
}

/* 1: read; 0: nothing within timeout_ms; -1: the connection ended. */
static int read_exact(int fd, uint8_t *buf, size_t n, int timeout_ms)
{
    while (n) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) != 1)
            return 0;
        ssize_t r = read(fd, buf, n);
        if (r <= 0)
            return -1;
        buf += r;
        n -= (size_t)r;
    }
    return 1;
}

/* Reads some bytes of a message; false on timeout, or at the end of the connection (then
 * p->closed). */
static bool read_part(peer_t *p, uint8_t *buf, size_t n, int timeout_ms)
{
    int rc = read_exact(p->fd, buf, n, timeout_ms);
    if (rc < 0)
        p->closed = true;
    return rc > 0;
}

/* Reads one whole binary message into p->msg; false on close (p->closed, with close_code when
 * the server sent a WebSocket close) or timeout. */
static bool read_message(peer_t *p, int timeout_ms)
{
    p->len = p->off = 0;
    for (;;) {
        uint8_t h[2], ext[8];
        if (!read_part(p, h, 2, timeout_ms))
            return false;
        uint64_t n = h[1] & 0x7f;
        if (n >= 126) {
            size_t k = n == 126 ? 2 : 8;
            if (!read_part(p, ext, k, timeout_ms))
                return false;
            n = 0;
            for (size_t i = 0; i < k; i++)
                n = (n << 8) | ext[i];
        }
        int opcode = h[0] & 0x0f;
        if (opcode >= 8) { /* control: close, ping, pong */
            uint8_t body[125];
            assert_true(n <= sizeof(body));
            if (!read_part(p, body, (size_t)n, timeout_ms))
                return false;
            if (opcode == 8) {
                p->closed = true;
                p->close_code = n >= 2 ? (uint16_t)(body[0] << 8 | body[1]) : 0;
                return false;
            }
            continue;
        }
        assert_true(p->len + n <= RTM_WIRE_MAX_MESSAGE);
        if (!read_part(p, p->msg + p->len, (size_t)n, timeout_ms))
            return false;
        p->len += (size_t)n;
        if (h[0] & 0x80)
            return true;
    }
}

static bool counted_from_server(uint32_t type)
{
    return type != RTM_FRAME_PONG && type != RTM_FRAME_SERVER_ACK && type != RTM_FRAME_GOAWAY &&
           type != RTM_FRAME_SESSION_END;
}

static bool counted_from_client(uint32_t type)
{
    return type != RTM_FRAME_LOGIN && type != RTM_FRAME_PING && type != RTM_FRAME_ACK;
}

/* The next frame from the server, counted as a client counts; false when none came within
 * timeout_ms or the connection closed. f borrows from p until the next read. */
static bool next_frame(peer_t *p, rtm_frame_t *f, int timeout_ms)
{
    while (p->off >= p->len)
        if (!read_message(p, timeout_ms))
            return false;
    assert_int_equal(rtm_frame_decode(&dec, p->msg, p->len, &p->off, f, NULL), RTM_DECODE_OK);
    if (f->type == RTM_FRAME_RESULT && !p->logged_in && f->id == p->login_id)
        return true; /* the LOGIN result: login_as reads it */
    if (p->logged_in && counted_from_server(f->type))
        p->rx++;
    return true;
}

/* The very next frame must be of type. */
static void expect_next(peer_t *p, uint32_t type, rtm_frame_t *f)
{
    if (!next_frame(p, f, WAIT_MS))
        fail_msg("%s: no frame (wanted %s)%s", p->user, rtm_frame_type_name(type),
                 p->closed ? ": closed" : "");
    if (f->type != type)
        fail_msg("%s: got %s id %llu, wanted %s", p->user, rtm_frame_type_name(f->type),
                 (unsigned long long)f->id, rtm_frame_type_name(type));
}

/* Reads (and counts) frames until one of type comes. */
static void await_frame(peer_t *p, uint32_t type, rtm_frame_t *f)
{
    for (;;) {
        if (!next_frame(p, f, WAIT_MS))
            fail_msg("%s: no %s%s", p->user, rtm_frame_type_name(type),
                     p->closed ? ": closed" : "");
        if (f->type == type)
            return;
    }
}

static void send_to(peer_t *p, const rtm_frame_t *f)
{
    send_frame(p->fd, f);
    if (p->logged_in && counted_from_client(f->type))
        p->sent++;
}

/* Sends f as the first fragment of a WebSocket message that never ends: the server holds the
 * bytes but never reads the frame (it is lost with the connection). The client counted it. */
static void send_unfinished(peer_t *p, const rtm_frame_t *f)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    assert_true(rtm_frame_encode(&b, f));
    assert_true(b.len < 126);
    uint8_t frame[140] = {0x02, (uint8_t)(0x80 | b.len), 0, 0, 0, 0}; /* FIN clear, mask 0 */
    memcpy(frame + 6, rtm_buf_data(&b), b.len);
    assert_int_equal(write(p->fd, frame, 6 + b.len), (ssize_t)(6 + b.len));
    rtm_buf_free(&b);
    p->sent++;
}

/* LOGIN (resuming with p's secret and rx when resume is true); reads the RESULT into *r and
 * returns whether the session was resumed. */
static bool login_as(peer_t *p, bool resume, rtm_frame_t *r)
{
    rtm_frame_t f;
    p->login_id = 1000 + (uint64_t)(now_ms() % 1000);
    rtm_frame_init(&f, RTM_FRAME_LOGIN, p->login_id);
    rtm_frame_set_uint(&f, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_str(&f, RTM_K_APP_ID, "test");
    rtm_frame_set_str(&f, RTM_K_USER, p->user);
    if (resume) {
        rtm_frame_set_bytes(&f, RTM_K_SESSION, p->secret, sizeof(p->secret));
        rtm_frame_set_uint(&f, RTM_K_RX, p->rx);
    }
    send_to(p, &f);
    expect_next(p, RTM_FRAME_RESULT, r);
    assert_int_equal(r->id, p->login_id);
    assert_int_equal(r->err, RTM_OK);
    assert_true(rtm_frame_has(r, RTM_K_SESSION));
    assert_int_equal(r->session.len, sizeof(p->secret));
    assert_true(rtm_frame_has(r, RTM_K_RESUMED));
    memcpy(p->secret, r->session.ptr, sizeof(p->secret));
    p->epoch = r->epoch;
    p->heartbeat_ms = r->heartbeat_ms;
    p->logged_in = true;
    if (!r->resumed)
        p->rx = p->sent = 0;
    return r->resumed;
}

static void login_new(peer_t *p, int port, const char *user)
{
    rtm_frame_t r;
    peer_connect(p, port, user);
    assert_false(login_as(p, false, &r));
}

/* Opens a new connection and asks to resume; returns whether it did (r: the RESULT). */
static bool reconnect(peer_t *p, rtm_frame_t *r)
{
    peer_drop(p);
    peer_connect(p, p->port, p->user);
    return login_as(p, true, r);
}

static void ping(peer_t *p)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_PING, 0);
    rtm_frame_set_uint(&f, RTM_K_RX, p->rx);
    send_to(p, &f);
}

/* PING, and the very next frame is its PONG: nothing else was queued for p. Returns the
 * server's rx. */
static uint64_t sync_nothing_else(peer_t *p)
{
    rtm_frame_t f;
    ping(p);
    expect_next(p, RTM_FRAME_PONG, &f);
    return f.rx;
}

static uint64_t request_id = 1;

static uint64_t join(peer_t *p, const char *channel, bool with_mid, uint64_t mid)
{
    rtm_frame_t f;
    uint64_t id = request_id++;
    rtm_frame_init(&f, RTM_FRAME_JOIN, id);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, channel);
    if (with_mid)
        rtm_frame_set_uint(&f, RTM_K_MID, mid);
    send_to(p, &f);
    return id;
}

/* JOIN and its RESULT (skipping pushes before it), then the joiner's MEMBER_COUNT. */
static void join_ok(peer_t *p, const char *channel)
{
    rtm_frame_t f;
    uint64_t id = join(p, channel, false, 0);
    await_frame(p, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, id);
    assert_int_equal(f.err, RTM_OK);
    expect_next(p, RTM_FRAME_MEMBER_COUNT, &f);
}

/* Reads p's frames until the coalesced MEMBER_COUNT says n (after another member joined). */
static void await_count(peer_t *p, uint64_t n)
{
    rtm_frame_t f;
    do
        await_frame(p, RTM_FRAME_MEMBER_COUNT, &f);
    while (f.count != n);
}

static void leave_ok(peer_t *p, const char *channel)
{
    rtm_frame_t f;
    uint64_t id = request_id++;
    rtm_frame_init(&f, RTM_FRAME_LEAVE, id);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, channel);
    send_to(p, &f);
    await_frame(p, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, id);
    assert_int_equal(f.err, RTM_OK);
}

static void channel_message(rtm_frame_t *f, uint64_t id, const char *channel, const char *text,
                            uint64_t cmid)
{
    rtm_frame_init(f, RTM_FRAME_SEND_CHANNEL, id);
    rtm_frame_set_str(f, RTM_K_CHANNEL, channel);
    rtm_frame_set_uint(f, RTM_K_MTYPE, RTM_MESSAGE_TYPE_TEXT);
    rtm_frame_set_str(f, RTM_K_TEXT, text);
    if (cmid)
        rtm_frame_set_uint(f, RTM_K_CMID, cmid);
}

/* SEND_CHANNEL and its RESULT (skipping pushes before it); returns the message's mid. */
static uint64_t say(peer_t *p, const char *channel, const char *text)
{
    rtm_frame_t f;
    uint64_t id = request_id++;
    channel_message(&f, id, channel, text, 0);
    send_to(p, &f);
    await_frame(p, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, id);
    assert_int_equal(f.err, RTM_OK);
    return f.mid;
}

static uint64_t send_peer(peer_t *p, const char *to, const char *text, uint64_t flags,
                          uint64_t cmid)
{
    rtm_frame_t f;
    uint64_t id = request_id++;
    rtm_frame_init(&f, RTM_FRAME_SEND_PEER, id);
    rtm_frame_set_str(&f, RTM_K_USER, to);
    rtm_frame_set_uint(&f, RTM_K_MTYPE, RTM_MESSAGE_TYPE_TEXT);
    rtm_frame_set_str(&f, RTM_K_TEXT, text);
    if (flags)
        rtm_frame_set_uint(&f, RTM_K_FLAGS, flags);
    if (cmid)
        rtm_frame_set_uint(&f, RTM_K_CMID, cmid);
    send_to(p, &f);
    return id;
}

static void delivery_ack(peer_t *p, uint64_t mid)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_DELIVERY_ACK, 0);
    rtm_frame_set_uint(&f, RTM_K_MID, mid);
    send_to(p, &f);
}

static void subscribe(peer_t *p, const char *who, uint32_t expected_state)
{
    rtm_frame_t f;
    rtm_bytes_t u = {who, strlen(who)};
    uint64_t id = request_id++;
    rtm_frame_init(&f, RTM_FRAME_SUBSCRIBE, id);
    rtm_frame_set_users(&f, &u, 1);
    send_to(p, &f);
    expect_next(p, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    expect_next(p, RTM_FRAME_PRESENCE, &f);
    assert_int_equal(f.states[0], expected_state);
}

static void expect_presence(peer_t *p, const char *who, uint32_t state)
{
    rtm_frame_t f;
    expect_next(p, RTM_FRAME_PRESENCE, &f);
    assert_int_equal(f.n_users, 1);
    assert_int_equal(f.users[0].len, strlen(who));
    assert_memory_equal(f.users[0].ptr, who, f.users[0].len);
    assert_int_equal(f.states[0], state);
}

static void expect_text(const rtm_frame_t *f, const char *text)
{
    assert_int_equal(f->text.len, strlen(text));
    assert_memory_equal(f->text.ptr, text, f->text.len);
}

static void expect_user(const rtm_frame_t *f, const char *user)
{
    assert_int_equal(f->user.len, strlen(user));
    assert_memory_equal(f->user.ptr, user, f->user.len);
}

/* ---- servers ------------------------------------------------------------------------------ */

static char hb_arg[16], grace_arg[16], rmax_arg[16], rms_arg[16];

static int start_lifecycle_server(void **state)
{
    snprintf(hb_arg, sizeof(hb_arg), "%d", HEARTBEAT_MS);
    snprintf(grace_arg, sizeof(grace_arg), "%d", GRACE_MS);
    snprintf(rmax_arg, sizeof(rmax_arg), "%d", REPLAY_MAX);
    snprintf(rms_arg, sizeof(rms_arg), "%d", REPLAY_MS);
    const char *args[] = {"--heartbeat-timeout-ms",
                          hb_arg,
                          "--session-grace-ms",
                          grace_arg,
                          "--replay-max",
                          rmax_arg,
                          "--replay-window-ms",
                          rms_arg,
                          "--rate-logins", /* the tests log one user in many times a second */
                          "1000",
                          NULL};
    rtmd_start(&server, args);
    return 0;
}

/* ---- heartbeats and counted frames -------------------------------------------------------- */

static void test_login_result_carries_session_epoch_and_heartbeat(void **state)
{
    peer_t a = {.fd = -1}, b = {.fd = -1};
    rtm_frame_t r;
    peer_connect(&a, server.port, "lc-a");
    assert_false(login_as(&a, false, &r));
    assert_false(rtm_frame_has(&r, RTM_K_RX)); /* only a resume says what it received */
    assert_int_equal(a.heartbeat_ms, HEARTBEAT_MS);
    assert_true(a.epoch != 0);
    login_new(&b, server.port, "lc-b");
    assert_int_equal(b.epoch, a.epoch); /* one run of the server, one epoch */
    assert_true(memcmp(a.secret, b.secret, sizeof(a.secret)) != 0);
    peer_free(&a);
    peer_free(&b);
}

static void test_ping_is_answered_by_pong_with_the_servers_rx(void **state)
{
    peer_t a = {.fd = -1};
    rtm_frame_t f;
    /* before login: answered, nothing counted */
    peer_connect(&a, server.port, "lc-ping");
    assert_int_equal(sync_nothing_else(&a), 0);
    assert_false(login_as(&a, false, &f));
    assert_int_equal(sync_nothing_else(&a), 0);
    for (int i = 0; i < 3; i++) {
        rtm_bytes_t u = {"lc-ping", 7};
        rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, request_id++);
        rtm_frame_set_users(&f, &u, 1);
        send_to(&a, &f);
    }
    for (int i = 0; i < 3; i++)
        expect_next(&a, RTM_FRAME_RESULT, &f);
    assert_int_equal(a.rx, 3);
    assert_int_equal(sync_nothing_else(&a), 3); /* PINGs themselves do not count */
    assert_int_equal(sync_nothing_else(&a), 3);
    peer_free(&a);
}

static void test_server_ack_follows_every_128_counted_frames(void **state)
{
    peer_t a = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, server.port, "lc-acks");
    /* 300 requests in one WebSocket message: a SERVER_ACK after the 128th and the 256th */
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    rtm_bytes_t u = {"lc-acks", 7};
    for (uint64_t id = 1; id <= 300; id++) {
        rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, id);
        rtm_frame_set_users(&f, &u, 1);
        assert_true(rtm_frame_encode(&b, &f));
    }
    ws_send(a.fd, 2, rtm_buf_data(&b), b.len);
    rtm_buf_free(&b);
    a.sent += 300;
    for (uint64_t id = 1; id <= 300; id++) {
        expect_next(&a, RTM_FRAME_RESULT, &f);
        assert_int_equal(f.id, id);
        if (id == 128 || id == 256) {
            expect_next(&a, RTM_FRAME_SERVER_ACK, &f);
            assert_int_equal(f.rx, id);
        }
    }
    assert_int_equal(sync_nothing_else(&a), 300);
    peer_free(&a);
}

static void test_a_silent_connection_is_dropped_after_the_heartbeat_timeout(void **state)
{
    rtmd_t own;
    const char *args[] = {"--heartbeat-timeout-ms", "600", "--session-grace-ms", "5000", NULL};
    rtmd_start(&own, args);
    peer_t a = {.fd = -1}, c = {.fd = -1};
    rtm_frame_t f;
    login_new(&c, own.port, "hb-watcher");
    subscribe(&c, "hb-silent", RTM_PEER_ONLINE_STATE_OFFLINE);
    int64_t before_login = now_ms();
    login_new(&a, own.port, "hb-silent");
    expect_presence(&c, "hb-silent", RTM_PEER_ONLINE_STATE_ONLINE);
    /* a says nothing more; the watcher keeps itself alive */
    struct pollfd pfd = {.fd = a.fd, .events = POLLIN};
    while (!a.closed && now_ms() - before_login < WAIT_MS) {
        ping(&c);
        if (poll(&pfd, 1, 100) == 1)
            assert_false(next_frame(&a, &f, WAIT_MS)); /* nothing but the close comes */
    }
    int64_t silent_for = now_ms() - before_login;
    assert_true(a.closed);
    assert_true(silent_for >= 600);
    /* its session is held: the watcher is told UNREACHABLE, and a resume works */
    await_frame(&c, RTM_FRAME_PRESENCE, &f);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_UNREACHABLE);
    assert_true(reconnect(&a, &f));
    await_frame(&c, RTM_FRAME_PRESENCE, &f);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_ONLINE);

    /* a connection that never logs in goes the same way */
    peer_t p = {.fd = -1};
    int64_t before_connect = now_ms();
    peer_connect(&p, own.port, "hb-nobody");
    while (!p.closed && now_ms() - before_connect < WAIT_MS) {
        ping(&a);
        ping(&c);
        pfd.fd = p.fd;
        if (poll(&pfd, 1, 100) == 1)
            assert_false(next_frame(&p, &f, WAIT_MS));
    }
    assert_true(p.closed);
    assert_true(now_ms() - before_connect >= 600);
    peer_free(&p);
    peer_free(&a);
    peer_free(&c);
    assert_int_equal(rtmd_stop(&own), 0);
}

static void test_a_paused_reader_that_keeps_pinging_keeps_its_session(void **state)
{
    enum { N = 100, SIZE = 30000 };
    rtmd_t own;
    const char *args[] = {"--heartbeat-timeout-ms", "600", NULL};
    rtmd_start(&own, args);
    peer_t a = {.fd = -1}, b = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, own.port, "pause-reader");
    login_new(&b, own.port, "pause-writer");
    join_ok(&a, "paused");
    join_ok(&b, "paused");
    /* a stops reading for 3 MB and 2 s (over three heartbeat timeouts); it only writes PINGs,
       and it never answers a WebSocket ping either */
    char *text = malloc(SIZE + 1);
    memset(text, 'x', SIZE);
    text[SIZE] = '\0';
    int64_t start = now_ms();
    for (int i = 0; i < N || now_ms() - start < 2000; i++) {
        if (i < N) {
            char head[16];
            snprintf(head, sizeof(head), "%03d", i);
            memcpy(text, head, 3);
            channel_message(&f, request_id++, "paused", text, 0);
            send_to(&b, &f);
        }
        if (i % 5 == 0)
            ping(&a);
        usleep(20000);
    }
    free(text);
    /* all of it comes, in order, on the same connection */
    for (int i = 0; i < N; i++) {
        await_frame(&a, RTM_FRAME_CHANNEL_MESSAGE, &f);
        char head[16];
        snprintf(head, sizeof(head), "%03d", i);
        assert_int_equal(f.text.len, SIZE);
        assert_memory_equal(f.text.ptr, head, 3);
    }
    rtm_bytes_t u = {"pause-writer", 12};
    rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, 9999);
    rtm_frame_set_users(&f, &u, 1);
    send_to(&a, &f);
    await_frame(&a, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 9999);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_ONLINE);
    assert_false(a.closed);
    peer_free(&a);
    peer_free(&b);
    assert_int_equal(rtmd_stop(&own), 0);
}

/* ---- resume ------------------------------------------------------------------------------- */

static void test_resume_within_grace_resends_what_was_lost_both_ways(void **state)
{
    peer_t a = {.fd = -1}, b = {.fd = -1}, c = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, server.port, "rs-a");
    login_new(&b, server.port, "rs-b");
    login_new(&c, server.port, "rs-watch");
    subscribe(&c, "rs-a", RTM_PEER_ONLINE_STATE_ONLINE);
    join_ok(&a, "rs-room");
    join_ok(&b, "rs-room");
    await_frame(&a, RTM_FRAME_MEMBER_JOINED, &f);
    await_count(&a, 2);
    sync_nothing_else(&a);
    sync_nothing_else(&b);

    /* What a will not read before its connection drops: a channel message and a peer
       message (whose sender waits for a's acknowledgement). */
    say(&b, "rs-room", "m1");
    uint64_t p1 = send_peer(&b, "rs-a", "p1", 0, 0);
    sync_nothing_else(&b); /* p1 is queued for a before a1 is sent */
    uint64_t rx_before = a.rx;
    /* a says a1 (served), then a2 in a message that never ends (lost), and drops */
    channel_message(&f, 10, "rs-room", "a1", 0);
    send_to(&a, &f);
    await_frame(&b, RTM_FRAME_CHANNEL_MESSAGE, &f);
    expect_text(&f, "a1");
    channel_message(&f, 11, "rs-room", "a2", 0);
    send_unfinished(&a, &f);
    peer_drop(&a);
    expect_presence(&c, "rs-a", RTM_PEER_ONLINE_STATE_UNREACHABLE);
    say(&b, "rs-room", "m2"); /* while a's session is held */
    sync_nothing_else(&b);    /* no MEMBER_LEFT, no answer for p1 yet */

    assert_true(reconnect(&a, &f));
    assert_int_equal(f.rx, a.sent - 1); /* the server served everything but a2 */
    assert_int_equal(a.rx, rx_before);
    /* every counted frame after a's rx comes again, in the original order */
    expect_next(&a, RTM_FRAME_CHANNEL_MESSAGE, &f);
    expect_text(&f, "m1");
    expect_next(&a, RTM_FRAME_PEER_MESSAGE, &f);
    expect_text(&f, "p1");
    uint64_t p1_mid = f.mid;
    expect_next(&a, RTM_FRAME_RESULT, &f); /* a1's result, written before the drop */
    assert_int_equal(f.id, 10);
    expect_next(&a, RTM_FRAME_CHANNEL_MESSAGE, &f);
    expect_text(&f, "m2");
    assert_int_equal(sync_nothing_else(&a), a.sent - 1);
    /* a sends again what the server did not get (a2), then acknowledges p1 */
    channel_message(&f, 11, "rs-room", "a2", 0);
    send_frame(a.fd, &f); /* counted already */
    delivery_ack(&a, p1_mid);
    expect_next(&a, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 11);
    assert_int_equal(sync_nothing_else(&a), a.sent); /* a2 was served once */

    expect_next(&b, RTM_FRAME_CHANNEL_MESSAGE, &f);
    expect_text(&f, "a2");
    expect_next(&b, RTM_FRAME_RESULT, &f); /* p1 delivered: OK, not PEER_UNREACHABLE */
    assert_int_equal(f.id, p1);
    assert_int_equal(f.err, RTM_OK);
    sync_nothing_else(&b); /* a1 and a2 once each, no member event */
    /* subscribers told UNREACHABLE hear ONLINE again */
    expect_presence(&c, "rs-a", RTM_PEER_ONLINE_STATE_ONLINE);
    sync_nothing_else(&c);
    peer_free(&a);
    peer_free(&b);
    peer_free(&c);
}

static void test_a_resume_before_the_drop_is_noticed_is_seen_by_nobody(void **state)
{
    peer_t a = {.fd = -1}, b = {.fd = -1}, c = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, server.port, "rq-a");
    login_new(&b, server.port, "rq-b");
    login_new(&c, server.port, "rq-watch");
    subscribe(&c, "rq-a", RTM_PEER_ONLINE_STATE_ONLINE);
    join_ok(&b, "rq-room");
    join_ok(&a, "rq-room");
    await_frame(&b, RTM_FRAME_MEMBER_JOINED, &f);
    await_count(&b, 2);
    sync_nothing_else(&a);

    /* a's client gives up on a connection that still works for the server */
    int old_fd = a.fd;
    a.fd = -1;
    peer_connect(&a, server.port, "rq-a");
    assert_true(login_as(&a, true, &f));
    uint8_t junk[64];
    assert_true(ws_recv(old_fd, junk, sizeof(junk), WAIT_MS) < 0); /* the old one is cut */
    close(old_fd);
    sync_nothing_else(&b);
    sync_nothing_else(&c);
    /* the session goes on: still a member */
    say(&a, "rq-room", "still here");
    expect_next(&b, RTM_FRAME_CHANNEL_MESSAGE, &f);
    expect_text(&f, "still here");
    peer_free(&a);
    peer_free(&b);
    peer_free(&c);
}

static void test_a_held_session_ends_at_grace_end_like_a_closed_connection(void **state)
{
    peer_t a = {.fd = -1}, b = {.fd = -1}, c = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, server.port, "rg-a");
    login_new(&b, server.port, "rg-b");
    login_new(&c, server.port, "rg-watch");
    subscribe(&c, "rg-a", RTM_PEER_ONLINE_STATE_ONLINE);
    join_ok(&b, "rg-room");
    join_ok(&a, "rg-room");
    await_count(&b, 2);
    /* a invited b, and b's client has it */
    rtm_frame_init(&f, RTM_FRAME_INVITE, request_id++);
    rtm_frame_set_str(&f, RTM_K_USER, "rg-b");
    rtm_frame_set_uint(&f, RTM_K_IID, 5);
    send_to(&a, &f);
    await_frame(&b, RTM_FRAME_INVITE_RECEIVED, &f);
    rtm_frame_init(&f, RTM_FRAME_INVITE_ACK, 0);
    rtm_frame_set_str(&f, RTM_K_USER, "rg-a");
    rtm_frame_set_uint(&f, RTM_K_IID, 5);
    send_to(&b, &f);
    await_frame(&a, RTM_FRAME_INVITE_UPDATE, &f);
    assert_int_equal(f.kind, RTM_INVITE_RECEIVED_BY_PEER);
    sync_nothing_else(&b);

    int64_t dropped = now_ms();
    peer_drop(&a);
    /* at once: UNREACHABLE to subscribers, nothing to members */
    expect_presence(&c, "rg-a", RTM_PEER_ONLINE_STATE_UNREACHABLE);
    uint64_t to_held = send_peer(&b, "rg-a", "are you there?", 0, 0);
    sync_nothing_else(&b);
    /* meanwhile a is UNREACHABLE to queries and to new subscribers */
    rtm_bytes_t who = {"rg-a", 4};
    rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, 88);
    rtm_frame_set_users(&f, &who, 1);
    send_to(&b, &f);
    expect_next(&b, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, 88);
    assert_int_equal(f.states[0], RTM_PEER_ONLINE_STATE_UNREACHABLE);
    peer_t d = {.fd = -1};
    login_new(&d, server.port, "rg-late-watch");
    subscribe(&d, "rg-a", RTM_PEER_ONLINE_STATE_UNREACHABLE);
    /* at grace end: what a closed connection did */
    expect_presence(&c, "rg-a", RTM_PEER_ONLINE_STATE_OFFLINE);
    assert_true(now_ms() - dropped >= GRACE_MS);
    bool left = false, failed = false, unreachable = false;
    while (!(left && failed && unreachable)) {
        if (!next_frame(&b, &f, WAIT_MS))
            fail_msg("rg-b: the end of a's session was not told (left %d, failed %d, sender %d)",
                     left, failed, unreachable);
        if (f.type == RTM_FRAME_MEMBER_LEFT) {
            expect_user(&f, "rg-a");
            left = true;
        } else if (f.type == RTM_FRAME_INVITE_UPDATE) {
            assert_int_equal(f.iid, 5);
            assert_int_equal(f.kind, RTM_INVITE_CALLEE_FAILED);
            assert_int_equal(f.err, RTM_ERR_PEER_OFFLINE);
            failed = true;
        } else if (f.type == RTM_FRAME_RESULT) {
            assert_int_equal(f.id, to_held);
            assert_int_equal(f.err, RTM_ERR_PEER_UNREACHABLE);
            unreachable = true;
        } else {
            assert_int_equal(f.type, RTM_FRAME_MEMBER_COUNT);
        }
    }
    sync_nothing_else(&c);
    expect_presence(&d, "rg-a", RTM_PEER_ONLINE_STATE_OFFLINE);
    peer_free(&a);
    peer_free(&b);
    peer_free(&c);
    peer_free(&d);
}

static void test_a_held_session_past_the_queue_limit_ends_without_waiting(void **state)
{
    enum { N = 300, SIZE = 30000 }; /* 9 MB: past the 8 MiB a session may have queued */
    rtmd_t own;
    const char *args[] = {"--session-grace-ms", "600000", NULL};
    rtmd_start(&own, args);
    peer_t a = {.fd = -1}, b = {.fd = -1}, c = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, own.port, "sc-a");
    login_new(&b, own.port, "sc-b");
    login_new(&c, own.port, "sc-watch");
    subscribe(&c, "sc-a", RTM_PEER_ONLINE_STATE_ONLINE);
    join_ok(&a, "sc-room");
    join_ok(&b, "sc-room");
    peer_drop(&a);
    expect_presence(&c, "sc-a", RTM_PEER_ONLINE_STATE_UNREACHABLE);
    char *text = malloc(SIZE + 1);
    memset(text, 'z', SIZE);
    text[SIZE] = '\0';
    for (int i = 0; i < N; i++) {
        channel_message(&f, request_id++, "sc-room", text, 0);
        send_to(&b, &f);
    }
    free(text);
    /* long before its ten minutes of grace are over */
    await_frame(&b, RTM_FRAME_MEMBER_LEFT, &f);
    expect_user(&f, "sc-a");
    expect_presence(&c, "sc-a", RTM_PEER_ONLINE_STATE_OFFLINE);
    assert_false(reconnect(&a, &f));
    peer_free(&a);
    peer_free(&b);
    peer_free(&c);
    assert_int_equal(rtmd_stop(&own), 0);
}

static void test_resume_after_grace_starts_a_new_session(void **state)
{
    peer_t a = {.fd = -1}, c = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, server.port, "rl-a");
    login_new(&c, server.port, "rl-watch");
    subscribe(&c, "rl-a", RTM_PEER_ONLINE_STATE_ONLINE);
    join_ok(&a, "rl-room");
    uint8_t old_secret[16];
    memcpy(old_secret, a.secret, sizeof(old_secret));
    peer_drop(&a);
    expect_presence(&c, "rl-a", RTM_PEER_ONLINE_STATE_UNREACHABLE);
    expect_presence(&c, "rl-a", RTM_PEER_ONLINE_STATE_OFFLINE); /* the grace period is over */
    assert_false(reconnect(&a, &f));
    assert_false(rtm_frame_has(&f, RTM_K_RX));
    assert_true(memcmp(a.secret, old_secret, sizeof(old_secret)) != 0);
    expect_presence(&c, "rl-a", RTM_PEER_ONLINE_STATE_ONLINE);
    /* nothing of the old session is left */
    rtm_frame_init(&f, RTM_FRAME_GET_MEMBERS, 77);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "rl-room");
    send_to(&a, &f);
    expect_next(&a, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_ERR_NOT_IN_CHANNEL);
    peer_free(&a);
    peer_free(&c);
}

static void test_a_wrong_secret_or_stale_rx_starts_a_new_session_and_ends_the_held_one(void **state)
{
    peer_t a = {.fd = -1}, b = {.fd = -1}, c = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, server.port, "rw-a");
    login_new(&b, server.port, "rw-b");
    login_new(&c, server.port, "rw-watch");
    subscribe(&c, "rw-a", RTM_PEER_ONLINE_STATE_ONLINE);
    join_ok(&b, "rw-room");
    join_ok(&a, "rw-room");
    await_count(&b, 2);
    sync_nothing_else(&b);

    /* a wrong secret: a new session; the held one ends as after a remote login */
    peer_drop(&a);
    expect_presence(&c, "rw-a", RTM_PEER_ONLINE_STATE_UNREACHABLE);
    a.secret[0] ^= 0xff;
    assert_false(reconnect(&a, &f));
    expect_presence(&c, "rw-a", RTM_PEER_ONLINE_STATE_ONLINE); /* never OFFLINE */
    sync_nothing_else(&c);
    await_frame(&b, RTM_FRAME_MEMBER_LEFT, &f);
    expect_user(&f, "rw-a");

    /* rx older than what a acknowledged: the frames in between are gone, no resume */
    rtm_bytes_t u = {"rw-a", 4};
    for (int i = 0; i < 2; i++) {
        rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, request_id++);
        rtm_frame_set_users(&f, &u, 1);
        send_to(&a, &f);
        expect_next(&a, RTM_FRAME_RESULT, &f);
    }
    rtm_frame_init(&f, RTM_FRAME_ACK, 0);
    rtm_frame_set_uint(&f, RTM_K_RX, a.rx);
    send_to(&a, &f);
    sync_nothing_else(&a);
    peer_drop(&a);
    expect_presence(&c, "rw-a", RTM_PEER_ONLINE_STATE_UNREACHABLE);
    a.rx--;
    assert_false(reconnect(&a, &f));
    expect_presence(&c, "rw-a", RTM_PEER_ONLINE_STATE_ONLINE);
    /* and rx beyond what the session sent */
    peer_drop(&a);
    expect_presence(&c, "rw-a", RTM_PEER_ONLINE_STATE_UNREACHABLE);
    a.rx += 5;
    assert_false(reconnect(&a, &f));
    expect_presence(&c, "rw-a", RTM_PEER_ONLINE_STATE_ONLINE);
    sync_nothing_else(&c);
    peer_free(&a);
    peer_free(&b);
    peer_free(&c);
}

/* ---- replay ------------------------------------------------------------------------------- */

/* JOIN {channel, mid}: RESULT, MEMBER_COUNT, then exactly the replayed texts in order. */
static void rejoin_expecting(peer_t *p, const char *channel, uint64_t mid, const char *const *texts)
{
    rtm_frame_t f;
    uint64_t id = join(p, channel, true, mid);
    expect_next(p, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.id, id);
    assert_int_equal(f.err, RTM_OK);
    expect_next(p, RTM_FRAME_MEMBER_COUNT, &f);
    uint64_t last = mid;
    for (int i = 0; texts[i]; i++) {
        expect_next(p, RTM_FRAME_CHANNEL_MESSAGE, &f);
        expect_text(&f, texts[i]);
        assert_true(f.mid > last);
        last = f.mid;
    }
    ping(p);
    do /* nothing else replayed (a coalesced count may come) */
        if (!next_frame(p, &f, WAIT_MS) ||
            (f.type != RTM_FRAME_PONG && f.type != RTM_FRAME_MEMBER_COUNT))
            fail_msg("%s: more than the replay came (%s)", p->user, rtm_frame_type_name(f.type));
    while (f.type != RTM_FRAME_PONG);
}

static void test_join_with_mid_replays_what_others_said_recently(void **state)
{
    peer_t a = {.fd = -1}, b = {.fd = -1}, c = {.fd = -1};
    login_new(&a, server.port, "rp-a");
    login_new(&b, server.port, "rp-b");
    login_new(&c, server.port, "rp-c");
    join_ok(&a, "rp-room");
    join_ok(&b, "rp-room");
    int64_t first = now_ms();
    say(&a, "rp-room", "a1");
    say(&b, "rp-room", "b1");
    say(&a, "rp-room", "a2");
    uint64_t b2 = say(&b, "rp-room", "b2");
    say(&b, "rp-room", "b3");
    /* kept: the last 4 (a1 is out); a's own are not replayed to a */
    leave_ok(&a, "rp-room");
    rejoin_expecting(&a, "rp-room", 0, (const char *const[]){"b1", "b2", "b3", NULL});
    leave_ok(&a, "rp-room");
    rejoin_expecting(&a, "rp-room", b2, (const char *const[]){"b3", NULL});
    /* someone who never was a member gets a2 too */
    rejoin_expecting(&c, "rp-room", 0, (const char *const[]){"b1", "a2", "b2", "b3", NULL});
    /* a JOIN without mid replays nothing */
    leave_ok(&a, "rp-room");
    join(&a, "rp-room", false, 0);
    rtm_frame_t f;
    expect_next(&a, RTM_FRAME_RESULT, &f);
    expect_next(&a, RTM_FRAME_MEMBER_COUNT, &f);
    sync_nothing_else(&a);
    /* past the window nothing is replayed */
    int64_t wait = first + REPLAY_MS + 100 - now_ms();
    if (wait > 0)
        usleep((useconds_t)wait * 1000);
    leave_ok(&a, "rp-room");
    rejoin_expecting(&a, "rp-room", 0, (const char *const[]){NULL});
    peer_free(&a);
    peer_free(&b);
    peer_free(&c);
}

/* ---- cmid --------------------------------------------------------------------------------- */

static void test_cmid_is_passed_on_and_an_offline_resend_is_stored_once(void **state)
{
    peer_t a = {.fd = -1}, b = {.fd = -1}, d = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, server.port, "cm-a");
    login_new(&b, server.port, "cm-b");
    join_ok(&b, "cm-room");
    send_peer(&a, "cm-b", "to b", 0, 77);
    expect_next(&b, RTM_FRAME_PEER_MESSAGE, &f);
    assert_int_equal(f.cmid, 77);
    delivery_ack(&b, f.mid);
    await_frame(&a, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_OK);
    channel_message(&f, request_id++, "cm-room", "to the room", 78);
    send_to(&a, &f);
    expect_next(&b, RTM_FRAME_CHANNEL_MESSAGE, &f);
    assert_int_equal(f.cmid, 78);
    await_frame(&a, RTM_FRAME_RESULT, &f);
    /* without cmid, none is passed on; 0 is refused */
    send_peer(&a, "cm-b", "plain", 0, 0);
    expect_next(&b, RTM_FRAME_PEER_MESSAGE, &f);
    assert_false(rtm_frame_has(&f, RTM_K_CMID));
    delivery_ack(&b, f.mid);
    await_frame(&a, RTM_FRAME_RESULT, &f);
    rtm_frame_init(&f, RTM_FRAME_SEND_PEER, request_id++);
    rtm_frame_set_str(&f, RTM_K_USER, "cm-b");
    rtm_frame_set_uint(&f, RTM_K_MTYPE, RTM_MESSAGE_TYPE_TEXT);
    rtm_frame_set_str(&f, RTM_K_TEXT, "zero");
    rtm_frame_set_uint(&f, RTM_K_CMID, 0);
    send_to(&a, &f);
    expect_next(&a, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_ERR_INVALID_ARGUMENT);

    /* offline: the same message sent again is stored once and answered the same */
    send_peer(&a, "cm-later", "stored", RTM_SEND_OFFLINE, 79);
    expect_next(&a, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_ERR_CACHED_BY_SERVER);
    uint64_t mid = f.mid;
    int64_t ts = f.ts;
    send_peer(&a, "cm-later", "stored", RTM_SEND_OFFLINE, 79);
    expect_next(&a, RTM_FRAME_RESULT, &f);
    assert_int_equal(f.err, RTM_ERR_CACHED_BY_SERVER);
    assert_int_equal(f.mid, mid);
    assert_int_equal(f.ts, ts);
    send_peer(&a, "cm-later", "another", RTM_SEND_OFFLINE, 80);
    expect_next(&a, RTM_FRAME_RESULT, &f);
    assert_true(f.mid > mid);
    login_new(&d, server.port, "cm-later");
    expect_next(&d, RTM_FRAME_PEER_MESSAGE, &f);
    assert_int_equal(f.mid, mid);
    assert_int_equal(f.cmid, 79);
    assert_true(f.offline);
    expect_next(&d, RTM_FRAME_PEER_MESSAGE, &f);
    assert_int_equal(f.cmid, 80);
    sync_nothing_else(&d);
    peer_free(&a);
    peer_free(&b);
    peer_free(&d);
}

/* ---- drain -------------------------------------------------------------------------------- */

/* Whether a WebSocket upgrade to port succeeds (without failing the test when it does not). */
static bool upgrade_works(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = false;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        const char req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: rtm.1\r\n\r\n";
        char resp[256] = "";
        if (write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1) &&
            read_exact(fd, (uint8_t *)resp, 12, 2000) > 0)
            ok = strstr(resp, " 101") != NULL;
    }
    close(fd);
    return ok;
}

static void test_sigterm_drains_with_goaway_and_exits_0_within_the_drain_timeout(void **state)
{
    enum { N = 100, SIZE = 30000, DRAIN_MS = 1500 };
    rtmd_t own;
    const char *args[] = {"--drain-timeout-ms", "1500", NULL};
    rtmd_start(&own, args);
    peer_t a = {.fd = -1}, r = {.fd = -1}, stuck = {.fd = -1}, fresh = {.fd = -1};
    rtm_frame_t f;
    login_new(&a, own.port, "dr-sender");
    login_new(&r, own.port, "dr-reader");
    login_new(&stuck, own.port, "dr-stuck");
    peer_connect(&fresh, own.port, "dr-fresh"); /* connected, never logs in */
    join_ok(&r, "dr-room");
    join_ok(&stuck, "dr-room");
    /* 3 MB for each member; stuck never reads again */
    char *text = malloc(SIZE + 1);
    memset(text, 'y', SIZE);
    text[SIZE] = '\0';
    for (int i = 0; i < N; i++) {
        channel_message(&f, request_id++, "dr-room", text, 0);
        send_to(&a, &f);
    }
    free(text);
    for (int i = 0; i < N; i++)
        await_frame(&a, RTM_FRAME_RESULT, &f);

    int64_t t0 = now_ms();
    kill(own.pid, SIGTERM);
    /* the reader gets everything queued, then GOAWAY, then the close (going away) */
    int got = 0;
    for (;;) {
        if (!next_frame(&r, &f, WAIT_MS))
            fail_msg("dr-reader: no GOAWAY after %d messages", got);
        if (f.type == RTM_FRAME_GOAWAY)
            break;
        if (f.type == RTM_FRAME_CHANNEL_MESSAGE)
            got++;
    }
    assert_int_equal(got, N);
    assert_false(next_frame(&r, &f, WAIT_MS));
    assert_true(r.closed);
    assert_int_equal(r.close_code, 1001);
    expect_next(&fresh, RTM_FRAME_GOAWAY, &f);
    assert_false(next_frame(&fresh, &f, WAIT_MS));
    assert_int_equal(fresh.close_code, 1001);
    /* nothing new is accepted */
    assert_false(upgrade_works(own.port));
    /* a client that does not read does not hold the exit up past the drain timeout (plus
       room for a slow machine or valgrind) */
    assert_int_equal(rtmd_wait(&own, DRAIN_MS + 8000), 0);
    int64_t took = now_ms() - t0;
    assert_true(took < DRAIN_MS + 8000);
    peer_free(&a);
    peer_free(&r);
    peer_free(&stuck);
    peer_free(&fresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_result_carries_session_epoch_and_heartbeat),
        cmocka_unit_test(test_ping_is_answered_by_pong_with_the_servers_rx),
        cmocka_unit_test(test_server_ack_follows_every_128_counted_frames),
        cmocka_unit_test(test_a_silent_connection_is_dropped_after_the_heartbeat_timeout),
        cmocka_unit_test(test_a_paused_reader_that_keeps_pinging_keeps_its_session),
        cmocka_unit_test(test_resume_within_grace_resends_what_was_lost_both_ways),
        cmocka_unit_test(test_a_resume_before_the_drop_is_noticed_is_seen_by_nobody),
        cmocka_unit_test(test_a_held_session_ends_at_grace_end_like_a_closed_connection),
        cmocka_unit_test(test_a_held_session_past_the_queue_limit_ends_without_waiting),
        cmocka_unit_test(test_resume_after_grace_starts_a_new_session),
        cmocka_unit_test(
            test_a_wrong_secret_or_stale_rx_starts_a_new_session_and_ends_the_held_one),
        cmocka_unit_test(test_join_with_mid_replays_what_others_said_recently),
        cmocka_unit_test(test_cmid_is_passed_on_and_an_offline_resend_is_stored_once),
        cmocka_unit_test(test_sigterm_drains_with_goaway_and_exits_0_within_the_drain_timeout),
    };
    return cmocka_run_group_tests(tests, start_lifecycle_server, stop_server);
}
