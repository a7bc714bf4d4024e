/* Sessions (see session.h): who is logged in on which connection. The users table borrows
 * its keys from the connection that holds the entry (rtmd_conn_t.user). */
#include "session.h"

#include <string.h>

#include "bans.h"
#include "channel.h"
#include "clock.h"
#include "conn.h"
#include "invitation.h"
#include "offline.h"
#include "presence.h"
#include "rules.h"
#include "server.h"
#include "token.h"
#include "token_expiry.h"
#include "user_attrs.h"

rtmd_conn_t *rtmd_session_find(const rtmd_server_t *srv, const char *user, size_t len)
{
    return rtm_hm_get(&srv->users, user, len);
}

static uint32_t now_s(void)
{
    return (uint32_t)(rtm_now_wall_ms() / 1000);
}

/* Checks token for user against the server's certificate; RTM_OK without a certificate. */
static rtm_err_t check_token(const rtmd_server_t *srv, const rtm_frame_t *f, const char *user,
                             size_t user_len, uint32_t *expire_ts, const char **why)
{
    const rtmd_options_t *o = srv->opt;
    *expire_ts = 0;
    if (!o->app_certificate)
        return RTM_OK;
    if (!rtm_frame_has(f, RTM_K_TOKEN) || f->token.len == 0) {
        *why = "this server needs a token";
        return RTM_ERR_INVALID_TOKEN;
    }
    rtm_err_t err = RTM_ERR_INVALID_TOKEN;
    if (f->token.len <= RTM_TOKEN_MAX_BYTES)
        err = rtm_token_verify(f->token.ptr, f->token.len, o->app_id, o->app_certificate, user,
                               user_len, now_s(), expire_ts);
    if (err == RTM_ERR_TOKEN_EXPIRED)
        *why = "the token has expired";
    else if (err != RTM_OK)
        *why = "the token is not valid for this app id and user id";
    return err;
}

static void login_result(rtmd_server_t *srv, rtmd_conn_t *c, uint64_t id, rtm_err_t err,
                         const char *why)
{
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, id);
    rtm_frame_set_uint(&r, RTM_K_ERR, (uint64_t)err);
    if (why)
        rtm_frame_set_str(&r, RTM_K_ERRMSG, why);
    rtm_frame_set_uint(&r, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_int(&r, RTM_K_TS, rtm_now_wall_ms());
    rtmd_conn_send(srv, c, &r);
}

/* What a session holds goes with it: channel memberships (the other members are told), its
 * subscriptions, its user attributes and its invitations (the other parties are told). */
static void session_state_ended(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtmd_invite_session_ended(srv, c);
    rtmd_channel_session_ended(srv, c);
    rtmd_presence_session_ended(srv, c);
    rtmd_user_attrs_session_ended(c);
}

/* Ends old's session because its user logged in on another connection. The user stays online
 * throughout, so its subscribers hear nothing. */
static void end_for_remote_login(rtmd_server_t *srv, rtmd_conn_t *old, const rtmd_conn_t *c)
{
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: session ended: logged in on conn %llu",
            (unsigned long long)old->id, old->user, (unsigned long long)c->id);
    old->logged_in = false;
    session_state_ended(srv, old);
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_SESSION_END, 0);
    rtm_frame_set_uint(&f, RTM_K_REASON, RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
    rtm_frame_set_str(&f, RTM_K_ERRMSG, "the same user id logged in elsewhere");
    rtmd_conn_send(srv, old, &f);
    rtmd_conn_close_after_flush(srv, old, LWS_CLOSE_STATUS_NORMAL, "remote login");
}

/* A banned user's login: REJECTED with reason BANNED_BY_SERVER, then the connection closes. */
static void refuse_banned(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu: login refused for user %.*s: banned",
            (unsigned long long)c->id, (int)f->user.len, f->user.ptr);
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_ERR_REJECTED);
    rtm_frame_set_str(&r, RTM_K_ERRMSG, "this user is banned from the server");
    rtm_frame_set_uint(&r, RTM_K_REASON, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
    rtm_frame_set_uint(&r, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_int(&r, RTM_K_TS, rtm_now_wall_ms());
    rtmd_conn_send(srv, c, &r);
    rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_NORMAL, "login failed");
}

