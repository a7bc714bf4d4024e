/* The shared I/O thread (see io_thread.h): owns the libwebsockets context and every
 * connection of every client. Runs only on its own thread, except io_attach / io_kick /
 * io_detach, which touch nothing of libwebsockets but lws_cancel_service().
 * Lock order: rtm_inv_lock, a channel handle's lock, then G.lock (io_kick), then a client's
 * lock; nobody calls io_kick while holding a client's lock, and nothing takes rtm_inv_lock or
 * a client's lock while holding G.lock. */
#include "io_thread.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event.h"

#define TICK_MS         50
#define WRITE_BATCH_MAX 16384 /* bytes packed into one WebSocket message */
#define STOP_FLUSH_MS   500   /* how long the last client's farewell may take */

/* One WebSocket connection; lws's per-connection user data. */
typedef struct rtm_conn {
    struct lws *wsi;
    rtm_client_t *client; /* NULL once the client let go of it */
    rtm_buf_t rx;         /* reassembly of a fragmented message */
    rtm_buf_t farewell;   /* frames to write before closing an orphaned connection */
    lws_retry_bo_t retry; /* heartbeat policy; must outlive the wsi */
    uint64_t gen;         /* the client's connection generation at connect */
    bool established, lost, in_connect, destroyed, rx_text;
} rtm_conn_t;

static struct io {
    pthread_mutex_t life; /* serialises start and stop */
    pthread_mutex_t lock; /* everything below but the I/O-thread-only fields */
    pthread_cond_t cond;
    pthread_t thread;
    struct lws_context *ctx;
    int refs;
    bool started, start_failed, stop;
    rtm_client_t *dirty_head, *dirty_tail;
    rtm_client_t *clients;
    /* I/O thread only */
    int64_t tick_now_ms; /* set while a tick drains the dirty list */
    int nconns;
    bool stopping;
    int64_t stop_deadline_ms;
    lws_sorted_usec_list_t tick_sul, stop_sul;
    uint8_t scratch[LWS_PRE + RTM_WIRE_MAX_MESSAGE];
} G = {.life = PTHREAD_MUTEX_INITIALIZER,
       .lock = PTHREAD_MUTEX_INITIALIZER,
       .cond = PTHREAD_COND_INITIALIZER};

static void service_client(rtm_client_t *c);
static int on_writeable(rtm_conn_t *conn, struct lws *wsi);

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

void io_kick(rtm_client_t *c)
{
    pthread_mutex_lock(&G.lock);
    bool wake = mark_dirty_locked(c);
    struct lws_context *ctx = G.ctx;
    pthread_mutex_unlock(&G.lock);
    if (wake && ctx)
        lws_cancel_service(ctx);
}

/* ---- connections --------------------------------------------------------------------- */

static void conn_free(rtm_conn_t *conn)
{
    rtm_buf_free(&conn->rx);
    rtm_buf_free(&conn->farewell);
    free(conn);
    G.nconns--;
}

/* The connection of a client is gone: tell the client once, then let it decide. */
static void conn_lost(rtm_conn_t *conn, rtm_err_t why, const char *detail)
{
    if (conn->lost)
        return;
    conn->lost = true;
    rtm_client_t *c = conn->client;
    if (!c)
        return;
    conn->client = NULL;
    if (c->conn == conn)
        c->conn = NULL;
    c->rx_paused = false;
    client_io_lost(c, conn->gen, why, detail);
    io_kick(c); /* serviced on the next loop pass, outside this callback */
}

