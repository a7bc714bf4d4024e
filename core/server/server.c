/* rtmd's libwebsockets side (see server.h): context and vhost on libuv, the HTTP protocol
 * (GET /healthz), the rtm.1 protocol (connection lifecycle, message reassembly), and the
 * stop on SIGTERM/SIGINT. The only file that creates or destroys lws objects. */
#include "server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "admin.h"
#include "conn.h"
#include "dispatch.h"
#include "heartbeat.h"
#include "outq.h"
#include "reader.h"
#include "resume.h"
#include "session.h"
#include "tls.h"

/* Per-connection receive buffer (allocated by lws for each connection's lifetime: keep it
 * small) and the most lws hands the kernel per send (one packed write). */
#define RX_BUFFER_SIZE 256
#define TX_PACKET_SIZE 16384
/* The protocol of reader.c's raw descriptor: no client may upgrade to it. */
#define READER_PROTOCOL "rtmd-reader"

/* lws hands signal and log callbacks no user pointer. */
static rtmd_server_t *the_server;

/* ---- logging ------------------------------------------------------------------------- */

static void lws_log_emit(int level, const char *line)
{
    if (!the_server)
        return;
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    rtm_log_level_t ours = (level & LLL_ERR)    ? RTM_LOG_ERROR
                           : (level & LLL_WARN) ? RTM_LOG_WARN
                                                : RTM_LOG_DEBUG;
    rtm_log(&the_server->log, ours, "lws: %.*s", (int)n, line);
}

static int lws_levels(int ours)
{
    if (ours >= RTM_LOG_DEBUG)
        return LLL_ERR | LLL_WARN | LLL_NOTICE;
    if (ours >= RTM_LOG_WARN)
        return LLL_ERR | LLL_WARN;
    return LLL_ERR;
}

/* ---- stopping ------------------------------------------------------------------------ */

static void stop_timers(rtmd_server_t *srv)
{
    rtmd_channels_stop(&srv->channels);
    rtmd_offline_stop(srv);
    rtmd_invites_stop(&srv->invites);
    rtmd_heartbeat_stop(srv);
    rtmd_resume_stop(srv);
    rtmd_token_timers_stop(&srv->token_timers);
    lws_sul_cancel(&srv->flush_timer);
}

/* Runs inside the loop: destroying the context there is what makes lws_service() return. */
static void stop_now(lws_sorted_usec_list_t *sul)
{
    rtmd_server_t *srv = lws_container_of(sul, rtmd_server_t, stop_timer);
    if (srv->destroying)
        return;
    if (srv->n_conns)
        rtm_log(&srv->log, RTM_LOG_WARN, "stopping with %zu connections still closing",
                srv->n_conns);
    srv->destroying = true;
    stop_timers(srv);
    rtmd_reader_stop(srv);
    lws_context_destroy(srv->ctx);
}

/* A timer set from the signal callback is only looked at after the loop's next I/O: the
 * cancel pipe provides that I/O at once. */
static void schedule_stop(rtmd_server_t *srv, lws_usec_t us)
{
    lws_sul_schedule(srv->ctx, 0, &srv->stop_timer, stop_now, us);
    lws_cancel_service(srv->ctx);
}

/* The drain: nothing new is accepted (the filters look at stopping), every connection gets
 * GOAWAY and closes once its queue is written, no session is held for a resume, and the
 * process stops when the last connection is gone or --drain-timeout-ms has passed. */
static void begin_stop(rtmd_server_t *srv, int signum)
{
    if (srv->stopping) { /* a second signal: no more waiting */
        schedule_stop(srv, 1);
        return;
    }
    srv->stopping = true;
    rtm_log(&srv->log, RTM_LOG_INFO, "%s: draining %zu connections (at most %u ms), %zu held",
            signum == SIGTERM ? "SIGTERM" : "SIGINT", srv->n_conns,
            (unsigned)srv->opt->drain_timeout_ms, srv->n_held);
    const struct lws_protocols *rtm = lws_vhost_name_to_protocol(srv->vhost, RTM_PROTOCOL_NAME);
    if (rtm)
        lws_callback_all_protocol_vhost_args(srv->vhost, rtm, LWS_CALLBACK_USER, NULL, 0);
    rtmd_resume_end_all(srv);
    lws_usec_t wait = (lws_usec_t)srv->opt->drain_timeout_ms * LWS_US_PER_MS;
    schedule_stop(srv, srv->n_conns && wait ? wait : 1);
}

