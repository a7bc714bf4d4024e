/* Peer message routing, delivery acknowledgements and online-status queries (see peer.h).
 * A message is encoded once; its pending entry is the only per-message bookkeeping and comes
 * from a small free list. */
#include "peer.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conn.h"
#include "offline.h"
#include "rules.h"
#include "server.h"
#include "session.h"

#define POOL_MAX 4096

void rtmd_peers_init(rtmd_peers_t *p)
{
    rtm_u64map_init(&p->pending, true);
    p->next_mid = 1;
    p->pool = NULL;
    p->pool_len = 0;
}

void rtmd_peers_destroy(rtmd_peers_t *p)
{
    rtm_u64map_destroy(&p->pending);
    while (p->pool) {
        rtmd_pending_t *e = p->pool;
        p->pool = e->r_next;
        free(e);
    }
    p->pool_len = 0;
}

rtmd_pending_t *rtmd_peer_pending(const rtmd_peers_t *p, uint64_t mid)
{
    return rtm_u64map_get(&p->pending, mid);
}

/* ---- entries ------------------------------------------------------------------------------ */

static rtmd_pending_t *pending_new(rtmd_peers_t *p)
{
    rtmd_pending_t *e = p->pool;
    if (e) {
        p->pool = e->r_next;
        p->pool_len--;
        return e;
    }
    return malloc(sizeof(*e));
}

static void pending_free(rtmd_peers_t *p, rtmd_pending_t *e)
{
    if (p->pool_len >= POOL_MAX) {
        free(e);
        return;
    }
    e->r_next = p->pool;
    p->pool = e;
    p->pool_len++;
}

static void link_receiver(rtmd_pending_t *e, rtmd_conn_t *c)
{
    e->receiver = c;
    if (e->stored)
        c->offline_inflight++;
    e->r_next = c->awaiting_ack;
    if (e->r_next)
        e->r_next->r_pprev = &e->r_next;
    e->r_pprev = &c->awaiting_ack;
    c->awaiting_ack = e;
}

static void unlink_receiver(rtmd_pending_t *e)
{
    if (e->stored)
        e->receiver->offline_inflight--;
    *e->r_pprev = e->r_next;
    if (e->r_next)
        e->r_next->r_pprev = e->r_pprev;
    e->receiver = NULL;
}

static void link_sender(rtmd_pending_t *e, rtmd_conn_t *c)
{
    e->sender = c;
    e->s_next = c->sent;
    if (e->s_next)
        e->s_next->s_pprev = &e->s_next;
    e->s_pprev = &c->sent;
    c->sent = e;
}

static void unlink_sender(rtmd_pending_t *e)
{
    if (!e->sender)
        return;
    *e->s_pprev = e->s_next;
    if (e->s_next)
        e->s_next->s_pprev = e->s_pprev;
    e->sender = NULL;
}

uint64_t rtmd_peer_new_mid(rtmd_peers_t *p)
{
    return p->next_mid++;
}

rtmd_pending_t *rtmd_peer_track(rtmd_peers_t *p, rtmd_conn_t *receiver, rtmd_conn_t *sender,
                                uint64_t request_id, uint64_t mid, int64_t ts)
{
    rtmd_pending_t *e = rtmd_peer_pending(p, mid);
    if (e) { /* a stored message the user's previous connection never acknowledged */
        if (!e->stored || sender)
            return NULL; /* cannot happen: every mid is new */
        unlink_receiver(e);
        link_receiver(e, receiver);
        return e;
    }
    e = pending_new(p);
    if (!e)
        return NULL;
    e->mid = mid;
    if (!rtm_u64map_put(&p->pending, mid, e)) {
        pending_free(p, e);
        return NULL;
    }
    e->request_id = request_id;
    e->ts = ts;
    e->stored = sender == NULL;
    link_receiver(e, receiver);
    e->sender = NULL;
    if (sender)
        link_sender(e, sender);
    return e;
}

void rtmd_peer_untrack(rtmd_peers_t *p, rtmd_pending_t *e)
{
    rtm_u64map_del(&p->pending, e->mid);
    unlink_receiver(e);
    unlink_sender(e);
    pending_free(p, e);
}

