/* The shared I/O thread (see io_thread.h): owns a libuv loop and every connection of every
 * client: TCP through libuv, TLS through OpenSSL over memory BIOs, and the WebSocket client of
 * ws.c. Runs only on its own thread, except io_attach / io_kick / io_detach, which touch
 * nothing of the loop but uv_async_send(), and the direct writes of io_kick (below).
 * Lock order: rtm_inv_lock, a channel handle's lock, then G.lock (io_kick), then a client's
 * lock; nobody calls io_kick while holding a client's lock, and nothing takes rtm_inv_lock or
 * a client's lock while holding G.lock.
 *
 * Direct writes: an application thread that queued frames for an established plain (ws://)
 * connection writes them to the socket itself in io_kick (saving the hand-off to this thread),
 * when the connection has nothing else in flight and the server sent something since the last
 * direct write (one per round trip: a stream of sends is left to this thread, which packs it). A
 * connection's wlock serialises every write to its socket; the frames are taken from the client and
 * written under it, so they go out whole and in the order the send queue numbered them. Application
 * threads only ever trylock G.dlock and wlock (under G.lock, while the client's io_direct names the
 * connection); the I/O thread takes wlock (then the client's lock, in client_io_take_output), and
 * before it closes the socket or lets the client go it clears io_direct under G.lock and then waits
 * for wlock (direct_disable). */
#include "io_thread.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "clock.h"
#include "dlist.h"
#include "event.h"
#include "ws.h"

#define TICK_MS         50
#define WRITE_BATCH_MAX 16384 /* bytes packed into one WebSocket message */
#define WRITE_ROUNDS    8     /* batches written in one go before other connections' turn */
#define STOP_FLUSH_MS   500   /* how long the last client's farewell may take */
#define CLOSE_WAIT_MS   2000  /* after our CLOSE: how long the server may take to answer */
#define READ_BUF        65536 /* the one read buffer of the thread */
#define REPLY_HEAD_MAX  8192  /* the longest HTTP reply to the upgrade we read */
/* How long acks alone may wait for a request or answer to carry them (client.c, outq_urgent):
 * an application that answers what it received writes its answer and the ack in one message,
 * and the sender gets its result together with that answer. */
#define RTM_ACK_DELAY_MS 1

typedef enum conn_phase {
    PH_RESOLVING,  /* looking the host name up */
    PH_CONNECTING, /* TCP connect */
    PH_TLS,        /* TLS handshake */
    PH_UPGRADING,  /* upgrade sent, reading the reply */
    PH_OPEN,       /* WebSocket established */
    PH_CLOSING     /* our CLOSE sent: waiting for the server's, or EOF */
} conn_phase_t;

/* What a connection needs only until it is established; freed then. */
typedef struct conn_setup {
    rtm_url_t url;
    char key[WS_KEY_LEN + 1];
    rtm_buf_t head;           /* the HTTP reply so far */
    struct addrinfo *ai;      /* the host's addresses (NULL for a numeric host) */
    struct addrinfo *ai_next; /* the next one to try */
    struct sockaddr_storage numeric;
} conn_setup_t;

typedef struct conn_tls {
    SSL *ssl;
    BIO *in, *out;     /* memory BIOs: bytes from and to the socket */
    bool verify_peer;  /* whether the certificate counts */
    bool own_ca;       /* verified against tls.ca_file, not the system store */
    char problem[200]; /* why the certificate was refused; "" while it was not */
} conn_tls_t;

/* One WebSocket connection. */
typedef struct rtm_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;     /* heartbeat while open; the close wait while closing */
    rtm_client_t *client; /* NULL once the client let go of it */
    uint64_t gen;         /* the client's connection generation at connect */
    conn_phase_t phase;
    int handles;        /* libuv handles and requests not yet closed or called back */
    bool tcp_live;      /* tcp initialised and not closing */
    bool retry_next;    /* tcp is closing to try the host's next address */
    bool reading;       /* uv_read_start in force */
    bool lost, dead;    /* the client was told / torn down, waiting for the handles */
    bool want_write;    /* output waits for the writes in flight */
    unsigned writes;    /* uv_write requests in flight */
    int64_t last_rx_ms; /* when anything last arrived */
    conn_setup_t *setup;
    conn_tls_t *tls;
    ws_rx_t rx;
    rtm_buf_t held;               /* bytes read but not parsed: reading is paused */
    rtm_buf_t farewell;           /* frames to write before closing an orphaned connection */
    struct rtm_conn *prev, *next; /* every connection of the thread */
    /* direct writes (see the top of this file) */
    pthread_mutex_t wlock; /* the socket's writes, writes, want_write, pend, direct_ok */
    bool wlock_held;       /* I/O thread: it holds wlock */
    bool direct_reg;       /* I/O thread: named by direct_client->io_direct */
    rtm_client_t *direct_client;
    int fd;                   /* the socket, for direct writes */
    bool direct_ok;           /* (wlock) application threads may write now */
    rtm_buf_t pend;           /* (wlock) the rest of a direct write the socket did not take */
    atomic_int direct_errno;  /* a direct write failed with this */
    atomic_bool direct_left;  /* a direct write left pend or direct_errno for the I/O thread */
    atomic_bool direct_armed; /* the server sent something since the last direct write */
    /* acks waiting (at most RTM_ACK_DELAY_MS) for other frames to go with them: G.lazy_head */
    struct rtm_conn *lazy_prev, *lazy_next;
    bool lazy_linked; /* in that list */
} rtm_conn_t;

/* One client TLS context per distinct tls.ca_file (and one for the system store). */
typedef struct ssl_ctx_entry {
    struct ssl_ctx_entry *next;
    SSL_CTX *ctx;
    char path[]; /* "" for the system store */
} ssl_ctx_entry_t;

typedef struct write_req {
    uv_write_t req;
    rtm_conn_t *conn;
    uint8_t data[];
} write_req_t;

static struct io {
    pthread_mutex_t life; /* serialises start and stop */
    pthread_mutex_t lock; /* everything below but the I/O-thread-only fields */
    pthread_cond_t cond;
    pthread_t thread;
    uv_loop_t loop;
    uv_async_t async;      /* io_kick's wake-up */
    pthread_mutex_t dlock; /* direct writes: dbuf and drng (application threads, trylock) */
    ws_rng_t drng;
    uint8_t dbuf[WS_MAX_HEADER + RTM_WIRE_MAX_MESSAGE];
    bool async_live; /* async may be sent */
    int refs;
    bool started, start_failed, stop;
    rtm_client_t *dirty_head, *dirty_tail;
    rtm_client_t *clients;
    /* I/O thread only */
    uv_timer_t tick_timer;
    int64_t tick_now_ms;               /* set while a tick drains the dirty list */
    rtm_conn_t *lazy_head, *lazy_tail; /* connections with only acks queued: lazy_timer */
    uv_timer_t lazy_timer;
    int nconns;
    rtm_conn_t *conns, *conns_tail;
    bool stopping, stopped;
    int64_t stop_deadline_ms;
    ssl_ctx_entry_t *ssl_ctxs;
    ws_rng_t rng;
    uint8_t rbuf[READ_BUF];  /* what the socket gave (ciphertext for wss://) */
    uint8_t plain[READ_BUF]; /* wss://: what TLS decrypted from it */
    uint8_t tls_out[READ_BUF];
    uint8_t wbuf[WS_MAX_HEADER + RTM_WIRE_MAX_MESSAGE];
} G = {.life = PTHREAD_MUTEX_INITIALIZER,
       .lock = PTHREAD_MUTEX_INITIALIZER,
       .dlock = PTHREAD_MUTEX_INITIALIZER,
       .cond = PTHREAD_COND_INITIALIZER};

