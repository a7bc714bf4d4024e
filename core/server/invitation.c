/* Call invitations (see invitation.h). Every invitation belongs to its caller's session: it is
 * on that session's list from INVITE to its end, so a session ending finds all of them. Ending
 * one (invite_end) unlinks it everywhere, cancels its timers and frees it; whoever must hear of
 * the end is told just before. */
#include "invitation.h"

#include "dlist.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "conn.h"
#include "rules.h"
#include "server.h"
#include "session.h"

/* The invitations held for one offline callee, oldest first. */
typedef struct rtmd_held {
    rtmd_invite_list_t list;
    uint8_t id_len;
    char id[RTM_ID_MAX_BYTES];
} rtmd_held_t;

#define KEY_MAX (sizeof(uint64_t) + RTM_ID_MAX_BYTES)

struct rtmd_invite {
    uint8_t key[KEY_MAX]; /* iid (host order), then the caller's user id */
    uint8_t key_len;
    uint8_t callee_len;
    uint8_t channel_len; /* 0: no channel */
    bool has_content;
    bool acked;
    uint64_t iid;
    rtmd_server_t *srv;
    rtmd_conn_t *caller; /* the session that sent it */
    rtmd_conn_t *callee; /* the session it was delivered to; NULL while held */
    rtmd_held_t *held;   /* the held list it is on while undelivered */
    char *content;
    size_t content_len;
    lws_sorted_usec_list_t offline_timer; /* while held: from INVITE */
    lws_sorted_usec_list_t ack_timer;     /* from delivery until the ack */
    lws_sorted_usec_list_t expire_timer;  /* from INVITE */
    rtmd_invite_t *s_next, *s_prev;       /* the caller session's list */
    rtmd_invite_t *r_next, *r_prev;       /* the callee session's list, or the held list */
    char callee_id[RTM_ID_MAX_BYTES];
    char channel[RTM_ID_MAX_BYTES];
};

static const char *caller_id(const rtmd_invite_t *inv)
{
    return (const char *)inv->key + sizeof(uint64_t);
}

static size_t caller_len(const rtmd_invite_t *inv)
{
    return inv->key_len - sizeof(uint64_t);
}

static size_t make_key(uint8_t key[KEY_MAX], uint64_t iid, const char *caller, size_t len)
{
    memcpy(key, &iid, sizeof(iid));
    memcpy(key + sizeof(iid), caller, len);
    return sizeof(iid) + len;
}

static rtmd_invite_t *find(rtmd_server_t *srv, uint64_t iid, const char *caller, size_t len)
{
    if (len == 0 || len > RTM_ID_MAX_BYTES)
        return NULL;
    uint8_t key[KEY_MAX];
    size_t n = make_key(key, iid, caller, len);
    return rtm_hm_get(&srv->invites.by_key, key, n);
}

/* ---- lists --------------------------------------------------------------------------- */

/* An invitation sits in its caller session's list (s_) and in its callee session's or the
 * held list (r_). */
static void s_push(rtmd_invite_list_t *l, rtmd_invite_t *inv)
{
    RTM_DLIST_PUSH_BACK(l->head, l->tail, inv, s_next, s_prev);
}

static void s_unlink(rtmd_invite_list_t *l, rtmd_invite_t *inv)
{
    RTM_DLIST_UNLINK(l->head, l->tail, inv, s_next, s_prev);
}

static void r_push(rtmd_invite_list_t *l, rtmd_invite_t *inv)
{
    RTM_DLIST_PUSH_BACK(l->head, l->tail, inv, r_next, r_prev);
}

static void r_unlink(rtmd_invite_list_t *l, rtmd_invite_t *inv)
{
    RTM_DLIST_UNLINK(l->head, l->tail, inv, r_next, r_prev);
}

/* ---- table --------------------------------------------------------------------------- */

