/* The shared I/O thread (see io_thread.h): owns the libwebsockets context and every
 * connection of every client. Runs only on its own thread, except io_attach / io_kick /
 * io_detach, which touch nothing of libwebsockets but lws_cancel_service().
 * Lock order: rtm_inv_lock, a channel handle's lock, then G.lock (io_kick), then a client's
 * lock; nobody calls io_kick while holding a client's lock, and nothing takes rtm_inv_lock or
 * a client's lock while holding G.lock. */
#include "io_thread.h"

#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <uv.h>
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
    rtm_client_t *client;          /* NULL once the client let go of it */
    rtm_buf_t rx;                  /* reassembly of a fragmented message */
    rtm_buf_t farewell;            /* frames to write before closing an orphaned connection */
    lws_sorted_usec_list_t hb_sul; /* our heartbeat: PING, and the check for a dead server */
    int64_t last_rx_ms;            /* when anything last arrived */
    uint64_t gen;                  /* the client's connection generation at connect */
    bool established, lost, in_connect, destroyed, rx_text;
    bool tls, verify_peer; /* a wss:// connection, and whether its certificate counts */
    bool own_ca;           /* verified against tls.ca_file, not the system store */
    char tls_problem[200]; /* why the certificate was refused; "" while it was not */
} rtm_conn_t;

/* A client vhost whose TLS trusts exactly one CA file (tls.ca_file); lws keeps client TLS
 * settings per vhost, so clients with different CA files use different vhosts. */
typedef struct ca_vhost {
    struct ca_vhost *next;
    struct lws_vhost *vhost; /* owned by the context */
    char path[];
} ca_vhost_t;

static struct io {
    pthread_mutex_t life; /* serialises start and stop */
    pthread_mutex_t lock; /* everything below but the I/O-thread-only fields */
    pthread_cond_t cond;
    pthread_t thread;
    struct lws_context *ctx;
    /* I/O thread only: our own libuv loop, which lws joins as a "foreign" loop. On a loop of
       its own making lws would install handlers for SIGINT, SIGTERM, SIGHUP, SIGSEGV and
       SIGFPE, taking them from the application (and from a JVM or Mono runtime). */
    uv_loop_t loop;
    struct lws_context *lws_owned; /* lws clears it once the context is wholly destroyed */
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
    ca_vhost_t *ca_vhosts;
    unsigned n_ca_vhosts;
    uint8_t scratch[LWS_PRE + RTM_WIRE_MAX_MESSAGE];
} G = {.life = PTHREAD_MUTEX_INITIALIZER,
       .lock = PTHREAD_MUTEX_INITIALIZER,
       .cond = PTHREAD_COND_INITIALIZER};

static void service_client(rtm_client_t *c);
static int on_writeable(rtm_conn_t *conn, struct lws *wsi);

/* Liveness is ours (PING frames, docs/protocol.md "Heartbeats"), not lws's: its validity
 * pings would go unanswered while we pause reading for a full event queue. */
static const lws_retry_bo_t no_lws_pings = {.secs_since_valid_ping = 0xffff,
                                            .secs_since_valid_hangup = 0xffff};

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
    lws_sul_cancel(&conn->hb_sul);
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

/* ---- TLS ----------------------------------------------------------------------------- */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);

static const struct lws_protocols protocols[] = {
    {RTM_PROTOCOL_NAME, callback, 0, 2048, 0, NULL, WRITE_BATCH_MAX},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

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
    if (n == 0)
        snprintf(why, cap, "TLS: tls.ca_file %s holds no PEM certificate", path);
    return n;
}

/* The client vhost that trusts exactly the CAs in path (created on first use), or NULL with
 * a sentence in why. I/O thread only. */
