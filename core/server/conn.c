/* Queuing frames to one session, keeping its counted frames until they are acknowledged,
 * packing them into writes, and closing its connection (see conn.h). Runs on the loop thread
 * only; lws_write happens only in write_queued, from the end-of-iteration flush or from
 * WRITEABLE, and never while lws holds part of an earlier write (lws would pile it up). */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

#include "heartbeat.h"
#include "reader.h"
#include "resume.h"
#include "server.h"

/* One write packs queued frames up to this many bytes (a larger frame goes alone). It matches
 * the protocol's tx_packet_size so that lws hands each write to the kernel in one piece. */
#define WRITE_BUDGET 16384

/* Shared by every connection: a server-side lws_write does not mask, so the bytes may be
 * reused as soon as it returns (lws copies whatever the kernel did not take). */
static uint8_t write_scratch[LWS_PRE + WRITE_BUDGET];

rtmd_conn_t *rtmd_conn_new(void)
{
    return calloc(1, sizeof(rtmd_conn_t));
}

rtmd_conn_extra_t *rtmd_conn_extra(rtmd_conn_t *c)
{
    if (!c->extra)
        c->extra = calloc(1, sizeof(*c->extra));
    return c->extra;
}

bool rtmd_conn_rx_append(rtmd_conn_t *c, const uint8_t *in, size_t len)
{
    if (!c->rx) {
        c->rx = malloc(sizeof(*c->rx));
        if (!c->rx)
            return false;
        rtm_buf_init(c->rx, 0);
    }
    return rtm_buf_append(c->rx, in, len);
}

void rtmd_conn_rx_free(rtmd_conn_t *c)
{
    if (!c->rx)
        return;
    rtm_buf_free(c->rx);
    free(c->rx);
    c->rx = NULL;
}

static void unlist(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (c->flush_slot) {
        srv->flush[c->flush_slot - 1] = NULL;
        c->flush_slot = 0;
    }
}

void rtmd_conn_free(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (!c)
        return;
    unlist(srv, c);
    rtmd_outq_clear(&c->out);
    rtmd_conn_rx_free(c);
    free(c->extra); /* its lists were emptied when the session ended */
    free(c);
}

void rtmd_conn_bind(struct lws *wsi, rtmd_conn_t *c)
{
    rtmd_wsi_t *w = lws_wsi_user(wsi);
    if (w)
        w->conn = c;
}

/* Queues a reference to m, counted or not (see conn.h). */
static bool queue(rtmd_server_t *srv, rtmd_conn_t *c, rtmd_msg_t *m, bool counted)
{
    if (srv->destroying)
        return false;
    if (c->state != RTMD_CONN_OPEN && !(c->state == RTMD_CONN_DETACHED && counted))
        return false;
    if (c->out.bytes + m->len > RTMD_MAX_QUEUED_BYTES) {
        rtm_log(&srv->log, RTM_LOG_WARN,
                "conn %llu user %s: dropped: slow consumer (%u bytes kept, limit %u)",
                (unsigned long long)c->id, rtmd_conn_user(c), (unsigned)c->out.bytes,
                RTMD_MAX_QUEUED_BYTES);
        rtmd_conn_abort(srv, c, NULL);
        return false;
    }
    if (!rtmd_outq_push(&c->out, rtmd_msg_ref(m), counted)) {
        rtmd_msg_unref(m);
        rtmd_conn_abort(srv, c, "out of memory");
        return false;
    }
    if (counted)
        c->tx_seq++;
    rtmd_conn_wake(srv, c);
    return true;
}

bool rtmd_conn_send_msg(rtmd_server_t *srv, rtmd_conn_t *c, rtmd_msg_t *m)
{
    return queue(srv, c, m, c->logged_in);
}

static bool encode_and_queue(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f, bool counted)
{
    if (c->state != RTMD_CONN_OPEN && !(c->state == RTMD_CONN_DETACHED && counted))
        return false;
    if (srv->destroying)
        return false;
    rtmd_msg_t *m = rtmd_msg_encode(f);
    if (!m) {
        rtmd_conn_abort(srv, c, "out of memory");
        return false;
    }
    if (RTM_LOG_ENABLED(&srv->log, RTM_LOG_DEBUG))
        rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: send %s id %llu (%u bytes)%s",
                (unsigned long long)c->id, rtmd_conn_user(c), rtm_frame_type_name(f->type),
                (unsigned long long)f->id, m->len, c->wsi ? "" : " (held)");
    bool ok = queue(srv, c, m, counted);
    rtmd_msg_unref(m);
    return ok;
}

bool rtmd_conn_send_uncounted(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    return encode_and_queue(srv, c, f, false);
}

void rtmd_conn_acked(rtmd_conn_t *c, uint64_t rx)
{
    while (c->out_sent) {
        if (rtmd_outq_counted(&c->out, 0)) {
            if (c->tx_acked >= rx)
                break;
            c->tx_acked++;
        }
        rtmd_outq_drop(&c->out, 1);
        c->out_sent--;
    }
}