void rtmd_invites_init(rtmd_invites_t *v)
{
    rtm_hm_init(&v->by_key);
    rtm_hm_init(&v->held);
}

static void cancel_timers(rtmd_invite_t *inv)
{
    lws_sul_cancel(&inv->offline_timer);
    lws_sul_cancel(&inv->ack_timer);
    lws_sul_cancel(&inv->expire_timer);
}

static void stop_one(void *value, void *arg)
{
    (void)arg;
    cancel_timers(value);
}

void rtmd_invites_stop(rtmd_invites_t *v)
{
    rtm_hm_foreach(&v->by_key, stop_one, NULL);
}

static void free_invite(void *value, void *arg)
{
    rtmd_invite_t *inv = value;
    (void)arg;
    free(inv->content);
    free(inv);
}

static void free_held(void *value, void *arg)
{
    (void)arg;
    free(value);
}

void rtmd_invites_destroy(rtmd_invites_t *v)
{
    rtm_hm_foreach(&v->by_key, free_invite, NULL);
    rtm_hm_foreach(&v->held, free_held, NULL);
    rtm_hm_destroy(&v->by_key);
    rtm_hm_destroy(&v->held);
}

/* Unlinks inv from every list and the table, cancels its timers and frees it. */
static void invite_end(rtmd_server_t *srv, rtmd_invite_t *inv)
{
    cancel_timers(inv);
    rtm_hm_del(&srv->invites.by_key, inv->key, inv->key_len);
    s_unlink(&inv->caller->extra->invites_sent, inv); /* extra: made before it was linked */
    if (inv->callee) {
        r_unlink(&inv->callee->extra->invites_recv, inv);
    } else if (inv->held) {
        rtmd_held_t *h = inv->held;
        r_unlink(&h->list, inv);
        if (!h->list.head) {
            rtm_hm_del(&srv->invites.held, h->id, h->id_len);
            free(h);
        }
    }
    free(inv->content);
    free(inv);
}

/* ---- pushes -------------------------------------------------------------------------- */

/* INVITE_UPDATE to to about inv; other is the other party's user id. */
static void send_update(rtmd_server_t *srv, rtmd_conn_t *to, const char *other, size_t other_len,
                        uint64_t iid, rtm_invite_kind_t kind, const rtm_bytes_t *text,
                        rtm_err_t err)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_INVITE_UPDATE, 0);
    rtm_frame_set_bytes(&f, RTM_K_USER, other, other_len);
    rtm_frame_set_uint(&f, RTM_K_IID, iid);
    rtm_frame_set_uint(&f, RTM_K_KIND, (uint64_t)kind);
    if (text)
        rtm_frame_set_bytes(&f, RTM_K_TEXT, text->ptr, text->len);
    if (err != RTM_OK)
        rtm_frame_set_uint(&f, RTM_K_ERR, (uint64_t)err);
    rtmd_conn_send(srv, to, &f);
}

static void to_caller(rtmd_server_t *srv, const rtmd_invite_t *inv, rtm_invite_kind_t kind,
                      const rtm_bytes_t *text, rtm_err_t err)
{
    send_update(srv, inv->caller, inv->callee_id, inv->callee_len, inv->iid, kind, text, err);
}

static void to_callee(rtmd_server_t *srv, const rtmd_invite_t *inv, rtm_invite_kind_t kind,
                      rtm_err_t err)
{
    if (inv->callee)
        send_update(srv, inv->callee, caller_id(inv), caller_len(inv), inv->iid,
                    kind == RTM_INVITE_FAILED ? RTM_INVITE_CALLEE_FAILED : kind, NULL, err);
}

static void log_end(rtmd_server_t *srv, const rtmd_invite_t *inv, const char *how)
{
    rtm_log(&srv->log, RTM_LOG_INFO, "invitation %.*s/%llu to %.*s: %s", (int)caller_len(inv),
            caller_id(inv), (unsigned long long)inv->iid, (int)inv->callee_len, inv->callee_id,
            how);
}

