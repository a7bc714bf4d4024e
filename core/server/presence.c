/* Presence subscriptions (see presence.h). A watched-user record exists while someone follows
 * that user; it is found by user id, and each (session, record) pair by the two pointers. */
#include "presence.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "rules.h"
#include "server.h"
#include "session.h"

struct rtmd_watched {
    rtmd_sub_t *subs; /* its subscribers */
    uint8_t id_len;
    char id[RTM_ID_MAX_BYTES];
};

/* The pairs table's key: the conn and peer pointers at the start of rtmd_sub_t. */
#define PAIR_KEY_LEN (offsetof(rtmd_sub_t, peer) + sizeof(rtmd_watched_t *))
_Static_assert(offsetof(rtmd_sub_t, conn) == 0 &&
                   offsetof(rtmd_sub_t, peer) == sizeof(rtmd_conn_t *),
               "the pair key must be two adjacent pointers");

void rtmd_presence_init(rtmd_presence_t *p)
{
    rtm_hm_init(&p->watched);
    rtm_hm_init(&p->pairs);
}

void rtmd_presence_destroy(rtmd_presence_t *p)
{
    rtm_hm_destroy(&p->watched);
    rtm_hm_destroy(&p->pairs);
}

static rtmd_watched_t *watched_get_or_create(rtmd_presence_t *p, const rtm_bytes_t *id)
{
    rtmd_watched_t *w = rtm_hm_get(&p->watched, id->ptr, id->len);
    if (w)
        return w;
    w = malloc(sizeof(*w));
    if (!w)
        return NULL;
    w->subs = NULL;
    w->id_len = (uint8_t)id->len;
    memcpy(w->id, id->ptr, id->len);
    if (!rtm_hm_put(&p->watched, w->id, w->id_len, w, NULL)) {
        free(w);
        return NULL;
    }
    return w;
}

static void watched_drop_if_unused(rtmd_presence_t *p, rtmd_watched_t *w)
{
    if (w->subs)
        return;
    rtm_hm_del(&p->watched, w->id, w->id_len);
    free(w);
}

static rtmd_sub_t *sub_find(const rtmd_presence_t *p, rtmd_conn_t *c, rtmd_watched_t *w)
{
    rtmd_sub_t probe = {.conn = c, .peer = w};
    return rtm_hm_get(&p->pairs, &probe, PAIR_KEY_LEN);
}

static rtmd_sub_t *sub_add(rtmd_presence_t *p, rtmd_conn_t *c, rtmd_watched_t *w)
{
    rtmd_conn_extra_t *x = rtmd_conn_extra(c);
    rtmd_sub_t *s = x ? calloc(1, sizeof(*s)) : NULL;
    if (!s)
        return NULL;
    s->conn = c;
    s->peer = w;
    if (!rtm_hm_put(&p->pairs, s, PAIR_KEY_LEN, s, NULL)) {
        free(s);
        return NULL;
    }
    s->c_prev = x->subs_tail;
    if (x->subs_tail)
        x->subs_tail->c_next = s;
    else
        x->subs = s;
    x->subs_tail = s;
    x->n_subs++;
    s->w_next = w->subs;
    if (s->w_next)
        s->w_next->w_pprev = &s->w_next;
    s->w_pprev = &w->subs;
    w->subs = s;
    return s;
}

/* Unlinks s from both lists and the table, frees it, and drops its peer's record when s was
 * its last subscriber. */
static void sub_remove(rtmd_presence_t *p, rtmd_sub_t *s)
{
    rtmd_conn_extra_t *x = s->conn->extra; /* allocated before s was added */
    rtmd_watched_t *w = s->peer;
    rtm_hm_del(&p->pairs, s, PAIR_KEY_LEN);
    if (s->c_prev)
        s->c_prev->c_next = s->c_next;
    else
        x->subs = s->c_next;
    if (s->c_next)
        s->c_next->c_prev = s->c_prev;
    else
        x->subs_tail = s->c_prev;
    x->n_subs--;
    *s->w_pprev = s->w_next;
    if (s->w_next)
        s->w_next->w_pprev = s->w_pprev;
    free(s);
    watched_drop_if_unused(p, w);
}

/* Checks the users list of a SUBSCRIBE or UNSUBSCRIBE; answers and returns false when bad. */
static bool users_ok(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    size_t n = rtm_frame_has(f, RTM_K_USERS) ? f->n_users : 0;
    if (n == 0) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_ARGUMENT, "the request names no user");
        return false;
    }
    if (n > RTM_SUBSCRIBE_PEERS_MAX) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_EXCEED_LIMIT,
                         "at most 512 users per subscription request");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!rtm_id_valid(f->users[i].ptr, f->users[i].len)) {
            rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_USER_ID, "a user id is not valid");
            return false;
        }
    return true;
}