/* Closes c's connection without telling c (its state machine already moved on). */
static void conn_close(rtm_client_t *c)
{
    rtm_conn_t *conn = c->conn;
    c->conn = NULL;
    c->rx_paused = false;
    if (!conn)
        return;
    conn->client = NULL;
    conn->lost = true;
    if (conn->established)
        lws_callback_on_writable(conn->wsi); /* writes any farewell, then closes */
    else
        lws_set_timeout(conn->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
}

static void conn_start(rtm_client_t *c, const rtm_url_t *url, uint64_t gen)
{
    rtm_conn_t *conn = calloc(1, sizeof(*conn));
    if (!conn) {
        client_io_lost(c, gen, RTM_ERR_NO_MEMORY, "out of memory");
        io_kick(c);
        return;
    }
    rtm_buf_init(&conn->rx, 0);
    rtm_buf_init(&conn->farewell, LWS_PRE);
    conn->client = c;
    conn->gen = gen;
    int64_t hb_s = c->cfg.heartbeat_interval_ms / 1000;
    conn->retry.secs_since_valid_ping = (uint16_t)(hb_s < 1 ? 1 : hb_s > 3000 ? 3000 : hb_s);
    conn->retry.secs_since_valid_hangup = (uint16_t)(conn->retry.secs_since_valid_ping * 3);
    G.nconns++;
    c->conn = conn;

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof(ci));
    ci.context = G.ctx;
    ci.address = url->host;
    ci.port = url->port;
    ci.path = url->path;
    ci.host = url->host;
    ci.origin = url->host;
    ci.protocol = RTM_PROTOCOL_NAME;
    ci.local_protocol_name = RTM_PROTOCOL_NAME;
    ci.userdata = conn;
    ci.pwsi = &conn->wsi;
    ci.retry_and_idle_policy = &conn->retry;
    if (url->tls) {
        ci.ssl_connection = LCCSCF_USE_SSL;
        if (!c->cfg.tls_verify_peer)
            ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                 LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
    }
    conn->in_connect = true;
    struct lws *wsi = lws_client_connect_via_info(&ci);
    conn->in_connect = false;
    if (!wsi) {
        /* no callback follows a NULL return; one may have come during the call */
        conn_lost(conn, RTM_ERR_NETWORK, "the connection could not be started");
        conn_free(conn);
        return;
    }
    if (conn->destroyed)
        conn_free(conn);
}

/* ---- servicing ----------------------------------------------------------------------- */

