/* Offline messages (see offline.h). The store is synchronous: a put returns once the row is
 * committed (on disk with --data-dir), so CACHED_BY_SERVER is never sent for a message a crash
 * could still lose. */
#include "offline.h"

#include <stdio.h>

#include "clock.h"
#include "conn.h"
#include "peer.h"
#include "server.h"

/* A batch of pushes stops once the receiver's queue holds this much: 200 stored messages of
 * 32 KB fit under the slow-consumer limit, a larger --offline-max might not. */
#define BATCH_QUEUE_BYTES (RTMD_MAX_QUEUED_BYTES / 2)

bool rtmd_offline_open(rtmd_server_t *srv)
{
    const rtmd_options_t *o = srv->opt;
    char why[256] = "";
    uint64_t max_mid = 0;
    srv->offline.store = rtmd_offline_store_open(
        o->data_dir, o->offline_max, (int64_t)o->offline_ttl_s * 1000, &max_mid, why, sizeof(why));
    if (!srv->offline.store) {
        fprintf(stderr, "rtmd: cannot open the offline message store: %s\n",
                *why ? why : "unknown error");
        return false;
    }
    /* Stored messages keep their ids: new ones must not take them. */
    if (max_mid >= srv->peers.next_mid)
        srv->peers.next_mid = max_mid + 1;
    rtm_log(&srv->log, RTM_LOG_INFO,
            "offline messages %s%s (at most %u per user, kept %u s), next message id %llu",
            o->data_dir ? "stored in " : "kept in memory", o->data_dir ? o->data_dir : "",
            (unsigned)o->offline_max, (unsigned)o->offline_ttl_s,
            (unsigned long long)srv->peers.next_mid);
    return true;
}

static void expire_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_offline_t *off = lws_container_of(sul, rtmd_offline_t, expire_timer);
    rtmd_server_t *srv = lws_container_of(off, rtmd_server_t, offline);
    if (srv->destroying)
        return;
    size_t n = rtmd_offline_store_expire(off->store, rtm_now_wall_ms());
    if (n)
        rtm_log(&srv->log, RTM_LOG_INFO, "offline messages: %zu expired", n);
    rtmd_offline_start(srv);
}

void rtmd_offline_start(rtmd_server_t *srv)
{
    lws_sul_schedule(srv->ctx, 0, &srv->offline.expire_timer, expire_fired,
                     (lws_usec_t)RTMD_OFFLINE_EXPIRE_EVERY_MS * LWS_US_PER_MS);
}

void rtmd_offline_stop(rtmd_server_t *srv)
{
    lws_sul_cancel(&srv->offline.expire_timer);
}

void rtmd_offline_close(rtmd_server_t *srv)
{
    rtmd_offline_store_close(srv->offline.store);
    srv->offline.store = NULL;
}

void rtmd_offline_put(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtmd_peers_t *p = &srv->peers;
    rtmd_offline_msg_t m = {
        .mid = p->next_mid,
        .ts_ms = rtm_now_wall_ms(),
        .sender = c->user,
        .sender_len = c->user_len,
        .mtype = (uint32_t)f->mtype,
    };
    if (rtm_frame_has(f, RTM_K_TEXT)) {
        m.text = f->text.ptr;
        m.text_len = f->text.len;
    }
    if (f->mtype == RTM_MESSAGE_TYPE_RAW && rtm_frame_has(f, RTM_K_DATA)) {
        m.data = (const uint8_t *)f->data.ptr;
        m.data_len = f->data.len;
    }
    if (rtm_frame_has(f, RTM_K_CMID))
        m.cmid = f->cmid;
    rtmd_offline_put_result_t put =
        rtmd_offline_store_put(srv->offline.store, f->user.ptr, f->user.len, &m, &m.mid, &m.ts_ms);
    if (put == RTMD_OFFLINE_PUT_FAILED) {
        rtm_log(&srv->log, RTM_LOG_WARN,
                "conn %llu user %s: send id %llu: storing the message for %.*s failed",
                (unsigned long long)c->id, c->user, (unsigned long long)f->id, (int)f->user.len,
                f->user.ptr);
        rtmd_conn_result(srv, c, f->id, RTM_ERR_FAILURE,
                         "the peer is offline and the message could not be stored");
        return;
    }
    /* A message sent again (same cmid) is answered like the first time, with its mid and ts. */
    if (put == RTMD_OFFLINE_PUT_STORED)
        p->next_mid++;
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: send id %llu: mid %llu %s for %.*s",
            (unsigned long long)c->id, c->user, (unsigned long long)f->id,
            (unsigned long long)m.mid, put == RTMD_OFFLINE_PUT_STORED ? "stored" : "already stored",
            (int)f->user.len, f->user.ptr);
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_ERR_CACHED_BY_SERVER);
    rtm_frame_set_uint(&r, RTM_K_MID, m.mid);
    rtm_frame_set_int(&r, RTM_K_TS, m.ts_ms);
    rtmd_conn_send(srv, c, &r);
}

