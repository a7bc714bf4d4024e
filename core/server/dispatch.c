/* Frame decoding and routing for one received message (see dispatch.h). One static decoder:
 * the server is single-threaded. */
#include "dispatch.h"

#include <stddef.h>
#include <stdio.h>

#include "channel.h"
#include "channel_attrs.h"
#include "clock.h"
#include "codec.h"
#include "conn.h"
#include "heartbeat.h"
#include "invitation.h"
#include "peer.h"
#include "presence.h"
#include "rate_limit.h"
#include "server.h"
#include "session.h"
#include "user_attrs.h"

static rtm_decoder_t decoder;

/* Answers TOO_OFTEN (and returns false) when f is over its rate limit (rate_limit.h). */
static bool within_rate_limit(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    const rtmd_options_t *o = srv->opt;
    if (!o->rate_limits)
        return true;
    size_t window = 0; /* which of the connection's windows (offset in rtmd_rate_conn_t) */
    rtmd_rate_limit_t lim;
    const char *what = NULL;
    switch (f->type) {
    case RTM_FRAME_LOGIN:
        if (c->logged_in || !rtm_frame_has(f, RTM_K_USER) ||
            !rtm_id_valid(f->user.ptr, f->user.len))
            return true; /* refused on other grounds */
        lim = (rtmd_rate_limit_t){o->rate_logins, RTMD_RATE_LOGINS_WINDOW_MS};
        what = "logins of this user id";
        break;
    case RTM_FRAME_SEND_PEER:
    case RTM_FRAME_SEND_CHANNEL:
        window = offsetof(rtmd_rate_conn_t, messages);
        lim = (rtmd_rate_limit_t){o->rate_messages, RTMD_RATE_MESSAGES_WINDOW_MS};
        what = "messages";
        break;
    case RTM_FRAME_JOIN:
        window = offsetof(rtmd_rate_conn_t, joins);
        lim = (rtmd_rate_limit_t){o->rate_joins, RTMD_RATE_JOINS_WINDOW_MS};
        what = "channel joins";
        break;
    case RTM_FRAME_SET_CHANNEL_ATTRS:
    case RTM_FRAME_ADD_CHANNEL_ATTRS:
    case RTM_FRAME_DEL_CHANNEL_ATTRS:
    case RTM_FRAME_CLEAR_CHANNEL_ATTRS:
    case RTM_FRAME_SET_USER_ATTRS:
    case RTM_FRAME_ADD_USER_ATTRS:
    case RTM_FRAME_DEL_USER_ATTRS:
    case RTM_FRAME_CLEAR_USER_ATTRS:
        window = offsetof(rtmd_rate_conn_t, attr_writes);
        lim = (rtmd_rate_limit_t){o->rate_attribute_writes, RTMD_RATE_ATTR_WRITES_WINDOW_MS};
        what = "attribute writes";
        break;
    default:
        return true;
    }
    int64_t now_ms = rtm_now_mono_ms();
    bool ok;
    if (f->type == RTM_FRAME_LOGIN) {
        ok = rtmd_rate_logins_take(&srv->login_rates, f->user.ptr, f->user.len, &lim, now_ms);
    } else { /* the windows live in c's extra part: out of memory lets the request through */
        rtmd_conn_extra_t *x = rtmd_conn_extra(c);
        ok = !x || rtmd_rate_take((rtmd_rate_window_t *)((char *)&x->rate + window), &lim, now_ms);
    }
    if (ok)
        return true;
    char why[96];
    snprintf(why, sizeof(why), "too many %s: at most %u in any %u ms", what, (unsigned)lim.max,
             (unsigned)lim.window_ms);
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: %s id %llu refused: %s",
            (unsigned long long)c->id, rtmd_conn_user(c), rtm_frame_type_name(f->type),
            (unsigned long long)f->id, why);
    rtmd_conn_result(srv, c, f->id, RTM_ERR_TOO_OFTEN, why);
    return false;
}