uint64_t rtmd_conn_rewind(rtmd_conn_t *c, uint64_t rx, rtmd_outq_t *from, rtmd_msg_t *login_result,
                          bool *ok)
{
    rtmd_outq_t q;
    memset(&q, 0, sizeof(q));
    bool good = true;
    for (uint32_t i = 0; good && i < from->count; i++) {
        rtmd_msg_t *m = rtmd_outq_at(from, i);
        good = rtmd_outq_push(&q, rtmd_msg_ref(m), false);
        if (!good)
            rtmd_msg_unref(m);
    }
    if (good)
        good = rtmd_outq_push(&q, login_result, false);
    if (!good)
        rtmd_msg_unref(login_result);
    uint64_t seq = c->tx_acked, resent = 0;
    for (uint32_t i = 0; good && i < c->out.count; i++) {
        if (!rtmd_outq_counted(&c->out, i) || ++seq <= rx)
            continue;
        rtmd_msg_t *m = rtmd_outq_at(&c->out, i);
        good = rtmd_outq_push(&q, rtmd_msg_ref(m), true);
        if (!good)
            rtmd_msg_unref(m);
        resent++;
    }
    rtmd_outq_clear(&c->out);
    c->out_sent = 0;
    if (!good) {
        rtmd_outq_clear(&q);
        *ok = false;
        return 0;
    }
    c->out = q;
    c->tx_acked = rx;
    *ok = true;
    return resent;
}

bool rtmd_conn_send(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    return encode_and_queue(srv, c, f, c->logged_in);
}

void rtmd_conn_result(rtmd_server_t *srv, rtmd_conn_t *c, uint64_t id, rtm_err_t err,
                      const char *errmsg)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_RESULT, id);
    rtm_frame_set_uint(&f, RTM_K_ERR, (uint64_t)err);
    if (errmsg)
        rtm_frame_set_str(&f, RTM_K_ERRMSG, errmsg);
    rtmd_conn_send(srv, c, &f);
}

void rtmd_conn_error(rtmd_server_t *srv, rtmd_conn_t *c, uint64_t id, rtm_err_t err,
                     const char *errmsg)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_ERROR, id);
    rtm_frame_set_uint(&f, RTM_K_ERR, (uint64_t)err);
    rtm_frame_set_str(&f, RTM_K_ERRMSG, errmsg ? errmsg : "the frame could not be served");
    rtmd_conn_send(srv, c, &f);
}

void rtmd_conn_close_after_flush(rtmd_server_t *srv, rtmd_conn_t *c, uint16_t status,
                                 const char *reason)
{
    if (c->state != RTMD_CONN_OPEN)
        return;
    c->state = RTMD_CONN_CLOSING;
    c->close_status = status;
    c->close_reason = reason;
    if (!srv->destroying && c->wsi) {
        rtmd_heartbeat_closing(srv, c);
        rtmd_conn_wake(srv, c);
    }
}

void rtmd_conn_abort(rtmd_server_t *srv, rtmd_conn_t *c, const char *why)
{
    if (why)
        rtm_log(&srv->log, RTM_LOG_WARN, "conn %llu user %s: dropped: %s",
                (unsigned long long)c->id, rtmd_conn_user(c), why);
    c->state = RTMD_CONN_CLOSING;
    rtmd_outq_clear(&c->out);
    c->out_sent = 0;
    if (srv->destroying)
        return;
    if (c->wsi)
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    else
        rtmd_resume_end_soon(srv, c);
}

void rtmd_conn_cut(rtmd_conn_t *c)
{
    c->want_writeable = true; /* rtmd_conn_flush_all writes nothing more to it */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void request_writeable(rtmd_conn_t *c)
{
    c->want_writeable = true;
    lws_callback_on_writable(c->wsi);
}

/* Everything queued for closing c is written: the CLOSE goes now, from rtmd itself on a
 * connection it reads (reader.c; no lws timer per connection, which lws 4.1.6 inserts into a
 * sorted list: a drain of 10,000 connections spent seconds there), else through lws once
 * WRITEABLE shows it holds none of c's bytes. */
static void send_close(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (!rtmd_reader_send_close(srv, c->wsi, c->close_status, c->close_reason))
        request_writeable(c);
}

static void flush_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_conn_flush_all(lws_container_of(sul, rtmd_server_t, flush_timer));
}

void rtmd_conn_wake(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (c->flush_slot || !c->wsi || srv->destroying)
        return;
    if (srv->n_flush == srv->flush_cap) {
        uint32_t cap = srv->flush_cap ? srv->flush_cap * 2 : 64;
        rtmd_conn_t **list = cap > srv->flush_cap ? realloc(srv->flush, sizeof(*list) * cap) : NULL;
        if (!list) { /* out of memory: the slow way still works */
            request_writeable(c);
            return;
        }
        srv->flush = list;
        srv->flush_cap = cap;
    }
    srv->flush[srv->n_flush++] = c;
    c->flush_slot = srv->n_flush;
    if (srv->n_flush == 1) /* due at once: runs before the loop next waits for I/O */
        lws_sul_schedule(srv->ctx, 0, &srv->flush_timer, flush_fired, 1);
}