/* Called by lws's libuv backend, inside the loop, for the signals it watches. */
static void on_signal(void *handle, int signum)
{
    rtmd_server_t *srv = the_server;
    (void)handle;
    if (!srv || srv->destroying)
        return;
    if (signum == SIGTERM || signum == SIGINT)
        begin_stop(srv, signum);
    else if (signum == SIGHUP)
        rtm_log(&srv->log, RTM_LOG_INFO, "SIGHUP ignored");
}

/* ---- HTTP: GET /healthz, /admin/ (admin.c) ------------------------------------------ */

/* Most bytes of a body written per WRITEABLE. */
#define HTTP_CHUNK 4096

typedef struct http_pss {
    char *body; /* the answer's body still to write: malloc'd, or a string literal */
    size_t len, off;
    unsigned status;
    bool body_static;
    bool challenge;  /* 401: WWW-Authenticate */
    bool after_body; /* answer once the request body has been read */
} http_pss_t;

static int http_done(struct lws *wsi)
{
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static void http_drop_body(http_pss_t *pss)
{
    if (!pss->body_static)
        free(pss->body);
    pss->body = NULL;
    pss->len = pss->off = 0;
}

/* Writes the headers of the answer held in pss; the body follows on WRITEABLE. */
static int http_send_head(struct lws *wsi, http_pss_t *pss, const char *content_type)
{
    uint8_t buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
    if (lws_add_http_common_headers(wsi, pss->status, content_type, pss->len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)"no-store", 8, &p, end) ||
        (pss->challenge &&
         lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_WWW_AUTHENTICATE,
                                      (const unsigned char *)"Bearer", 6, &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int on_admin(rtmd_server_t *srv, struct lws *wsi, http_pss_t *pss, const char *uri)
{
    rtmd_http_reply_t r;
    rtmd_admin_serve(srv, wsi, uri, &r); /* acts now: the headers are readable only here */
    http_drop_body(pss);
    pss->status = r.status;
    pss->challenge = r.challenge;
    pss->body_static = !r.body;
    pss->body = r.body ? r.body : (char *)"{\"error\":\"out of memory\"}\n";
    pss->len = strlen(pss->body);
    /* A request with a body is answered once lws has read it. */
    char length[24] = "";
    lws_hdr_copy(wsi, length, sizeof(length), WSI_TOKEN_HTTP_CONTENT_LENGTH);
    pss->after_body = strtoull(length, NULL, 10) > 0 ||
                      lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    if (pss->after_body)
        return 0;
    return http_send_head(wsi, pss, "application/json");
}

static int on_http(rtmd_server_t *srv, struct lws *wsi, http_pss_t *pss, const char *uri)
{
    if (rtmd_admin_path(uri))
        return on_admin(srv, wsi, pss, uri);
    if (strcmp(uri, "/healthz") != 0) {
        if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL))
            return -1;
        return http_done(wsi);
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
        if (lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, NULL))
            return -1;
        return http_done(wsi);
    }
    http_drop_body(pss);
    pss->status = HTTP_STATUS_OK;
    pss->challenge = false;
    pss->body_static = true;
    pss->body = (char *)"ok\n";
    pss->len = 3;
    return http_send_head(wsi, pss, "text/plain");
}