static void service_client(rtm_client_t *c);
static void do_write(rtm_conn_t *conn);
static void teardown(rtm_conn_t *conn);
static void maybe_stop(void);
static void try_connect(rtm_conn_t *conn);

/* ---- dirty list ---------------------------------------------------------------------- */

/* G.lock held. Returns true when the list was empty (the thread needs a wake-up). */
static bool mark_dirty_locked(rtm_client_t *c)
{
    if (c->io_dirty)
        return false;
    c->io_dirty = true;
    c->io_next_dirty = NULL;
    bool was_empty = !G.dirty_head;
    if (G.dirty_tail)
        G.dirty_tail->io_next_dirty = c;
    else
        G.dirty_head = c;
    G.dirty_tail = c;
    return was_empty;
}

/* G.lock held. Takes c off the dirty list if it is on it. */
static void unmark_dirty_locked(rtm_client_t *c)
{
    if (!c->io_dirty)
        return;
    rtm_client_t *prev = NULL;
    for (rtm_client_t *p = G.dirty_head; p; prev = p, p = p->io_next_dirty) {
        if (p != c)
            continue;
        if (prev)
            prev->io_next_dirty = c->io_next_dirty;
        else
            G.dirty_head = c->io_next_dirty;
        if (G.dirty_tail == c)
            G.dirty_tail = prev;
        break;
    }
    c->io_dirty = false;
    c->io_next_dirty = NULL;
}

static void direct_write(rtm_client_t *c, rtm_conn_t *conn);

void io_kick(rtm_client_t *c)
{
    rtm_conn_t *direct = NULL;
    pthread_mutex_lock(&G.lock);
    rtm_conn_t *d = c->io_direct;
    if (d && !pthread_equal(pthread_self(), G.thread) && pthread_mutex_trylock(&G.dlock) == 0) {
        if (pthread_mutex_trylock(&d->wlock) == 0)
            direct = d; /* kept until wlock is released: the I/O thread waits for it */
        else
            pthread_mutex_unlock(&G.dlock);
    }
    /* the I/O thread looks at c all the same: the kick may be for more than output */
    if (mark_dirty_locked(c) && G.async_live)
        uv_async_send(&G.async);
    pthread_mutex_unlock(&G.lock);
    if (direct) {
        direct_write(c, direct);
        pthread_mutex_unlock(&direct->wlock);
        pthread_mutex_unlock(&G.dlock);
    }
}

/* ---- connection life ----------------------------------------------------------------- */

static void log_client(rtm_client_t *c, rtm_log_level_t level, const char *what)
{
    pthread_mutex_lock(&c->lock);
    rtm_log(&c->log, level, "%s", what);
    pthread_mutex_unlock(&c->lock);
}

static void io_wlock(rtm_conn_t *conn)
{
    pthread_mutex_lock(&conn->wlock);
    conn->wlock_held = true;
}

static void io_wunlock(rtm_conn_t *conn)
{
    /* application threads may write while nothing is in flight or left over */
    conn->direct_ok = conn->direct_reg && conn->writes == 0 && conn->pend.len == 0;
    conn->wlock_held = false;
    pthread_mutex_unlock(&conn->wlock);
}

/* Application threads may write to conn's socket from now on (an established ws://). */
static void direct_enable(rtm_conn_t *conn)
{
    rtm_client_t *c = conn->client;
    uv_os_fd_t fd;
    if (conn->tls || !c || uv_fileno((uv_handle_t *)&conn->tcp, &fd) != 0)
        return;
    conn->fd = fd;
    conn->direct_client = c;
    io_wlock(conn);
    conn->direct_reg = true;
    io_wunlock(conn);
    pthread_mutex_lock(&G.lock);
    c->io_direct = conn;
    pthread_mutex_unlock(&G.lock);
}

/* No application thread writes to conn's socket from now on (it may be closed, its client
 * freed). */
static void direct_disable(rtm_conn_t *conn)
{
    if (!conn->direct_reg)
        return;
    pthread_mutex_lock(&G.lock);
    if (conn->direct_client->io_direct == conn)
        conn->direct_client->io_direct = NULL;
    pthread_mutex_unlock(&G.lock);
    conn->direct_client = NULL;
    if (conn->wlock_held) {
        conn->direct_reg = false; /* this thread holds wlock: nobody else is writing */
        conn->direct_ok = false;
    } else {
        io_wlock(conn); /* waits for a write in progress */
        conn->direct_reg = false;
        io_wunlock(conn);
    }
}

static void setup_free(rtm_conn_t *conn)
{
    conn_setup_t *s = conn->setup;
    if (!s)
        return;
    if (s->ai)
        uv_freeaddrinfo(s->ai);
    rtm_buf_free(&s->head);
    free(s);
    conn->setup = NULL;
}

static void lazy_unlink(rtm_conn_t *conn)
{
    if (!conn->lazy_linked)
        return;
    RTM_DLIST_UNLINK(G.lazy_head, G.lazy_tail, conn, lazy_next, lazy_prev);
    conn->lazy_linked = false;
}

static void conn_free(rtm_conn_t *conn)
{
    lazy_unlink(conn);
    setup_free(conn);
    if (conn->tls) {
        SSL_free(conn->tls->ssl); /* frees the BIOs too */
        free(conn->tls);
    }
    ws_rx_free(&conn->rx);
    rtm_buf_free(&conn->held);
    rtm_buf_free(&conn->farewell);
    rtm_buf_free(&conn->pend);
    pthread_mutex_destroy(&conn->wlock);
    RTM_DLIST_UNLINK(G.conns, G.conns_tail, conn, next, prev);
    free(conn);
    G.nconns--;
    maybe_stop();
}

/* A handle or request of conn is done with. */
static void handle_done(rtm_conn_t *conn)
{
    if (--conn->handles == 0 && conn->dead)
        conn_free(conn);
}

static void on_handle_closed(uv_handle_t *h)
{
    rtm_conn_t *conn = h->data;
    if (h == (uv_handle_t *)&conn->tcp && conn->retry_next && !conn->dead) {
        conn->retry_next = false;
        conn->handles--;
        try_connect(conn);
        return;
    }
    handle_done(conn);
}

static void close_tcp(rtm_conn_t *conn)
{
    direct_disable(conn);
    if (!conn->tcp_live)
        return;
    conn->tcp_live = false;
    conn->reading = false;
    uv_close((uv_handle_t *)&conn->tcp, on_handle_closed);
}

/* Ends conn at once: its handles close, and it is freed when the last has. */
static void teardown(rtm_conn_t *conn)
{
    if (conn->dead)
        return;
    conn->dead = true;
    conn->retry_next = false;
    close_tcp(conn);
    uv_close((uv_handle_t *)&conn->timer, on_handle_closed);
    /* a pending lookup holds a count of its own, dropped by its callback */
}