/* NULL when the message is acceptable, else why not. */
static const char *message_problem(const rtm_frame_t *f)
{
    if (!rtm_frame_has(f, RTM_K_MTYPE))
        return "the message has no type";
    if (f->mtype == RTM_MESSAGE_TYPE_TEXT) {
        if (!rtm_frame_has(f, RTM_K_TEXT))
            return "a text message needs its text";
        if (rtm_frame_has(f, RTM_K_DATA))
            return "a text message carries no data";
        if (f->text.len > RTM_MESSAGE_MAX_BYTES)
            return "the text is over 32768 bytes";
        if (!rtm_utf8_valid(f->text.ptr, f->text.len))
            return "the text is not valid UTF-8";
        return NULL;
    }
    if (f->mtype == RTM_MESSAGE_TYPE_RAW) {
        size_t data_len = rtm_frame_has(f, RTM_K_DATA) ? f->data.len : 0;
        size_t desc_len = rtm_frame_has(f, RTM_K_TEXT) ? f->text.len : 0;
        if (data_len > RTM_MESSAGE_MAX_BYTES || desc_len > RTM_MESSAGE_MAX_BYTES - data_len)
            return "the data and description are over 32768 bytes";
        if (desc_len && !rtm_utf8_valid(f->text.ptr, desc_len))
            return "the description is not valid UTF-8";
        return NULL;
    }
    return "the message type is neither text (1) nor raw (2)";
}

rtm_err_t rtmd_peer_check_message(const rtm_frame_t *f, const char **why)
{
    uint64_t flags = rtm_frame_has(f, RTM_K_FLAGS) ? f->flags : 0;
    if (flags & ~(uint64_t)RTM_SEND_OFFLINE) {
        *why = "unknown send flag bits";
        return RTM_ERR_INVALID_ARGUMENT;
    }
    if (rtm_frame_has(f, RTM_K_CMID) && f->cmid == 0) {
        *why = "cmid 0 is not a message id (leave it out instead)";
        return RTM_ERR_INVALID_ARGUMENT;
    }
    *why = message_problem(f);
    return *why ? RTM_ERR_INVALID_MESSAGE : RTM_OK;
}

void rtmd_peer_message_fields(rtm_frame_t *out, const rtmd_conn_t *sender, const rtm_frame_t *f,
                              uint64_t mid, int64_t ts)
{
    rtm_frame_set_bytes(out, RTM_K_USER, sender->user, sender->user_len);
    rtm_frame_set_uint(out, RTM_K_MID, mid);
    rtm_frame_set_int(out, RTM_K_TS, ts);
    rtm_frame_set_uint(out, RTM_K_MTYPE, f->mtype);
    if (rtm_frame_has(f, RTM_K_TEXT))
        rtm_frame_set_bytes(out, RTM_K_TEXT, f->text.ptr, f->text.len);
    if (f->mtype == RTM_MESSAGE_TYPE_RAW) {
        if (rtm_frame_has(f, RTM_K_DATA))
            rtm_frame_set_bytes(out, RTM_K_DATA, f->data.ptr, f->data.len);
        else
            rtm_frame_set_bytes(out, RTM_K_DATA, "", 0);
    }
    if (rtm_frame_has(f, RTM_K_CMID))
        rtm_frame_set_uint(out, RTM_K_CMID, f->cmid);
}

void rtmd_peer_send(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtmd_peers_t *p = &srv->peers;
    if (!rtm_frame_has(f, RTM_K_USER) || !rtm_id_valid(f->user.ptr, f->user.len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_USER_ID,
                         "the receiver is not a valid user id");
        return;
    }
    const char *problem = NULL;
    rtm_err_t err = rtmd_peer_check_message(f, &problem);
    if (err != RTM_OK) {
        rtmd_conn_result(srv, c, f->id, err, problem);
        return;
    }
    rtmd_conn_t *receiver = rtmd_session_find(srv, f->user.ptr, f->user.len);
    if (!receiver && rtm_frame_has(f, RTM_K_FLAGS) && (f->flags & RTM_SEND_OFFLINE)) {
        rtmd_offline_put(srv, c, f);
        return;
    }
    if (!receiver) {
        rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: send id %llu: peer %.*s offline",
                (unsigned long long)c->id, c->user, (unsigned long long)f->id, (int)f->user.len,
                f->user.ptr);
        rtmd_conn_result(srv, c, f->id, RTM_ERR_PEER_UNREACHABLE, "the peer is not online");
        return;
    }

    rtm_frame_t out;
    rtm_frame_init(&out, RTM_FRAME_PEER_MESSAGE, 0);
    uint64_t mid = p->next_mid;
    int64_t ts = rtm_now_wall_ms();
    rtmd_peer_message_fields(&out, c, f, mid, ts);

    rtmd_msg_t *m = rtmd_msg_encode(&out);
    rtmd_pending_t *e = m ? rtmd_peer_track(p, receiver, c, f->id, mid, ts) : NULL;
    if (!e) {
        rtmd_msg_unref(m);
        rtmd_conn_result(srv, c, f->id, RTM_ERR_NO_MEMORY, "the server is out of memory");
        return;
    }
    p->next_mid++;
    bool queued = rtmd_conn_send_msg(srv, receiver, m);
    rtmd_msg_unref(m);
    if (!queued) { /* the receiver is going away */
        rtmd_peer_untrack(p, e);
        rtmd_conn_result(srv, c, f->id, RTM_ERR_PEER_UNREACHABLE, "the peer is not reachable");
        return;
    }
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: send id %llu: mid %llu to %s",
            (unsigned long long)c->id, c->user, (unsigned long long)f->id, (unsigned long long)mid,
            receiver->user);
}

