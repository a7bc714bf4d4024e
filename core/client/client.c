/* Client state machine, requests and frame handling (see client.h).
 * Application threads and the I/O thread meet here under the client's lock; this file never
 * calls libwebsockets (io_thread.c does) and never blocks while holding the lock. */
#include "client.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "channel.h"
#include "clock.h"
#include "dlist.h"
#include "event.h"
#include "invitation.h"
#include "io_thread.h"
#include "message.h"
#include "rules.h"
#include "send_queue.h"

#define DEFAULT_URL   "ws://127.0.0.1:9090"
#define RTM_ACK_EVERY 128 /* counted server frames between two ACKs (docs/protocol.md) */
/* Queued acks that are written at once, without waiting for other frames to carry them. */
#define RTM_LAZY_ACKS_MAX 64

/* ---- helpers (lock held) ------------------------------------------------------------ */

static void abort_session(rtm_client_t *c, rtm_connection_change_reason_t reason);

void client_set_error(rtm_client_t *c, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&c->lock);
    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&c->lock);
}

static void set_error_locked(rtm_client_t *c, const char *msg)
{
    snprintf(c->last_error, sizeof(c->last_error), "%s", msg);
}

void client_set_error_locked(rtm_client_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
    va_end(ap);
}

static void push_event(rtm_client_t *c, rtm_event_t *e)
{
    if (!e) {
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: an event was lost");
        return;
    }
    if (!c->batching) {
        rtm_eq_push(&c->events, e);
        return;
    }
    e->next = NULL;
    if (c->batch_tail)
        c->batch_tail->next = e;
    else
        c->batch_head = e;
    c->batch_tail = e;
    c->batch_len++;
}

void client_push_event_locked(rtm_client_t *c, rtm_event_t *e)
{
    push_event(c, e);
}

/* Collects the events of one network message (lock held), to queue them in one step. */
static void batch_begin(rtm_client_t *c)
{
    c->batching = true;
}

/* Queues the collected events (lock held); returns the fd to pass to rtm_eq_wake after
 * unlocking. */
static int batch_end(rtm_client_t *c)
{
    int wake_fd = -1;
    if (c->batch_len)
        rtm_eq_push_chain(&c->events, c->batch_head, c->batch_tail, c->batch_len, &wake_fd);
    c->batch_head = c->batch_tail = NULL;
    c->batch_len = 0;
    c->batching = false;
    return wake_fd;
}

static void change_state(rtm_client_t *c, rtm_connection_state_t state,
                         rtm_connection_change_reason_t reason)
{
    c->state = state;
    rtm_log(&c->log, RTM_LOG_INFO, "state %d reason %d", (int)state, (int)reason);
    rtm_event_t *e = rtm_event_new(RTM_EVENT_CONNECTION_STATE_CHANGED);
    if (e) {
        e->state = state;
        e->reason = reason;
    }
    push_event(c, e);
}

/* Released requests kept per client for the next ones: a request is made on an application
 * thread and ends on the I/O thread, and glibc's free of another thread's memory takes its
 * slow, locked path. Enough for a window of a thousand sends in flight (W2 of rtm-bench)
 * without a malloc and a free per request; at most ~290 KB stay with a client that had that
 * many in flight once (freed with the client). */
#define SPARE_REQUESTS_MAX 1024

static rtm_request_t *request_new(rtm_client_t *c, rtm_event_type_t result_type, int64_t timeout_ms)
{
    rtm_request_t *r = c->spare_requests;
    if (r) {
        c->spare_requests = r->next;
        c->n_spare_requests--;
        memset(r, 0, offsetof(rtm_request_t, frame_small));
    } else if (!(r = calloc(1, sizeof(*r)))) {
        return NULL;
    }
    r->id = c->next_request_id++;
    r->result_type = result_type;
    r->deadline_ms = rtm_now_mono_ms() + timeout_ms;
    if (!rtm_u64map_put(&c->pending, r->id, r)) {
        free(r);
        c->next_request_id--;
        return NULL;
    }
    RTM_DLIST_PUSH_BACK(c->pending_head, c->pending_tail, r, next, prev);
    atomic_store_explicit(&c->timers_due, true, memory_order_relaxed); /* a deadline to watch */
    return r;
}

static void request_unlink(rtm_client_t *c, rtm_request_t *r)
{
    rtm_u64map_del(&c->pending, r->id);
    RTM_DLIST_UNLINK(c->pending_head, c->pending_tail, r, next, prev);
}

static void request_release(rtm_client_t *c, rtm_request_t *r)
{
    if (r->frame != r->frame_small)
        free(r->frame);
    free(r->list);
    free(r->token);
    free(r->channel);
    free(r->user);
    if (c->n_spare_requests < SPARE_REQUESTS_MAX) {
        r->next = c->spare_requests;
        c->spare_requests = r;
        c->n_spare_requests++;
    } else {
        free(r);
    }
}

/* The state a channel request leaves its channel in when it ends with err. */
static void channel_request_ended(rtm_client_t *c, const rtm_request_t *r, rtm_err_t err)
{
    rtm_chan_rec_t *ch =
        r->channel ? rtm_hm_get(&c->channels, r->channel, strlen(r->channel)) : NULL;
    if (!ch)
        return;
    if (r->result_type == RTM_EVENT_JOIN_CHANNEL_RESULT && ch->state == RTM_CHAN_JOINING)
        ch->state = err == RTM_OK ? RTM_CHAN_JOINED : RTM_CHAN_IDLE;
    else if (r->result_type == RTM_EVENT_LEAVE_CHANNEL_RESULT && ch->state == RTM_CHAN_LEAVING)
        ch->state = RTM_CHAN_IDLE;
}

/* Ends request r with err: its result event is queued (unless e is given pre-built). */
static void request_complete(rtm_client_t *c, rtm_request_t *r, rtm_err_t err, rtm_event_t *e)
{
    request_unlink(c, r);
    channel_request_ended(c, r, err);
    if (r->silent) {
        rtm_chan_rec_t *ch =
            r->channel ? rtm_hm_get(&c->channels, r->channel, strlen(r->channel)) : NULL;
        if (err && ch && ch->state == RTM_CHAN_JOINED) {
            /* the channel could not be rejoined: the application learns it is out */
            rtm_log(&c->log, RTM_LOG_WARN, "rejoining channel %s failed: %s", r->channel,
                    rtm_err_name(err));
            ch->state = RTM_CHAN_IDLE;
            rtm_event_t *k = rtm_event_new(RTM_EVENT_CHANNEL_KICKED);
            if (k) {
                k->err = err;
                k->channel_id = strdup(r->channel);
            }
            push_event(c, k);
        }
        rtm_event_destroy(e);
        request_release(c, r);
        return;
    }
    if (!e)
        e = rtm_event_new(r->result_type);
    if (e) {
        e->request_id = r->id;
        e->err = err;
        if (r->channel && !e->channel_id)
            e->channel_id = strdup(r->channel);
        if (r->user && !e->user_id)
            e->user_id = strdup(r->user);
        e->invitation = r->inv; /* the request's reference becomes the event's */
    }
    if (r->id == c->login_req)
        c->login_req = 0;
    if (r->id == c->logout_req)
        c->logout_req = 0;
    rtm_invitation_t *inv = e ? r->inv : NULL; /* the event holds it now */
    r->inv = NULL;
    push_event(c, e);
    /* the state change an invitation call causes comes right after its result (every path
       that completes requests holds rtm_inv_lock) */
    if (inv)
        invitation_after_result(c, inv, (rtm_inv_op_t)r->inv_op, err, r->unsent);
    request_release(c, r);
}

/* Completes every pending request but `keep` with err, oldest first. */
static void fail_pending(rtm_client_t *c, rtm_err_t err, uint64_t keep)
{
    rtm_request_t *r = c->pending_head;
    while (r) {
        rtm_request_t *next = r->next;
        if (r->id != keep)
            request_complete(c, r, err, NULL);
        r = next;
    }
}

static void reset_channel(void *value, void *arg)
{
    rtm_chan_rec_t *ch = value;
    ch->state = RTM_CHAN_IDLE;
    ch->last_mid = 0;
}

/* ---- what a new session restores: subscriptions and own user attributes ----------- */

static void free_value(void *value, void *arg)
{
    free(value);
}

static void subscriptions_clear(rtm_client_t *c)
{
    rtm_hm_foreach(&c->subscribed, free_value, NULL);
    rtm_hm_destroy(&c->subscribed);
    rtm_hm_init(&c->subscribed);
}

static void attrs_clear(rtm_client_t *c)
{
    for (size_t i = 0; i < c->n_attrs; i++) {
        free(c->attr_keys[i]);
        free(c->attr_values[i]);
    }
    c->n_attrs = 0;
}