static int on_http_writeable(struct lws *wsi, http_pss_t *pss)
{
    if (!pss || !pss->body)
        return 0;
    uint8_t buf[LWS_PRE + HTTP_CHUNK];
    size_t n = pss->len - pss->off < HTTP_CHUNK ? pss->len - pss->off : HTTP_CHUNK;
    bool final = pss->off + n == pss->len;
    memcpy(buf + LWS_PRE, pss->body + pss->off, n);
    if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    pss->off += n;
    if (!final) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    http_drop_body(pss);
    return http_done(wsi);
}

/* A socket accepted over the limit: an HTTP answer a client can show (its WebSocket handshake
 * fails with status 503), written straight to the new socket, whose send buffer is empty. What
 * the client already sent is read first, so that the close is a FIN rather than a reset that
 * could discard the answer. */
static void refuse_socket(rtmd_server_t *srv, int fd)
{
    static const char answer[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                 "Content-Type: text/plain\r\n"
                                 "Content-Length: 37\r\n"
                                 "Connection: close\r\n"
                                 "\r\n"
                                 "rtmd: too many connections, try later\n";
    char sink[512];
    while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
        ;
    ssize_t n = send(fd, answer, sizeof(answer) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)n; /* best effort: the socket is closed either way */
    shutdown(fd, SHUT_WR);
    srv->n_refused++;
    /* One line per 1,000 (and the first): a storm must not flood the log. */
    if (srv->n_refused % 1000 == 1)
        rtm_log(&srv->log, RTM_LOG_WARN,
                "refused a connection at accept: %zu connections, --max-connections %u or the "
                "open-file limit reached (%llu refused so far)",
                srv->n_conns, (unsigned)srv->opt->max_connections,
                (unsigned long long)srv->n_refused);
}

static int callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    rtmd_server_t *srv = lws_context_user(lws_get_context(wsi));
    http_pss_t *pss = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: {
        if (srv->stopping)
            return 1;               /* draining: accept nothing new */
        int fd = (int)(intptr_t)in; /* lws 4.1 passes the accepted descriptor here */
        if (srv->n_conns >= srv->opt->max_connections || fd >= srv->accept_fd_max) {
            refuse_socket(srv, fd);
            return 1;
        }
        return 0;
    }
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* A WebSocket upgrade lands here only when it did not ask for rtm.1. */
        rtm_log(&srv->log, RTM_LOG_INFO, "refused a WebSocket upgrade without subprotocol %s",
                RTM_PROTOCOL_NAME);
        return 1;
    case LWS_CALLBACK_HTTP:
        return pss ? on_http(srv, wsi, pss, in ? (const char *)in : "") : -1;
    case LWS_CALLBACK_HTTP_BODY:
        return 0; /* the admin endpoint takes no body: ignored */
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!pss || !pss->after_body)
            return 0;
        pss->after_body = false;
        return http_send_head(wsi, pss, "application/json");
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return on_http_writeable(wsi, pss);
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss)
            http_drop_body(pss);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- rtm.1 connections --------------------------------------------------------------- */

static int on_established(rtmd_server_t *srv, struct lws *wsi, rtmd_wsi_t *w)
{
    rtmd_conn_t *c = rtmd_conn_new();
    if (!c) {
        rtm_log(&srv->log, RTM_LOG_ERROR, "out of memory: a connection was refused");
        return -1;
    }
    c->wsi = wsi;
    c->id = ++srv->next_conn_id;
    c->state = RTMD_CONN_OPEN;
    w->conn = c;
    w->established = true;
    srv->n_conns++;
    rtmd_heartbeat_add(srv, c);
    rtmd_reader_take(srv, wsi, w); /* plain ws://: rtmd reads it from now on */
    if (RTM_LOG_ENABLED(&srv->log, RTM_LOG_INFO)) {
        char peer[64] = "?";
        lws_get_peer_simple(wsi, peer, sizeof(peer));
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu: connected from %s (%zu connections)",
                (unsigned long long)c->id, peer, srv->n_conns);
    }
    return 0;
}

static int close_now(struct lws *wsi, enum lws_close_status status, const char *reason)
{
    lws_close_reason(wsi, status, (unsigned char *)(uintptr_t)reason, strlen(reason));
    return -1;
}