/* ---- timers -------------------------------------------------------------------------- */

static lws_usec_t ms(uint32_t n)
{
    return (lws_usec_t)n * LWS_US_PER_MS;
}

static void offline_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_invite_t *inv = lws_container_of(sul, rtmd_invite_t, offline_timer);
    rtmd_server_t *srv = inv->srv;
    if (srv->destroying)
        return;
    log_end(srv, inv, "failed: the callee stayed offline");
    to_caller(srv, inv, RTM_INVITE_FAILED, NULL, RTM_ERR_PEER_OFFLINE);
    invite_end(srv, inv);
}

static void ack_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_invite_t *inv = lws_container_of(sul, rtmd_invite_t, ack_timer);
    rtmd_server_t *srv = inv->srv;
    if (srv->destroying)
        return;
    log_end(srv, inv, "failed: the callee did not acknowledge it");
    to_caller(srv, inv, RTM_INVITE_FAILED, NULL, RTM_ERR_PEER_NO_RESPONSE);
    to_callee(srv, inv, RTM_INVITE_FAILED, RTM_ERR_PEER_NO_RESPONSE);
    invite_end(srv, inv);
}

static void expire_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_invite_t *inv = lws_container_of(sul, rtmd_invite_t, expire_timer);
    rtmd_server_t *srv = inv->srv;
    if (srv->destroying)
        return;
    log_end(srv, inv, "expired");
    to_caller(srv, inv, RTM_INVITE_FAILED, NULL, RTM_ERR_INVITATION_EXPIRED);
    to_callee(srv, inv, RTM_INVITE_FAILED, RTM_ERR_INVITATION_EXPIRED);
    invite_end(srv, inv);
}

/* inv (held or new) goes to callee session c, whose extra part exists: INVITE_RECEIVED, and
 * the ack timer starts. */
static void deliver(rtmd_server_t *srv, rtmd_invite_t *inv, rtmd_conn_t *c)
{
    lws_sul_cancel(&inv->offline_timer);
    inv->held = NULL;
    inv->callee = c;
    r_push(&c->extra->invites_recv, inv);
    lws_sul_schedule(srv->ctx, 0, &inv->ack_timer, ack_fired, ms(srv->opt->invite_ack_timeout_ms));
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_INVITE_RECEIVED, 0);
    rtm_frame_set_bytes(&f, RTM_K_USER, caller_id(inv), caller_len(inv));
    rtm_frame_set_uint(&f, RTM_K_IID, inv->iid);
    if (inv->has_content)
        rtm_frame_set_bytes(&f, RTM_K_TEXT, inv->content ? inv->content : "", inv->content_len);
    if (inv->channel_len)
        rtm_frame_set_bytes(&f, RTM_K_CHANNEL, inv->channel, inv->channel_len);
    /* When this cannot be queued, c is going away: its end fails the invitation. */
    rtmd_conn_send(srv, c, &f);
    rtm_log(&srv->log, RTM_LOG_DEBUG, "invitation %.*s/%llu delivered to conn %llu",
            (int)caller_len(inv), caller_id(inv), (unsigned long long)inv->iid,
            (unsigned long long)c->id);
}

static rtmd_held_t *held_get_or_create(rtmd_server_t *srv, const char *id, size_t len)
{
    rtmd_held_t *h = rtm_hm_get(&srv->invites.held, id, len);
    if (h)
        return h;
    h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->id_len = (uint8_t)len;
    memcpy(h->id, id, len);
    if (!rtm_hm_put(&srv->invites.held, h->id, h->id_len, h, NULL)) {
        free(h);
        return NULL;
    }
    return h;
}

/* ---- requests ------------------------------------------------------------------------ */

