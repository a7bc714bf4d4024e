/* Channel handles and the channel operations of a client (see channel.h).
 * Lock order: the process-wide handle lock, then a handle's lock, then the client's lock.
 * Runs on application threads; the I/O thread only sees the client's channel records. */
#include "channel.h"

#include <stdlib.h>
#include <string.h>

#include "io_thread.h"
#include "rules.h"

/* Guards every handle's client pointer against the client's destruction and each client's
 * list of handles. */
static pthread_mutex_t handle_lock = PTHREAD_MUTEX_INITIALIZER;

static rtm_chan_rec_t *rec_get(rtm_client_t *c, const char *id)
{
    return rtm_hm_get(&c->channels, id, strlen(id));
}

rtm_channel_t *channel_create(rtm_client_t *c, const char *id, rtm_err_t *err)
{
    rtm_channel_t *ch = NULL;
    pthread_mutex_lock(&handle_lock);
    for (rtm_channel_t *h = c->handles; h; h = h->next) {
        if (strcmp(h->id, id) == 0) {
            client_set_error(c, "channel '%.80s' already has a live handle on this client", id);
            *err = RTM_ERR_INVALID_STATE;
            goto out;
        }
    }
    rtm_chan_rec_t *rec = calloc(1, sizeof(*rec));
    ch = calloc(1, sizeof(*ch));
    if (!rec || !ch || !(ch->id = strdup(id)) || !(rec->id = strdup(id)))
        goto oom;
    rec->id_len = strlen(id);
    rec->state = RTM_CHAN_IDLE;
    pthread_mutex_lock(&c->lock);
    bool ok = rtm_hm_put(&c->channels, rec->id, rec->id_len, rec, NULL);
    pthread_mutex_unlock(&c->lock);
    if (!ok)
        goto oom;
    pthread_mutex_init(&ch->lock, NULL);
    ch->client = c;
    ch->next = c->handles;
    c->handles = ch;
    *err = RTM_OK;
    goto out;
oom:
    if (rec)
        free(rec->id);
    free(rec);
    if (ch)
        free(ch->id);
    free(ch);
    ch = NULL;
    client_set_error(c, "out of memory");
    *err = RTM_ERR_NO_MEMORY;
out:
    pthread_mutex_unlock(&handle_lock);
    return ch;
}

/* The client lets go of the channel: pending requests end with CLOSED, a joined channel is
 * left without any event. Client lock held. */
static void release_locked(rtm_client_t *c, const char *id, bool *kick)
{
    *kick = false;
    rtm_chan_rec_t *rec = rtm_hm_del(&c->channels, id, strlen(id));
    client_fail_channel_requests_locked(c, id, RTM_ERR_CLOSED);
    if (!rec)
        return;
    if (rec->state != RTM_CHAN_IDLE) { /* joined, joining, or a leave that may be dropped */
        rtm_frame_t f;
        rtm_frame_init(&f, RTM_FRAME_LEAVE, 0);
        rtm_frame_set_bytes(&f, RTM_K_CHANNEL, rec->id, rec->id_len);
        client_send_untracked_locked(c, &f, kick);
    }
    free(rec->id);
    free(rec);
}

void channel_free(rtm_channel_t *ch)
{
    pthread_mutex_lock(&handle_lock);
    pthread_mutex_lock(&ch->lock);
    rtm_client_t *c = ch->client;
    bool kick = false;
    if (c) {
        for (rtm_channel_t **pp = &c->handles; *pp; pp = &(*pp)->next) {
            if (*pp == ch) {
                *pp = ch->next;
                break;
            }
        }
        pthread_mutex_lock(&c->lock);
        release_locked(c, ch->id, &kick);
        pthread_mutex_unlock(&c->lock);
        if (kick)
            io_kick(c);
    }
    pthread_mutex_unlock(&ch->lock);
    pthread_mutex_unlock(&handle_lock);
    pthread_mutex_destroy(&ch->lock);
    free(ch->id);
    free(ch);
}

void channels_orphan(rtm_client_t *c)
{
    pthread_mutex_lock(&handle_lock);
    for (rtm_channel_t *ch = c->handles; ch; ch = ch->next) {
        pthread_mutex_lock(&ch->lock);
        ch->client = NULL; /* from now on every call on it returns RTM_ERR_CLOSED */
        pthread_mutex_unlock(&ch->lock);
    }
    c->handles = NULL;
    pthread_mutex_unlock(&handle_lock);
}

static void count_active(void *value, void *arg)
{
    rtm_chan_state_t st = ((rtm_chan_rec_t *)value)->state;
    *(size_t *)arg += st == RTM_CHAN_JOINED || st == RTM_CHAN_JOINING;
}

typedef enum { OP_JOIN, OP_LEAVE, OP_SEND, OP_MEMBERS } channel_op_t;