/* The connection of a client is gone: tell the client once, then let it decide. */
static void conn_lost(rtm_conn_t *conn, rtm_err_t why, const char *detail)
{
    if (conn->lost)
        return;
    conn->lost = true;
    direct_disable(conn);
    rtm_client_t *c = conn->client;
    if (!c)
        return;
    conn->client = NULL;
    if (c->conn == conn)
        c->conn = NULL;
    c->rx_paused = false;
    if (why == RTM_ERR_TLS) {
        /* the sentence the application reads, unless the client moved on from this connection */
        pthread_mutex_lock(&c->lock);
        if (conn->gen == c->conn_gen) {
            client_set_error_locked(c, "%s", detail);
            rtm_log(&c->log, RTM_LOG_ERROR, "%s", detail);
        }
        pthread_mutex_unlock(&c->lock);
    }
    client_io_lost(c, conn->gen, why, detail);
    io_kick(c); /* serviced on the next loop pass, outside this callback */
}

static void conn_fail(rtm_conn_t *conn, rtm_err_t why, const char *detail)
{
    conn_lost(conn, why, detail);
    teardown(conn);
}

/* ---- writing ------------------------------------------------------------------------- */

static void on_written(uv_write_t *req, int status)
{
    write_req_t *w = (write_req_t *)req;
    rtm_conn_t *conn = w->conn;
    free(w);
    io_wlock(conn);
    conn->writes--;
    bool again = conn->writes == 0 && conn->want_write;
    if (again)
        conn->want_write = false;
    io_wunlock(conn);
    if (conn->dead)
        return;
    if (status < 0) {
        char why[96];
        snprintf(why, sizeof(why), "writing to the server failed: %s", uv_strerror(status));
        conn_fail(conn, RTM_ERR_NETWORK, why);
        return;
    }
    if (again)
        do_write(conn);
}

static bool sock_write_raw(rtm_conn_t *conn, const uint8_t *p, size_t n);

/* Writes n bytes to the socket: at once as far as it takes them, the rest queued behind; the
 * rest of a direct write goes first. With wlock held, or after direct_disable. False when the
 * connection failed (it is torn down). */
static bool sock_write(rtm_conn_t *conn, const uint8_t *p, size_t n)
{
    int err = atomic_exchange(&conn->direct_errno, 0);
    if (err) {
        char why[96];
        snprintf(why, sizeof(why), "writing to the server failed: %s", strerror(err));
        conn_fail(conn, RTM_ERR_NETWORK, why);
        return false;
    }
    if (conn->pend.len) {
        rtm_buf_t pend = conn->pend;
        rtm_buf_init(&conn->pend, 0);
        bool ok = sock_write_raw(conn, rtm_buf_data(&pend), pend.len);
        rtm_buf_free(&pend);
        if (!ok)
            return false;
    }
    return n == 0 || sock_write_raw(conn, p, n);
}

static bool sock_write_raw(rtm_conn_t *conn, const uint8_t *p, size_t n)
{
    if (!conn->tcp_live)
        return false;
    size_t done = 0;
    if (conn->writes == 0) {
        uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
        int r = uv_try_write((uv_stream_t *)&conn->tcp, &b, 1);
        if (r >= 0)
            done = (size_t)r;
        else if (r != UV_EAGAIN && r != UV_ENOSYS) {
            char why[96];
            snprintf(why, sizeof(why), "writing to the server failed: %s", uv_strerror(r));
            conn_fail(conn, RTM_ERR_NETWORK, why);
            return false;
        }
        if (done == n)
            return true;
    }
    write_req_t *w = malloc(sizeof(*w) + (n - done));
    if (!w) {
        conn_fail(conn, RTM_ERR_NO_MEMORY, "out of memory");
        return false;
    }
    w->conn = conn;
    memcpy(w->data, p + done, n - done);
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)(n - done));
    int r = uv_write(&w->req, (uv_stream_t *)&conn->tcp, &b, 1, on_written);
    if (r < 0) {
        free(w);
        char why[96];
        snprintf(why, sizeof(why), "writing to the server failed: %s", uv_strerror(r));
        conn_fail(conn, RTM_ERR_NETWORK, why);
        return false;
    }
    conn->writes++;
    return true;
}

/* Moves what TLS produced to the socket. */
static bool tls_flush(rtm_conn_t *conn)
{
    for (;;) {
        int n = BIO_read(conn->tls->out, G.tls_out, sizeof(G.tls_out));
        if (n <= 0)
            return true;
        if (!sock_write(conn, G.tls_out, (size_t)n))
            return false;
    }
}