/* One chunk of a WebSocket message: whole messages are decoded straight from lws's buffer,
 * fragmented ones are gathered first (up to RTM_WIRE_MAX_MESSAGE). */
static int on_receive(rtmd_server_t *srv, rtmd_conn_t *c, const uint8_t *in, size_t len)
{
    bool first = !c->rx_in_msg;
    /* lws_is_final_fragment formats a debug line on every call (libwebsockets 4.1.6): a chunk
     * with more of its WebSocket frame to come is not final, and that needs no call. */
    bool final = lws_remaining_packet_payload(c->wsi) == 0 && lws_is_final_fragment(c->wsi) != 0;
    if (first) {
        c->rx_text = !lws_frame_is_binary(c->wsi);
        c->rx_total = 0;
    }
    if (len > RTM_WIRE_MAX_MESSAGE - c->rx_total) {
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: closed: a message is over %u bytes",
                (unsigned long long)c->id, rtmd_conn_user(c), (unsigned)RTM_WIRE_MAX_MESSAGE);
        return close_now(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
    }
    c->rx_total += (uint32_t)len;
    c->rx_in_msg = !final;

    if (c->rx_text) {
        if (final)
            rtmd_conn_error(srv, c, 0, RTM_ERR_PROTOCOL,
                            "text messages are not part of rtm.1: send frames in binary messages");
        return 0;
    }
    if (first && final) {
        rtmd_conn_t *now = rtmd_dispatch_message(srv, c, in, len);
        if (now != c) /* a LOGIN resumed a held session: c has handed its connection over */
            rtmd_conn_free(srv, c);
        return 0;
    }
    if (!rtmd_conn_rx_append(c, in, len)) {
        rtm_log(&srv->log, RTM_LOG_ERROR, "conn %llu: out of memory receiving a message",
                (unsigned long long)c->id);
        return close_now(c->wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
    }
    if (final) {
        rtmd_conn_t *now = rtmd_dispatch_message(srv, c, rtm_buf_data(c->rx), c->rx->len);
        rtmd_conn_rx_free(c); /* idle connections hold no buffers */
        if (now != c)
            rtmd_conn_free(srv, c);
    }
    return 0;
}

/* c's connection closed: its session is held for a resume, or ends. */
static void on_closed(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtmd_heartbeat_remove(srv, c);
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: closed (%zu connections)",
            (unsigned long long)c->id, rtmd_conn_user(c), srv->n_conns);
    if (!rtmd_resume_detach(srv, c))
        rtmd_session_destroy(srv, c);
}

/* GOAWAY, then the close once everything queued is written. */
static void drain_one(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_GOAWAY, 0);
    rtm_frame_set_str(&f, RTM_K_ERRMSG, "the server is shutting down: reconnect");
    rtmd_conn_send_uncounted(srv, c, &f);
    rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
}

static int callback_rtm(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
    rtmd_server_t *srv = lws_context_user(lws_get_context(wsi));
    rtmd_wsi_t *w = user;
    rtmd_conn_t *c = w ? w->conn : NULL;
    /* No session object: ESTABLISHED never ran (LWS_CALLBACK_CLOSED also comes for upgrades
     * refused before it), or the session moved to the connection of a resume. */
    bool live = c && c->wsi == wsi;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (srv->stopping)
            return 1;
        if (srv->n_conns >= srv->opt->max_connections) {
            rtm_log(&srv->log, RTM_LOG_WARN, "refused a connection: --max-connections %u reached",
                    (unsigned)srv->opt->max_connections);
            return 1;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        return w ? on_established(srv, wsi, w) : -1;
    case LWS_CALLBACK_RECEIVE:
        if (!live)
            return 0;
        rtmd_heartbeat_touch(srv, c);
        return on_receive(srv, c, in, len);
    case LWS_CALLBACK_RECEIVE_PONG:
        if (live)
            rtmd_heartbeat_touch(srv, c);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return live ? rtmd_conn_on_writeable(srv, c) : 0;
    case LWS_CALLBACK_TIMER:
        if (w && w->close_asked) /* by reader.c, which set the close reason */
            return -1;
        if (!live || rtmd_conn_on_timer(c) == 0)
            return 0;
        rtmd_reader_give_back(srv, wsi, w); /* lws reads the answer to its CLOSE */
        return -1;
    case LWS_CALLBACK_CLOSED:
        rtmd_reader_give_back(srv, wsi, w);
        if (w && w->established) {
            w->established = false;
            srv->n_conns--;
            w->conn = NULL;
            if (live)
                on_closed(srv, c);
            if (srv->stopping && srv->n_conns == 0 && !srv->destroying)
                lws_sul_schedule(srv->ctx, 0, &srv->stop_timer, stop_now, 1);
        }
        return 0;
    case LWS_CALLBACK_USER: /* begin_stop */
        if (live)
            drain_one(srv, c);
        return 0;
    default:
        return 0;
    }
}

