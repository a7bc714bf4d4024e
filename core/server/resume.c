/* Held sessions and resumes (see resume.h). A held session keeps everything it had: channels,
 * subscriptions, attributes, invitations, deliveries waiting for its acknowledgement; frames
 * for it keep being queued (counted, up to the slow-consumer limit). */
#include "resume.h"

#include "dlist.h"

#include "clock.h"
#include "conn.h"
#include "heartbeat.h"
#include "offline.h"
#include "presence.h"
#include "server.h"
#include "session.h"

static void grace_fired(lws_sorted_usec_list_t *sul);

static void schedule(rtmd_server_t *srv)
{
    const rtmd_conn_t *head = srv->held_head;
    if (!head || srv->destroying)
        return;
    int64_t now = rtm_now_mono_ms();
    int64_t due =
        head->state == RTMD_CONN_CLOSING ? 0 : head->detached_ms + srv->opt->session_grace_ms - now;
    lws_sul_schedule(srv->ctx, 0, &srv->grace_timer, grace_fired,
                     (lws_usec_t)(due > 0 ? due : 0) * LWS_US_PER_MS + 1);
}

static void unlink_held(rtmd_server_t *srv, rtmd_conn_t *c)
{
    RTM_DLIST_UNLINK(srv->held_head, srv->held_tail, c, live_next, live_prev);
    srv->n_held--;
}

static void end_held(rtmd_server_t *srv, rtmd_conn_t *c, const char *why)
{
    unlink_held(srv, c);
    rtm_log(&srv->log, RTM_LOG_INFO, "user %s: held session ended: %s (%zu held)", c->user, why,
            srv->n_held);
    rtmd_session_destroy(srv, c);
}

static void grace_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_server_t *srv = lws_container_of(sul, rtmd_server_t, grace_timer);
    if (srv->destroying)
        return;
    rtmd_conn_t *c;
    /* Ending one may make others pass the slow-consumer limit: they come to the head. */
    while ((c = srv->held_head)) {
        if (c->state == RTMD_CONN_CLOSING) {
            end_held(srv, c, "too much queued for it");
        } else if (c->detached_ms + srv->opt->session_grace_ms <= rtm_now_mono_ms()) {
            end_held(srv, c, "not resumed within the grace period");
        } else {
            break;
        }
    }
    schedule(srv);
}

bool rtmd_resume_detach(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (!c->logged_in || c->state != RTMD_CONN_OPEN || srv->opt->session_grace_ms == 0 ||
        srv->stopping || srv->destroying)
        return false;
    c->wsi = NULL;
    c->state = RTMD_CONN_DETACHED;
    c->detached_ms = rtm_now_mono_ms();
    c->rx_in_msg = false;
    rtmd_conn_rx_free(c);
    RTM_DLIST_PUSH_BACK(srv->held_head, srv->held_tail, c, live_next, live_prev);
    srv->n_held++;
    if (srv->held_head == c)
        schedule(srv);
    rtm_log(&srv->log, RTM_LOG_INFO,
            "conn %llu user %s: connection lost; session held for %u ms (%zu held)",
            (unsigned long long)c->id, c->user, (unsigned)srv->opt->session_grace_ms, srv->n_held);
    rtmd_presence_notify(srv, c->user, c->user_len, RTM_PEER_ONLINE_STATE_UNREACHABLE);
    return true;
}

rtmd_conn_t *rtmd_resume_attach(rtmd_server_t *srv, rtmd_conn_t *held, rtmd_conn_t *c, uint64_t rx,
                                rtmd_msg_t *login_result)
{
    bool was_held = held->state == RTMD_CONN_DETACHED;
    int64_t held_ms = was_held ? rtm_now_mono_ms() - held->detached_ms : 0;
    bool ok;
    uint64_t resent = rtmd_conn_rewind(held, rx, &c->out, login_result, &ok);
    rtmd_outq_clear(&c->out);
    c->out_sent = 0;
    if (was_held) {
        unlink_held(srv, held);
        schedule(srv);
    } else {
        /* The client gave up on that connection before this server noticed: it goes quietly. */
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: replaced by conn %llu (resume)",
                (unsigned long long)held->id, held->user, (unsigned long long)c->id);
        rtmd_heartbeat_remove(srv, held);
        rtmd_conn_bind(held->wsi, NULL);
        lws_set_timeout(held->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    held->wsi = c->wsi;
    held->want_writeable = c->want_writeable; /* a WRITEABLE c asked for still comes */
    held->id = c->id;
    held->state = RTMD_CONN_OPEN;
    held->rx_in_msg = false;
    held->rx_unacked = 0;
    rtmd_conn_rx_free(held);
    rtmd_conn_bind(held->wsi, held);
    rtmd_heartbeat_remove(srv, c);
    rtmd_heartbeat_add(srv, held);
    c->wsi = NULL;
    c->state = RTMD_CONN_NONE;

    if (!ok) {
        rtmd_conn_abort(srv, held, "out of memory resuming a session");
        return held;
    }
    rtm_log(&srv->log, RTM_LOG_INFO,
            "conn %llu user %s: session resumed%s%lld ms after the drop; %llu frames sent again",
            (unsigned long long)held->id, held->user, was_held ? " " : " (connection replaced) ",
            (long long)held_ms, (unsigned long long)resent);
    rtmd_conn_wake(srv, held);
    if (was_held)
        rtmd_presence_notify(srv, held->user, held->user_len, RTM_PEER_ONLINE_STATE_ONLINE);
    if (held->offline_more && held->offline_inflight == 0)
        rtmd_offline_deliver(srv, held);
    return held;
}

void rtmd_resume_forget(rtmd_server_t *srv, rtmd_conn_t *c)
{
    unlink_held(srv, c);
    schedule(srv);
}

void rtmd_resume_end_soon(rtmd_server_t *srv, rtmd_conn_t *c)
{
    RTM_DLIST_UNLINK(srv->held_head, srv->held_tail, c, live_next, live_prev);
    c->live_next = srv->held_head;
    c->live_prev = NULL;
    if (srv->held_head)
        srv->held_head->live_prev = c;
    else
        srv->held_tail = c;
    srv->held_head = c;
    schedule(srv);
}

void rtmd_resume_end_all(rtmd_server_t *srv)
{
    while (srv->held_head)
        end_held(srv, srv->held_head, "the server is stopping");
}

void rtmd_resume_stop(rtmd_server_t *srv)
{
    lws_sul_cancel(&srv->grace_timer);
}
