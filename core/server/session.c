/* Sessions (see session.h): who is logged in, on which connection. The users table borrows
 * its keys from the session that holds the entry (rtmd_conn_t.user). */
#include "session.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bans.h"
#include "channel.h"
#include "clock.h"
#include "conn.h"
#include "invitation.h"
#include "offline.h"
#include "peer.h"
#include "presence.h"
#include "resume.h"
#include "rules.h"
#include "server.h"
#include "token.h"
#include "token_expiry.h"
#include "user_attrs.h"

rtmd_conn_t *rtmd_session_find(const rtmd_server_t *srv, const char *user, size_t len)
{
    return rtm_hm_get(&srv->users, user, len);
}

uint32_t rtmd_session_online_state(const rtmd_server_t *srv, const char *user, size_t len)
{
    const rtmd_conn_t *c = rtmd_session_find(srv, user, len);
    if (!c)
        return RTM_PEER_ONLINE_STATE_OFFLINE;
    return c->wsi ? RTM_PEER_ONLINE_STATE_ONLINE : RTM_PEER_ONLINE_STATE_UNREACHABLE;
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

/* A failed LOGIN's RESULT. */
static void login_refused(rtmd_server_t *srv, rtmd_conn_t *c, uint64_t id, rtm_err_t err,
                          const char *why)
{
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, id);
    rtm_frame_set_uint(&r, RTM_K_ERR, (uint64_t)err);
    if (why)
        rtm_frame_set_str(&r, RTM_K_ERRMSG, why);
    rtm_frame_set_uint(&r, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_int(&r, RTM_K_TS, rtm_now_wall_ms());
    rtmd_conn_send_uncounted(srv, c, &r);
}

/* A successful LOGIN's RESULT for session s: what the client needs to resume it later. */
static void login_accepted(rtmd_server_t *srv, const rtmd_conn_t *s, uint64_t id, bool resumed,
                           rtm_frame_t *r)
{
    rtm_frame_init(r, RTM_FRAME_RESULT, id);
    rtm_frame_set_uint(r, RTM_K_ERR, RTM_OK);
    rtm_frame_set_uint(r, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_int(r, RTM_K_TS, rtm_now_wall_ms());
    rtm_frame_set_bytes(r, RTM_K_SESSION, s->secret, RTMD_SECRET_BYTES);
    rtm_frame_set_uint(r, RTM_K_EPOCH, srv->epoch);
    rtm_frame_set_uint(r, RTM_K_HEARTBEAT_MS, srv->opt->heartbeat_timeout_ms);
    rtm_frame_set_bool(r, RTM_K_RESUMED, resumed);
    if (resumed)
        rtm_frame_set_uint(r, RTM_K_RX, s->rx_seq);
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
    rtmd_conn_send_uncounted(srv, c, &r);
    rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_NORMAL, "login failed");
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

/* Ends old's session because its user logged in on another connection (c holds the users
 * table entry already). The user stays online throughout, so its subscribers hear nothing
 * (a held session's were told UNREACHABLE: the caller tells them ONLINE). */
static void end_for_remote_login(rtmd_server_t *srv, rtmd_conn_t *old, const rtmd_conn_t *c)
{
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: session ended: logged in on conn %llu",
            (unsigned long long)old->id, old->user, (unsigned long long)c->id);
    if (!old->wsi) { /* held: nobody to tell */
        rtmd_resume_forget(srv, old);
        rtmd_session_destroy(srv, old);
        return;
    }
    old->logged_in = false;
    session_state_ended(srv, old);
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_SESSION_END, 0);
    rtm_frame_set_uint(&f, RTM_K_REASON, RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
    rtm_frame_set_str(&f, RTM_K_ERRMSG, "the same user id logged in elsewhere");
    rtmd_conn_send_uncounted(srv, old, &f);
    rtmd_conn_close_after_flush(srv, old, LWS_CLOSE_STATUS_NORMAL, "remote login");
}

/* Whether LOGIN f may resume old; when not and the client asked, *why says so. */
static bool resumable(const rtmd_conn_t *old, const rtm_frame_t *f, const char **why)
{
    *why = NULL;
    if (!rtm_frame_has(f, RTM_K_SESSION))
        return false;
    if (!old) {
        *why = "no session is held for this user";
    } else if (!rtm_frame_has(f, RTM_K_RX)) {
        *why = "the login has a session but no rx";
    } else if (f->session.len != RTMD_SECRET_BYTES ||
               CRYPTO_memcmp(f->session.ptr, old->secret, RTMD_SECRET_BYTES) != 0) {
        *why = "the session secret does not match the held session";
    } else if (!old->logged_in ||
               (old->state != RTMD_CONN_OPEN && old->state != RTMD_CONN_DETACHED)) {
        *why = "the held session is ending";
    } else if (f->rx < old->tx_acked || f->rx > old->tx_seq) {
        *why = "rx is outside what the session sent and was not acknowledged";
    }
    return *why == NULL;
}

/* LOGIN f on c resumes old: old moves onto c's connection. */
static rtmd_conn_t *resume(rtmd_server_t *srv, rtmd_conn_t *c, rtmd_conn_t *old,
                           const rtm_frame_t *f, uint32_t expire_ts)
{
    rtmd_token_track(srv, old, expire_ts); /* the resume's token is the session's now */
    rtm_frame_t r;
    login_accepted(srv, old, f->id, true, &r);
    rtmd_msg_t *m = rtmd_msg_encode(&r);
    if (!m) {
        login_refused(srv, c, f->id, RTM_ERR_NO_MEMORY, "the server is out of memory");
        rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        return c;
    }
    return rtmd_resume_attach(srv, old, c, f->rx, m);
}

rtmd_conn_t *rtmd_session_login(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    const rtmd_options_t *o = srv->opt;
    if (c->logged_in) {
        login_refused(srv, c, f->id, RTM_ERR_ALREADY_LOGGED_IN,
                      "this connection is already logged in");
        return c;
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
        return c;
    }
    if (err == RTM_OK && RAND_bytes(c->secret, RTMD_SECRET_BYTES) != 1) {
        err = RTM_ERR_FAILURE;
        why = "the server could not make a session secret";
    }
    if (err != RTM_OK) {
        if (user_ok)
            rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu: login refused for user %.*s: %s",
                    (unsigned long long)c->id, (int)f->user.len, f->user.ptr, why);
        else
            rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu: login refused: %s",
                    (unsigned long long)c->id, why);
        login_refused(srv, c, f->id, err, why);
        rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_NORMAL, "login failed");
        return c;
    }

    rtmd_conn_t *old = rtmd_session_find(srv, f->user.ptr, f->user.len);
    const char *no_resume = NULL;
    if (resumable(old, f, &no_resume))
        return resume(srv, c, old, f, expire_ts);
    if (no_resume)
        rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %.*s: new session instead of a resume: %s",
                (unsigned long long)c->id, (int)f->user.len, f->user.ptr, no_resume);

    memcpy(c->user, f->user.ptr, f->user.len);
    c->user[f->user.len] = '\0';
    c->user_len = (uint8_t)f->user.len;
    if (!rtm_hm_put(&srv->users, c->user, c->user_len, c, NULL)) {
        login_refused(srv, c, f->id, RTM_ERR_NO_MEMORY, "the server is out of memory");
        rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        return c;
    }
    /* Subscribers hear ONLINE unless the user was online all along (a remote login). */
    bool tell_online = !old || !old->wsi;
    if (old)
        end_for_remote_login(srv, old, c);
    c->logged_in = true;
    rtmd_token_track(srv, c, expire_ts);
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: logged in", (unsigned long long)c->id,
            c->user);
    rtm_frame_t r;
    login_accepted(srv, c, f->id, false, &r);
    rtmd_conn_send_uncounted(srv, c, &r);
    if (tell_online)
        rtmd_presence_notify(srv, c->user, c->user_len, RTM_PEER_ONLINE_STATE_ONLINE);
    rtmd_offline_deliver(srv, c);
    rtmd_invite_deliver_held(srv, c);
    return c;
}