/* The epoll set of the connections rtmd reads itself (reader.c). */
static int callback_reader(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           size_t len)
{
    (void)user;
    (void)in;
    (void)len;
    if (reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION)
        return 1; /* its name is in the protocol list, but it is nobody's subprotocol */
    if (reason == LWS_CALLBACK_RAW_RX_FILE)
        rtmd_reader_ready(lws_context_user(lws_get_context(wsi)));
    return 0;
}

static const struct lws_protocols protocols[] = {
    {.name = "http",
     .callback = callback_http,
     .per_session_data_size = sizeof(http_pss_t),
     .rx_buffer_size = RX_BUFFER_SIZE},
    {.name = RTM_PROTOCOL_NAME,
     .callback = callback_rtm,
     .per_session_data_size = sizeof(rtmd_wsi_t),
     .rx_buffer_size = RX_BUFFER_SIZE,
     .tx_packet_size = TX_PACKET_SIZE},
    {.name = READER_PROTOCOL, .callback = callback_reader},
    {0}, /* LWS_PROTOCOL_LIST_TERM does not exist in 4.1 */
};

/* ---- startup ------------------------------------------------------------------------- */

/* The address lws binds to, as a numeric string (NULL: every interface). */
typedef struct listen_addr {
    char numeric[INET6_ADDRSTRLEN];
    bool any;
    bool ipv6;
} listen_addr_t;

static bool resolve_listen(const rtmd_options_t *o, listen_addr_t *a)
{
    const char *host = o->listen_host;
    memset(a, 0, sizeof(*a));
    a->ipv6 = o->listen_ipv6;
    if (!*host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0) {
        a->any = true;
        return true;
    }
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1) {
        snprintf(a->numeric, sizeof(a->numeric), "%s", host);
        return true;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        fprintf(stderr, "rtmd: cannot resolve listen host '%s': %s\n", host, gai_strerror(rc));
        return false;
    }
    /* Prefer IPv4 ("localhost" usually means 127.0.0.1 to clients). */
    const struct addrinfo *pick = res;
    for (const struct addrinfo *r = res; r; r = r->ai_next)
        if (r->ai_family == AF_INET) {
            pick = r;
            break;
        }
    const void *addr = pick->ai_family == AF_INET
                           ? (const void *)&((const struct sockaddr_in *)pick->ai_addr)->sin_addr
                           : (const void *)&((const struct sockaddr_in6 *)pick->ai_addr)->sin6_addr;
    inet_ntop(pick->ai_family, addr, a->numeric, sizeof(a->numeric));
    a->ipv6 = pick->ai_family == AF_INET6;
    freeaddrinfo(res);
    return true;
}

/* lws's validity pings are off (a zero hangup time): liveness is rtm.1's own PING, so that a
 * client which has stopped reading keeps its connection while its PINGs arrive. Without a
 * policy lws would ping every 300 s and cut clients that do not answer at once. */