static struct lws_vhost *vhost_for_ca(const char *path, char *why, size_t cap)
{
    for (ca_vhost_t *v = G.ca_vhosts; v; v = v->next)
        if (strcmp(v->path, path) == 0)
            return v->vhost;
    if (count_certificates(path, why, cap) == 0)
        return NULL;
    size_t len = strlen(path);
    ca_vhost_t *v = malloc(sizeof(*v) + len + 1);
    if (!v) {
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    memcpy(v->path, path, len + 1);
    char name[32];
    snprintf(name, sizeof(name), "rtm-ca-%u", ++G.n_ca_vhosts);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.vhost_name = name;
    /* only this file: the system store is for clients without tls.ca_file */
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
    info.client_ssl_ca_filepath = v->path;
    v->vhost = lws_create_vhost(G.ctx, &info);
    if (!v->vhost) {
        snprintf(why, cap, "TLS: cannot set up TLS with tls.ca_file %s", path);
        free(v);
        return NULL;
    }
    v->next = G.ca_vhosts;
    G.ca_vhosts = v;
    return v->vhost;
}

/* During the handshake, for each certificate OpenSSL could not verify: remembers why (the
 * first problem), or overrules it when tls.verify_peer is false. */
static void on_verify(struct lws *wsi, X509_STORE_CTX *store, int preverify_ok)
{
    rtm_conn_t *conn = lws_wsi_user(wsi);
    int err = X509_STORE_CTX_get_error(store);
    if (preverify_ok || err == X509_V_OK || !conn)
        return;
    if (!conn->verify_peer) {
        X509_STORE_CTX_set_error(store, X509_V_OK);
        return;
    }
    if (conn->tls_problem[0])
        return;
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
        snprintf(conn->tls_problem, sizeof(conn->tls_problem),
                 "TLS: the server's certificate is not signed by a trusted certificate "
                 "authority (%s); %s",
                 reason,
                 conn->own_ca ? "check tls.ca_file"
                              : "the system store does not trust it: set tls.ca_file");
        break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        host = X509_VERIFY_PARAM_get0_host(X509_STORE_CTX_get0_param(store), 0);
        if (!host)
            host = ip = X509_VERIFY_PARAM_get1_ip_asc(X509_STORE_CTX_get0_param(store));
        snprintf(conn->tls_problem, sizeof(conn->tls_problem),
                 "TLS: the server's certificate is not valid for host name %s", host ? host : "?");
        OPENSSL_free(ip);
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        snprintf(conn->tls_problem, sizeof(conn->tls_problem),
                 "TLS: the server's certificate is out of its validity period (%s)", reason);
        break;
    default:
        snprintf(conn->tls_problem, sizeof(conn->tls_problem),
                 "TLS: the server's certificate was refused: %s", reason);
        break;
    }
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
    ci.retry_and_idle_policy = &no_lws_pings;
    if (url->tls) {
        conn->tls = true;
        conn->verify_peer = c->cfg.tls_verify_peer;
        ci.ssl_connection = LCCSCF_USE_SSL;
        if (!c->cfg.tls_verify_peer)
            ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                 LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
        if (c->cfg.tls_ca_file) {
            conn->own_ca = true;
            char why[sizeof(conn->tls_problem)];
            ci.vhost = vhost_for_ca(c->cfg.tls_ca_file, why, sizeof(why));
            if (!ci.vhost) {
                conn_lost(conn, RTM_ERR_TLS, why);
                conn_free(conn);
                return;
            }
        }
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
        c->conn->last_rx_ms = rtm_now_mono_ms(); /* silence while we did not read is ours */
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
    /* io_detach may have queued c again while we were detaching it (it marks c after setting
       freeing, which we may have seen already): c is freed once io_detached is set */
    unmark_dirty_locked(c);
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

/* ---- heartbeat ----------------------------------------------------------------------- */

#define HEARTBEAT_MISSES 3 /* intervals without a byte from the server before it counts as dead */

static void heartbeat(lws_sorted_usec_list_t *sul)
{
    rtm_conn_t *conn = lws_container_of(sul, rtm_conn_t, hb_sul);
    rtm_client_t *c = conn->client;
    if (!c)
        return;
    int64_t interval = client_io_heartbeat(c, conn->gen);
    int64_t silent = rtm_now_mono_ms() - conn->last_rx_ms;
    if (!c->rx_paused && silent > HEARTBEAT_MISSES * interval) {
        char why[96];
        snprintf(why, sizeof(why), "the server sent nothing for %lld ms", (long long)silent);
        struct lws *wsi = conn->wsi;
        conn_lost(conn, RTM_ERR_NETWORK, why);
        lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
        return;
    }
    service_client(c); /* writes the PING */
    lws_sul_schedule(G.ctx, 0, &conn->hb_sul, heartbeat, interval * LWS_US_PER_MS);
}

/* ---- libwebsockets callback ---------------------------------------------------------- */

static int on_receive(rtm_conn_t *conn, struct lws *wsi, const uint8_t *in, size_t len)
{
    rtm_client_t *c = conn->client;
    if (!c)
        return 0;
    conn->last_rx_ms = rtm_now_mono_ms();
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

/* A connection that failed before its WebSocket handshake: RTM_ERR_TLS when TLS was what
 * failed (the certificate, or the TLS handshake itself), else RTM_ERR_NETWORK. */
static void connect_failed(rtm_conn_t *conn, const char *lws_reason)
{
    char detail[sizeof(conn->tls_problem) + 64];
    if (conn->tls && conn->tls_problem[0]) {
        conn_lost(conn, RTM_ERR_TLS, conn->tls_problem);
    } else if (conn->tls && lws_reason &&
               (strstr(lws_reason, "ssl") || strstr(lws_reason, "SSL") ||
                strstr(lws_reason, "tls") || strstr(lws_reason, "TLS"))) {
        snprintf(detail, sizeof(detail),
                 "TLS: the TLS handshake with the server failed; does it serve wss:// there? (%s)",
                 lws_reason);
        conn_lost(conn, RTM_ERR_TLS, detail);
    } else {
        conn_lost(conn, RTM_ERR_NETWORK, lws_reason ? lws_reason : "connection error");
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION) {
        /* user is OpenSSL's store context here, not our connection */
        on_verify(wsi, user, (int)len);
        return 0; /* 0: OpenSSL's verdict (or our overruling) stands */
    }
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
        conn->last_rx_ms = rtm_now_mono_ms();
        lws_sul_schedule(G.ctx, 0, &conn->hb_sul, heartbeat,
                         client_io_heartbeat(conn->client, conn->gen) * LWS_US_PER_MS);
        client_io_established(conn->client, conn->gen);
        service_client(conn->client);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return conn ? on_receive(conn, wsi, in, len) : 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return conn ? on_writeable(conn, wsi) : -1;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (conn)
            connect_failed(conn, in ? (const char *)in : NULL);
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

/* ---- thread life --------------------------------------------------------------------- */

static void close_leftover(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void *io_main(void *arg)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    void *loops[1] = {&G.loop};
    info.foreign_loops = loops;
    info.pcontext = &G.lws_owned;
    info.gid = -1;
    info.uid = -1;
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context *ctx = uv_loop_init(&G.loop) == 0 ? lws_create_context(&info) : NULL;
    G.lws_owned = ctx;
    pthread_mutex_lock(&G.lock);
    G.ctx = ctx;
    G.started = true;
    G.start_failed = !ctx;
    pthread_cond_broadcast(&G.cond);
    pthread_mutex_unlock(&G.lock);
    if (!ctx) {
        uv_loop_close(&G.loop);
        return NULL;
    }
    lws_sul_schedule(ctx, 0, &G.tick_sul, tick, TICK_MS * LWS_US_PER_MS);
    /* runs until destroy_from_loop has destroyed the context and lws has closed its handles */
    uv_run(&G.loop, UV_RUN_DEFAULT);
    lws_context_destroy(G.lws_owned); /* finishes what is left, if anything (NULL is fine) */
    uv_walk(&G.loop, close_leftover, NULL);
    uv_run(&G.loop, UV_RUN_DEFAULT);
    uv_loop_close(&G.loop);
    rtm_event_pool_drain(); /* no messages arrive until the next start */
    while (G.ca_vhosts) {   /* the vhosts went with the context */
        ca_vhost_t *v = G.ca_vhosts;
        G.ca_vhosts = v->next;
        free(v);
    }
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
        G.ca_vhosts = NULL;
        G.n_ca_vhosts = 0;
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
    /* the I/O thread may have detached c already (it saw freeing on an earlier pass): then c
       must not go on the dirty list, from which nothing would take it before it is freed */
    bool wake = !c->io_detached && mark_dirty_locked(c);
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