/* Sends n bytes of the stream (plain, or through TLS). */
static bool conn_send(rtm_conn_t *conn, const uint8_t *p, size_t n)
{
    if (!conn->tls)
        return sock_write(conn, p, n);
    ERR_clear_error();
    while (n) {
        int r = SSL_write(conn->tls->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
        if (r <= 0) {
            conn_fail(conn, RTM_ERR_TLS, "TLS: encrypting for the server failed");
            return false;
        }
        p += r;
        n -= (size_t)r;
    }
    return tls_flush(conn);
}

/* Sends one final frame whose payload (len bytes) sits at payload, with WS_MAX_HEADER writable
 * bytes before it; masks the payload in place. */
static bool send_frame(rtm_conn_t *conn, uint8_t opcode, uint8_t *payload, size_t len)
{
    uint8_t *hdr = payload - ws_header_len(len);
    ws_frame_finish(hdr, opcode, len, (uint32_t)ws_rng_next(&G.rng));
    return conn_send(conn, hdr, (size_t)(payload + len - hdr));
}

static bool send_control(rtm_conn_t *conn, uint8_t opcode, const uint8_t *payload, size_t len)
{
    uint8_t frame[WS_MAX_HEADER + 125];
    if (len > 125)
        len = 125;
    if (len)
        memcpy(frame + WS_MAX_HEADER, payload, len);
    io_wlock(conn);
    bool ok = send_frame(conn, opcode, frame + WS_MAX_HEADER, len);
    io_wunlock(conn);
    return ok;
}

static void on_close_wait(uv_timer_t *t)
{
    teardown(t->data);
}

/* Sends our CLOSE and waits briefly for the server's answer (or EOF), reading on. */
static void begin_closing(rtm_conn_t *conn, uint16_t code)
{
    uint8_t c2[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    conn->phase = PH_CLOSING;
    rtm_buf_free(&conn->held);
    if (!send_control(conn, WS_OP_CLOSE, c2, 2))
        return;
    uv_timer_stop(&conn->timer);
    uv_timer_start(&conn->timer, on_close_wait, CLOSE_WAIT_MS, 0);
}

/* Writes what the client has queued: batches packed into one WebSocket message each. */
static void do_write(rtm_conn_t *conn)
{
    rtm_client_t *c = conn->client;
    if (!c || conn->phase != PH_OPEN || conn->dead)
        return;
    io_wlock(conn);
    if (conn->writes) {
        conn->want_write = true; /* after the writes in flight, in order */
        io_wunlock(conn);
        return;
    }
    uint8_t *payload = G.wbuf + WS_MAX_HEADER;
    bool more = false;
    for (int round = 0; round < WRITE_ROUNDS; round++) {
        /* taken and written under wlock: no direct write slips in between */
        size_t n = client_io_take_output(c, conn->gen, payload, WRITE_BATCH_MAX, &more);
        if (!sock_write(conn, NULL, 0) || (n && !send_frame(conn, WS_OP_BINARY, payload, n))) {
            io_wunlock(conn);
            return;
        }
        if (!more)
            break;
        if (conn->writes) {
            conn->want_write = true;
            more = false;
            break;
        }
    }
    io_wunlock(conn);
    if (more)
        io_kick(c); /* the rest on the next pass, after the other clients */
}

/* An application thread's write (io_kick), with G.dlock and conn->wlock held: takes what c
 * has queued and writes it, when nothing else is in flight. The I/O thread, kicked all the
 * same, writes whatever is left. */
static void direct_write(rtm_client_t *c, rtm_conn_t *conn)
{
    /* one direct write per answer from the server: a request waits for its answer (a round
       trip) and gains from it, a stream of sends goes through the I/O thread, which packs
       them into few writes */
    if (!conn->direct_ok || !atomic_load_explicit(&conn->direct_armed, memory_order_relaxed))
        return;
    bool more;
    uint8_t *payload = G.dbuf + WS_MAX_HEADER;
    size_t n = client_io_take_output(c, conn->gen, payload, WRITE_BATCH_MAX, &more);
    if (!n)
        return;
    atomic_store_explicit(&conn->direct_armed, false, memory_order_relaxed);
    uint8_t *hdr = payload - ws_header_len(n);
    ws_frame_finish(hdr, WS_OP_BINARY, n, (uint32_t)ws_rng_next(&G.drng));
    size_t len = (size_t)(payload + n - hdr), done = 0;
    while (done < len) {
        ssize_t w = send(conn->fd, hdr + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            done += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else {
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                atomic_store(&conn->direct_errno, errno); /* the I/O thread fails it */
                atomic_store(&conn->direct_left, true);
                conn->direct_ok = false;
                return;
            }
            break;
        }
    }
    if (done < len) { /* the I/O thread writes the rest before anything else */
        if (!rtm_buf_append(&conn->pend, hdr + done, len - done))
            atomic_store(&conn->direct_errno, ENOMEM);
        atomic_store(&conn->direct_left, true);
        conn->direct_ok = false;
    }
}

/* ---- receiving ----------------------------------------------------------------------- */

static int on_frame(void *ud, uint8_t opcode, uint8_t *payload, size_t len)
{
    rtm_conn_t *conn = ud;
    rtm_client_t *c = conn->client;
    switch (opcode) {
    case WS_OP_BINARY:
        if (!c || conn->phase != PH_OPEN)
            return WS_RX_OK; /* a connection the client let go of */
        client_io_message(c, conn->gen, payload, len);
        if (conn->client && !c->rx_paused && rtm_eq_count(&c->events) >= c->events.capacity) {
            c->rx_paused = true; /* the application polls again before we read more */
            return WS_RX_STOPPED;
        }
        return WS_RX_OK;
    case WS_OP_TEXT: /* rtm.1 is binary only */
        if (c)
            log_client(c, RTM_LOG_WARN, "the server sent a text message: ignored");
        return WS_RX_OK;
    case WS_OP_PING:
        if (conn->phase == PH_OPEN && !send_control(conn, WS_OP_PONG, payload, len))
            return WS_RX_ABORTED;
        return WS_RX_OK;
    case WS_OP_PONG:
        return WS_RX_OK;
    case WS_OP_CLOSE: {
        if (conn->phase == PH_CLOSING) { /* the answer to ours */
            teardown(conn);
            return WS_RX_ABORTED;
        }
        unsigned code = len >= 2 ? (unsigned)payload[0] << 8 | payload[1] : WS_CLOSE_NO_STATUS;
        char why[200];
        snprintf(why, sizeof(why), "the server closed the connection (code %u%s%.*s)", code,
                 len > 2 ? ": " : "", len > 2 ? (int)(len - 2) : 0, (const char *)payload + 2);
        uint8_t echo[2] = {payload && len >= 2 ? payload[0] : 0x03,
                           payload && len >= 2 ? payload[1] : 0xe8};
        /* what is queued goes first, above all acks waiting for a ride (RTM_ACK_DELAY_MS):
           rtmd reads until our answer, and a message it delivered still gets its ack */
        do_write(conn);
        send_control(conn, WS_OP_CLOSE, echo, 2);
        conn_lost(conn, RTM_ERR_NETWORK, why);
        if (!conn->dead) {
            /* the server closes the TCP connection: wait for that (briefly) */
            conn->phase = PH_CLOSING;
            uv_timer_stop(&conn->timer);
            uv_timer_start(&conn->timer, on_close_wait, CLOSE_WAIT_MS, 0);
        }
        return WS_RX_ABORTED;
    }
    default:
        return WS_RX_OK;
    }
}

static void stop_reading(rtm_conn_t *conn)
{
    if (conn->reading) {
        uv_read_stop((uv_stream_t *)&conn->tcp);
        conn->reading = false;
    }
}

/* The server broke the protocol (conn->rx says how): CLOSE with the code, and the connection
 * is lost. */
static void protocol_error(rtm_conn_t *conn)
{
    if (conn->client)
        log_client(conn->client, RTM_LOG_ERROR, conn->rx.why);
    uint8_t c2[2] = {(uint8_t)(conn->rx.error_code >> 8), (uint8_t)conn->rx.error_code};
    if (!conn->dead)
        send_control(conn, WS_OP_CLOSE, c2, 2);
    conn_fail(conn, RTM_ERR_NETWORK, conn->rx.why);
}

/* Parses n received stream bytes of an established connection (p may be the thread's shared
 * buffer: what is not parsed now is copied). */
static void ws_input(rtm_conn_t *conn, uint8_t *p, size_t n)
{
    rtm_client_t *c = conn->client;
    if (conn->phase == PH_OPEN && c && c->rx_paused) {
        if (!rtm_buf_append(&conn->held, p, n))
            conn_fail(conn, RTM_ERR_NO_MEMORY, "out of memory");
        stop_reading(conn);
        return;
    }
    size_t used = 0;
    int r = ws_rx_feed(&conn->rx, p, n, &used, on_frame, conn);
    if (r == WS_RX_ERROR) {
        protocol_error(conn);
        return;
    }
    if (r == WS_RX_STOPPED) { /* the event queue is full: the rest waits */
        if (used < n && !rtm_buf_append(&conn->held, p + used, n - used)) {
            conn_fail(conn, RTM_ERR_NO_MEMORY, "out of memory");
            return;
        }
        stop_reading(conn);
    }
}

/* Parses what is held after a pause; true when all of it was taken. */
static bool feed_held(rtm_conn_t *conn)
{
    while (conn->held.len && !conn->dead) {
        rtm_buf_t held = conn->held; /* the parser may stop again: the rest goes back */
        rtm_buf_init(&conn->held, 0);
        size_t used = 0;
        int r = ws_rx_feed(&conn->rx, rtm_buf_data(&held), held.len, &used, on_frame, conn);
        if (r == WS_RX_ERROR) {
            rtm_buf_free(&held);
            protocol_error(conn);
            return false;
        }
        if (r == WS_RX_STOPPED && used < held.len) {
            memmove(rtm_buf_data(&held), rtm_buf_data(&held) + used, held.len - used);
            held.len -= used;
            rtm_buf_free(&conn->held);
            conn->held = held;
            return false;
        }
        rtm_buf_free(&held);
        if (r != WS_RX_OK)
            return false;
    }
    return !conn->dead;
}

static void established(rtm_conn_t *conn);

/* Stream bytes (decrypted for wss://) arriving in any phase after TCP connect. */
static void stream_input(rtm_conn_t *conn, uint8_t *p, size_t n)
{
    if (conn->phase != PH_UPGRADING) {
        ws_input(conn, p, n);
        return;
    }
    conn_setup_t *s = conn->setup;
    size_t room = REPLY_HEAD_MAX - s->head.len;
    size_t take = n < room ? n : room;
    if (!rtm_buf_append(&s->head, p, take)) {
        conn_fail(conn, RTM_ERR_NO_MEMORY, "out of memory");
        return;
    }
    uint8_t *h = rtm_buf_data(&s->head);
    size_t head_len = ws_reply_head_len(h, s->head.len);
    if (!head_len) {
        if (s->head.len >= REPLY_HEAD_MAX)
            conn_fail(conn, RTM_ERR_NETWORK,
                      "the server's answer to the WebSocket upgrade is too long");
        return;
    }
    char why[200];
    if (!ws_check_reply(h, head_len, s->key, RTM_PROTOCOL_NAME, why, sizeof(why))) {
        conn_fail(conn, RTM_ERR_NETWORK, why);
        return;
    }
    /* frames right behind the reply: from the copy, then from the rest of p */
    size_t extra_in_head = s->head.len - head_len;
    rtm_buf_t early;
    rtm_buf_init(&early, 0);
    if (extra_in_head && !rtm_buf_append(&early, h + head_len, extra_in_head)) {
        conn_fail(conn, RTM_ERR_NO_MEMORY, "out of memory");
        return;
    }
    established(conn);
    if (!conn->dead && early.len)
        ws_input(conn, rtm_buf_data(&early), early.len);
    rtm_buf_free(&early);
    if (!conn->dead && take < n)
        ws_input(conn, p + take, n - take);
}

/* ---- TLS ----------------------------------------------------------------------------- */

static int ssl_conn_index = -1;

/* How many PEM certificates path holds (0 when none or unreadable, with a sentence in why). */
static int count_certificates(const char *path, char *why, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, cap, "TLS: cannot read tls.ca_file %s", path);
        return 0;
    }
    int n = 0;
    X509 *x;
    while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        X509_free(x);
        n++;
    }
    fclose(f);
    ERR_clear_error(); /* the end of the file reads as an error */
    if (n == 0)
        snprintf(why, cap, "TLS: tls.ca_file %s holds no PEM certificate", path);
    return n;
}