static size_t attrs_find(const rtm_client_t *c, const char *key)
{
    size_t i = 0;
    while (i < c->n_attrs && strcmp(c->attr_keys[i], key) != 0)
        i++;
    return i;
}

static void attrs_put(rtm_client_t *c, const char *key, const char *value)
{
    size_t i = attrs_find(c, key);
    char *v = strdup(value);
    if (!v)
        return;
    if (i < c->n_attrs) {
        free(c->attr_values[i]);
        c->attr_values[i] = v;
    } else if (c->n_attrs < RTM_ATTR_MAX_COUNT && (c->attr_keys[i] = strdup(key))) {
        c->attr_values[i] = v;
        c->n_attrs++;
    } else {
        free(v);
    }
}

static void attrs_del(rtm_client_t *c, const char *key)
{
    size_t i = attrs_find(c, key);
    if (i == c->n_attrs)
        return;
    free(c->attr_keys[i]);
    free(c->attr_values[i]);
    c->n_attrs--;
    c->attr_keys[i] = c->attr_keys[c->n_attrs];
    c->attr_values[i] = c->attr_values[c->n_attrs];
}

/* A subscription or own-attribute request succeeded: the client's copy follows it. */
static void apply_success(rtm_client_t *c, const rtm_request_t *r)
{
    const char *p = r->list;
    if (r->restore)
        return; /* it re-sent what the copy already holds */
    if (r->frame_type == RTM_FRAME_SET_USER_ATTRS || r->frame_type == RTM_FRAME_CLEAR_USER_ATTRS)
        attrs_clear(c);
    for (size_t i = 0; p && i < r->list_n; i++) {
        const char *next = p + strlen(p) + 1;
        switch (r->frame_type) {
        case RTM_FRAME_SUBSCRIBE:
            if (!rtm_hm_get(&c->subscribed, p, strlen(p))) {
                char *id = strdup(p);
                if (id && !rtm_hm_put(&c->subscribed, id, strlen(id), id, NULL))
                    free(id);
            }
            break;
        case RTM_FRAME_UNSUBSCRIBE:
            free(rtm_hm_del(&c->subscribed, p, strlen(p)));
            break;
        case RTM_FRAME_SET_USER_ATTRS:
        case RTM_FRAME_ADD_USER_ATTRS:
            attrs_put(c, p, next);
            next += strlen(next) + 1;
            break;
        case RTM_FRAME_DEL_USER_ATTRS:
            attrs_del(c, p);
            break;
        default:
            return;
        }
        p = next;
    }
}

/* The session is gone for good (logout, a failed login, an abort): nothing of it is resumed
 * or restored. */
static void forget_session(rtm_client_t *c)
{
    rtm_hm_foreach(&c->channels, reset_channel, NULL); /* the server dropped every membership */
    outq_reset(&c->outq);
    subscriptions_clear(c);
    attrs_clear(c);
    c->session_len = 0;
    c->rx_count = c->rx_acked = c->tx_seq = 0;
    c->session_live = false;
    c->login_sent = false;
    c->goaway = false;
}

static void clear_session(rtm_client_t *c)
{
    forget_session(c);
    c->logging_out = false;
    free(c->token);
    c->token = NULL;
}

static void finish_logout(rtm_client_t *c)
{
    uint64_t logout_req = c->logout_req;
    change_state(c, RTM_CONNECTION_STATE_DISCONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGOUT);
    fail_pending(c, RTM_ERR_CLOSED, logout_req);
    rtm_request_t *r = rtm_u64map_get(&c->pending, logout_req);
    if (r)
        request_complete(c, r, RTM_OK, NULL);
    clear_session(c);
    c->want_close = true;
    c->want_connect = false;
    c->conn_gen++;
}

/* The login of this login call (not a reconnect) failed. */
static void fail_login(rtm_client_t *c, rtm_err_t err, rtm_connection_change_reason_t reason)
{
    uint64_t login_req = c->login_req;
    change_state(c, RTM_CONNECTION_STATE_DISCONNECTED, reason);
    rtm_request_t *r = rtm_u64map_get(&c->pending, login_req);
    if (r)
        request_complete(c, r, err, NULL);
    fail_pending(c, RTM_ERR_NOT_LOGGED_IN, 0);
    clear_session(c);
    c->want_close = true;
    c->want_connect = false;
    c->conn_gen++;
}

/* xorshift32: jitter that leaves the application's rand() sequence alone */
static uint32_t next_random(rtm_client_t *c)
{
    uint32_t x = c->rand_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return c->rand_state = x;
}

static int64_t backoff_ms(rtm_client_t *c, int attempt)
{
    /* full jitter: uniform in [min, min(max, min * 2^attempt)] */
    int64_t ceiling = c->cfg.backoff_min_ms;
    for (int i = 0; i < attempt && ceiling < c->cfg.backoff_max_ms; i++)
        ceiling *= 2;
    if (ceiling > c->cfg.backoff_max_ms)
        ceiling = c->cfg.backoff_max_ms;
    int64_t span = ceiling - c->cfg.backoff_min_ms;
    return c->cfg.backoff_min_ms +
           (span > 0 ? (int64_t)(next_random(c) % (uint64_t)(span + 1)) : 0);
}

/* The session needs a request slot: NOT_LOGGED_IN while there is no session. */
rtm_err_t client_check_session_locked(rtm_client_t *c)
{
    if (c->state == RTM_CONNECTION_STATE_DISCONNECTED || c->state == RTM_CONNECTION_STATE_ABORTED) {
        set_error_locked(c, "the client is not logged in");
        return RTM_ERR_NOT_LOGGED_IN;
    }
    if (c->logging_out) {
        set_error_locked(c, "the client is logging out");
        return RTM_ERR_NOT_LOGGED_IN;
    }
    return RTM_OK;
}

/* Keeps a copy of the frame just queued for r, to send again in a new session. */
static bool keep_frame(rtm_client_t *c, rtm_request_t *r)
{
    const rtm_outq_frame_t *fr = &c->outq.frames[c->outq.n - 1];
    r->frame = fr->len <= sizeof(r->frame_small) ? r->frame_small : malloc(fr->len);
    if (!r->frame)
        return false;
    memcpy(r->frame, rtm_buf_data(&c->outq.bytes) + fr->start, fr->len);
    r->frame_len = fr->len;
    return true;
}

/* Queues frame f (its id set here) as a request completed by result_type. */
rtm_err_t client_submit_locked(rtm_client_t *c, rtm_frame_t *f, rtm_event_type_t result_type,
                               const char *channel, rtm_request_t **out, bool *kick)
{
    rtm_err_t err = client_check_session_locked(c);
    if (err)
        return err;
    rtm_request_t *r = request_new(c, result_type, c->cfg.request_timeout_ms);
    if (r && channel && !(r->channel = strdup(channel))) {
        request_unlink(c, r);
        free(r);
        r = NULL;
    }
    if (!r) {
        set_error_locked(c, "out of memory");
        return RTM_ERR_NO_MEMORY;
    }
    f->id = r->id;
    r->frame_type = f->type;
    if (f->type == RTM_FRAME_SEND_PEER || f->type == RTM_FRAME_SEND_CHANNEL)
        rtm_frame_set_uint(f, RTM_K_CMID, ((uint64_t)c->cmid_prefix << 32) | ++c->cmid_counter);
    bool was_idle = !outq_urgent(&c->outq); /* acks alone wait for a kick (outq_urgent) */
    if (!outq_push(&c->outq, f, r->id) || !keep_frame(c, r)) {
        outq_drop(&c->outq, r->id);
        request_unlink(c, r);
        request_release(c, r);
        set_error_locked(c, "out of memory");
        return RTM_ERR_NO_MEMORY;
    }
    *kick = was_idle && c->session_live;
    *out = r;
    return RTM_OK;
}

rtm_err_t client_submit(rtm_client_t *c, rtm_frame_t *f, rtm_event_type_t result_type,
                        const char *channel, uint64_t *req_out)
{
    rtm_request_t *r;
    bool kick = false;
    pthread_mutex_lock(&c->lock);
    rtm_err_t err = client_submit_locked(c, f, result_type, channel, &r, &kick);
    if (!err && req_out)
        *req_out = r->id;
    pthread_mutex_unlock(&c->lock);
    if (kick)
        io_kick(c);
    return err;
}

static rtm_err_t submit(rtm_client_t *c, rtm_frame_t *f, rtm_event_type_t result_type,
                        uint64_t *req_out)
{
    return client_submit(c, f, result_type, NULL, req_out);
}

void client_send_untracked_locked(rtm_client_t *c, rtm_frame_t *f, bool *kick)
{
    *kick = false;
    if (!c->session_live && c->state != RTM_CONNECTION_STATE_CONNECTING &&
        c->state != RTM_CONNECTION_STATE_RECONNECTING)
        return;
    f->id = c->next_request_id++;
    bool was_idle = !outq_urgent(&c->outq);
    if (outq_push(&c->outq, f, 0))
        *kick = was_idle && c->session_live;
}