void rtmd_session_logout(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: logged out", (unsigned long long)c->id,
            c->user);
    rtmd_session_end(srv, c);
    rtmd_conn_result(srv, c, f->id, RTM_OK, NULL); /* not counted: the session is over */
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

void rtmd_session_end(rtmd_server_t *srv, rtmd_conn_t *c)
{
    bool went_offline = c->logged_in && rtm_hm_get(&srv->users, c->user, c->user_len) == c;
    if (went_offline)
        rtm_hm_del(&srv->users, c->user, c->user_len);
    c->logged_in = false;
    session_state_ended(srv, c);
    if (went_offline)
        rtmd_presence_notify(srv, c->user, c->user_len, RTM_PEER_ONLINE_STATE_OFFLINE);
}

void rtmd_session_destroy(rtmd_server_t *srv, rtmd_conn_t *c)
{
    rtmd_token_untrack(srv, c);
    rtmd_session_end(srv, c);
    rtmd_peer_conn_closed(srv, c);
    rtmd_conn_free(srv, c);
}

void rtmd_session_end_by_server(rtmd_server_t *srv, rtmd_conn_t *c,
                                rtm_connection_change_reason_t reason, const char *why,
                                const char *close_reason)
{
    rtm_log(&srv->log, RTM_LOG_INFO, "conn %llu user %s: session ended: %s",
            (unsigned long long)c->id, c->user, why);
    rtmd_token_untrack(srv, c);
    if (!c->wsi) { /* held: nobody to tell */
        rtmd_resume_forget(srv, c);
        rtmd_session_destroy(srv, c);
        return;
    }
    rtmd_session_end(srv, c);
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_SESSION_END, 0);
    rtm_frame_set_uint(&f, RTM_K_REASON, (uint64_t)reason);
    rtm_frame_set_str(&f, RTM_K_ERRMSG, why);
    rtmd_conn_send_uncounted(srv, c, &f);
    rtmd_conn_close_after_flush(srv, c, LWS_CLOSE_STATUS_NORMAL, close_reason);
}