/* During the handshake, for each certificate OpenSSL could not verify: remembers why (the
 * first problem). */
static int on_verify(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    rtm_conn_t *conn = ssl ? SSL_get_ex_data(ssl, ssl_conn_index) : NULL;
    int err = X509_STORE_CTX_get_error(store);
    if (preverify_ok || err == X509_V_OK || !conn || !conn->tls)
        return preverify_ok;
    conn_tls_t *t = conn->tls;
    if (t->problem[0])
        return preverify_ok;
    const char *reason = X509_verify_cert_error_string(err);
    char *ip = NULL;
    const char *host = NULL;
    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_INVALID_CA:
        snprintf(t->problem, sizeof(t->problem),
                 "TLS: the server's certificate is not signed by a trusted certificate "
                 "authority (%s); %s",
                 reason,
                 t->own_ca ? "check tls.ca_file"
                           : "the system store does not trust it: set tls.ca_file");
        break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        host = X509_VERIFY_PARAM_get0_host(X509_STORE_CTX_get0_param(store), 0);
        if (!host)
            host = ip = X509_VERIFY_PARAM_get1_ip_asc(X509_STORE_CTX_get0_param(store));
        snprintf(t->problem, sizeof(t->problem),
                 "TLS: the server's certificate is not valid for host name %s", host ? host : "?");
        OPENSSL_free(ip);
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        snprintf(t->problem, sizeof(t->problem),
                 "TLS: the server's certificate is out of its validity period (%s)", reason);
        break;
    default:
        snprintf(t->problem, sizeof(t->problem), "TLS: the server's certificate was refused: %s",
                 reason);
        break;
    }
    return preverify_ok;
}

/* The client TLS context that trusts exactly the CAs in path, or the system store for NULL
 * (created on first use), or NULL with a sentence in why. I/O thread only. */
static SSL_CTX *ssl_ctx_for(const char *path, char *why, size_t cap)
{
    const char *key = path ? path : "";
    for (ssl_ctx_entry_t *e = G.ssl_ctxs; e; e = e->next)
        if (strcmp(e->path, key) == 0)
            return e->ctx;
    if (path && count_certificates(path, why, cap) == 0)
        return NULL;
    if (ssl_conn_index < 0)
        ssl_conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    size_t len = strlen(key);
    ssl_ctx_entry_t *e = malloc(sizeof(*e) + len + 1);
    SSL_CTX *ctx = e ? SSL_CTX_new(TLS_client_method()) : NULL;
    bool ok = ctx && SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
              (path ? SSL_CTX_load_verify_locations(ctx, path, NULL) == 1
                    : SSL_CTX_set_default_verify_paths(ctx) == 1);
    ERR_clear_error();
    if (!ok) {
        if (path)
            snprintf(why, cap, "TLS: cannot set up TLS with tls.ca_file %s", path);
        else
            snprintf(why, cap, "TLS: cannot set up TLS");
        SSL_CTX_free(ctx);
        free(e);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, on_verify);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS); /* idle connections hold no buffers */
    memcpy(e->path, key, len + 1);
    e->ctx = ctx;
    e->next = G.ssl_ctxs;
    G.ssl_ctxs = e;
    return ctx;
}

/* Sets up TLS for conn (before connecting); false with the client told. */
static bool tls_prepare(rtm_conn_t *conn, rtm_client_t *c, const rtm_url_t *url)
{
    char why[320];
    SSL_CTX *ctx = ssl_ctx_for(c->cfg.tls_ca_file, why, sizeof(why));
    if (!ctx) {
        conn_fail(conn, RTM_ERR_TLS, why);
        return false;
    }
    conn_tls_t *t = calloc(1, sizeof(*t));
    if (!t) {
        conn_fail(conn, RTM_ERR_NO_MEMORY, "out of memory");
        return false;
    }
    conn->tls = t;
    t->verify_peer = c->cfg.tls_verify_peer;
    t->own_ca = c->cfg.tls_ca_file != NULL;
    t->ssl = SSL_new(ctx);
    t->in = BIO_new(BIO_s_mem());
    t->out = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->in || !t->out) {
        BIO_free(t->in);
        BIO_free(t->out);
        t->in = t->out = NULL;
        ERR_clear_error();
        conn_fail(conn, RTM_ERR_NO_MEMORY, "out of memory");
        return false;
    }
    BIO_set_mem_eof_return(t->in, -1); /* empty: "want more", not EOF */
    SSL_set_bio(t->ssl, t->in, t->out);
    SSL_set_ex_data(t->ssl, ssl_conn_index, conn);
    SSL_set_connect_state(t->ssl);
    struct in6_addr a;
    bool numeric =
        inet_pton(AF_INET, url->host, &a) == 1 || inet_pton(AF_INET6, url->host, &a) == 1;
    if (!numeric)
        SSL_set_tlsext_host_name(t->ssl, url->host);
    if (!t->verify_peer) {
        SSL_set_verify(t->ssl, SSL_VERIFY_NONE, NULL);
    } else {
        X509_VERIFY_PARAM *param = SSL_get0_param(t->ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        int ok = numeric ? X509_VERIFY_PARAM_set1_ip_asc(param, url->host)
                         : X509_VERIFY_PARAM_set1_host(param, url->host, 0);
        if (ok != 1) {
            ERR_clear_error();
            snprintf(why, sizeof(why), "TLS: cannot check the certificate for host name %s",
                     url->host);
            conn_fail(conn, RTM_ERR_TLS, why);
            return false;
        }
    }
    return true;
}