static void leave_untracked(rtm_client_t *c, const char *channel)
{
    bool kick;
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LEAVE, 0);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, channel);
    client_send_untracked_locked(c, &f, &kick); /* the I/O thread's tick writes it */
}

void client_fail_channel_requests_locked(rtm_client_t *c, const char *channel, rtm_err_t err)
{
    rtm_request_t *r = c->pending_head;
    while (r) {
        rtm_request_t *next = r->next;
        if (r->via_handle && r->channel && strcmp(r->channel, channel) == 0) {
            outq_drop(&c->outq, r->id);
            request_complete(c, r, err, NULL);
        }
        r = next;
    }
}

/* ---- application side ------------------------------------------------------------- */

static FILE *open_log(const struct rtm_config *cfg)
{
    if (!cfg->log_file)
        return NULL;
    FILE *fp = fopen(cfg->log_file, "a");
    if (fp && ftell(fp) > cfg->log_file_size_kb * 1024) {
        /* keep one previous file, as log.file_size_kb promises a bounded log */
        char old[4096];
        fclose(fp);
        snprintf(old, sizeof(old), "%s.1", cfg->log_file);
        rename(cfg->log_file, old);
        fp = fopen(cfg->log_file, "a");
    }
    return fp;
}

rtm_client_t *client_create(const char *app_id, const struct rtm_config *cfg, rtm_err_t *err,
                            const char **why)
{
    rtm_client_t *c = calloc(1, sizeof(*c));
    if (!c)
        goto oom;
    rtm_url_t urls[RTM_CONFIG_MAX_URLS];
    c->n_urls = rtm_url_list_parse(cfg->server_url ? cfg->server_url : DEFAULT_URL, urls,
                                   RTM_CONFIG_MAX_URLS);
    if (c->n_urls < 1) { /* rtm_config_set checked it: cannot happen */
        free(c);
        *err = RTM_ERR_INVALID_ARGUMENT;
        *why = "server.url is not a valid URL list";
        return NULL;
    }
    if (!(c->urls = malloc((size_t)c->n_urls * sizeof(*c->urls))) ||
        !rtm_config_copy(&c->cfg, cfg) || !(c->app_id = strdup(app_id))) {
        rtm_config_release(&c->cfg);
        free(c->app_id);
        free(c->urls);
        free(c);
        goto oom;
    }
    memcpy(c->urls, urls, (size_t)c->n_urls * sizeof(*c->urls));
    c->log_fp = open_log(&c->cfg);
    c->log = (rtm_logger_t){c->cfg.log_level, c->log_fp, "librtm"};
    c->state = RTM_CONNECTION_STATE_DISCONNECTED;
    c->next_request_id = 1;
    c->rand_state = (uint32_t)rtm_now_wall_ms() ^ (uint32_t)(uintptr_t)c;
    if (!c->rand_state)
        c->rand_state = 0x9e3779b9u;
    rtm_u64map_init(&c->pending, true);
    rtm_hm_init(&c->channels);
    rtm_hm_init(&c->inv_local);
    rtm_hm_init(&c->inv_remote);
    rtm_hm_init(&c->subscribed);
    rtm_recent_init(&c->seen, RTM_SEEN_MAX);
    c->hb_interval_ms = c->cfg.heartbeat_interval_ms;
    if (getrandom(&c->cmid_prefix, sizeof(c->cmid_prefix), GRND_NONBLOCK) !=
        (ssize_t)sizeof(c->cmid_prefix))
        c->cmid_prefix = c->rand_state ^ (uint32_t)rtm_now_mono_ms();
    rtm_buf_init(&c->outq.bytes, 0);
    pthread_mutex_init(&c->lock, NULL);
    if (!rtm_eq_init(&c->events, (size_t)c->cfg.event_queue_capacity)) {
        *err = RTM_ERR_FAILURE;
        *why = "the event queue could not be created";
        goto fail;
    }
    if (!io_attach(c)) {
        rtm_eq_destroy(&c->events);
        *err = RTM_ERR_FAILURE;
        *why = "the I/O thread could not be started";
        goto fail;
    }
    *err = RTM_OK;
    return c;
fail:
    pthread_mutex_destroy(&c->lock);
    free(c->urls);
    rtm_config_release(&c->cfg);
    if (c->log_fp)
        fclose(c->log_fp);
    free(c->app_id);
    free(c);
    return NULL;
oom:
    *err = RTM_ERR_NO_MEMORY;
    *why = "out of memory";
    return NULL;
}

static void free_channel_rec(void *value, void *arg)
{
    rtm_chan_rec_t *ch = value;
    free(ch->id);
    free(ch);
}

void client_destroy(rtm_client_t *c)
{
    channels_orphan(c); /* the handles outlive us as closed ones */
    invitations_orphan(c);
    pthread_mutex_lock(&c->lock);
    c->freeing = true;
    pthread_mutex_unlock(&c->lock);
    io_detach(c); /* after this no other thread holds c */
    invitations_release(c);
    pthread_mutex_lock(&rtm_inv_lock);
    fail_pending(c, RTM_ERR_CLOSED, 0);
    pthread_mutex_unlock(&rtm_inv_lock);
    rtm_eq_destroy(&c->events);
    rtm_u64map_destroy(&c->pending);
    while (c->spare_requests) {
        rtm_request_t *next = c->spare_requests->next;
        free(c->spare_requests);
        c->spare_requests = next;
    }
    rtm_hm_foreach(&c->channels, free_channel_rec, NULL);
    rtm_hm_destroy(&c->channels);
    rtm_buf_free(&c->outq.bytes);
    free(c->outq.frames);
    subscriptions_clear(c);
    rtm_hm_destroy(&c->subscribed);
    rtm_recent_destroy(&c->seen);
    attrs_clear(c);
    free(c->user_id);
    free(c->token);
    free(c->app_id);
    free(c->urls);
    if (c->log_fp)
        fclose(c->log_fp);
    rtm_config_release(&c->cfg);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

rtm_err_t client_set_option(rtm_client_t *c, const char *key, const char *value)
{
    const char *why = NULL;
    if (!rtm_config_key_known(key)) {
        client_set_error(c, "unknown configuration key '%s'", key);
        return RTM_ERR_INVALID_ARGUMENT;
    }
    if (!rtm_config_key_is_live(key)) {
        client_set_error(c, "'%s' cannot change on a live client", key);
        return RTM_ERR_INVALID_STATE;
    }
    pthread_mutex_lock(&c->lock);
    rtm_err_t err = rtm_config_apply(&c->cfg, key, value, &why);
    if (err) {
        set_error_locked(c, why);
    } else if (strncmp(key, "log.", 4) == 0) {
        if (strcmp(key, "log.level") != 0) {
            if (c->log_fp)
                fclose(c->log_fp);
            c->log_fp = open_log(&c->cfg);
        }
        c->log = (rtm_logger_t){c->cfg.log_level, c->log_fp, "librtm"};
    }
    pthread_mutex_unlock(&c->lock);
    return err;
}

rtm_err_t client_login(rtm_client_t *c, const char *token, const char *user_id, uint64_t *req)
{
    pthread_mutex_lock(&c->lock);
    if (c->state != RTM_CONNECTION_STATE_DISCONNECTED || c->logging_out) {
        set_error_locked(c, c->state == RTM_CONNECTION_STATE_ABORTED
                                ? "the session was aborted: log out before logging in again"
                                : "the client is already logged in or logging in");
        pthread_mutex_unlock(&c->lock);
        return RTM_ERR_ALREADY_LOGGED_IN;
    }
    char *u = strdup(user_id), *t = token && *token ? strdup(token) : NULL;
    rtm_request_t *r = u && (t || !(token && *token))
                           ? request_new(c, RTM_EVENT_LOGIN_RESULT, c->cfg.login_timeout_ms)
                           : NULL;
    if (!r) {
        free(u);
        free(t);
        set_error_locked(c, "out of memory");
        pthread_mutex_unlock(&c->lock);
        return RTM_ERR_NO_MEMORY;
    }
    free(c->user_id);
    free(c->token);
    c->user_id = u;
    c->token = t;
    c->login_req = r->id;
    c->conn_gen++; /* nothing of an earlier connection may touch this login */
    c->url_index = 0;
    c->urls_tried = 0;
    c->reconnect_attempt = 0;
    outq_reset(&c->outq);
    change_state(c, RTM_CONNECTION_STATE_CONNECTING, RTM_CONNECTION_CHANGE_REASON_LOGIN);
    c->want_connect = true;
    if (req)
        *req = r->id;
    pthread_mutex_unlock(&c->lock);
    io_kick(c);
    return RTM_OK;
}

rtm_err_t client_logout(rtm_client_t *c, uint64_t *req)
{
    pthread_mutex_lock(&rtm_inv_lock); /* pending invitation calls end here */
    pthread_mutex_lock(&c->lock);
    if (c->state == RTM_CONNECTION_STATE_DISCONNECTED || c->logging_out) {
        set_error_locked(c, c->logging_out ? "a logout is already in progress"
                                           : "the client is not logged in");
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&rtm_inv_lock);
        return RTM_ERR_NOT_LOGGED_IN;
    }
    rtm_request_t *r = request_new(c, RTM_EVENT_LOGOUT_RESULT, c->cfg.request_timeout_ms);
    if (!r) {
        set_error_locked(c, "out of memory");
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&rtm_inv_lock);
        return RTM_ERR_NO_MEMORY;
    }
    if (req)
        *req = r->id;
    c->logout_req = r->id;
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGOUT, r->id);
    if (c->session_live && c->state == RTM_CONNECTION_STATE_CONNECTED &&
        outq_push(&c->outq, &f, r->id)) {
        /* the server confirms, then the session ends (so peers see us offline by then) */
        c->logging_out = true;
    } else {
        finish_logout(c);
    }
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_unlock(&rtm_inv_lock);
    io_kick(c);
    return RTM_OK;
}