typedef struct batch {
    rtmd_server_t *srv;
    rtmd_conn_t *c;
    size_t pushed;
    bool stop; /* no more pushes in this batch */
    bool more; /* ... and some were left for the next one */
} batch_t;

static void push_stored(const rtmd_offline_msg_t *m, void *arg)
{
    batch_t *b = arg;
    rtmd_server_t *srv = b->srv;
    rtmd_conn_t *c = b->c;
    if (b->stop)
        return;
    const rtmd_pending_t *already = rtmd_peer_pending(&srv->peers, m->mid);
    if (already && already->receiver == c)
        return;
    rtm_frame_t out;
    rtm_frame_init(&out, RTM_FRAME_PEER_MESSAGE, 0);
    rtm_frame_set_bytes(&out, RTM_K_USER, m->sender, m->sender_len);
    rtm_frame_set_uint(&out, RTM_K_MID, m->mid);
    rtm_frame_set_int(&out, RTM_K_TS, m->ts_ms);
    rtm_frame_set_uint(&out, RTM_K_MTYPE, m->mtype);
    if (m->mtype == RTM_MESSAGE_TYPE_TEXT || m->text_len)
        rtm_frame_set_bytes(&out, RTM_K_TEXT, m->text, m->text_len);
    if (m->mtype == RTM_MESSAGE_TYPE_RAW)
        rtm_frame_set_bytes(&out, RTM_K_DATA, m->data, m->data_len);
    rtm_frame_set_bool(&out, RTM_K_OFFLINE, true);
    if (m->cmid)
        rtm_frame_set_uint(&out, RTM_K_CMID, m->cmid);
    rtmd_msg_t *msg = rtmd_msg_encode(&out);
    if (!msg) {
        rtm_log(&srv->log, RTM_LOG_ERROR, "out of memory: stored messages wait for a later login");
        b->stop = true;
        return;
    }
    if (b->pushed && c->out.bytes + msg->len > BATCH_QUEUE_BYTES) {
        rtmd_msg_unref(msg);
        b->stop = b->more = true;
        return;
    }
    rtmd_pending_t *e = rtmd_peer_track(&srv->peers, c, NULL, 0, m->mid, m->ts_ms);
    if (!e) {
        rtm_log(&srv->log, RTM_LOG_ERROR, "out of memory: stored messages wait for a later login");
        rtmd_msg_unref(msg);
        b->stop = true;
        return;
    }
    if (!rtmd_conn_send_msg(srv, c, msg)) { /* c is going away; the store keeps the rest */
        rtmd_peer_untrack(&srv->peers, e);
        b->stop = true;
    } else {
        b->pushed++;
    }
    rtmd_msg_unref(msg);
}

void rtmd_offline_deliver(rtmd_server_t *srv, rtmd_conn_t *c)
{
    batch_t b = {.srv = srv, .c = c};
    rtmd_offline_store_fetch(srv->offline.store, c->user, c->user_len, rtm_now_wall_ms(),
                             push_stored, &b);
    c->offline_more = b.more;
    if (b.pushed)
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: %zu stored messages pushed%s",
                (unsigned long long)c->id, c->user, b.pushed,
                b.more ? " (more once these are acknowledged)" : "");
}

void rtmd_offline_acked(rtmd_server_t *srv, rtmd_conn_t *c, uint64_t mid)
{
    rtmd_offline_store_delete(srv->offline.store, c->user, c->user_len, mid);
    if (c->offline_inflight == 0 && c->offline_more && c->logged_in && c->state == RTMD_CONN_OPEN)
        rtmd_offline_deliver(srv, c);
}