void rtmd_presence_subscribe(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtmd_presence_t *p = &srv->presence;
    if (!users_ok(srv, c, f))
        return;
    /* Added one by one (which also settles duplicates in the request), taken back when the
     * request cannot be served whole. */
    static rtmd_sub_t *added[RTM_SUBSCRIBE_PEERS_MAX];
    size_t k = 0;
    rtm_err_t err = RTM_OK;
    const char *why = NULL;
    for (size_t i = 0; i < f->n_users && err == RTM_OK; i++) {
        rtmd_watched_t *w = watched_get_or_create(p, &f->users[i]);
        if (w && sub_find(p, c, w))
            continue;
        if (w && rtmd_conn_n_subs(c) >= RTM_SUBSCRIBE_PEERS_MAX) {
            err = RTM_ERR_EXCEED_LIMIT;
            why = "a session can subscribe to at most 512 users";
        } else if (!w || !(added[k] = sub_add(p, c, w))) {
            err = RTM_ERR_NO_MEMORY;
            why = "the server is out of memory";
        } else {
            k++;
        }
        if (err != RTM_OK && w)
            watched_drop_if_unused(p, w);
    }
    if (err != RTM_OK) {
        while (k)
            sub_remove(p, added[--k]);
        rtmd_conn_result(srv, c, f->id, err, why);
        return;
    }
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: subscribed to %zu new users (%u in all)",
            (unsigned long long)c->id, c->user, k, (unsigned)rtmd_conn_n_subs(c));
    rtmd_conn_result(srv, c, f->id, RTM_OK, NULL);
    if (k == 0)
        return;
    static rtm_bytes_t users[RTM_SUBSCRIBE_PEERS_MAX];
    static uint32_t states[RTM_SUBSCRIBE_PEERS_MAX];
    for (size_t i = 0; i < k; i++) {
        const rtmd_watched_t *w = added[i]->peer;
        users[i] = (rtm_bytes_t){w->id, w->id_len};
        states[i] = rtmd_session_online_state(srv, w->id, w->id_len);
    }
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_PRESENCE, 0);
    rtm_frame_set_users(&r, users, k);
    rtm_frame_set_states(&r, states, k);
    rtmd_conn_send(srv, c, &r);
}

void rtmd_presence_unsubscribe(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtmd_presence_t *p = &srv->presence;
    if (!users_ok(srv, c, f))
        return;
    for (size_t i = 0; i < f->n_users; i++) {
        rtmd_watched_t *w = rtm_hm_get(&p->watched, f->users[i].ptr, f->users[i].len);
        rtmd_sub_t *s = w ? sub_find(p, c, w) : NULL;
        if (s)
            sub_remove(p, s);
    }
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: unsubscribed (%u subscriptions left)",
            (unsigned long long)c->id, c->user, (unsigned)rtmd_conn_n_subs(c));
    rtmd_conn_result(srv, c, f->id, RTM_OK, NULL);
}

void rtmd_presence_query(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    static rtm_bytes_t users[RTM_SUBSCRIBE_PEERS_MAX];
    size_t n = 0;
    for (const rtmd_sub_t *s = c->extra ? c->extra->subs : NULL; s; s = s->c_next)
        users[n++] = (rtm_bytes_t){s->peer->id, s->peer->id_len};
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
    rtm_frame_set_users(&r, users, n);
    rtmd_conn_send(srv, c, &r);
}

void rtmd_presence_notify(rtmd_server_t *srv, const char *user, size_t len, uint32_t state)
{
    if (srv->stopping || srv->destroying)
        return; /* every subscriber is being closed */
    const rtmd_watched_t *w = rtm_hm_get(&srv->presence.watched, user, len);
    if (!w || !w->subs)
        return;
    rtm_bytes_t who = {w->id, w->id_len};
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_PRESENCE, 0);
    rtm_frame_set_users(&f, &who, 1);
    rtm_frame_set_states(&f, &state, 1);
    rtmd_msg_t *m = rtmd_msg_encode(&f);
    if (!m) {
        rtm_log(&srv->log, RTM_LOG_ERROR, "out of memory: a presence change was not sent");
        return;
    }
    /* A send never closes a connection synchronously, so the list cannot change here. */
    size_t sent = 0;
    for (const rtmd_sub_t *s = w->subs; s; s = s->w_next, sent++)
        rtmd_conn_send_msg(srv, s->conn, m);
    rtmd_msg_unref(m);
    rtm_log(&srv->log, RTM_LOG_DEBUG, "user %.*s: %s sent to %zu subscribers", (int)len, user,
            state == RTM_PEER_ONLINE_STATE_ONLINE        ? "online"
            : state == RTM_PEER_ONLINE_STATE_UNREACHABLE ? "unreachable"
                                                         : "offline",
            sent);
}

void rtmd_presence_session_ended(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtmd_sub_t *s = c->extra ? c->extra->subs : NULL, *next;
    for (; s; s = next) {
        next = s->c_next;
        sub_remove(&srv->presence, s);
    }
}