static void send_upgrade(rtm_conn_t *conn);

static void tls_failed(rtm_conn_t *conn, const char *reason)
{
    char detail[sizeof(conn->tls->problem) + 160];
    if (conn->tls->problem[0]) {
        conn_fail(conn, RTM_ERR_TLS, conn->tls->problem);
        return;
    }
    snprintf(detail, sizeof(detail),
             "TLS: the TLS handshake with the server failed; does it serve wss:// there? (%s)",
             reason);
    conn_fail(conn, RTM_ERR_TLS, detail);
}

static void tls_handshake(rtm_conn_t *conn)
{
    ERR_clear_error();
    int r = SSL_do_handshake(conn->tls->ssl);
    if (!tls_flush(conn))
        return;
    if (r == 1) {
        send_upgrade(conn);
        return;
    }
    int e = SSL_get_error(conn->tls->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return;
    char reason[160];
    unsigned long err = ERR_get_error();
    if (err)
        ERR_error_string_n(err, reason, sizeof(reason));
    else
        snprintf(reason, sizeof(reason), "TLS error %d", e);
    ERR_clear_error();
    tls_failed(conn, reason);
}

/* Decrypts what arrived and hands it on, unless reading is paused. */
static void tls_pump(rtm_conn_t *conn)
{
    while (!conn->dead) {
        rtm_client_t *c = conn->client;
        if (conn->phase == PH_OPEN && c && c->rx_paused)
            return;
        ERR_clear_error();
        int r = SSL_read(conn->tls->ssl, G.plain, sizeof(G.plain));
        if (r > 0) {
            stream_input(conn, G.plain, (size_t)r);
            continue;
        }
        int e = SSL_get_error(conn->tls->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            tls_flush(conn);
            return;
        }
        ERR_clear_error();
        if (conn->phase == PH_CLOSING)
            teardown(conn);
        else
            conn_fail(conn, e == SSL_ERROR_ZERO_RETURN ? RTM_ERR_NETWORK : RTM_ERR_TLS,
                      e == SSL_ERROR_ZERO_RETURN ? "the server closed the connection"
                                                 : "TLS: the connection's TLS failed");
        return;
    }
}

/* ---- connecting ---------------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    /* one read at a time on this thread: every connection reads into the same buffer */
    *buf = uv_buf_init((char *)G.rbuf, sizeof(G.rbuf));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    rtm_conn_t *conn = stream->data;
    if (conn->dead || nread == 0)
        return;
    if (nread < 0) {
        char why[128];
        switch (conn->phase) {
        case PH_CLOSING:
            teardown(conn);
            return;
        case PH_TLS:
            tls_failed(conn, nread == UV_EOF ? "the server closed the connection"
                                             : uv_strerror((int)nread));
            return;
        case PH_UPGRADING:
            snprintf(why, sizeof(why),
                     "the server closed the connection before answering the WebSocket "
                     "upgrade (%s)",
                     nread == UV_EOF ? "end of stream" : uv_strerror((int)nread));
            conn_fail(conn, RTM_ERR_NETWORK, why);
            return;
        default:
            if (nread == UV_EOF)
                snprintf(why, sizeof(why), "the connection closed");
            else
                snprintf(why, sizeof(why), "the connection failed: %s", uv_strerror((int)nread));
            conn_fail(conn, RTM_ERR_NETWORK, why);
            return;
        }
    }
    conn->last_rx_ms = rtm_now_mono_ms();
    atomic_store_explicit(&conn->direct_armed, true, memory_order_relaxed);
    rtm_client_t *c = conn->client;
    if (conn->tls) {
        if (BIO_write(conn->tls->in, buf->base, (int)nread) != (int)nread) {
            conn_fail(conn, RTM_ERR_NO_MEMORY, "out of memory");
            return;
        }
        if (conn->phase == PH_TLS)
            tls_handshake(conn);
        if (!conn->dead && conn->phase != PH_TLS)
            tls_pump(conn);
    } else {
        stream_input(conn, (uint8_t *)buf->base, (size_t)nread);
    }
    /* whatever the messages asked for (acks, results), once for the whole read */
    if (c && conn->client == c && !conn->dead)
        service_client(c);
}

static void start_reading(rtm_conn_t *conn)
{
    if (!conn->reading && conn->tcp_live) {
        uv_read_start((uv_stream_t *)&conn->tcp, on_alloc, on_read);
        conn->reading = true;
    }
}

static void send_upgrade(rtm_conn_t *conn)
{
    conn_setup_t *s = conn->setup;
    char req[1024];
    if (!ws_make_key(s->key)) {
        conn_fail(conn, RTM_ERR_FAILURE, "no randomness for the WebSocket key");
        return;
    }
    size_t n = ws_upgrade_request(req, sizeof(req), s->url.host, s->url.port, s->url.tls,
                                  s->url.path, s->key, RTM_PROTOCOL_NAME);
    if (!n) {
        conn_fail(conn, RTM_ERR_INVALID_ARGUMENT, "the server URL is too long");
        return;
    }
    conn->phase = PH_UPGRADING;
    conn_send(conn, (const uint8_t *)req, n);
}

static void heartbeat(uv_timer_t *t);

static void established(rtm_conn_t *conn)
{
    setup_free(conn);
    conn->phase = PH_OPEN;
    rtm_client_t *c = conn->client;
    if (!c) { /* closed while its handshake ran */
        begin_closing(conn, WS_CLOSE_NORMAL);
        return;
    }
    conn->last_rx_ms = rtm_now_mono_ms();
    uv_timer_start(&conn->timer, heartbeat, (uint64_t)client_io_heartbeat(c, conn->gen), 0);
    client_io_established(c, conn->gen);
    direct_enable(conn);
    service_client(c);
}

static void on_connect(uv_connect_t *req, int status)
{
    rtm_conn_t *conn = req->data;
    free(req);
    if (conn->dead || status == UV_ECANCELED)
        return;
    if (status < 0) {
        if (conn->setup->ai_next) { /* the host's next address */
            conn->retry_next = true;
            close_tcp(conn);
            return;
        }
        char why[400];
        snprintf(why, sizeof(why), "cannot connect to %s:%d: %s", conn->setup->url.host,
                 conn->setup->url.port, uv_strerror(status));
        conn_fail(conn, RTM_ERR_NETWORK, why);
        return;
    }
    start_reading(conn);
    if (conn->tls) {
        conn->phase = PH_TLS;
        tls_handshake(conn);
    } else {
        send_upgrade(conn);
    }
}