/* One channel operation: the handle and client checks, the state rules, the request. */
static rtm_err_t channel_op(rtm_channel_t *ch, channel_op_t op, const rtm_message_t *m,
                            uint64_t *req)
{
    pthread_mutex_lock(&ch->lock);
    rtm_client_t *c = ch->client;
    if (!c) {
        pthread_mutex_unlock(&ch->lock);
        return RTM_ERR_CLOSED;
    }
    bool kick = false;
    pthread_mutex_lock(&c->lock);
    rtm_chan_rec_t *rec = rec_get(c, ch->id);
    rtm_err_t err = client_check_session_locked(c);
    if (!err && !rec) {
        client_set_error_locked(c, "out of memory");
        err = RTM_ERR_NO_MEMORY;
    }
    rtm_frame_t f;
    rtm_event_type_t result = RTM_EVENT_JOIN_CHANNEL_RESULT;
    if (!err && op == OP_JOIN) {
        size_t active = 0;
        rtm_hm_foreach(&c->channels, count_active, &active);
        if (rec->state == RTM_CHAN_JOINED || rec->state == RTM_CHAN_JOINING) {
            client_set_error_locked(c, "channel '%.80s' is already joined or being joined", ch->id);
            err = RTM_ERR_ALREADY_JOINED;
        } else if (active >= RTM_CHANNELS_JOINED_MAX) {
            client_set_error_locked(c, "a client can be in at most %d channels at once",
                                    RTM_CHANNELS_JOINED_MAX);
            err = RTM_ERR_EXCEED_LIMIT;
        } else {
            rtm_frame_init(&f, RTM_FRAME_JOIN, 0);
            if (c->cfg.member_list_on_join)
                rtm_frame_set_bool(&f, RTM_K_WITH_MEMBERS, true);
        }
    } else if (!err && rec->state != RTM_CHAN_JOINED) {
        client_set_error_locked(c, "the client is not in channel '%.80s'", ch->id);
        err = RTM_ERR_NOT_IN_CHANNEL;
    } else if (!err && op == OP_LEAVE) {
        rtm_frame_init(&f, RTM_FRAME_LEAVE, 0);
        result = RTM_EVENT_LEAVE_CHANNEL_RESULT;
    } else if (!err && op == OP_SEND) {
        client_message_frame(&f, RTM_FRAME_SEND_CHANNEL, m, 0);
        result = RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT;
    } else if (!err) {
        rtm_frame_init(&f, RTM_FRAME_GET_MEMBERS, 0);
        result = RTM_EVENT_GET_MEMBERS_RESULT;
    }
    if (!err) {
        rtm_request_t *r;
        rtm_frame_set_bytes(&f, RTM_K_CHANNEL, rec->id, rec->id_len);
        err = client_submit_locked(c, &f, result, ch->id, &r, &kick);
        if (!err)
            r->via_handle = true;
        if (!err && req)
            *req = r->id;
        if (!err && op == OP_JOIN)
            rec->state = RTM_CHAN_JOINING;
        if (!err && op == OP_LEAVE)
            rec->state = RTM_CHAN_LEAVING;
    }
    pthread_mutex_unlock(&c->lock);
    /* kick while the handle lock still holds off rtm_client_free (channels_orphan) */
    if (kick)
        io_kick(c);
    pthread_mutex_unlock(&ch->lock);
    return err;
}

rtm_err_t channel_join(rtm_channel_t *ch, uint64_t *req)
{
    return channel_op(ch, OP_JOIN, NULL, req);
}

rtm_err_t channel_leave(rtm_channel_t *ch, uint64_t *req)
{
    return channel_op(ch, OP_LEAVE, NULL, req);
}

rtm_err_t channel_send(rtm_channel_t *ch, const rtm_message_t *m, uint64_t *req)
{
    return channel_op(ch, OP_SEND, m, req);
}

rtm_err_t channel_get_members(rtm_channel_t *ch, uint64_t *req)
{
    return channel_op(ch, OP_MEMBERS, NULL, req);
}

rtm_err_t client_send_to_channel(rtm_client_t *c, const char *channel, const rtm_message_t *m,
                                 uint64_t *req)
{
    rtm_frame_t f;
    client_message_frame(&f, RTM_FRAME_SEND_CHANNEL, m, 0);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, channel);
    return client_submit(c, &f, RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT, channel, req);
}

rtm_err_t client_count_members(rtm_client_t *c, const char *const *ids, size_t n, uint64_t *req)
{
    rtm_bytes_t *list = malloc(n * sizeof(*list));
    if (!list)
        return RTM_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++)
        list[i] = (rtm_bytes_t){ids[i], strlen(ids[i])};
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_COUNT_MEMBERS, 0);
    rtm_frame_set_strs(&f, RTM_K_CHANNELS, list, n);
    rtm_err_t err = client_submit(c, &f, RTM_EVENT_GET_CHANNEL_MEMBER_COUNT_RESULT, NULL, req);
    free(list);
    return err;
}

rtm_err_t client_channel_attrs(rtm_client_t *c, uint32_t frame_type, const char *channel,
                               const rtm_attribute_t *attrs, const char *const *keys, size_t n,
                               uint32_t flags, uint64_t *req)
{
    rtm_event_type_t result = frame_type == RTM_FRAME_GET_CHANNEL_ATTRS
                                  ? RTM_EVENT_GET_CHANNEL_ATTRIBUTES_RESULT
                                  : RTM_EVENT_CHANNEL_ATTRIBUTES_RESULT;
    return client_attrs_request(c, frame_type, result, channel, NULL, attrs, keys, n, flags, req);
}