/* Checks an optional content or response text; answers and returns false when bad. */
static bool text_ok(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f, const char *what)
{
    if (!rtm_frame_has(f, RTM_K_TEXT))
        return true;
    if (f->text.len > RTM_INVITATION_TEXT_MAX_BYTES) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_SIZE_OVERFLOW,
                         what[0] == 'c' ? "the content is over 8192 bytes"
                                        : "the response is over 8192 bytes");
        return false;
    }
    if (!rtm_utf8_valid(f->text.ptr, f->text.len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_ARGUMENT,
                         what[0] == 'c' ? "the content is not UTF-8" : "the response is not UTF-8");
        return false;
    }
    return true;
}

void rtmd_invite_send(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    if (!rtm_id_valid(f->user.ptr, f->user.len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_USER_ID, "the callee id is not valid");
        return;
    }
    if (!text_ok(srv, c, f, "content"))
        return;
    /* An empty channel is taken as none. */
    bool has_channel = rtm_frame_has(f, RTM_K_CHANNEL) && f->channel.len;
    if (has_channel && !rtm_id_valid(f->channel.ptr, f->channel.len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_CHANNEL_ID, "the channel id is not valid");
        return;
    }
    if (f->user.len == c->user_len && memcmp(f->user.ptr, c->user, c->user_len) == 0) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_USER_ID, "you cannot invite yourself");
        return;
    }
    if (find(srv, f->iid, c->user, c->user_len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_STATE,
                         "an invitation with this iid is already in progress");
        return;
    }

    bool has_content = rtm_frame_has(f, RTM_K_TEXT);
    size_t content_len = has_content ? f->text.len : 0;
    rtmd_invite_t *inv = calloc(1, sizeof(*inv));
    char *content = content_len ? malloc(content_len) : NULL;
    rtmd_conn_t *callee = rtmd_session_find(srv, f->user.ptr, f->user.len);
    rtmd_held_t *h = NULL;
    bool ok = inv && (content || !content_len) && rtmd_conn_extra(c) &&
              (!callee || rtmd_conn_extra(callee));
    if (ok && !callee) {
        h = held_get_or_create(srv, f->user.ptr, f->user.len);
        ok = h != NULL;
    }
    if (ok) {
        inv->key_len = (uint8_t)make_key(inv->key, f->iid, c->user, c->user_len);
        ok = rtm_hm_put(&srv->invites.by_key, inv->key, inv->key_len, inv, NULL);
    }
    if (!ok) {
        if (h && !h->list.head) {
            rtm_hm_del(&srv->invites.held, h->id, h->id_len);
            free(h);
        }
        free(content);
        free(inv);
        rtm_log(&srv->log, RTM_LOG_ERROR, "out of memory: an invitation was refused");
        rtmd_conn_result(srv, c, f->id, RTM_ERR_NO_MEMORY, "the server is out of memory");
        return;
    }
    inv->srv = srv;
    inv->iid = f->iid;
    inv->caller = c;
    inv->callee_len = (uint8_t)f->user.len;
    memcpy(inv->callee_id, f->user.ptr, f->user.len);
    inv->has_content = has_content;
    inv->content = content;
    inv->content_len = content_len;
    if (content)
        memcpy(content, f->text.ptr, content_len);
    if (has_channel) {
        inv->channel_len = (uint8_t)f->channel.len;
        memcpy(inv->channel, f->channel.ptr, f->channel.len);
    }
    s_push(&c->extra->invites_sent, inv);
    lws_sul_schedule(srv->ctx, 0, &inv->expire_timer, expire_fired, ms(srv->opt->invite_expire_ms));
    rtm_log(&srv->log, RTM_LOG_INFO, "invitation %s/%llu to %.*s: %s", c->user,
            (unsigned long long)inv->iid, (int)inv->callee_len, inv->callee_id,
            callee ? "sent" : "held until the callee logs in");
    rtmd_conn_result(srv, c, f->id, RTM_OK, NULL);
    if (callee) {
        deliver(srv, inv, callee);
    } else {
        inv->held = h;
        r_push(&h->list, inv);
        lws_sul_schedule(srv->ctx, 0, &inv->offline_timer, offline_fired,
                         ms(srv->opt->invite_offline_timeout_ms));
    }
}

