/* rtmd's own reading of plain ws:// connections (see reader.h). */
#include "reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "dispatch.h"
#include "heartbeat.h"
#include "server.h"
#include "ws.h"

#define READ_BUF  65536 /* one read of one connection */
#define BATCH_MAX 256   /* ready connections taken per epoll_wait */

struct rtmd_reader {
    int epfd;        /* libwebsockets watches it (a raw file descriptor it adopted) and closes it */
    struct lws *raw; /* that adoption */
    /* The parser of every connection that has no frame cut and no fragmented message: a
     * connection's own (rtmd_wsi_t.rx) exists only while it has one. */
    ws_rx_t idle;
    /* The connections epoll_wait gave and not read yet; a connection that closes meanwhile is
     * blanked out (rtmd_reader_give_back). */
    struct epoll_event batch[BATCH_MAX];
    int n_batch;
    struct lws *reading; /* the connection whose bytes are being parsed */
    uint8_t buf[READ_BUF];
};

/* One connection's read in progress. */
typedef struct read_ctx {
    rtmd_server_t *srv;
    struct lws *wsi;
    rtmd_wsi_t *w;
} read_ctx_t;

void rtmd_reader_stop(rtmd_server_t *srv)
{
    struct rtmd_reader *r = srv->reader;
    if (!r)
        return;
    srv->reader = NULL; /* connections still open close through libwebsockets alone */
    if (!r->raw)
        close(r->epfd); /* else the context closes it */
    ws_rx_free(&r->idle);
    free(r);
}

/* Writes a CLOSE frame (status, reason) straight to the socket; how many bytes went (-1: none,
 * the socket's error in errno). Only while lws holds none of the connection's bytes. */