static void service_client(rtm_client_t *c)
{
    client_io_actions_t a;
    client_io_actions(c, c->conn && c->conn->established, &a);
    if (a.close)
        conn_close(c);
    if (a.connect)
        conn_start(c, &a.url, a.gen);
    if (a.writable && c->conn)
        lws_callback_on_writable(c->conn->wsi);
    if (a.rx_resume && c->conn && c->rx_paused) {
        c->rx_paused = false;
        lws_rx_flow_control(c->conn->wsi, 1);
    }
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
    if (conn && conn->established)
        client_io_farewell(c, &conn->farewell);
    conn_close(c);
    /* The farewell (the acks still queued, then the LOGOUT) goes out in this pass, ahead of
     * anything the application sends once rtm_client_free has returned (that waits for a
     * WRITEABLE callback): a message to this user must not reach the server before its
     * logout. */
    if (conn && conn->farewell.len && !lws_partial_buffered(conn->wsi) &&
        on_writeable(conn, conn->wsi) < 0)
        lws_set_timeout(conn->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
    pthread_mutex_lock(&G.lock);
    unregister_locked(c);
    c->io_detached = true;
    pthread_cond_broadcast(&G.cond);
    pthread_mutex_unlock(&G.lock);
    /* c may be freed from here on */
}

static void destroy_from_loop(lws_sorted_usec_list_t *sul)
{
    lws_context_destroy(G.ctx);
}

static void maybe_stop(void)
{
    if (G.stopping && (G.nconns == 0 || rtm_now_mono_ms() >= G.stop_deadline_ms))
        lws_sul_schedule(G.ctx, 0, &G.stop_sul, destroy_from_loop, 1);
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

static void tick(lws_sorted_usec_list_t *sul)
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
    lws_sul_schedule(G.ctx, 0, &G.tick_sul, tick, TICK_MS * LWS_US_PER_MS);
}

/* ---- libwebsockets callback ---------------------------------------------------------- */

static int on_receive(rtm_conn_t *conn, struct lws *wsi, const uint8_t *in, size_t len)
{
    rtm_client_t *c = conn->client;
    if (!c)
        return 0;
    bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
    if (first)
        conn->rx_text = !lws_frame_is_binary(wsi);
    if (conn->rx_text) { /* rtm.1 is binary only: skip every fragment of a text message */
        if (final) {
            pthread_mutex_lock(&c->lock);
            rtm_log(&c->log, RTM_LOG_WARN, "the server sent a text message: ignored");
            pthread_mutex_unlock(&c->lock);
        }
        return 0;
    }
    const uint8_t *msg = in;
    size_t msg_len = len;
    if (!(first && final && conn->rx.len == 0)) {
        if (conn->rx.len + len > RTM_WIRE_MAX_MESSAGE) {
            pthread_mutex_lock(&c->lock);
            rtm_log(&c->log, RTM_LOG_ERROR, "a message from the server exceeds %d bytes",
                    RTM_WIRE_MAX_MESSAGE);
            pthread_mutex_unlock(&c->lock);
            return -1;
        }
        if (!rtm_buf_append(&conn->rx, in, len))
            return -1;
        if (!final)
            return 0;
        msg = rtm_buf_data(&conn->rx);
        msg_len = conn->rx.len;
    }
    client_io_message(c, conn->gen, msg, msg_len);
    rtm_buf_free(&conn->rx); /* idle connections hold no buffer */
    if (conn->client && !c->rx_paused && rtm_eq_count(&c->events) >= c->events.capacity) {
        c->rx_paused = true; /* the application polls again before we read more */
        lws_rx_flow_control(wsi, 0);
    }
    if (conn->client)
        service_client(c);
    return 0;
}

static int on_writeable(rtm_conn_t *conn, struct lws *wsi)
{
    uint8_t *out = G.scratch + LWS_PRE;
    if (!conn->client) {
        if (conn->farewell.len) {
            memcpy(out, rtm_buf_data(&conn->farewell), conn->farewell.len);
            int n = lws_write(wsi, out, conn->farewell.len, LWS_WRITE_BINARY);
            conn->farewell.len = 0;
            if (n < 0)
                return -1;
            /* rtmd answers the LOGOUT by closing; lws flushes any unsent rest first, and the
               next WRITEABLE (all flushed) or this backstop ends the connection */
            lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, 2);
            lws_callback_on_writable(wsi);
            return 0;
        }
        return -1;
    }
    bool more;
    size_t n = client_io_take_output(conn->client, conn->gen, out, WRITE_BATCH_MAX, &more);
    if (n && lws_write(wsi, out, n, LWS_WRITE_BINARY) < (int)n)
        return -1;
    if (more)
        lws_callback_on_writable(wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    rtm_conn_t *conn = user;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        drain_dirty();
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!conn)
            return -1;
        conn->established = true;
        if (!conn->client)
            return -1; /* closed while its handshake ran: lws cancelled our kill timeout */
        client_io_established(conn->client, conn->gen);
        service_client(conn->client);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return conn ? on_receive(conn, wsi, in, len) : 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return conn ? on_writeable(conn, wsi) : -1;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (conn)
            conn_lost(conn, RTM_ERR_NETWORK, in ? (const char *)in : "connection error");
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        if (conn)
            conn_lost(conn, RTM_ERR_NETWORK, "the connection closed");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (!conn)
            return 0;
        conn_lost(conn, RTM_ERR_NETWORK, "the connection closed");
        if (conn->in_connect) {
            conn->destroyed = true;
        } else {
            conn_free(conn);
            maybe_stop();
        }
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {RTM_PROTOCOL_NAME, callback, 0, 2048, 0, NULL, WRITE_BATCH_MAX},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- thread life --------------------------------------------------------------------- */

static void ignore_signal(void *loop_handle, int signum)
{
    /* a library never takes the application's signals */
}

static void *io_main(void *arg)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.signal_cb = ignore_signal;
    info.gid = -1;
    info.uid = -1;
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context *ctx = lws_create_context(&info);
    pthread_mutex_lock(&G.lock);
    G.ctx = ctx;
    G.started = true;
    G.start_failed = !ctx;
    pthread_cond_broadcast(&G.cond);
    pthread_mutex_unlock(&G.lock);
    if (!ctx)
        return NULL;
    lws_sul_schedule(ctx, 0, &G.tick_sul, tick, TICK_MS * LWS_US_PER_MS);
    while (lws_service(ctx, 0) >= 0 && !G.stopping)
        ;
    lws_context_destroy(ctx);
    rtm_event_pool_drain(); /* no messages arrive until the next start */
    return NULL;
}

bool io_attach(rtm_client_t *c)
{
    bool ok = true;
    pthread_mutex_lock(&G.life);
    if (G.refs == 0) {
        G.started = G.start_failed = G.stop = G.stopping = false;
        G.ctx = NULL;
        G.nconns = 0;
        memset(&G.tick_sul, 0, sizeof(G.tick_sul));
        memset(&G.stop_sul, 0, sizeof(G.stop_sul));
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
    bool wake = mark_dirty_locked(c);
    struct lws_context *ctx = G.ctx;
    pthread_mutex_unlock(&G.lock);
    if (wake)
        lws_cancel_service(ctx);
    pthread_mutex_lock(&G.lock);
    while (!c->io_detached)
        pthread_cond_wait(&G.cond, &G.lock);
    bool last = --G.refs == 0;
    if (last)
        G.stop = true;
    pthread_mutex_unlock(&G.lock);
    if (last) {
        lws_cancel_service(ctx);
        pthread_join(G.thread, NULL);
        G.ctx = NULL;
    }
    pthread_mutex_unlock(&G.life);
}