rtm_err_t client_renew_token(rtm_client_t *c, const char *token, uint64_t *req)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_RENEW_TOKEN, 0);
    rtm_frame_set_str(&f, RTM_K_TOKEN, token);
    char *t = strdup(token);
    if (!t)
        return RTM_ERR_NO_MEMORY;
    uint64_t id;
    rtm_err_t err = submit(c, &f, RTM_EVENT_RENEW_TOKEN_RESULT, &id);
    if (err) {
        free(t);
        return err;
    }
    pthread_mutex_lock(&c->lock);
    rtm_request_t *r = rtm_u64map_get(&c->pending, id);
    if (r)
        r->token = t; /* adopted for reconnects only once the server accepts it */
    else
        free(t);
    pthread_mutex_unlock(&c->lock);
    if (req)
        *req = id;
    return RTM_OK;
}

void client_message_frame(rtm_frame_t *f, uint32_t type, const rtm_message_t *m, uint32_t flags)
{
    rtm_frame_init(f, type, 0);
    rtm_frame_set_uint(f, RTM_K_MTYPE, (uint64_t)m->type);
    if (m->type == RTM_MESSAGE_TYPE_TEXT || m->text_len)
        rtm_frame_set_bytes(f, RTM_K_TEXT, m->text, m->text_len);
    if (m->type == RTM_MESSAGE_TYPE_RAW)
        rtm_frame_set_bytes(f, RTM_K_DATA, m->data, m->data_len);
    if (flags)
        rtm_frame_set_uint(f, RTM_K_FLAGS, flags);
}

rtm_err_t client_send_peer(rtm_client_t *c, const char *peer, const rtm_message_t *m,
                           uint32_t flags, uint64_t *req)
{
    rtm_frame_t f;
    client_message_frame(&f, RTM_FRAME_SEND_PEER, m, flags);
    rtm_frame_set_str(&f, RTM_K_USER, peer);
    return submit(c, &f, RTM_EVENT_SEND_PEER_MESSAGE_RESULT, req);
}

/* NUL-terminated copies of n strings (of a, and of b after each when b is given) back to
 * back: what a request needs to update the client's own copy once it succeeds. */
static char *pack_strings(const char *const *a, const char *const *b, size_t n, size_t stride)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        len += strlen(*(const char *const *)((const char *)a + i * stride)) + 1;
        if (b)
            len += strlen(*(const char *const *)((const char *)b + i * stride)) + 1;
    }
    char *out = malloc(len), *p = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *x = *(const char *const *)((const char *)a + i * stride);
        p = stpcpy(p, x) + 1;
        if (b) {
            const char *y = *(const char *const *)((const char *)b + i * stride);
            p = stpcpy(p, y) + 1;
        }
    }
    *p = 0;
    return out;
}

static bool is_user_attr_write(uint32_t type)
{
    return type == RTM_FRAME_SET_USER_ATTRS || type == RTM_FRAME_ADD_USER_ATTRS ||
           type == RTM_FRAME_DEL_USER_ATTRS || type == RTM_FRAME_CLEAR_USER_ATTRS;
}

rtm_err_t client_attrs_request(rtm_client_t *c, uint32_t frame_type, rtm_event_type_t result,
                               const char *channel, const char *user, const rtm_attribute_t *attrs,
                               const char *const *keys, size_t n, uint32_t flags, uint64_t *req)
{
    rtm_bytes_t *k = NULL, *v = NULL;
    if (n && (!(k = malloc(n * sizeof(*k))) || (attrs && !(v = malloc(n * sizeof(*v)))))) {
        free(k);
        return RTM_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < n; i++) {
        const char *key = attrs ? attrs[i].key : keys[i];
        k[i] = (rtm_bytes_t){key, strlen(key)};
        if (attrs)
            v[i] = (rtm_bytes_t){attrs[i].value, strlen(attrs[i].value)};
    }
    rtm_frame_t f;
    rtm_frame_init(&f, frame_type, 0);
    if (channel)
        rtm_frame_set_str(&f, RTM_K_CHANNEL, channel);
    if (user)
        rtm_frame_set_str(&f, RTM_K_USER, user);
    if (n || attrs)
        rtm_frame_set_strs(&f, RTM_K_KEYS, k, n);
    if (attrs)
        rtm_frame_set_strs(&f, RTM_K_VALUES, v, n);
    if (flags)
        rtm_frame_set_uint(&f, RTM_K_FLAGS, flags);
    rtm_request_t *r;
    bool kick = false;
    pthread_mutex_lock(&c->lock);
    rtm_err_t err = client_submit_locked(c, &f, result, channel, &r, &kick);
    if (!err && user)
        r->user = strdup(user); /* the result names the user even when it failed */
    if (!err && is_user_attr_write(frame_type) && n) {
        /* the client keeps its own attributes to set them again in a new session */
        r->list = attrs ? pack_strings(&attrs[0].key, &attrs[0].value, n, sizeof(*attrs))
                        : pack_strings(keys, NULL, n, sizeof(*keys));
        r->list_n = r->list ? n : 0;
    }
    if (!err && req)
        *req = r->id;
    pthread_mutex_unlock(&c->lock);
    if (kick)
        io_kick(c);
    free(k);
    free(v);
    return err;
}

/* Requests that carry a list of user ids (online query, subscribe, unsubscribe). */
static rtm_err_t submit_user_list(rtm_client_t *c, uint32_t frame_type, rtm_event_type_t result,
                                  const char *const *ids, size_t n, uint64_t *req)
{
    rtm_bytes_t *list = malloc((n ? n : 1) * sizeof(*list));
    if (!list)
        return RTM_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++)
        list[i] = (rtm_bytes_t){ids[i], strlen(ids[i])};
    rtm_frame_t f;
    rtm_frame_init(&f, frame_type, 0);
    rtm_frame_set_users(&f, list, n);
    rtm_request_t *r;
    bool kick = false;
    pthread_mutex_lock(&c->lock);
    rtm_err_t err = client_submit_locked(c, &f, result, NULL, &r, &kick);
    if (!err && frame_type != RTM_FRAME_QUERY_ONLINE) {
        /* subscriptions are restored in a new session */
        r->list = pack_strings(ids, NULL, n, sizeof(*ids));
        r->list_n = r->list ? n : 0;
    }
    if (!err && req)
        *req = r->id;
    pthread_mutex_unlock(&c->lock);
    if (kick)
        io_kick(c);
    free(list);
    return err;
}

rtm_err_t client_subscribe(rtm_client_t *c, bool subscribe, const char *const *ids, size_t n,
                           uint64_t *req)
{
    return submit_user_list(c, subscribe ? RTM_FRAME_SUBSCRIBE : RTM_FRAME_UNSUBSCRIBE,
                            RTM_EVENT_SUBSCRIPTION_RESULT, ids, n, req);
}

rtm_err_t client_query_subscribed(rtm_client_t *c, uint64_t *req)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_QUERY_SUBSCRIBED, 0);
    return submit(c, &f, RTM_EVENT_QUERY_PEERS_BY_SUBSCRIPTION_RESULT, req);
}

rtm_err_t client_query_online(rtm_client_t *c, const char *const *ids, size_t n, uint64_t *req)
{
    return submit_user_list(c, RTM_FRAME_QUERY_ONLINE, RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT,
                            ids, n, req);
}

rtm_connection_state_t client_state(rtm_client_t *c)
{
    pthread_mutex_lock(&c->lock);
    rtm_connection_state_t s = c->state;
    pthread_mutex_unlock(&c->lock);
    return s;
}