/* Connects to the next address of the host. */
static void try_connect(rtm_conn_t *conn)
{
    conn_setup_t *s = conn->setup;
    const struct sockaddr *addr = (const struct sockaddr *)&s->numeric;
    if (s->ai) {
        addr = s->ai_next->ai_addr;
        s->ai_next = s->ai_next->ai_next;
    }
    conn->phase = PH_CONNECTING;
    uv_connect_t *req = malloc(sizeof(*req));
    int r = req ? uv_tcp_init(&G.loop, &conn->tcp) : UV_ENOMEM;
    if (r == 0) {
        conn->tcp.data = conn;
        conn->tcp_live = true;
        conn->handles++;
        uv_tcp_nodelay(&conn->tcp, 1);
        req->data = conn;
        r = uv_tcp_connect(req, &conn->tcp, addr, on_connect);
    }
    if (r < 0) {
        free(req);
        char why[400];
        snprintf(why, sizeof(why), "cannot connect to %s:%d: %s", s->url.host, s->url.port,
                 uv_strerror(r));
        conn_fail(conn, RTM_ERR_NETWORK, why);
    }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
    rtm_conn_t *conn = req->data;
    free(req);
    if (conn->dead) {
        if (ai)
            uv_freeaddrinfo(ai);
        handle_done(conn);
        return;
    }
    conn->handles--;
    if (status < 0 || !ai) {
        if (ai)
            uv_freeaddrinfo(ai);
        char why[400];
        snprintf(why, sizeof(why), "cannot resolve %s: %s", conn->setup->url.host,
                 uv_strerror(status));
        conn_fail(conn, RTM_ERR_NETWORK, why);
        return;
    }
    conn->setup->ai = conn->setup->ai_next = ai;
    try_connect(conn);
}

static void conn_start(rtm_client_t *c, const rtm_url_t *url, uint64_t gen)
{
    rtm_conn_t *conn = calloc(1, sizeof(*conn));
    conn_setup_t *s = conn ? calloc(1, sizeof(*s)) : NULL;
    if (!s) {
        free(conn);
        client_io_lost(c, gen, RTM_ERR_NO_MEMORY, "out of memory");
        io_kick(c);
        return;
    }
    s->url = *url;
    rtm_buf_init(&s->head, 0);
    conn->setup = s;
    ws_rx_init(&conn->rx, RTM_WIRE_MAX_MESSAGE);
    rtm_buf_init(&conn->held, 0);
    rtm_buf_init(&conn->farewell, WS_MAX_HEADER);
    rtm_buf_init(&conn->pend, 0);
    pthread_mutex_init(&conn->wlock, NULL);
    conn->fd = -1;
    conn->client = c;
    conn->gen = gen;
    conn->phase = PH_RESOLVING;
    uv_timer_init(&G.loop, &conn->timer);
    conn->timer.data = conn;
    conn->handles = 1;
    RTM_DLIST_PUSH_BACK(G.conns, G.conns_tail, conn, next, prev);
    G.nconns++;
    c->conn = conn;

    if (url->tls && !tls_prepare(conn, c, url))
        return;
    char port[8];
    snprintf(port, sizeof(port), "%d", url->port);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&s->numeric;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&s->numeric;
    if (uv_ip4_addr(url->host, url->port, v4) == 0 || uv_ip6_addr(url->host, url->port, v6) == 0) {
        try_connect(conn); /* a numeric host: no lookup */
        return;
    }
    uv_getaddrinfo_t *req = malloc(sizeof(*req));
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    if (req)
        req->data = conn;
    int r = req ? uv_getaddrinfo(&G.loop, req, on_resolved, url->host, port, &hints) : UV_ENOMEM;
    if (r < 0) {
        free(req);
        char why[400];
        snprintf(why, sizeof(why), "cannot resolve %s: %s", url->host, uv_strerror(r));
        conn_fail(conn, RTM_ERR_NETWORK, why);
        return;
    }
    conn->handles++; /* the lookup runs on libuv's thread pool: the I/O thread does not wait */
}

/* Closes c's connection without telling c (its state machine already moved on). */
static void conn_close(rtm_client_t *c)
{
    rtm_conn_t *conn = c->conn;
    c->conn = NULL;
    c->rx_paused = false;
    if (!conn)
        return;
    direct_disable(conn); /* from here on only this thread writes */
    conn->client = NULL;
    conn->lost = true;
    if (conn->phase != PH_OPEN || conn->dead) {
        teardown(conn); /* not established: nothing to say */
        return;
    }
    if (conn->farewell.len) {
        /* the farewell (queued acks, then the LOGOUT): rtmd answers the LOGOUT by closing */
        size_t n = conn->farewell.len;
        conn->farewell.len = 0;
        if (!send_frame(conn, WS_OP_BINARY, rtm_buf_data(&conn->farewell), n))
            return;
        rtm_buf_free(&conn->farewell);
    }
    start_reading(conn); /* for the server's CLOSE or EOF */
    begin_closing(conn, WS_CLOSE_NORMAL);
}

/* ---- servicing ----------------------------------------------------------------------- */

static void resume_reading(rtm_conn_t *conn)
{
    rtm_client_t *c = conn->client;
    c->rx_paused = false;
    conn->last_rx_ms = rtm_now_mono_ms(); /* silence while we did not read is ours */
    if (feed_held(conn)) {
        if (conn->tls)
            tls_pump(conn);
        if (!conn->dead && conn->client == c && !c->rx_paused)
            start_reading(conn);
    }
    if (conn->client == c)
        io_kick(c); /* what the messages asked for (acks, results): on the next pass */
}

/* The delay is over: every connection with acks waiting writes them. */
static void on_lazy_timer(uv_timer_t *t)
{
    (void)t;
    while (G.lazy_head) {
        rtm_conn_t *conn = G.lazy_head;
        lazy_unlink(conn);
        do_write(conn); /* nothing, when a direct write took them meanwhile */
    }
}

/* conn has only acks queued: they go with the next write, or when the delay is over. */
static void lazy_write(rtm_conn_t *conn)
{
    if (conn->lazy_linked)
        return;
    conn->lazy_linked = true;
    RTM_DLIST_PUSH_BACK(G.lazy_head, G.lazy_tail, conn, lazy_next, lazy_prev);
    if (!uv_is_active((uv_handle_t *)&G.lazy_timer))
        uv_timer_start(&G.lazy_timer, on_lazy_timer, RTM_ACK_DELAY_MS, 0);
}

static void service_client(rtm_client_t *c)
{
    client_io_actions_t a;
    client_io_actions(c, c->conn && c->conn->phase == PH_OPEN, &a);
    if (a.close)
        conn_close(c);
    if (a.connect)
        conn_start(c, &a.url, a.gen);
    /* also what a direct write left over, or its failure */
    if (c->conn && (a.writable || atomic_exchange(&c->conn->direct_left, false)))
        do_write(c->conn);
    else if (c->conn && a.lazy)
        lazy_write(c->conn);
    if (a.rx_resume && c->conn && c->rx_paused)
        resume_reading(c->conn);
}

static void unregister_locked(rtm_client_t *c)
{
    if (c->io_prev)
        c->io_prev->io_next = c->io_next;
    else if (G.clients == c)
        G.clients = c->io_next;
    if (c->io_next)
        c->io_next->io_prev = c->io_prev;
    c->io_prev = c->io_next = NULL;
}

static void detach_client(rtm_client_t *c)
{
    rtm_conn_t *conn = c->conn;
    if (conn)
        direct_disable(conn); /* nothing may slip in before the farewell is taken */
    if (conn && conn->phase == PH_OPEN && !conn->dead)
        client_io_farewell(c, &conn->farewell);
    /* The farewell (the acks still queued, then the LOGOUT) goes out now, ahead of anything
     * the application sends once rtm_client_free has returned: a message to this user must
     * not reach the server before its logout. */
    conn_close(c);
    pthread_mutex_lock(&G.lock);
    unregister_locked(c);
    /* io_detach may have queued c again while we were detaching it (it marks c after setting
       freeing, which we may have seen already): c is freed once io_detached is set */
    unmark_dirty_locked(c);
    c->io_detached = true;
    pthread_cond_broadcast(&G.cond);
    pthread_mutex_unlock(&G.lock);
    /* c may be freed from here on */
}

