/* Token deadlines of live sessions (see token_expiry.h): a min-heap of connections and one
 * timer. Deadlines are wall-clock times, because tokens are; the timer is re-armed from the
 * wall clock each time it fires, so a clock step makes it fire early (and re-arm) or late, never
 * lose a deadline. */
#include "token_expiry.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "codec.h"
#include "conn.h"
#include "server.h"
#include "session.h"

void rtmd_token_timers_init(rtmd_token_timers_t *t)
{
    memset(t, 0, sizeof(*t));
}

void rtmd_token_timers_stop(rtmd_token_timers_t *t)
{
    lws_sul_cancel(&t->timer);
    t->armed_ms = 0;
}

void rtmd_token_timers_destroy(rtmd_token_timers_t *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        t->heap[i]->token_slot = 0;
    free(t->heap);
    memset(t, 0, sizeof(*t));
}

/* When c's next thing happens (wall ms): the warning, or once warned (or never warning) the
 * end. */
static int64_t due_ms(const rtmd_server_t *srv, const rtmd_conn_t *c)
{
    int64_t end_ms = (int64_t)c->token_expire_ts * 1000;
    if (c->token_warned || srv->opt->token_warn_s == 0)
        return end_ms;
    return end_ms - (int64_t)srv->opt->token_warn_s * 1000;
}

static void place(rtmd_token_timers_t *t, uint32_t i, rtmd_conn_t *c)
{
    t->heap[i] = c;
    c->token_slot = i + 1;
}

static void sift_up(const rtmd_server_t *srv, rtmd_token_timers_t *t, uint32_t i)
{
    rtmd_conn_t *c = t->heap[i];
    int64_t due = due_ms(srv, c);
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (due_ms(srv, t->heap[parent]) <= due)
            break;
        place(t, i, t->heap[parent]);
        i = parent;
    }
    place(t, i, c);
}

static void sift_down(const rtmd_server_t *srv, rtmd_token_timers_t *t, uint32_t i)
{
    rtmd_conn_t *c = t->heap[i];
    int64_t due = due_ms(srv, c);
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= t->n)
            break;
        if (child + 1 < t->n && due_ms(srv, t->heap[child + 1]) < due_ms(srv, t->heap[child]))
            child++;
        if (due <= due_ms(srv, t->heap[child]))
            break;
        place(t, i, t->heap[child]);
        i = child;
    }
    place(t, i, c);
}

static void heap_remove(const rtmd_server_t *srv, rtmd_token_timers_t *t, rtmd_conn_t *c)
{
    uint32_t i = c->token_slot - 1;
    c->token_slot = 0;
    rtmd_conn_t *last = t->heap[--t->n];
    if (i == t->n)
        return;
    place(t, i, last);
    sift_down(srv, t, i);
    sift_up(srv, t, last->token_slot - 1);
}

static void fired(lws_sorted_usec_list_t *sul);

/* Sets the timer for the heap's top, if that is not what it is set for already. */
static void arm(rtmd_server_t *srv)
{
    rtmd_token_timers_t *t = &srv->token_timers;
    if (srv->destroying)
        return;
    if (t->n == 0) {
        if (t->armed_ms)
            rtmd_token_timers_stop(t);
        return;
    }
    int64_t due = due_ms(srv, t->heap[0]);
    if (due == t->armed_ms)
        return;
    int64_t wait_ms = due - rtm_now_wall_ms();
    lws_sul_schedule(srv->ctx, 0, &t->timer, fired,
                     wait_ms > 0 ? (lws_usec_t)wait_ms * LWS_US_PER_MS : 1);
    t->armed_ms = due;
}

static void warn(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: token ends at %u: warned",
            (unsigned long long)c->id, c->user, (unsigned)c->token_expire_ts);
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_TOKEN_WILL_EXPIRE, 0);
    rtm_frame_set_int(&f, RTM_K_TS, (int64_t)c->token_expire_ts * 1000);
    rtmd_conn_send(srv, c, &f);
}

static void fired(lws_sorted_usec_list_t *sul)
{
    rtmd_server_t *srv = lws_container_of(sul, rtmd_server_t, token_timers.timer);
    rtmd_token_timers_t *t = &srv->token_timers;
    t->armed_ms = 0;
    int64_t now = rtm_now_wall_ms();
    while (t->n && !srv->destroying && due_ms(srv, t->heap[0]) <= now) {
        rtmd_conn_t *c = t->heap[0];
        if (!c->logged_in || c->state == RTMD_CONN_CLOSING) {
            heap_remove(srv, t, c); /* its session is ending already */
        } else if (!c->token_warned && srv->opt->token_warn_s &&
                   now < (int64_t)c->token_expire_ts * 1000) {
            c->token_warned = true; /* later deadline: moves down */
            sift_down(srv, t, 0);
            /* a session held for a resume hears nothing: the resume brings a new token */
            if (c->state == RTMD_CONN_OPEN)
                warn(srv, c);
        } else {
            heap_remove(srv, t, c);
            rtmd_session_end_by_server(srv, c, RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED,
                                       "the token has expired", "token expired");
        }
    }
    arm(srv);
}

void rtmd_token_track(rtmd_server_t *srv, rtmd_conn_t *c, uint32_t expire_ts)
{
    rtmd_token_timers_t *t = &srv->token_timers;
    c->token_expire_ts = expire_ts;
    c->token_warned = false;
    if (expire_ts == 0) {
        rtmd_token_untrack(srv, c);
        return;
    }
    if (c->token_slot) {
        uint32_t i = c->token_slot - 1;
        sift_down(srv, t, i);
        sift_up(srv, t, c->token_slot - 1);
    } else {
        if (t->n == t->cap) {
            uint32_t cap = t->cap ? t->cap * 2 : 64;
            rtmd_conn_t **grown = realloc(t->heap, cap * sizeof(*grown));
            if (!grown) {
                /* The session keeps its token without deadlines rather than losing itself. */
                rtm_log(&srv->log, RTM_LOG_ERROR,
                        "conn %llu user %s: out of memory: the token's end is not enforced",
                        (unsigned long long)c->id, c->user);
                return;
            }
            t->heap = grown;
            t->cap = cap;
        }
        place(t, t->n++, c);
        sift_up(srv, t, t->n - 1);
    }
    arm(srv);
}

void rtmd_token_untrack(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (!c->token_slot)
        return;
    heap_remove(srv, &srv->token_timers, c);
    arm(srv);
}