static void init_keepalive(rtmd_server_t *srv)
{
    memset(&srv->keepalive, 0, sizeof(srv->keepalive));
}

/* The epoch: random and never 0, so that clients can tell one run of the server from the next
 * (a message id is only unique within one run). */
static bool init_epoch(rtmd_server_t *srv)
{
    for (int i = 0; i < 8 && !srv->epoch; i++)
        if (RAND_bytes((unsigned char *)&srv->epoch, sizeof(srv->epoch)) != 1)
            break;
    if (!srv->epoch)
        fprintf(stderr, "rtmd: cannot draw a random epoch (OpenSSL RAND_bytes failed)\n");
    return srv->epoch != 0;
}

/* Descriptors lws sizes its tables for: the open-file limit, which main.c set to
 * --max-connections plus RTMD_FD_HEADROOM where the hard limit allows. */
static uint64_t fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return INT32_MAX;
    return rl.rlim_cur;
}

/* Sockets still in their handshake are not counted in n_conns; a storm of them is bounded by
 * their descriptor numbers: the lowest free descriptor now (the next one accept would get) plus
 * --max-connections plus RTMD_ACCEPT_SLACK (descriptors rtmd itself opens later, e.g. for the
 * offline store, must not cost connection places), within the open-file limit and
 * libwebsockets' table less RTMD_RESERVED_FDS. Established connections are counted exactly. */
static void set_accept_limit(rtmd_server_t *srv)
{
    int next = fcntl(0, F_DUPFD, 0);
    if (next >= 0)
        close(next);
    else
        next = 0;
    uint64_t limit = (uint64_t)next + srv->opt->max_connections + RTMD_ACCEPT_SLACK;
    uint64_t table = fd_limit();
    table = table > RTMD_RESERVED_FDS ? table - RTMD_RESERVED_FDS : 0;
    if (limit > table)
        limit = table;
    srv->accept_fd_max = limit > INT32_MAX ? INT32_MAX : (int)limit;
}

static bool start_listening(rtmd_server_t *srv)
{
    const rtmd_options_t *o = srv->opt;
    listen_addr_t addr;
    if (!resolve_listen(o, &addr))
        return false;
    uint64_t lws_options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    if (!addr.ipv6)
        lws_options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    if (o->tls_cert) {
        char why[512];
        if (!rtmd_tls_check(o->tls_cert, o->tls_key, why, sizeof(why))) {
            fprintf(stderr, "rtmd: %s\n", why);
            return false;
        }
        lws_options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    }

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.options = lws_options;
    info.signal_cb = on_signal; /* lws must not take the process's signals its own way */
    info.user = srv;
    info.port = CONTEXT_PORT_NO_LISTEN;
    /* no fd_limit_per_thread: see set_fd_limit in main.c */
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx) {
        fprintf(stderr, "rtmd: cannot create the libwebsockets context (is "
                        "libwebsockets-evlib-uv installed?)\n");
        return false;
    }
    /* libuv's handlers for these would spin on a real fault instead of dumping core. */
    signal(SIGSEGV, SIG_DFL);
    signal(SIGFPE, SIG_DFL);

    init_keepalive(srv);
    struct lws_context_creation_info vi;
    memset(&vi, 0, sizeof(vi));
    vi.options = lws_options;
    vi.vhost_name = "rtmd";
    vi.port = o->listen_port;
    vi.iface = addr.any ? NULL : addr.numeric;
    vi.protocols = protocols;
    vi.retry_and_idle_policy = &srv->keepalive;
    vi.ssl_cert_filepath = o->tls_cert; /* NULL: plain ws:// and http */
    vi.ssl_private_key_filepath = o->tls_key;
    srv->vhost = lws_create_vhost(srv->ctx, &vi);
    if (!srv->vhost) {
        fprintf(stderr, "rtmd: cannot listen on %s%s%s:%d (address in use or not available)\n",
                o->listen_ipv6 ? "[" : "", o->listen_host, o->listen_ipv6 ? "]" : "",
                o->listen_port);
        return false;
    }
    set_accept_limit(srv);
    rtmd_reader_start(srv, READER_PROTOCOL);
    int port = lws_get_vhost_listen_port(srv->vhost);
    const char *shown = *o->listen_host ? o->listen_host : "0.0.0.0";
    printf("rtmd listening on %s%s%s:%d\n", o->listen_ipv6 ? "[" : "", shown,
           o->listen_ipv6 ? "]" : "", port);
    fflush(stdout);
    rtm_log(&srv->log, RTM_LOG_INFO,
            "listening on %s%s%s:%d (%s, protocol %s, tokens %s, max %u connections, heartbeat "
            "timeout %u ms, session grace %u ms, epoch %016llx, rate limits %s, admin endpoint %s)",
            o->listen_ipv6 ? "[" : "", shown, o->listen_ipv6 ? "]" : "", port,
            o->tls_cert ? "wss and https" : "ws and http", RTM_PROTOCOL_NAME,
            o->app_certificate ? "required" : "optional", (unsigned)o->max_connections,
            (unsigned)o->heartbeat_timeout_ms, (unsigned)o->session_grace_ms,
            (unsigned long long)srv->epoch, o->rate_limits ? "on" : "off",
            o->admin_token ? "on" : "off");
    return true;
}

