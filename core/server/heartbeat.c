/* Heartbeats and acknowledgements (see heartbeat.h). The sweep measures with the monotonic
 * clock in ms; before it drops a connection it asks the kernel whether bytes are waiting
 * unread (a busy loop must not take its own lateness for the peer's silence). */
#include "heartbeat.h"

#include "dlist.h"

#include <sys/ioctl.h>

#include "clock.h"
#include "conn.h"
#include "server.h"

static void sweep_fired(lws_sorted_usec_list_t *sul);

/* Arms sul for when head's time (last_rx_ms) plus after_ms comes; nothing for an empty list. */
static void schedule_at(rtmd_server_t *srv, const rtmd_conn_t *head, int64_t after_ms,
                        lws_sorted_usec_list_t *sul, sul_cb_t cb, int64_t now)
{
    if (!head || srv->destroying)
        return;
    int64_t due = head->last_rx_ms + after_ms - now;
    lws_sul_schedule(srv->ctx, 0, sul, cb, (lws_usec_t)(due > 0 ? due : 0) * LWS_US_PER_MS + 1);
}

static void schedule(rtmd_server_t *srv, int64_t now)
{
    schedule_at(srv, srv->live_head, srv->opt->heartbeat_timeout_ms, &srv->heartbeat_timer,
                sweep_fired, now);
}

void rtmd_heartbeat_add(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (c->in_live)
        return;
    c->last_rx_ms = rtm_now_mono_ms();
    RTM_DLIST_PUSH_BACK(srv->live_head, srv->live_tail, c, live_next, live_prev);
    c->in_live = true;
    if (srv->live_head == c)
        schedule(srv, c->last_rx_ms);
}

static void touch_at(rtmd_server_t *srv, rtmd_conn_t *c, int64_t now)
{
    c->last_rx_ms = now;
    if (srv->live_tail == c)
        return;
    /* The timer stays where it is: when it fires early it looks at the new head. */
    RTM_DLIST_UNLINK(srv->live_head, srv->live_tail, c, live_next, live_prev);
    RTM_DLIST_PUSH_BACK(srv->live_head, srv->live_tail, c, live_next, live_prev);
}

void rtmd_heartbeat_touch(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (c->in_live)
        touch_at(srv, c, rtm_now_mono_ms());
}

void rtmd_heartbeat_remove(rtmd_server_t *srv, rtmd_conn_t *c)
{
    if (c->in_closing) {
        RTM_DLIST_UNLINK(srv->closing_head, srv->closing_tail, c, live_next, live_prev);
        c->in_closing = false;
    }
    if (!c->in_live)
        return;
    RTM_DLIST_UNLINK(srv->live_head, srv->live_tail, c, live_next, live_prev);
    c->in_live = false;
}

static void closing_fired(lws_sorted_usec_list_t *sul);

static void schedule_closing(rtmd_server_t *srv, int64_t now)
{
    schedule_at(srv, srv->closing_head, RTMD_CLOSE_FLUSH_S * 1000, &srv->closing_timer,
                closing_fired, now);
}

void rtmd_heartbeat_closing(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtmd_heartbeat_remove(srv, c);
    c->last_rx_ms = rtm_now_mono_ms(); /* from here on: when the close began */
    RTM_DLIST_PUSH_BACK(srv->closing_head, srv->closing_tail, c, live_next, live_prev);
    c->in_closing = true;
    if (srv->closing_head == c)
        schedule_closing(srv, c->last_rx_ms);
}

static void closing_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_server_t *srv = lws_container_of(sul, rtmd_server_t, closing_timer);
    if (srv->destroying)
        return;
    int64_t now = rtm_now_mono_ms();
    rtmd_conn_t *c;
    while ((c = srv->closing_head) && c->last_rx_ms + RTMD_CLOSE_FLUSH_S * 1000 <= now) {
        rtmd_heartbeat_remove(srv, c);
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: cut: it did not flush within %d s",
                (unsigned long long)c->id, rtmd_conn_user(c), RTMD_CLOSE_FLUSH_S);
        if (c->wsi)
            lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    schedule_closing(srv, now);
}

void rtmd_heartbeat_stop(rtmd_server_t *srv)
{
    lws_sul_cancel(&srv->heartbeat_timer);
    lws_sul_cancel(&srv->closing_timer);
}

static bool bytes_waiting(const rtmd_conn_t *c)
{
    int n = 0;
    lws_sockfd_type fd = lws_get_socket_fd(c->wsi);
    return fd >= 0 && ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

static void sweep_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_server_t *srv = lws_container_of(sul, rtmd_server_t, heartbeat_timer);
    if (srv->destroying)
        return;
    int64_t now = rtm_now_mono_ms();
    uint32_t timeout = srv->opt->heartbeat_timeout_ms;
    rtmd_conn_t *c;
    while ((c = srv->live_head) && c->last_rx_ms + timeout <= now) {
        if (bytes_waiting(c)) { /* not silent: the loop has yet to read them */
            touch_at(srv, c, now);
            continue;
        }
        rtmd_heartbeat_remove(srv, c);
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: dropped: nothing received for %lld ms",
                (unsigned long long)c->id, rtmd_conn_user(c), (long long)(now - c->last_rx_ms));
        /* The state stays as it is: a session whose connection went silent is held for a
         * resume like one whose connection broke (server.c, on close). */
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    schedule(srv, now);
}

bool rtmd_heartbeat_counted(uint32_t type)
{
    return type != RTM_FRAME_LOGIN && type != RTM_FRAME_PING && type != RTM_FRAME_ACK;
}

void rtmd_heartbeat_received(rtmd_server_t *srv, rtmd_conn_t *c)
{
    c->rx_seq++;
    if (++c->rx_unacked < RTMD_ACK_EVERY)
        return;
    c->rx_unacked = 0;
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_SERVER_ACK, 0);
    rtm_frame_set_uint(&f, RTM_K_RX, c->rx_seq);
    rtmd_conn_send_uncounted(srv, c, &f);
}

void rtmd_heartbeat_ping(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    if (c->logged_in)
        rtmd_conn_acked(c, f->rx);
    c->rx_unacked = 0;
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_PONG, 0);
    rtm_frame_set_uint(&r, RTM_K_RX, c->logged_in ? c->rx_seq : 0);
    rtmd_conn_send_uncounted(srv, c, &r);
}

void rtmd_heartbeat_ack(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    (void)srv;
    rtmd_conn_acked(c, f->rx);
}