/* Serves f; returns the session serving c's connection afterwards (see dispatch.h). */
static rtmd_conn_t *route(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    if (f->type == RTM_FRAME_DELIVERY_ACK) {
        /* Honoured even while closing (the client has the message); an ack from a
         * connection that never got that mid is ignored there. */
        rtmd_peer_ack(srv, c, f);
        return c;
    }
    if (f->type == RTM_FRAME_ACK) {
        if (c->logged_in) /* an ACK before login acknowledges nothing */
            rtmd_heartbeat_ack(srv, c, f);
        return c;
    }
    if (c->state != RTMD_CONN_OPEN)
        return c; /* closing: the answer could not be sent anyway */
    if (f->type == RTM_FRAME_PING) {
        rtmd_heartbeat_ping(srv, c, f);
        return c;
    }
    if (f->type == RTM_FRAME_INVITE_ACK) {
        if (c->logged_in) /* no answer either way: it has id 0 */
            rtmd_invite_ack(srv, c, f);
        return c;
    }
    if (f->type == RTM_FRAME_LOGIN)
        return within_rate_limit(srv, c, f) ? rtmd_session_login(srv, c, f) : c;
    if (!c->logged_in) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_NOT_LOGGED_IN, "log in first");
        return c;
    }
    if (!within_rate_limit(srv, c, f))
        return c;
    switch (f->type) {
    case RTM_FRAME_LOGOUT:
        rtmd_session_logout(srv, c, f);
        break;
    case RTM_FRAME_RENEW_TOKEN:
        rtmd_session_renew_token(srv, c, f);
        break;
    case RTM_FRAME_SEND_PEER:
        rtmd_peer_send(srv, c, f);
        break;
    case RTM_FRAME_QUERY_ONLINE:
        rtmd_peer_query_online(srv, c, f);
        break;
    case RTM_FRAME_JOIN:
        rtmd_channel_join(srv, c, f);
        break;
    case RTM_FRAME_LEAVE:
        rtmd_channel_leave(srv, c, f);
        break;
    case RTM_FRAME_SEND_CHANNEL:
        rtmd_channel_send(srv, c, f);
        break;
    case RTM_FRAME_GET_MEMBERS:
        rtmd_channel_get_members(srv, c, f);
        break;
    case RTM_FRAME_COUNT_MEMBERS:
        rtmd_channel_count_members(srv, c, f);
        break;
    case RTM_FRAME_SET_CHANNEL_ATTRS:
    case RTM_FRAME_ADD_CHANNEL_ATTRS:
    case RTM_FRAME_DEL_CHANNEL_ATTRS:
    case RTM_FRAME_CLEAR_CHANNEL_ATTRS:
        rtmd_channel_attrs_write(srv, c, f);
        break;
    case RTM_FRAME_GET_CHANNEL_ATTRS:
        rtmd_channel_attrs_get(srv, c, f);
        break;
    case RTM_FRAME_SUBSCRIBE:
        rtmd_presence_subscribe(srv, c, f);
        break;
    case RTM_FRAME_UNSUBSCRIBE:
        rtmd_presence_unsubscribe(srv, c, f);
        break;
    case RTM_FRAME_QUERY_SUBSCRIBED:
        rtmd_presence_query(srv, c, f);
        break;
    case RTM_FRAME_SET_USER_ATTRS:
    case RTM_FRAME_ADD_USER_ATTRS:
    case RTM_FRAME_DEL_USER_ATTRS:
    case RTM_FRAME_CLEAR_USER_ATTRS:
        rtmd_user_attrs_write(srv, c, f);
        break;
    case RTM_FRAME_GET_USER_ATTRS:
        rtmd_user_attrs_get(srv, c, f);
        break;
    case RTM_FRAME_INVITE:
        rtmd_invite_send(srv, c, f);
        break;
    case RTM_FRAME_INVITE_CANCEL:
        rtmd_invite_cancel(srv, c, f);
        break;
    case RTM_FRAME_INVITE_ACCEPT:
    case RTM_FRAME_INVITE_REFUSE:
        rtmd_invite_answer(srv, c, f);
        break;
    default:
        rtmd_conn_error(srv, c, f->id, RTM_ERR_NOT_SUPPORTED,
                        "this server does not serve that frame type");
        break;
    }
    return c;
}

rtmd_conn_t *rtmd_dispatch_message(rtmd_server_t *srv, rtmd_conn_t *c, const uint8_t *buf,
                                   size_t len)
{
    size_t off = 0;
    while (off < len) {
        rtm_frame_t f;
        const char *why = NULL;
        size_t before = off;
        rtm_decode_status_t st = rtm_frame_decode(&decoder, buf, len, &off, &f, &why);
        if (st == RTM_DECODE_BROKEN || off <= before) {
            rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: unreadable frame at %zu: %s",
                    (unsigned long long)c->id, rtmd_conn_user(c), before, why ? why : "?");
            rtmd_conn_error(srv, c, 0, RTM_ERR_PROTOCOL, why ? why : "unreadable frame");
            return c;
        }
        /* The client counted every frame it sent but LOGIN, PING and ACK, malformed or not. */
        bool counted = c->logged_in && rtmd_heartbeat_counted(f.type);
        if (st == RTM_DECODE_BAD_FRAME) {
            rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: bad frame (type %u id %llu): %s",
                    (unsigned long long)c->id, rtmd_conn_user(c), f.type, (unsigned long long)f.id,
                    why ? why : "?");
            rtmd_conn_error(srv, c, f.id, RTM_ERR_PROTOCOL, why ? why : "invalid frame");
            if (counted)
                rtmd_heartbeat_received(srv, c);
            continue;
        }
        if (RTM_LOG_ENABLED(&srv->log, RTM_LOG_DEBUG))
            rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: recv %s id %llu",
                    (unsigned long long)c->id, rtmd_conn_user(c), rtm_frame_type_name(f.type),
                    (unsigned long long)f.id);
        if (!rtm_frame_type_from_client(f.type)) {
            rtmd_conn_error(srv, c, f.id, RTM_ERR_PROTOCOL, "a client may not send that frame");
        } else {
            c = route(srv, c, &f);
        }
        if (counted)
            rtmd_heartbeat_received(srv, c);
    }
    return c;
}