void rtmd_peer_ack(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtmd_peers_t *p = &srv->peers;
    rtmd_pending_t *e = rtm_frame_has(f, RTM_K_MID) ? rtmd_peer_pending(p, f->mid) : NULL;
    if (!e || e->receiver != c) {
        rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: ack for unknown mid %llu ignored",
                (unsigned long long)c->id, rtmd_conn_user(c), (unsigned long long)f->mid);
        return;
    }
    rtm_u64map_del(&p->pending, e->mid);
    unlink_receiver(e);
    if (e->stored) {
        uint64_t mid = e->mid;
        pending_free(p, e);
        rtmd_offline_acked(srv, c, mid);
        return;
    }
    rtmd_conn_t *sender = e->sender;
    if (sender) {
        unlink_sender(e);
        rtm_frame_t r;
        rtm_frame_init(&r, RTM_FRAME_RESULT, e->request_id);
        rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
        rtm_frame_set_uint(&r, RTM_K_MID, e->mid);
        rtm_frame_set_int(&r, RTM_K_TS, e->ts);
        rtmd_conn_send(srv, sender, &r);
    }
    pending_free(p, e);
}

void rtmd_peer_conn_closed(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtmd_peers_t *p = &srv->peers;
    rtmd_pending_t *e, *next;
    /* Both lists go as a whole: detach them, then settle each entry. */
    e = c->awaiting_ack;
    c->awaiting_ack = NULL;
    c->offline_inflight = 0; /* stored ones stay in the store for the next login */
    for (; e; e = next) {
        next = e->r_next;
        rtm_u64map_del(&p->pending, e->mid);
        rtmd_conn_t *sender = e->sender;
        if (sender) {
            unlink_sender(e);
            if (sender != c)
                rtmd_conn_result(srv, sender, e->request_id, RTM_ERR_PEER_UNREACHABLE,
                                 "the peer left before it received the message");
        }
        pending_free(p, e);
    }
    e = c->sent;
    c->sent = NULL;
    for (; e; e = next) {
        next = e->s_next;
        e->sender = NULL; /* the receiver's ack will find no one to answer */
    }
}

void rtmd_peer_query_online(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    size_t n = rtm_frame_has(f, RTM_K_USERS) ? f->n_users : 0;
    if (n == 0) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_ARGUMENT, "the query names no user");
        return;
    }
    if (n > RTM_QUERY_PEERS_MAX) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_EXCEED_LIMIT,
                         "at most 256 users can be queried at once");
        return;
    }
    rtm_bytes_t users[RTM_QUERY_PEERS_MAX] = {{0}}; /* zeroed: keeps analyzers sure */
    uint32_t states[RTM_QUERY_PEERS_MAX];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const rtm_bytes_t *u = &f->users[i];
        if (!rtm_id_valid(u->ptr, u->len)) {
            rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_USER_ID,
                             "a queried user id is not valid");
            return;
        }
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = users[j].len == u->len && memcmp(users[j].ptr, u->ptr, u->len) == 0;
        if (seen)
            continue;
        users[k] = *u;
        states[k] = rtmd_session_online_state(srv, u->ptr, u->len);
        k++;
    }
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
    rtm_frame_set_users(&r, users, k);
    rtm_frame_set_states(&r, states, k);
    rtmd_conn_send(srv, c, &r);
}