void rtmd_session_login(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    const rtmd_options_t *o = srv->opt;
    if (c->logged_in) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_ALREADY_LOGGED_IN,
                         "this connection is already logged in");
        return;
    }
    rtm_err_t err = RTM_OK;
    const char *why = NULL;
    uint32_t expire_ts = 0;
    bool user_ok = rtm_frame_has(f, RTM_K_USER) && rtm_id_valid(f->user.ptr, f->user.len);
    if (!rtm_frame_has(f, RTM_K_VERSION) || f->version != RTM_PROTOCOL_VERSION) {
        err = RTM_ERR_PROTOCOL;
        why = "this server speaks protocol version 1 only";
    } else if (o->app_id &&
               (!rtm_frame_has(f, RTM_K_APP_ID) || f->app_id.len != strlen(o->app_id) ||
                memcmp(f->app_id.ptr, o->app_id, f->app_id.len) != 0)) {
        err = RTM_ERR_INVALID_APP_ID;
        why = "the app id is not this server's";
    } else if (!user_ok) {
        err = RTM_ERR_INVALID_USER_ID;
        why = "the user id is not valid";
    } else {
        err = check_token(srv, f, f->user.ptr, f->user.len, &expire_ts, &why);
    }
    if (err == RTM_OK && rtmd_bans_has(&srv->bans, f->user.ptr, f->user.len)) {
        refuse_banned(srv, c, f);
        return;
    }
    if (err != RTM_OK) {
        if (user_ok)
            rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu: login refused for user %.*s: %s",
                    (unsigned long long)c->id, (int)f->user.len, f->user.ptr, why);
        else
            rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu: login refused: %s",
                    (unsigned long long)c->id, why);
        login_result(srv, c, f->id, err, why);
        rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_NORMAL, "login failed");
        return;
    }

    rtmd_conn_t *old = rtmd_session_find(srv, f->user.ptr, f->user.len);
    memcpy(c->user, f->user.ptr, f->user.len);
    c->user[f->user.len] = '\0';
    c->user_len = (uint8_t)f->user.len;
    if (!rtm_hm_put(&srv->users, c->user, c->user_len, c, NULL)) {
        login_result(srv, c, f->id, RTM_ERR_NO_MEMORY, "the server is out of memory");
        rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        return;
    }
    if (old)
        end_for_remote_login(srv, old, c);
    c->logged_in = true;
    rtmd_token_track(srv, c, expire_ts);
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: logged in", (unsigned long long)c->id,
            c->user);
    login_result(srv, c, f->id, RTM_OK, NULL);
    if (!old)
        rtmd_presence_notify(srv, c->user, c->user_len, RTM_PEER_ONLINE_STATE_ONLINE);
    rtmd_offline_deliver(srv, c);
    rtmd_invite_deliver_held(srv, c);
}

void rtmd_session_logout(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: logged out", (unsigned long long)c->id,
            c->user);
    rtmd_session_conn_closed(srv, c);
    rtmd_conn_result(srv, c, f->id, RTM_OK, NULL);
    rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_NORMAL, "logout");
}

void rtmd_session_renew_token(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    uint32_t expire_ts;
    const char *why = NULL;
    rtm_err_t err = check_token(srv, f, c->user, c->user_len, &expire_ts, &why);
    if (err == RTM_OK) {
        rtmd_token_track(srv, c, expire_ts);
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: token renewed",
                (unsigned long long)c->id, c->user);
    } else {
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: token renewal refused: %s",
                (unsigned long long)c->id, c->user, why);
    }
    rtmd_conn_result(srv, c, f->id, err, why);
}

void rtmd_session_conn_closed(rtmd_server_t *srv, rtmd_conn_t *c)
{
    bool went_offline = c->logged_in && rtm_hm_get(&srv->users, c->user, c->user_len) == c;
    if (went_offline)
        rtm_hm_del(&srv->users, c->user, c->user_len);
    c->logged_in = false;
    session_state_ended(srv, c);
    if (went_offline)
        rtmd_presence_notify(srv, c->user, c->user_len, RTM_PEER_ONLINE_STATE_OFFLINE);
}

void rtmd_session_end(rtmd_server_t *srv, rtmd_conn_t *c, rtm_connection_change_reason_t reason,
                      const char *why, const char *close_reason)
{
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: session ended: %s",
            (unsigned long long)c->id, c->user, why);
    rtmd_token_untrack(srv, c);
    rtmd_session_conn_closed(srv, c);
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_SESSION_END, 0);
    rtm_frame_set_uint(&f, RTM_K_REASON, (uint64_t)reason);
    rtm_frame_set_str(&f, RTM_K_ERRMSG, why);
    rtmd_conn_send(srv, c, &f);
    rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_NORMAL, close_reason);
}