static void stop_loop(void)
{
    if (G.stopped)
        return;
    G.stopped = true;
    for (rtm_conn_t *conn = G.conns; conn; conn = conn->next)
        teardown(conn);
    uv_timer_stop(&G.tick_timer);
    uv_close((uv_handle_t *)&G.tick_timer, NULL);
    uv_timer_stop(&G.lazy_timer);
    uv_close((uv_handle_t *)&G.lazy_timer, NULL);
    pthread_mutex_lock(&G.lock);
    G.async_live = false;
    pthread_mutex_unlock(&G.lock);
    uv_close((uv_handle_t *)&G.async, NULL);
}

static void maybe_stop(void)
{
    if (G.stopping && (G.nconns == 0 || rtm_now_mono_ms() >= G.stop_deadline_ms))
        stop_loop();
}

static void drain_dirty(void)
{
    for (;;) {
        pthread_mutex_lock(&G.lock);
        rtm_client_t *c = G.dirty_head;
        if (c) {
            G.dirty_head = c->io_next_dirty;
            if (!G.dirty_head)
                G.dirty_tail = NULL;
            c->io_dirty = false;
        }
        bool stop = G.stop;
        pthread_mutex_unlock(&G.lock);
        if (!c) {
            if (stop && !G.stopping) {
                G.stopping = true;
                G.stop_deadline_ms = rtm_now_mono_ms() + STOP_FLUSH_MS;
                maybe_stop();
            }
            return;
        }
        pthread_mutex_lock(&c->lock);
        bool freeing = c->freeing;
        pthread_mutex_unlock(&c->lock);
        if (freeing) {
            detach_client(c);
        } else {
            if (G.tick_now_ms)
                client_io_tick(c, G.tick_now_ms);
            service_client(c);
        }
    }
}

static void on_async(uv_async_t *a)
{
    drain_dirty();
}

static void tick(uv_timer_t *t)
{
    pthread_mutex_lock(&G.lock);
    for (rtm_client_t *c = G.clients; c; c = c->io_next)
        if (atomic_load_explicit(&c->timers_due, memory_order_relaxed))
            mark_dirty_locked(c); /* idle clients cost nothing per tick */
    pthread_mutex_unlock(&G.lock);
    /* the clients' own timers run from drain_dirty, without G.lock: client_io_tick takes the
       invitation lock, which application threads hold while they kick (G.lock) */
    G.tick_now_ms = rtm_now_mono_ms();
    drain_dirty();
    G.tick_now_ms = 0;
    maybe_stop();
}

/* ---- heartbeat ----------------------------------------------------------------------- */

#define HEARTBEAT_MISSES 3 /* intervals without a byte from the server before it counts as dead */

static void heartbeat(uv_timer_t *t)
{
    rtm_conn_t *conn = t->data;
    rtm_client_t *c = conn->client;
    if (!c || conn->phase != PH_OPEN)
        return;
    int64_t interval = client_io_heartbeat(c, conn->gen);
    int64_t silent = rtm_now_mono_ms() - conn->last_rx_ms;
    if (!c->rx_paused && silent > HEARTBEAT_MISSES * interval) {
        char why[96];
        snprintf(why, sizeof(why), "the server sent nothing for %lld ms", (long long)silent);
        conn_fail(conn, RTM_ERR_NETWORK, why);
        return;
    }
    service_client(c); /* writes the PING */
    if (!conn->dead && conn->phase == PH_OPEN)
        uv_timer_start(&conn->timer, heartbeat, (uint64_t)interval, 0);
}

/* ---- thread life --------------------------------------------------------------------- */

static void close_leftover(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void *io_main(void *arg)
{
    /* a write to a connection the server closed must fail with EPIPE, not kill the process */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    ws_rng_seed(&G.rng);
    ws_rng_seed(&G.drng); /* before any client can write directly */
    bool ok = uv_loop_init(&G.loop) == 0;
    if (ok && uv_async_init(&G.loop, &G.async, on_async) != 0) {
        uv_loop_close(&G.loop);
        ok = false;
    }
    if (ok) {
        uv_timer_init(&G.loop, &G.tick_timer);
        uv_timer_start(&G.tick_timer, tick, TICK_MS, TICK_MS);
        uv_timer_init(&G.loop, &G.lazy_timer);
    }
    pthread_mutex_lock(&G.lock);
    G.async_live = ok;
    G.started = true;
    G.start_failed = !ok;
    pthread_cond_broadcast(&G.cond);
    pthread_mutex_unlock(&G.lock);
    if (!ok)
        return NULL;
    /* runs until stop_loop has closed every handle */
    uv_run(&G.loop, UV_RUN_DEFAULT);
    uv_walk(&G.loop, close_leftover, NULL);
    uv_run(&G.loop, UV_RUN_DEFAULT);
    uv_loop_close(&G.loop);
    rtm_event_pool_drain(); /* no messages arrive until the next start */
    while (G.ssl_ctxs) {
        ssl_ctx_entry_t *e = G.ssl_ctxs;
        G.ssl_ctxs = e->next;
        SSL_CTX_free(e->ctx);
        free(e);
    }
    OPENSSL_thread_stop(); /* this thread's OpenSSL state (its error queue) */
    return NULL;
}

bool io_attach(rtm_client_t *c)
{
    bool ok = true;
    pthread_mutex_lock(&G.life);
    if (G.refs == 0) {
        G.started = G.start_failed = G.stop = G.stopping = G.stopped = false;
        G.async_live = false;
        G.nconns = 0;
        G.conns = G.conns_tail = NULL;
        G.ssl_ctxs = NULL;
        if (pthread_create(&G.thread, NULL, io_main, NULL) != 0) {
            pthread_mutex_unlock(&G.life);
            return false;
        }
        pthread_mutex_lock(&G.lock);
        while (!G.started)
            pthread_cond_wait(&G.cond, &G.lock);
        ok = !G.start_failed;
        pthread_mutex_unlock(&G.lock);
        if (!ok) {
            pthread_join(G.thread, NULL);
            pthread_mutex_unlock(&G.life);
            return false;
        }
    }
    G.refs++;
    pthread_mutex_lock(&G.lock);
    c->io_prev = NULL;
    c->io_next = G.clients;
    if (G.clients)
        G.clients->io_prev = c;
    G.clients = c;
    pthread_mutex_unlock(&G.lock);
    pthread_mutex_unlock(&G.life);
    return true;
}

void io_detach(rtm_client_t *c)
{
    pthread_mutex_lock(&G.life);
    pthread_mutex_lock(&G.lock);
    /* the I/O thread may have detached c already (it saw freeing on an earlier pass): then c
       must not go on the dirty list, from which nothing would take it before it is freed */
    if (!c->io_detached && mark_dirty_locked(c) && G.async_live)
        uv_async_send(&G.async);
    while (!c->io_detached)
        pthread_cond_wait(&G.cond, &G.lock);
    bool last = --G.refs == 0;
    if (last) {
        G.stop = true;
        if (G.async_live)
            uv_async_send(&G.async);
    }
    pthread_mutex_unlock(&G.lock);
    if (last)
        pthread_join(G.thread, NULL);
    pthread_mutex_unlock(&G.life);
}