rtm_event_t *client_poll(rtm_client_t *c, int timeout_ms)
{
    bool below = false;
    rtm_event_t *e = rtm_eq_pop(&c->events, timeout_ms, &below);
    if (below) {
        pthread_mutex_lock(&c->lock);
        c->want_rx_resume = true;
        pthread_mutex_unlock(&c->lock);
        io_kick(c);
    }
    return e;
}

/* ---- I/O thread side -------------------------------------------------------------- */

void client_io_established(rtm_client_t *c, uint64_t gen)
{
    pthread_mutex_lock(&c->lock);
    if (gen == c->conn_gen) {
        c->login_sent = false;
        c->session_live = false;
    }
    pthread_mutex_unlock(&c->lock);
}

static size_t login_frame(rtm_client_t *c, uint8_t *dst, size_t cap)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    rtm_frame_t f;
    /* a reconnect has no login request of its own: id 1 is as good as any non-zero id */
    rtm_frame_init(&f, RTM_FRAME_LOGIN, c->login_req ? c->login_req : 1);
    rtm_frame_set_uint(&f, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_str(&f, RTM_K_APP_ID, c->app_id);
    rtm_frame_set_str(&f, RTM_K_USER, c->user_id);
    if (c->token)
        rtm_frame_set_str(&f, RTM_K_TOKEN, c->token);
    if (c->session_len && !c->login_req) { /* a reconnect asks to resume its session */
        rtm_frame_set_bytes(&f, RTM_K_SESSION, c->session, c->session_len);
        rtm_frame_set_uint(&f, RTM_K_RX, c->rx_count);
    }
    size_t n = 0;
    if (rtm_frame_encode(&b, &f) && b.len <= cap) {
        memcpy(dst, rtm_buf_data(&b), b.len);
        n = b.len;
    }
    rtm_buf_free(&b);
    return n;
}

size_t client_io_take_output(rtm_client_t *c, uint64_t gen, uint8_t *dst, size_t cap, bool *more)
{
    size_t n = 0;
    *more = false;
    pthread_mutex_lock(&c->lock);
    if (gen != c->conn_gen) {
        /* a connection the application has already left behind */
    } else if (!c->login_sent && c->user_id &&
               (c->state == RTM_CONNECTION_STATE_CONNECTING ||
                c->state == RTM_CONNECTION_STATE_RECONNECTING)) {
        n = login_frame(c, dst, cap);
        c->login_sent = n > 0;
        if (!n && c->login_req) /* cannot happen with the id limits; never hang on it */
            fail_login(c, RTM_ERR_FAILURE, RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE);
    } else if (c->session_live) {
        n = outq_take(&c->outq, dst, cap, &c->tx_seq, c->session_len > 0);
        *more = !outq_empty(&c->outq);
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

bool client_io_farewell(rtm_client_t *c, rtm_buf_t *out)
{
    pthread_mutex_lock(&c->lock);
    bool live = c->session_live;
    /* what is already queued goes out first: above all the delivery acks of messages the
       application already has, so their senders are not told they were lost. One WebSocket
       message at most (the server's limit), leaving room for the LOGOUT. */
    if (live && rtm_buf_reserve(out, RTM_WIRE_MAX_MESSAGE))
        out->len += outq_take(&c->outq, rtm_buf_data(out) + out->len, RTM_WIRE_MAX_MESSAGE - 64,
                              &c->tx_seq, false);
    pthread_mutex_unlock(&c->lock);
    if (!live)
        return false;
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGOUT, UINT64_MAX);
    return rtm_frame_encode(out, &f);
}

/* A wire error code as rtm_err_t; unknown codes become RTM_ERR_FAILURE. */
static rtm_err_t wire_err(uint64_t err)
{
    return err <= RTM_ERR_NOT_SUPPORTED ? (rtm_err_t)err : RTM_ERR_FAILURE;
}

/* A silent request of the library's own that restores a new session. */
static rtm_request_t *restore_request(rtm_client_t *c, rtm_frame_t *f, rtm_event_type_t result)
{
    rtm_request_t *r = request_new(c, result, c->cfg.request_timeout_ms);
    if (!r)
        return NULL;
    r->silent = true;
    r->restore = true;
    r->frame_type = f->type;
    f->id = r->id;
    if (!outq_push(&c->outq, f, r->id) || !keep_frame(c, r)) {
        outq_drop(&c->outq, r->id);
        request_unlink(c, r);
        request_release(c, r);
        return NULL;
    }
    return r;
}

struct rejoin_ctx {
    rtm_client_t *c;
    bool same_epoch;
};

static void rejoin_one(void *value, void *arg)
{
    rtm_chan_rec_t *ch = value;
    struct rejoin_ctx *x = arg;
    rtm_client_t *c = x->c;
    if (ch->state != RTM_CHAN_JOINED)
        return;
    /* the channel stays JOINED meanwhile: sends and pushes go on as if nothing happened */
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_JOIN, 0);
    rtm_frame_set_bytes(&f, RTM_K_CHANNEL, ch->id, ch->id_len);
    if (x->same_epoch && ch->last_mid)
        rtm_frame_set_uint(&f, RTM_K_MID, ch->last_mid); /* replay what we missed */
    else
        ch->last_mid = 0;
    rtm_request_t *r = restore_request(c, &f, RTM_EVENT_JOIN_CHANNEL_RESULT);
    if (!r || !(r->channel = strdup(ch->id))) {
        if (r) {
            outq_drop(&c->outq, r->id);
            request_unlink(c, r);
            request_release(c, r);
        }
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: channel %s not rejoined", ch->id);
        ch->state = RTM_CHAN_IDLE;
        return;
    }
    r->via_handle = true; /* a freed handle ends it, so it never touches a newer handle */
}

struct id_list {
    rtm_bytes_t *ids;
    size_t n;
};

static void collect_id(void *value, void *arg)
{
    struct id_list *l = arg;
    l->ids[l->n++] = (rtm_bytes_t){value, strlen(value)};
}

static void resubscribe(rtm_client_t *c)
{
    size_t n = c->subscribed.count;
    struct id_list l = {n ? malloc(n * sizeof(rtm_bytes_t)) : NULL, 0};
    if (!n)
        return;
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_SUBSCRIBE, 0);
    if (l.ids) {
        rtm_hm_foreach(&c->subscribed, collect_id, &l);
        rtm_frame_set_users(&f, l.ids, l.n);
    }
    if (!l.ids || !restore_request(c, &f, RTM_EVENT_SUBSCRIPTION_RESULT))
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: subscriptions not restored");
    free(l.ids);
}

static void reset_user_attributes(rtm_client_t *c)
{
    rtm_bytes_t k[RTM_ATTR_MAX_COUNT], v[RTM_ATTR_MAX_COUNT];
    if (!c->n_attrs)
        return;
    for (size_t i = 0; i < c->n_attrs; i++) {
        k[i] = (rtm_bytes_t){c->attr_keys[i], strlen(c->attr_keys[i])};
        v[i] = (rtm_bytes_t){c->attr_values[i], strlen(c->attr_values[i])};
    }
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_SET_USER_ATTRS, 0);
    rtm_frame_set_strs(&f, RTM_K_KEYS, k, c->n_attrs);
    rtm_frame_set_strs(&f, RTM_K_VALUES, v, c->n_attrs);
    if (!restore_request(c, &f, RTM_EVENT_USER_ATTRIBUTES_RESULT))
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: user attributes not restored");
}

/* A new session replaced the lost one: restore what the application had (channels,
 * subscriptions, own attributes), then send again every request that has no result yet, in
 * the order they were made. Nothing of the old stream is sent again: acks belonged to it. */
static void restore_session(rtm_client_t *c, bool same_epoch)
{
    outq_reset(&c->outq);
    rtm_request_t *r = c->pending_head;
    while (r) { /* the restore requests of an earlier attempt died with it */
        rtm_request_t *next = r->next;
        if (r->restore) {
            request_unlink(c, r);
            request_release(c, r);
        }
        r = next;
    }
    /* invitations lived in the old session: their calls and they themselves fail */
    r = c->pending_head;
    while (r) {
        rtm_request_t *next = r->next;
        if (r->inv)
            request_complete(c, r, RTM_ERR_NOT_LOGGED_IN, NULL);
        r = next;
    }
    invitations_session_lost(c);
    rtm_request_t *last_old = c->pending_tail;
    struct rejoin_ctx x = {c, same_epoch};
    rtm_hm_foreach(&c->channels, rejoin_one, &x);
    resubscribe(c);
    reset_user_attributes(c);
    for (r = last_old ? c->pending_head : NULL; r; r = r->next) {
        if (r->frame && r->id != c->login_req && r->id != c->logout_req &&
            !outq_append(&c->outq, NULL, r->frame, r->frame_len, r->frame_type, r->id))
            rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: request %llu not sent again",
                    (unsigned long long)r->id);
        if (r == last_old)
            break;
    }
}