static ssize_t write_close(struct lws *wsi, uint16_t status, const char *reason)
{
    size_t rl = strlen(reason);
    if (rl > 123)
        rl = 123; /* a control frame's payload is at most 125 bytes */
    uint8_t frame[4 + 123] = {0x88, (uint8_t)(2 + rl), (uint8_t)(status >> 8), (uint8_t)status};
    memcpy(frame + 4, reason, rl);
    return send(lws_get_socket_fd(wsi), frame, 4 + rl, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* The connection ends now (lws closes it on its next pass, without a CLOSE of its own);
 * nothing more is written to it. */
static void end_now(struct lws *wsi, rtmd_wsi_t *w)
{
    rtmd_conn_t *c = w->conn;
    if (c && c->wsi == wsi)
        rtmd_conn_cut(c);
    else
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* The rest of a connection's bytes go to libwebsockets, which closes it with status and why
 * (the closing handshake), as if it had met the problem itself. After rtmd's own CLOSE went,
 * nothing more may be written: the connection just ends. */
static void close_with(read_ctx_t *x, uint16_t status, const char *why)
{
    rtmd_reader_give_back(x->srv, x->wsi, x->w);
    if (x->w->close_sent) {
        end_now(x->wsi, x->w);
        return;
    }
    lws_close_reason(x->wsi, (enum lws_close_status)status, (unsigned char *)(uintptr_t)why,
                     strlen(why));
    x->w->close_asked = true; /* LWS_CALLBACK_TIMER returns -1 (server.c) */
    lws_set_timer_usecs(x->wsi, 1);
}

bool rtmd_reader_send_close(rtmd_server_t *srv, struct lws *wsi, uint16_t status,
                            const char *reason)
{
    rtmd_wsi_t *w = lws_wsi_user(wsi);
    if (!w || !w->own_rx || !srv->reader)
        return false;
    if (w->close_sent)
        return true;
    if (lws_partial_buffered(wsi))
        return false;
    ssize_t n = write_close(wsi, status, reason);
    if (n < 0)
        return false; /* lws meets the socket's trouble itself */
    w->close_sent = true;
    if ((size_t)n < 4 + strnlen(reason, 123)) /* a CLOSE cut short cannot be finished */
        end_now(wsi, w);
    return true;
}

/* The client closed first: our CLOSE, with its status, goes out at once and the connection
 * ends without waiting for an answer (lws would wait up to 5 s for one: the client's CLOSE,
 * which we consumed, was the first). Frames still queued are not written after it; they stay
 * for a resume. Only when lws holds the tail of an earlier write does it send the CLOSE itself,
 * after that tail, and wait. When rtmd had sent its CLOSE already, this is the answer. */
static void answer_close(read_ctx_t *x, uint16_t status)
{
    bool answer = x->w->close_sent;
    rtmd_reader_give_back(x->srv, x->wsi, x->w);
    if (!answer && (lws_partial_buffered(x->wsi) || write_close(x->wsi, status, "") <= 0)) {
        close_with(x, status, "");
        return;
    }
    end_now(x->wsi, x->w);
}

static int on_frame(void *ud, uint8_t opcode, uint8_t *payload, size_t len)
{
    read_ctx_t *x = ud;
    rtmd_conn_t *c = x->w->conn;
    bool live = c && c->wsi == x->wsi;
    switch (opcode) {
    case WS_OP_BINARY:
        if (live) {
            rtmd_conn_t *now = rtmd_dispatch_message(x->srv, c, payload, len);
            if (now != c) /* a LOGIN resumed a held session: c has handed its connection over */
                rtmd_conn_free(x->srv, c);
        }
        return WS_RX_OK;
    case WS_OP_TEXT:
        if (live)
            rtmd_conn_error(x->srv, c, 0, RTM_ERR_PROTOCOL,
                            "text messages are not part of rtm.1: send frames in binary messages");
        return WS_RX_OK;
    case WS_OP_PING: {
        if (x->w->close_sent) /* nothing goes after our CLOSE */
            return WS_RX_OK;
        uint8_t pong[LWS_PRE + 125];
        memcpy(pong + LWS_PRE, payload, len);
        lws_write(x->wsi, pong + LWS_PRE, len, LWS_WRITE_PONG);
        return WS_RX_OK;
    }
    case WS_OP_PONG:
        return WS_RX_OK;
    default: {          /* WS_OP_CLOSE: answered with the client's status, as RFC 6455 5.5.1 asks */
        if (len == 1) { /* a status needs two bytes */
            rtm_log(&x->srv->log, RTM_LOG_INFO, "conn %llu: closed: a CLOSE of one byte",
                    live ? (unsigned long long)c->id : 0ull);
            close_with(x, WS_CLOSE_PROTOCOL, "protocol error");
            return WS_RX_ABORTED;
        }
        uint16_t status = len >= 2 ? (uint16_t)(payload[0] << 8 | payload[1]) : 1000;
        answer_close(x, ws_close_code_valid(status) ? status : 1000);
        return WS_RX_ABORTED;
    }
    }
}

static void reset_idle(struct rtmd_reader *r)
{
    ws_rx_free(&r->idle);
    ws_rx_init_server(&r->idle, RTM_WIRE_MAX_MESSAGE);
}

/* The parser rx of w after a read: the idle parser's state moves into a parser of the
 * connection's own when a frame was cut, and the connection's own goes once it is idle again;
 * both go when the connection was given back meanwhile. False when out of memory. */
static bool keep_state(struct rtmd_reader *r, rtmd_wsi_t *w, ws_rx_t *rx)
{
    bool ok = true;
    if (rx == &r->idle) {
        if (!w->own_rx || ws_rx_idle(rx)) {
            if (!w->own_rx)
                reset_idle(r);
            return true;
        }
        w->rx = malloc(sizeof(*w->rx));
        if (w->rx)
            *w->rx = r->idle; /* the cut bytes go with it */
        else
            ok = false;
        if (ok)
            ws_rx_init_server(&r->idle, RTM_WIRE_MAX_MESSAGE);
        else
            reset_idle(r);
    } else if (!w->own_rx || ws_rx_idle(rx)) {
        ws_rx_free(rx);
        free(rx);
        w->rx = NULL; /* idle connections hold no parser */
    }
    return ok;
}

static void read_one(rtmd_server_t *srv, struct rtmd_reader *r, struct lws *wsi)
{
    rtmd_wsi_t *w = lws_wsi_user(wsi);
    ssize_t n = recv(lws_get_socket_fd(wsi), r->buf, sizeof(r->buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) { /* the end of the stream, or an error: libwebsockets meets it and closes */
        rtmd_reader_give_back(srv, wsi, w);
        return;
    }
    rtmd_conn_t *c = w->conn;
    if (c && c->wsi == wsi)
        rtmd_heartbeat_touch(srv, c);
    read_ctx_t x = {.srv = srv, .wsi = wsi, .w = w};
    ws_rx_t *rx = w->rx ? w->rx : &r->idle;
    size_t used = 0;
    r->reading = wsi; /* a give-back from inside leaves the parser to us */
    int rc = ws_rx_feed(rx, r->buf, (size_t)n, &used, on_frame, &x);
    c = w->conn; /* a LOGIN in this read may have moved the connection to a held session */
    if (rc == WS_RX_ERROR) {
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: closed: %s",
                c ? (unsigned long long)c->id : 0ull, c ? rtmd_conn_user(c) : "-", rx->why);
        close_with(&x, rx->error_code,
                   rx->error_code == WS_CLOSE_TOO_BIG    ? "message too large"
                   : rx->error_code == WS_CLOSE_INTERNAL ? "out of memory"
                                                         : "protocol error");
    }
    r->reading = NULL;
    if (!keep_state(r, w, rx)) {
        rtm_log(&srv->log, RTM_LOG_ERROR, "conn %llu: out of memory receiving a message",
                c ? (unsigned long long)c->id : 0ull);
        close_with(&x, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
    }
}

void rtmd_reader_ready(rtmd_server_t *srv)
{
    struct rtmd_reader *r = srv->reader;
    if (!r)
        return;
    int n = epoll_wait(r->epfd, r->batch, BATCH_MAX, 0);
    r->n_batch = n > 0 ? n : 0;
    /* level-triggered: a connection with more to read is given again on the next pass */
    for (int i = 0; i < r->n_batch; i++) {
        struct lws *wsi = r->batch[i].data.ptr;
        if (wsi)
            read_one(srv, r, wsi);
    }
    r->n_batch = 0;
}

bool rtmd_reader_start(rtmd_server_t *srv, const char *protocol)
{
    struct rtmd_reader *r = calloc(1, sizeof(*r));
    if (!r) {
        rtm_log(&srv->log, RTM_LOG_WARN, "libwebsockets reads every connection (out of memory)");
        return false;
    }
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (r->epfd < 0) {
        rtm_log(&srv->log, RTM_LOG_WARN, "libwebsockets reads every connection (epoll: %s)",
                strerror(errno));
        free(r);
        return false;
    }
    ws_rx_init_server(&r->idle, RTM_WIRE_MAX_MESSAGE);
    srv->reader = r;
    lws_sock_file_fd_type fd = {.filefd = r->epfd};
    r->raw = lws_adopt_descriptor_vhost(srv->vhost, LWS_ADOPT_RAW_FILE_DESC, fd, protocol, NULL);
    if (!r->raw) {
        rtm_log(&srv->log, RTM_LOG_WARN,
                "libwebsockets reads every connection (it did not adopt the epoll set)");
        rtmd_reader_stop(srv);
        return false;
    }
    return true;
}

void rtmd_reader_take(rtmd_server_t *srv, struct lws *wsi, rtmd_wsi_t *w)
{
    struct rtmd_reader *r = srv->reader;
    if (!r || lws_is_ssl(wsi))
        return;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = wsi};
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, lws_get_socket_fd(wsi), &ev) != 0)
        return; /* libwebsockets goes on reading it */
    lws_rx_flow_control(wsi, LWS_RXFLOW_REASON_FLAG_PROCESS_NOW); /* off, at once */
    w->own_rx = true;
}

void rtmd_reader_give_back(rtmd_server_t *srv, struct lws *wsi, rtmd_wsi_t *w)
{
    if (!w || !w->own_rx)
        return;
    w->own_rx = false;
    lws_rx_flow_control(wsi, 1 | LWS_RXFLOW_REASON_FLAG_PROCESS_NOW);
    struct rtmd_reader *r = srv->reader;
    if (r) {
        for (int i = 0; i < r->n_batch; i++)
            if (r->batch[i].data.ptr == wsi)
                r->batch[i].data.ptr = NULL;
        lws_sockfd_type fd = lws_get_socket_fd(wsi);
        if (fd != LWS_SOCK_INVALID)
            epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
        if (r->reading == wsi)
            return; /* read_one lets the parser go once it has returned */
    }
    if (w->rx) {
        ws_rx_free(w->rx);
        free(w->rx);
        w->rx = NULL;
    }
}