/* Writes c's unwritten frames, as many as fit packed into each write, while lws holds none of
 * c's bytes. 1: everything is written (lws may still hold the tail of the last write: it
 * flushes that itself); 0: lws holds some, WRITEABLE is requested for the rest; -1: a write
 * failed (the connection is dead). */
static int write_queued(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtmd_outq_t *q = &c->out;
    int rc = 1;
    while (c->out_sent < q->count) {
        if (lws_partial_buffered(c->wsi)) {
            request_writeable(c);
            rc = 0;
            break;
        }
        uint32_t from = c->out_sent;
        rtmd_msg_t *first = rtmd_outq_at(q, from);
        size_t total = first->len;
        uint32_t n = 1;
        while (from + n < q->count && total + rtmd_outq_at(q, from + n)->len <= WRITE_BUDGET)
            total += rtmd_outq_at(q, from + n++)->len;

        uint8_t *payload;
        if (n == 1) {
            payload = rtmd_msg_payload(first);
        } else {
            payload = write_scratch + LWS_PRE;
            size_t off = 0;
            for (uint32_t i = 0; i < n; i++) {
                rtmd_msg_t *m = rtmd_outq_at(q, from + i);
                memcpy(payload + off, rtmd_msg_payload(m), m->len);
                off += m->len;
            }
        }
        int written = lws_write(c->wsi, payload, total, LWS_WRITE_BINARY);
        c->out_sent += n;
        if (written < 0) {
            rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: write failed",
                    (unsigned long long)c->id, rtmd_conn_user(c));
            rc = -1;
            break;
        }
    }
    rtmd_conn_acked(c, c->tx_acked); /* what needs no acknowledgement goes at once */
    return rc;
}

void rtmd_conn_flush_all(rtmd_server_t *srv)
{
    /* Writing adds nobody to the list: it is walked once, then emptied. */
    for (uint32_t i = 0; i < srv->n_flush; i++) {
        rtmd_conn_t *c = srv->flush[i];
        if (!c) /* freed since it was listed */
            continue;
        c->flush_slot = 0;
        if (!c->wsi || c->want_writeable || srv->destroying ||
            (c->state != RTMD_CONN_OPEN && c->state != RTMD_CONN_CLOSING))
            continue;
        int rc = write_queued(srv, c);
        if (rc < 0) {
            rtmd_conn_cut(c); /* closed from lws's side, not from inside this write */
        } else if (rc > 0 && c->state == RTMD_CONN_CLOSING && c->close_reason) {
            send_close(srv, c);
        }
    }
    srv->n_flush = 0;
    if (srv->flush_cap > 4096) { /* a burst's list is not kept */
        free(srv->flush);
        srv->flush = NULL;
        srv->flush_cap = 0;
    }
}

void rtmd_conn_flush_cleanup(rtmd_server_t *srv)
{
    for (uint32_t i = 0; i < srv->n_flush; i++)
        if (srv->flush[i])
            srv->flush[i]->flush_slot = 0;
    free(srv->flush);
    srv->flush = NULL;
    srv->n_flush = srv->flush_cap = 0;
}

int rtmd_conn_on_writeable(rtmd_server_t *srv, rtmd_conn_t *c)
{
    c->want_writeable = false;
    if (c->out_sent == c->out.count) {
        /* Closing and everything (including what lws buffered) is out: say goodbye. Not from
         * here through lws: lws 4.1 takes a non-zero return from WRITEABLE for a dead socket
         * and sends no close frame; from the wsi timer it runs the WebSocket closing
         * handshake. */
        if (c->state == RTMD_CONN_CLOSING && c->close_reason &&
            !rtmd_reader_send_close(srv, c->wsi, c->close_status, c->close_reason))
            lws_set_timer_usecs(c->wsi, 1);
        return 0; /* else spurious (after lws's own ping/pong) */
    }
    int rc = write_queued(srv, c);
    if (rc < 0)
        return -1;
    /* A close to send once lws has flushed what the kernel did not take. */
    if (rc > 0 && c->state == RTMD_CONN_CLOSING) {
        if (c->close_reason)
            send_close(srv, c);
        else
            request_writeable(c);
    }
    return 0;
}

int rtmd_conn_on_timer(rtmd_conn_t *c)
{
    if (c->state != RTMD_CONN_CLOSING || !c->close_reason)
        return 0;
    lws_close_reason(c->wsi, (enum lws_close_status)c->close_status,
                     (unsigned char *)(uintptr_t)c->close_reason, strlen(c->close_reason));
    return -1;
}