static void on_login_result(rtm_client_t *c, const rtm_frame_t *f)
{
    rtm_err_t err = wire_err(f->err);
    bool reconnect = !c->login_req;
    if (err == RTM_OK) {
        bool resumed = reconnect && c->session_len && f->resumed;
        uint64_t old_epoch = c->epoch;
        c->epoch = rtm_frame_has(f, RTM_K_EPOCH) ? f->epoch : 0;
        c->session_len = 0;
        if (rtm_frame_has(f, RTM_K_SESSION) && f->session.len <= sizeof(c->session)) {
            memcpy(c->session, f->session.ptr, f->session.len);
            c->session_len = f->session.len;
        }
        c->hb_interval_ms = c->cfg.heartbeat_interval_ms;
        if (rtm_frame_has(f, RTM_K_HEARTBEAT_MS) && f->heartbeat_ms &&
            (int64_t)(f->heartbeat_ms / 3) < c->hb_interval_ms)
            c->hb_interval_ms = f->heartbeat_ms / 3 > 50 ? (int64_t)(f->heartbeat_ms / 3) : 50;
        if (resumed) {
            /* nothing was lost: the server sends again what we missed, we do the same */
            outq_rewind(&c->outq, rtm_frame_has(f, RTM_K_RX) ? f->rx : 0, &c->tx_seq);
            rtm_log(&c->log, RTM_LOG_INFO, "session resumed");
        } else {
            c->rx_count = c->rx_acked = c->tx_seq = 0;
            if (reconnect)
                restore_session(c, old_epoch && old_epoch == c->epoch);
        }
        c->session_live = true;
        c->reconnect_attempt = 0;
        change_state(c, RTM_CONNECTION_STATE_CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS);
        rtm_request_t *r = rtm_u64map_get(&c->pending, c->login_req);
        if (r)
            request_complete(c, r, RTM_OK, NULL);
        return;
    }
    rtm_log(&c->log, RTM_LOG_WARN, "login refused: %s (%.*s)", rtm_err_name(err),
            (int)f->errmsg.len, f->errmsg.ptr ? f->errmsg.ptr : "");
    if (reconnect && err == RTM_ERR_TOO_OFTEN) {
        /* the server wants fewer logins: try again after the backoff */
        c->want_close = true;
        c->login_sent = false;
        c->reconnect_at_ms = rtm_now_mono_ms() + backoff_ms(c, c->reconnect_attempt++);
        atomic_store_explicit(&c->timers_due, true, memory_order_relaxed);
        return;
    }
    if (reconnect && err == RTM_ERR_TOKEN_EXPIRED) {
        abort_session(c, RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED);
        return;
    }
    if (reconnect && f->reason == RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER) {
        abort_session(c, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
        return;
    }
    fail_login(c, err, RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE);
}

/* Fills e's peer list from f's users and states. */
static int fill_peers(rtm_event_t *e, const rtm_frame_t *f)
{
    if (!rtm_event_alloc_peers(e, f->n_users))
        return 0;
    for (size_t i = 0; i < f->n_users; i++) {
        if (!rtm_event_set_str(&e->peer_ids[i], f->users[i].ptr, f->users[i].len))
            return 0;
        e->peer_states[i] = f->states[i] <= RTM_PEER_ONLINE_STATE_OFFLINE
                                ? (rtm_peer_online_state_t)f->states[i]
                                : RTM_PEER_ONLINE_STATE_OFFLINE;
    }
    return 1;
}

/* Copies the attribute list of f into e. */
static int fill_attrs(rtm_event_t *e, const rtm_frame_t *f)
{
    size_t n = f->n_keys;
    e->n_attrs = n;
    if (!rtm_event_copy_strs(&e->attr_keys, f->keys, n) ||
        !rtm_event_copy_strs(&e->attr_values, f->values, n) ||
        (rtm_frame_has(f, RTM_K_UPDATERS) &&
         !rtm_event_copy_strs(&e->attr_updaters, f->updaters, n)))
        return 0;
    if (rtm_frame_has(f, RTM_K_UPDATED_TS)) {
        if (!(e->attr_ts = malloc((n ? n : 1) * sizeof(*e->attr_ts))))
            return 0;
        memcpy(e->attr_ts, f->updated_ts, n * sizeof(*e->attr_ts));
    }
    return 1;
}

/* The lists a result may carry: members, counts per channel, attributes. */
static int fill_result_lists(rtm_event_t *e, const rtm_frame_t *f)
{
    if ((e->type == RTM_EVENT_JOIN_CHANNEL_RESULT || e->type == RTM_EVENT_GET_MEMBERS_RESULT ||
         e->type == RTM_EVENT_QUERY_PEERS_BY_SUBSCRIPTION_RESULT) &&
        rtm_frame_has(f, RTM_K_USERS)) {
        e->n_users = f->n_users;
        if (!rtm_event_copy_strs(&e->users, f->users, f->n_users))
            return 0;
    }
    if (e->type == RTM_EVENT_GET_CHANNEL_MEMBER_COUNT_RESULT && rtm_frame_has(f, RTM_K_COUNTS)) {
        e->n_channels = f->n_channels;
        if (!rtm_event_copy_strs(&e->channel_ids, f->channels, f->n_channels) ||
            !(e->channel_counts = calloc(f->n_channels ? f->n_channels : 1, sizeof(int))))
            return 0;
        for (size_t i = 0; i < f->n_channels; i++)
            e->channel_counts[i] = f->counts[i] > INT32_MAX ? INT32_MAX : (int)f->counts[i];
    }
    if (e->type == RTM_EVENT_GET_USER_ATTRIBUTES_RESULT && rtm_frame_has(f, RTM_K_USER) &&
        !rtm_event_set_str(&e->user_id, f->user.ptr, f->user.len))
        return 0;
    if ((e->type == RTM_EVENT_GET_CHANNEL_ATTRIBUTES_RESULT ||
         e->type == RTM_EVENT_GET_USER_ATTRIBUTES_RESULT) &&
        rtm_frame_has(f, RTM_K_KEYS) && rtm_frame_has(f, RTM_K_VALUES))
        return fill_attrs(e, f);
    return 1;
}

static void on_result(rtm_client_t *c, const rtm_frame_t *f)
{
    bool logging_in = !c->session_live && c->login_sent;
    if (logging_in) {
        /* the first reply on a connection answers LOGIN, whatever id it echoes */
        on_login_result(c, f);
        return;
    }
    rtm_request_t *r = rtm_u64map_get(&c->pending, f->id);
    if (!r) {
        rtm_log(&c->log, RTM_LOG_DEBUG, "result for unknown request %llu",
                (unsigned long long)f->id);
        return;
    }
    if (f->id == c->logout_req && c->logging_out) {
        finish_logout(c);
        return;
    }
    rtm_err_t err = wire_err(f->err);
    if (err == RTM_ERR_ALREADY_JOINED && r->result_type == RTM_EVENT_JOIN_CHANNEL_RESULT)
        err = RTM_OK; /* the server already counts us in (a join that timed out, a resume) */
    if (err == RTM_ERR_NOT_IN_CHANNEL && r->result_type == RTM_EVENT_LEAVE_CHANNEL_RESULT)
        err = RTM_OK; /* a leave sent again in a new session: we are out, as asked */
    if (err == RTM_OK)
        apply_success(c, r);
    else if (r->silent && !r->channel)
        rtm_log(&c->log, RTM_LOG_WARN, "restoring the session: %s failed: %s",
                rtm_frame_type_name(r->frame_type), rtm_err_name(err));
    if (err == RTM_OK && r->token) {
        free(c->token); /* reconnects log in with the newest accepted token */
        c->token = r->token;
        r->token = NULL;
    }
    rtm_event_t *e = rtm_event_new_io(r->result_type);
    if (e && err == RTM_OK && !fill_result_lists(e, f))
        err = RTM_ERR_NO_MEMORY;
    if (e && r->result_type == RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT && err == RTM_OK &&
        rtm_frame_has(f, RTM_K_STATES) && !fill_peers(e, f))
        err = RTM_ERR_NO_MEMORY;
    request_complete(c, r, err, e);
}

/* Queues the delivery ack for mid; the I/O thread writes it with the next batch. */
static void ack_delivery(rtm_client_t *c, uint64_t mid)
{
    rtm_frame_t ack;
    rtm_frame_init(&ack, RTM_FRAME_DELIVERY_ACK, 0);
    rtm_frame_set_uint(&ack, RTM_K_MID, mid);
    if (!outq_push(&c->outq, &ack, 0))
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: delivery ack %llu lost",
                (unsigned long long)mid);
}