void rtmd_invite_cancel(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtmd_invite_t *inv = find(srv, f->iid, c->user, c->user_len);
    if (!inv || inv->caller != c || inv->callee_len != f->user.len ||
        memcmp(inv->callee_id, f->user.ptr, f->user.len) != 0) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_STATE,
                         "no invitation in progress from you with this callee and iid");
        return;
    }
    log_end(srv, inv, "cancelled");
    rtmd_conn_result(srv, c, f->id, RTM_OK, NULL);
    to_callee(srv, inv, RTM_INVITE_CANCELED, RTM_OK);
    invite_end(srv, inv);
}

void rtmd_invite_answer(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    bool accept = f->type == RTM_FRAME_INVITE_ACCEPT;
    if (!text_ok(srv, c, f, "response"))
        return;
    rtmd_invite_t *inv = find(srv, f->iid, f->user.ptr, f->user.len);
    if (!inv || inv->callee != c) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_STATE,
                         "no invitation in progress to you from this caller with this iid");
        return;
    }
    log_end(srv, inv, accept ? "accepted" : "refused");
    rtmd_conn_result(srv, c, f->id, RTM_OK, NULL);
    to_caller(srv, inv, accept ? RTM_INVITE_ACCEPTED : RTM_INVITE_REFUSED,
              rtm_frame_has(f, RTM_K_TEXT) ? &f->text : NULL, RTM_OK);
    invite_end(srv, inv);
}

void rtmd_invite_ack(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtmd_invite_t *inv = find(srv, f->iid, f->user.ptr, f->user.len);
    if (!inv || inv->callee != c || inv->acked)
        return; /* unknown, ended, not this session's, or a repeat: nothing to say */
    inv->acked = true;
    lws_sul_cancel(&inv->ack_timer);
    to_caller(srv, inv, RTM_INVITE_RECEIVED_BY_PEER, NULL, RTM_OK);
}

/* ---- sessions ------------------------------------------------------------------------ */

void rtmd_invite_deliver_held(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtmd_held_t *h = rtm_hm_get(&srv->invites.held, c->user, c->user_len);
    if (!h)
        return;
    if (!rtmd_conn_extra(c)) { /* they stay held: for the next login, or until they expire */
        rtm_log(&srv->log, RTM_LOG_ERROR,
                "conn %llu user %s: out of memory: held invitations "
                "not delivered",
                (unsigned long long)c->id, c->user);
        return;
    }
    rtm_hm_del(&srv->invites.held, h->id, h->id_len);
    size_t n = 0;
    for (rtmd_invite_t *inv = h->list.head, *next; inv; inv = next, n++) {
        next = inv->r_next;
        inv->r_next = inv->r_prev = NULL;
        deliver(srv, inv, c);
    }
    free(h);
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: %zu held invitations delivered",
            (unsigned long long)c->id, c->user, n);
}

void rtmd_invite_session_ended(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (!c->extra)
        return;
    while (c->extra->invites_sent.head) {
        rtmd_invite_t *inv = c->extra->invites_sent.head;
        if (inv->callee) {
            log_end(srv, inv, "failed: the caller's session ended");
            to_callee(srv, inv, RTM_INVITE_FAILED, RTM_ERR_PEER_OFFLINE);
        } else {
            log_end(srv, inv, "dropped while held: the caller's session ended");
        }
        invite_end(srv, inv);
    }
    while (c->extra->invites_recv.head) {
        rtmd_invite_t *inv = c->extra->invites_recv.head;
        log_end(srv, inv, "failed: the callee's session ended");
        to_caller(srv, inv, RTM_INVITE_FAILED, NULL, RTM_ERR_PEER_OFFLINE);
        invite_end(srv, inv);
    }
}