/* --ban ID: banned before anyone can log in. */
static bool ban_from_options(rtmd_server_t *srv)
{
    for (uint32_t i = 0; i < srv->opt->n_bans; i++) {
        bool added;
        const char *user = srv->opt->bans[i];
        if (!rtmd_ban(srv, user, strlen(user), &added)) {
            fprintf(stderr, "rtmd: out of memory\n");
            return false;
        }
    }
    return true;
}

int rtmd_server_run(const rtmd_options_t *opt)
{
    rtmd_server_t srv;
    memset(&srv, 0, sizeof(srv));
    srv.opt = opt;
    srv.log.level = (rtm_log_level_t)opt->log_level;
    srv.log.out = NULL;
    srv.log.component = "rtmd";
    rtm_hm_init(&srv.users);
    rtmd_peers_init(&srv.peers);
    rtmd_channels_init(&srv.channels, &srv);
    rtmd_presence_init(&srv.presence);
    rtmd_invites_init(&srv.invites);
    rtmd_rate_logins_init(&srv.login_rates);
    rtmd_token_timers_init(&srv.token_timers);
    rtmd_bans_init(&srv.bans);
    the_server = &srv;
    lws_set_log_level(lws_levels(opt->log_level), lws_log_emit);

    /* The store first: a server that cannot keep offline messages does not start. */
    bool started = init_epoch(&srv) && ban_from_options(&srv) && rtmd_offline_open(&srv) &&
                   start_listening(&srv);
    if (started) {
        rtmd_offline_start(&srv);
        while (!srv.destroying && lws_service(srv.ctx, 0) >= 0)
            ;
    }
    srv.destroying = true;
    if (srv.ctx) {
        stop_timers(&srv);
        rtmd_reader_stop(&srv);
        lws_context_destroy(srv.ctx); /* the second call, from outside the loop, finishes it */
    }
    rtmd_resume_end_all(&srv); /* held sessions have no connection for lws to close */
    if (started)
        rtm_log(&srv.log, RTM_LOG_INFO, "stopped");
    the_server = NULL;
    rtm_hm_destroy(&srv.users);
    rtmd_peers_destroy(&srv.peers);
    rtmd_channels_destroy(&srv.channels);
    rtmd_presence_destroy(&srv.presence);
    rtmd_invites_destroy(&srv.invites);
    rtmd_rate_logins_destroy(&srv.login_rates);
    rtmd_token_timers_destroy(&srv.token_timers);
    rtmd_bans_destroy(&srv.bans);
    rtmd_offline_close(&srv);
    rtmd_conn_flush_cleanup(&srv);
    rtmd_msg_cleanup();
    return started ? 0 : 1;
}