/* True when the message with this key was already handed to the application recently;
 * otherwise remembers it (the oldest of RTM_SEEN_MAX keys is forgotten). */
static bool seen_before(rtm_client_t *c, uint64_t key)
{
    return rtm_recent_check(&c->seen, key);
}

/* A message the application already has: the same sender and cmid, or a peer message with
 * the same mid in this epoch (delivered again after a lost acknowledgement). */
static bool duplicate_message(rtm_client_t *c, const rtm_frame_t *f)
{
    bool dup = false;
    if (rtm_frame_has(f, RTM_K_CMID) && f->cmid)
        dup = seen_before(
            c, rtm_hash_u64(rtm_hash_bytes(f->user.ptr, f->user.len) ^ rtm_hash_u64(f->cmid)) | 1);
    if (f->type == RTM_FRAME_PEER_MESSAGE && c->epoch && f->mid)
        dup = seen_before(c, rtm_hash_u64(c->epoch ^ rtm_hash_u64(f->mid)) & ~1ull) || dup;
    return dup;
}

static void on_peer_message(rtm_client_t *c, const rtm_frame_t *f)
{
    if ((f->mtype != RTM_MESSAGE_TYPE_TEXT && f->mtype != RTM_MESSAGE_TYPE_RAW) ||
        f->user.len == 0) {
        rtm_log(&c->log, RTM_LOG_WARN, "dropped a malformed peer message");
        return;
    }
    if (duplicate_message(c, f)) {
        rtm_log(&c->log, RTM_LOG_DEBUG, "dropped a duplicate of peer message %llu",
                (unsigned long long)f->mid);
        ack_delivery(c, f->mid); /* its sender waits for this */
        return;
    }
    rtm_event_t *e = rtm_event_new_message(
        RTM_EVENT_PEER_MESSAGE_RECEIVED, (rtm_message_type_t)f->mtype, f->text.ptr, f->text.len,
        f->data.ptr, f->data.len, f->user.ptr, f->user.len, NULL, 0);
    if (!e) {
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: a peer message was not delivered");
        return; /* not acknowledged: the sender learns it did not arrive */
    }
    e->message->id = f->mid;
    e->message->server_ts_ms = f->ts;
    e->message->offline = f->offline;
    push_event(c, e);
    ack_delivery(c, f->mid);
}

static void on_presence(rtm_client_t *c, const rtm_frame_t *f)
{
    rtm_event_t *e = rtm_event_new_io(RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED);
    if (!e || !fill_peers(e, f)) {
        rtm_event_destroy(e);
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: a presence change was lost");
        return;
    }
    push_event(c, e);
}

/* The channel of a push, when this client is in it; NULL otherwise (late pushes for a channel
 * already left or released are dropped). */
static rtm_chan_rec_t *joined_channel(rtm_client_t *c, const rtm_frame_t *f)
{
    rtm_chan_rec_t *ch = rtm_hm_get(&c->channels, f->channel.ptr, f->channel.len);
    return ch && ch->state == RTM_CHAN_JOINED ? ch : NULL;
}

static void on_channel_push(rtm_client_t *c, const rtm_frame_t *f)
{
    rtm_chan_rec_t *ch = joined_channel(c, f);
    if (!ch)
        return;
    if (f->type == RTM_FRAME_CHANNEL_MESSAGE) {
        if (f->mid > ch->last_mid)
            ch->last_mid = f->mid;
        if (duplicate_message(c, f))
            return;
    }
    rtm_event_type_t type =
        f->type == RTM_FRAME_CHANNEL_MESSAGE ? RTM_EVENT_CHANNEL_MESSAGE_RECEIVED
        : f->type == RTM_FRAME_MEMBER_JOINED ? RTM_EVENT_CHANNEL_MEMBER_JOINED
        : f->type == RTM_FRAME_MEMBER_LEFT   ? RTM_EVENT_CHANNEL_MEMBER_LEFT
        : f->type == RTM_FRAME_MEMBER_COUNT  ? RTM_EVENT_CHANNEL_MEMBER_COUNT_UPDATED
                                             : RTM_EVENT_CHANNEL_ATTRIBUTES_UPDATED;
    if (type == RTM_EVENT_CHANNEL_MESSAGE_RECEIVED) {
        if (f->mtype != RTM_MESSAGE_TYPE_TEXT && f->mtype != RTM_MESSAGE_TYPE_RAW) {
            rtm_log(&c->log, RTM_LOG_WARN, "dropped a malformed channel message");
            return;
        }
        /* the hot path of a fan-out: one allocation for the event and all it holds */
        rtm_event_t *e = rtm_event_new_message(type, (rtm_message_type_t)f->mtype, f->text.ptr,
                                               f->text.len, f->data.ptr, f->data.len, f->user.ptr,
                                               f->user.len, ch->id, ch->id_len);
        if (!e) {
            rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: a channel message was lost");
            return;
        }
        e->message->id = f->mid;
        e->message->server_ts_ms = f->ts;
        push_event(c, e);
        return;
    }
    rtm_event_t *e = rtm_event_new_io(type);
    int ok = e && (e->channel_id = strdup(ch->id)) != NULL;
    if (ok && rtm_frame_has(f, RTM_K_USER))
        ok = rtm_event_set_str(&e->user_id, f->user.ptr, f->user.len);
    if (ok && type == RTM_EVENT_CHANNEL_MEMBER_COUNT_UPDATED)
        e->member_count = f->count > INT32_MAX ? INT32_MAX : (int)f->count;
    if (ok && type == RTM_EVENT_CHANNEL_ATTRIBUTES_UPDATED)
        ok = fill_attrs(e, f);
    if (!ok) {
        rtm_event_destroy(e);
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: a channel event was lost");
        return;
    }
    push_event(c, e);
}

/* The server ended the session for good: ABORTED until the application logs out. */
static void abort_session(rtm_client_t *c, rtm_connection_change_reason_t reason)
{
    change_state(c, RTM_CONNECTION_STATE_ABORTED, reason);
    if (reason == RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED)
        push_event(c, rtm_event_new(RTM_EVENT_TOKEN_EXPIRED));
    fail_pending(c, RTM_ERR_CLOSED, 0);
    invitations_session_lost(c);
    forget_session(c);
    c->want_close = true;
    c->conn_gen++;
}

static void on_session_end(rtm_client_t *c, const rtm_frame_t *f)
{
    rtm_connection_change_reason_t reason =
        f->reason >= RTM_CONNECTION_CHANGE_REASON_LOGIN &&
                f->reason <= RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED
            ? (rtm_connection_change_reason_t)f->reason
            : RTM_CONNECTION_CHANGE_REASON_INTERRUPTED;
    rtm_log(&c->log, RTM_LOG_WARN, "the server ended the session (reason %d)", (int)reason);
    if (c->logging_out) {
        finish_logout(c);
        return;
    }
    abort_session(c, reason);
}

static void on_error_frame(rtm_client_t *c, const rtm_frame_t *f)
{
    rtm_log(&c->log, RTM_LOG_WARN, "server error for request %llu: %.*s", (unsigned long long)f->id,
            (int)f->errmsg.len, f->errmsg.ptr ? f->errmsg.ptr : "");
    /* an answer to a request, or anything the server refuses while we log in */
    if ((f->id && rtm_u64map_get(&c->pending, f->id)) || (!c->session_live && c->login_sent))
        on_result(c, f);
}

/* Server frames outside the counted stream (the LOGIN result comes before the session). */
static bool stream_frame_from_server(uint32_t type)
{
    return type != RTM_FRAME_PONG && type != RTM_FRAME_SERVER_ACK && type != RTM_FRAME_GOAWAY &&
           type != RTM_FRAME_SESSION_END;
}

/* Queues a PING or an ACK carrying how much of the server's stream we have. */
static void queue_control(rtm_client_t *c, uint32_t type)
{
    rtm_frame_t f;
    rtm_frame_init(&f, type, 0);
    rtm_frame_set_uint(&f, RTM_K_RX, c->rx_count);
    if (outq_push(&c->outq, &f, 0))
        c->rx_acked = c->rx_count;
}

int64_t client_io_heartbeat(rtm_client_t *c, uint64_t gen)
{
    pthread_mutex_lock(&c->lock);
    int64_t interval = c->hb_interval_ms > 0 ? c->hb_interval_ms : c->cfg.heartbeat_interval_ms;
    if (gen == c->conn_gen && c->session_live)
        queue_control(c, RTM_FRAME_PING);
    pthread_mutex_unlock(&c->lock);
    return interval;
}

bool client_io_message(rtm_client_t *c, uint64_t gen, const uint8_t *p, size_t len)
{
    /* only the one I/O thread decodes; static, not thread-local: 100 KB of TLS would break
       loading the library with dlopen (Python, the JVM) */
    static rtm_decoder_t dec;
    size_t off = 0;
    pthread_mutex_lock(&rtm_inv_lock); /* invitation frames change invitations */
    pthread_mutex_lock(&c->lock);
    batch_begin(c);
    while (gen == c->conn_gen && off < len) {
        rtm_frame_t f;
        const char *why;
        rtm_decode_status_t st = rtm_frame_decode(&dec, p, len, &off, &f, &why);
        if (st == RTM_DECODE_BROKEN) {
            rtm_log(&c->log, RTM_LOG_ERROR, "unreadable message from the server: %s", why);
            break;
        }
        if (c->session_live && stream_frame_from_server(f.type))
            c->rx_count++; /* the server counted it, readable or not */
        if (st == RTM_DECODE_BAD_FRAME || !rtm_frame_type_from_server(f.type)) {
            rtm_log(&c->log, RTM_LOG_WARN, "ignored a frame from the server: %s",
                    why ? why : "a client frame type");
            continue;
        }
        switch (f.type) {
        case RTM_FRAME_RESULT:
            on_result(c, &f);
            break;
        case RTM_FRAME_PEER_MESSAGE:
            on_peer_message(c, &f);
            break;
        case RTM_FRAME_SESSION_END:
            on_session_end(c, &f);
            break;
        case RTM_FRAME_ERROR:
            on_error_frame(c, &f);
            break;
        case RTM_FRAME_CHANNEL_MESSAGE:
        case RTM_FRAME_MEMBER_JOINED:
        case RTM_FRAME_MEMBER_LEFT:
        case RTM_FRAME_MEMBER_COUNT:
        case RTM_FRAME_CHANNEL_ATTRS:
            on_channel_push(c, &f);
            break;
        case RTM_FRAME_PRESENCE:
            on_presence(c, &f);
            break;
        case RTM_FRAME_INVITE_RECEIVED: {
            if (!invitation_on_received(c, &f))
                break;
            rtm_frame_t ack; /* tells the caller our client has it */
            rtm_frame_init(&ack, RTM_FRAME_INVITE_ACK, 0);
            rtm_frame_set_bytes(&ack, RTM_K_USER, f.user.ptr, f.user.len);
            rtm_frame_set_uint(&ack, RTM_K_IID, f.iid);
            outq_push(&c->outq, &ack, 0);
            break;
        }
        case RTM_FRAME_INVITE_UPDATE:
            invitation_on_update(c, &f);
            break;
        case RTM_FRAME_PONG:
        case RTM_FRAME_SERVER_ACK:
            outq_release(&c->outq, f.rx);
            break;
        case RTM_FRAME_GOAWAY:
            /* the server closes once it has written what it holds; then reconnect at once */
            rtm_log(&c->log, RTM_LOG_INFO, "the server is going away");
            c->goaway = true;
            break;
        case RTM_FRAME_TOKEN_WILL_EXPIRE:
            push_event(c, rtm_event_new(RTM_EVENT_TOKEN_PRIVILEGE_WILL_EXPIRE));
            break;
        default:
            break;
        }
    }
    if (gen == c->conn_gen && c->session_live && c->rx_count - c->rx_acked >= RTM_ACK_EVERY)
        queue_control(c, RTM_FRAME_ACK);
    int wake_fd = batch_end(c);
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_unlock(&rtm_inv_lock);
    rtm_eq_wake(wake_fd); /* the application may take both locks the moment it wakes */
    return true;
}

void client_io_lost(rtm_client_t *c, uint64_t gen, rtm_err_t why, const char *detail)
{
    pthread_mutex_lock(&rtm_inv_lock); /* a failed login ends pending invitation calls */
    pthread_mutex_lock(&c->lock);
    if (gen != c->conn_gen) {
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&rtm_inv_lock);
        return;
    }
    bool was_live = c->session_live;
    c->session_live = false;
    c->login_sent = false;
    rtm_log(&c->log, RTM_LOG_INFO, "connection lost: %s", detail ? detail : rtm_err_name(why));
    if (c->logging_out) {
        finish_logout(c);
    } else if (c->state == RTM_CONNECTION_STATE_CONNECTING && c->login_req) {
        if (++c->urls_tried < c->n_urls) {
            c->url_index = (c->url_index + 1) % c->n_urls; /* try the next server */
            c->want_connect = true;
        } else {
            fail_login(c, why, RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE);
        }
    } else if (c->state == RTM_CONNECTION_STATE_CONNECTED ||
               c->state == RTM_CONNECTION_STATE_RECONNECTING) {
        if (was_live || c->state == RTM_CONNECTION_STATE_CONNECTED)
            change_state(c, RTM_CONNECTION_STATE_RECONNECTING,
                         RTM_CONNECTION_CHANGE_REASON_INTERRUPTED);
        c->url_index = (c->url_index + 1) % c->n_urls;
        /* a server that went away on purpose is left at once, for the next one */
        c->reconnect_at_ms =
            rtm_now_mono_ms() + (c->goaway ? 0 : backoff_ms(c, c->reconnect_attempt++));
        c->goaway = false;
        atomic_store_explicit(&c->timers_due, true, memory_order_relaxed); /* the backoff */
    }
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_unlock(&rtm_inv_lock);
}

void client_io_tick(rtm_client_t *c, int64_t now_ms)
{
    pthread_mutex_lock(&rtm_inv_lock); /* a timed-out invitation request */
    pthread_mutex_lock(&c->lock);
    rtm_request_t *r = c->pending_head;
    while (r) {
        rtm_request_t *next = r->next;
        if (r->deadline_ms <= now_ms) {
            if (r->id == c->login_req) {
                fail_login(c, RTM_ERR_TIMEOUT, RTM_CONNECTION_CHANGE_REASON_LOGIN_TIMEOUT);
                break; /* fail_login completed every other request */
            } else if (r->id == c->logout_req && c->logging_out) {
                finish_logout(c);
                break;
            }
            /* a request reported as failed is never sent late; a JOIN that already went out may
               still take effect on the server, so it is undone */
            r->unsent = outq_drop(&c->outq, r->id);
            if (!r->unsent && r->result_type == RTM_EVENT_JOIN_CHANNEL_RESULT && r->channel)
                leave_untracked(c, r->channel);
            request_complete(c, r, RTM_ERR_TIMEOUT, NULL);
        }
        r = next;
    }
    if (c->state == RTM_CONNECTION_STATE_RECONNECTING && !c->conn && !c->want_connect &&
        now_ms >= c->reconnect_at_ms)
        c->want_connect = true;
    if (c->state == RTM_CONNECTION_STATE_RECONNECTING && c->conn && !c->session_live &&
        now_ms - c->attempt_start_ms > c->cfg.login_timeout_ms) {
        /* this attempt hangs: drop it, the next one starts after a backoff */
        c->want_close = true;
        c->url_index = (c->url_index + 1) % c->n_urls;
        c->reconnect_at_ms = now_ms + backoff_ms(c, c->reconnect_attempt++);
    }
    /* nothing to wait for: the periodic tick passes this client by until a request or a
       reconnect gives it a deadline again (both set the flag under this lock) */
    if (!c->pending_head && c->state != RTM_CONNECTION_STATE_RECONNECTING)
        atomic_store_explicit(&c->timers_due, false, memory_order_relaxed);
    pthread_mutex_unlock(&c->lock);
    pthread_mutex_unlock(&rtm_inv_lock);
}

void client_io_actions(rtm_client_t *c, bool established, client_io_actions_t *a)
{
    memset(a, 0, sizeof(*a));
    pthread_mutex_lock(&c->lock);
    a->close = c->want_close && c->conn;
    c->want_close = false;
    bool has_conn = c->conn && !a->close;
    if (c->want_connect && !has_conn) {
        a->connect = true;
        a->gen = c->conn_gen;
        a->url = c->urls[c->url_index % c->n_urls];
        c->attempt_start_ms = rtm_now_mono_ms();
        c->login_sent = false;
        c->session_live = false;
    }
    c->want_connect = false;
    a->rx_resume = c->want_rx_resume;
    c->want_rx_resume = false;
    if (has_conn && established) {
        bool login_due = !c->login_sent && c->user_id &&
                         (c->state == RTM_CONNECTION_STATE_CONNECTING ||
                          c->state == RTM_CONNECTION_STATE_RECONNECTING);
        /* acks alone wait a moment for a request or answer to ride with (outq_urgent) */
        a->writable = login_due || (c->session_live && (outq_urgent(&c->outq) ||
                                                        outq_lazy(&c->outq) >= RTM_LAZY_ACKS_MAX));
        a->lazy = !a->writable && c->session_live && !outq_empty(&c->outq);
    }
    pthread_mutex_unlock(&c->lock);
}
