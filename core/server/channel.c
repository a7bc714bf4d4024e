/* Channels (see channel.h): registry, membership, fan-out, member events and coalesced member
 * counts. Every per-request cost is O(1) in the channel's size except what must touch every
 * member (a fan-out, an event while the channel is small, a count broadcast at most once a
 * second); a session ending costs O(channels of that connection). */
#include "channel.h"

#include "dlist.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"
#include "conn.h"
#include "peer.h"
#include "server.h"

/* MEMBER_COUNT broadcasts of one channel are at least this far apart. */
#define COUNT_INTERVAL_MS 1000
/* count_seen of a member that was never sent a count. */
#define COUNT_NONE UINT32_MAX

/* ---- registry ------------------------------------------------------------------------ */

void rtmd_channels_init(rtmd_channels_t *chs, rtmd_server_t *srv)
{
    memset(chs, 0, sizeof(*chs));
    chs->srv = srv;
    rtm_hm_init(&chs->by_id);
    if (getrandom(&chs->rng, sizeof(chs->rng), GRND_NONBLOCK) != (ssize_t)sizeof(chs->rng))
        chs->rng = (uint64_t)rtm_now_wall_ms() ^ (uint64_t)(uintptr_t)chs;
    chs->rng |= 1; /* xorshift must not start at 0 */
}

static uint64_t next_random(rtmd_channels_t *chs)
{
    uint64_t x = chs->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    chs->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

rtmd_channel_t *rtmd_channel_find(const rtmd_server_t *srv, const char *id, size_t len)
{
    return rtm_hm_get(&srv->channels.by_id, id, len);
}

rtmd_channel_t *rtmd_channel_get_or_create(rtmd_server_t *srv, const char *id, size_t len)
{
    rtmd_channel_t *ch = rtmd_channel_find(srv, id, len);
    if (ch)
        return ch;
    ch = calloc(1, sizeof(*ch));
    if (!ch)
        return NULL;
    memcpy(ch->id, id, len);
    ch->id_len = (uint8_t)len;
    rtm_hm_init(&ch->by_user);
    ch->count_sent_ms = rtm_now_mono_ms() - COUNT_INTERVAL_MS;
    if (!rtm_hm_put(&srv->channels.by_id, ch->id, ch->id_len, ch, NULL)) {
        free(ch);
        return NULL;
    }
    return ch;
}

static void count_unqueue(rtmd_channels_t *chs, rtmd_channel_t *ch)
{
    if (!ch->count_queued)
        return;
    RTM_DLIST_UNLINK(chs->count_head, chs->count_tail, ch, count_next, count_prev);
    ch->count_queued = false;
}

/* Frees ch and what it holds; its members' connections must not point at it any more. */
static void channel_free(rtmd_channel_t *ch)
{
    for (uint32_t i = 0; i < ch->n_members; i++)
        free(ch->members[i]);
    free(ch->members);
    rtm_hm_destroy(&ch->by_user);
    rtmd_attr_list_free(&ch->attrs);
    free(ch);
}

static void channel_drop(rtmd_server_t *srv, rtmd_channel_t *ch)
{
    rtm_log(&srv->log, RTM_LOG_DEBUG, "channel %s: dropped", ch->id);
    count_unqueue(&srv->channels, ch);
    rtmd_replay_drop(srv, ch);
    rtm_hm_del(&srv->channels.by_id, ch->id, ch->id_len);
    channel_free(ch);
}

bool rtmd_channel_drop_if_unused(rtmd_server_t *srv, rtmd_channel_t *ch)
{
    if (ch->n_members || ch->attrs.n)
        return false;
    channel_drop(srv, ch);
    return true;
}

static void free_one(void *value, void *arg)
{
    rtmd_replay_drop(arg, value);
    channel_free(value);
}

void rtmd_channels_stop(rtmd_channels_t *chs)
{
    lws_sul_cancel(&chs->count_timer);
    rtmd_replay_stop(chs->srv);
}

void rtmd_channels_destroy(rtmd_channels_t *chs)
{
    rtm_hm_foreach(&chs->by_id, free_one, chs->srv);
    rtm_hm_destroy(&chs->by_id);
    chs->count_head = chs->count_tail = NULL;
}

/* ---- fan-out ------------------------------------------------------------------------- */

void rtmd_channel_broadcast(rtmd_server_t *srv, rtmd_channel_t *ch, rtmd_msg_t *m,
                            const rtmd_conn_t *except)
{
    /* A send never closes a connection synchronously (a slow consumer is cut on a later loop
     * pass), so members[] cannot change under this loop. */
    for (uint32_t i = 0; i < ch->n_members; i++) {
        rtmd_conn_t *to = ch->members[i]->conn;
        if (to != except)
            rtmd_conn_send_msg(srv, to, m);
    }
}

/* MEMBER_JOINED or MEMBER_LEFT about user to every member but c. */
static void member_event(rtmd_server_t *srv, rtmd_channel_t *ch, uint32_t type,
                         const rtmd_conn_t *c)
{
    if (ch->n_members == 0 || (ch->n_members == 1 && ch->members[0]->conn == c))
        return;
    rtm_frame_t f;
    rtm_frame_init(&f, type, 0);
    rtm_frame_set_bytes(&f, RTM_K_CHANNEL, ch->id, ch->id_len);
    rtm_frame_set_bytes(&f, RTM_K_USER, c->user, c->user_len);
    rtmd_msg_t *m = rtmd_msg_encode(&f);
    if (!m) {
        rtm_log(&srv->log, RTM_LOG_ERROR, "out of memory: a member event was not sent");
        return;
    }
    rtmd_channel_broadcast(srv, ch, m, c);
    rtmd_msg_unref(m);
}

/* ---- member counts ------------------------------------------------------------------- */

static rtmd_msg_t *encode_count(const rtmd_channel_t *ch)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_MEMBER_COUNT, 0);
    rtm_frame_set_bytes(&f, RTM_K_CHANNEL, ch->id, ch->id_len);
    rtm_frame_set_uint(&f, RTM_K_COUNT, ch->n_members);
    return rtmd_msg_encode(&f);
}

/* MEMBER_COUNT to every member that has not been sent the current count. Only a broadcast
 * that reached someone starts the next second's wait. */
static void count_broadcast(rtmd_server_t *srv, rtmd_channel_t *ch, int64_t now_ms)
{
    rtmd_msg_t *m = NULL;
    uint32_t sent = 0;
    for (uint32_t i = 0; i < ch->n_members; i++) {
        rtmd_member_t *mb = ch->members[i];
        if (mb->count_seen == ch->n_members)
            continue;
        if (!m && !(m = encode_count(ch))) {
            rtm_log(&srv->log, RTM_LOG_ERROR, "out of memory: a member count was not sent");
            return;
        }
        mb->count_seen = ch->n_members;
        rtmd_conn_send_msg(srv, mb->conn, m);
        sent++;
    }
    rtmd_msg_unref(m);
    if (!sent)
        return;
    ch->count_sent_ms = now_ms;
    rtm_log(&srv->log, RTM_LOG_DEBUG, "channel %s: count %u sent to %u members", ch->id,
            (unsigned)ch->n_members, (unsigned)sent);
}

static void count_timer_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_channels_t *chs = lws_container_of(sul, rtmd_channels_t, count_timer);
    rtmd_server_t *srv = chs->srv;
    if (srv->destroying)
        return;
    int64_t now = rtm_now_mono_ms();
    while (chs->count_head && chs->count_head->count_due_ms <= now) {
        rtmd_channel_t *ch = chs->count_head;
        count_unqueue(chs, ch);
        count_broadcast(srv, ch, now);
    }
    if (chs->count_head)
        lws_sul_schedule(srv->ctx, 0, &chs->count_timer, count_timer_fired,
                         (lws_usec_t)(chs->count_head->count_due_ms - now) * LWS_US_PER_MS);
}

/* ch's member count changed: its members hear of it now, or when a second has passed since
 * they last did. */
static void count_changed(rtmd_server_t *srv, rtmd_channel_t *ch)
{
    rtmd_channels_t *chs = &srv->channels;
    if (ch->count_queued || srv->stopping || srv->destroying)
        return;
    int64_t now = rtm_now_mono_ms();
    if (now - ch->count_sent_ms >= COUNT_INTERVAL_MS) {
        count_broadcast(srv, ch, now);
        return;
    }
    ch->count_due_ms = ch->count_sent_ms + COUNT_INTERVAL_MS;
    ch->count_queued = true;
    RTM_DLIST_PUSH_BACK(chs->count_head, chs->count_tail, ch, count_next, count_prev);
    if (chs->count_head == ch)
        lws_sul_schedule(srv->ctx, 0, &chs->count_timer, count_timer_fired,
                         (lws_usec_t)(ch->count_due_ms - now) * LWS_US_PER_MS);
}

/* ---- membership ---------------------------------------------------------------------- */

static rtmd_member_t *member_of(const rtmd_channel_t *ch, const rtmd_conn_t *c)
{
    if (!ch)
        return NULL;
    rtmd_member_t *m = rtm_hm_get(&ch->by_user, c->user, c->user_len);
    return m && m->conn == c ? m : NULL;
}

static rtmd_member_t *member_add(rtmd_channel_t *ch, rtmd_conn_t *c)
{
    if (ch->n_members == ch->cap) {
        uint32_t cap = ch->cap ? ch->cap * 2 : 4;
        rtmd_member_t **grown = realloc(ch->members, sizeof(*grown) * cap);
        if (!grown)
            return NULL;
        ch->members = grown;
        ch->cap = cap;
    }
    rtmd_member_t *m = malloc(sizeof(*m));
    if (!m)
        return NULL;
    if (!rtm_hm_put(&ch->by_user, c->user, c->user_len, m, NULL)) {
        free(m);
        return NULL;
    }
    m->ch = ch;
    m->conn = c;
    m->index = ch->n_members;
    m->count_seen = COUNT_NONE;
    ch->members[ch->n_members++] = m;
    m->c_next = c->memberships;
    if (m->c_next)
        m->c_next->c_pprev = &m->c_next;
    m->c_pprev = &c->memberships;
    c->memberships = m;
    c->n_channels++;
    return m;
}

/* Unlinks and frees m; the channel stays (maybe empty). */
static void member_unlink(rtmd_member_t *m)
{
    rtmd_channel_t *ch = m->ch;
    rtmd_conn_t *c = m->conn;
    rtm_hm_del(&ch->by_user, c->user, c->user_len);
    rtmd_member_t *last = ch->members[--ch->n_members];
    ch->members[m->index] = last;
    last->index = m->index;
    if (ch->cap > 16 && ch->n_members < ch->cap / 4) { /* give back what a crowd left */
        rtmd_member_t **shrunk = realloc(ch->members, sizeof(*shrunk) * (ch->cap / 2));
        if (shrunk) {
            ch->members = shrunk;
            ch->cap /= 2;
        }
    }
    *m->c_pprev = m->c_next;
    if (m->c_next)
        m->c_next->c_pprev = m->c_pprev;
    c->n_channels--;
    free(m);
}

/* c leaves m's channel: MEMBER_LEFT to the others (while the channel is small enough), then
 * the channel is dropped when it is empty, or its count changes. */
static void member_leave(rtmd_server_t *srv, rtmd_member_t *m)
{
    rtmd_channel_t *ch = m->ch;
    rtmd_conn_t *c = m->conn;
    bool announce = ch->n_members <= srv->opt->member_events_max && !srv->stopping;
    member_unlink(m);
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: left channel %s (%u members)",
            (unsigned long long)c->id, c->user, ch->id, (unsigned)ch->n_members);
    if (ch->n_members == 0) {
        channel_drop(srv, ch);
        return;
    }
    if (announce && !srv->destroying)
        member_event(srv, ch, RTM_FRAME_MEMBER_LEFT, c);
    count_changed(srv, ch);
}

void rtmd_channel_session_ended(rtmd_server_t *srv, rtmd_conn_t *c)
{
    /* Leaving one channel never touches the connection's other memberships. */
    rtmd_member_t *m = c->memberships, *next;
    for (; m; m = next) {
        next = m->c_next;
        member_leave(srv, m);
    }
}

/* Fills users with at most RTM_MEMBER_LIST_MAX member ids: all of them, or a random sample
 * (a partial Fisher-Yates over members[], whose order means nothing). Returns how many. */
static size_t member_sample(rtmd_channels_t *chs, rtmd_channel_t *ch, rtm_bytes_t *users)
{
    size_t n = ch->n_members, k = n;
    if (k > RTM_MEMBER_LIST_MAX) {
        k = RTM_MEMBER_LIST_MAX;
        for (size_t i = 0; i < k; i++) {
            size_t j = i + (size_t)(next_random(chs) % (n - i));
            rtmd_member_t *t = ch->members[i];
            ch->members[i] = ch->members[j];
            ch->members[j] = t;
            ch->members[i]->index = (uint32_t)i;
            t->index = (uint32_t)j;
        }
    }
    for (size_t i = 0; i < k; i++) {
        users[i].ptr = ch->members[i]->conn->user;
        users[i].len = ch->members[i]->conn->user_len;
    }
    return k;
}

/* ---- handlers ------------------------------------------------------------------------ */

static bool channel_id_ok(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    if (rtm_frame_has(f, RTM_K_CHANNEL) && rtm_id_valid(f->channel.ptr, f->channel.len))
        return true;
    rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_CHANNEL_ID, "the channel id is not valid");
    return false;
}

void rtmd_channel_join(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    if (!channel_id_ok(srv, c, f))
        return;
    rtmd_channel_t *ch = rtmd_channel_find(srv, f->channel.ptr, f->channel.len);
    if (member_of(ch, c)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_ALREADY_JOINED, "already a member");
        return;
    }
    if (c->n_channels >= RTM_CHANNELS_JOINED_MAX) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_EXCEED_LIMIT,
                         "a connection can be in at most 20 channels");
        return;
    }
    if (!ch)
        ch = rtmd_channel_get_or_create(srv, f->channel.ptr, f->channel.len);
    rtmd_member_t *m = ch ? member_add(ch, c) : NULL;
    if (!m) {
        if (ch)
            rtmd_channel_drop_if_unused(srv, ch);
        rtmd_conn_result(srv, c, f->id, RTM_ERR_NO_MEMORY, "the server is out of memory");
        return;
    }
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: joined channel %s (%u members)",
            (unsigned long long)c->id, c->user, ch->id, (unsigned)ch->n_members);
    if (ch->n_members <= srv->opt->member_events_max)
        member_event(srv, ch, RTM_FRAME_MEMBER_JOINED, c);

    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
    if (rtm_frame_has(f, RTM_K_WITH_MEMBERS) && f->with_members) {
        static rtm_bytes_t users[RTM_MEMBER_LIST_MAX];
        rtm_frame_set_users(&r, users, member_sample(&srv->channels, ch, users));
    }
    rtmd_conn_send(srv, c, &r);

    /* The joiner's own count comes right after its result; the others' is coalesced. */
    rtm_frame_t count;
    rtm_frame_init(&count, RTM_FRAME_MEMBER_COUNT, 0);
    rtm_frame_set_bytes(&count, RTM_K_CHANNEL, ch->id, ch->id_len);
    rtm_frame_set_uint(&count, RTM_K_COUNT, ch->n_members);
    rtmd_conn_send(srv, c, &count);
    m->count_seen = ch->n_members;
    /* A rejoin after a lost session: what the channel said since the joiner's last message. */
    if (rtm_frame_has(f, RTM_K_MID)) {
        uint32_t n = rtmd_replay_send(srv, ch, c, f->mid);
        if (n)
            rtm_log(&srv->log, RTM_LOG_DEBUG,
                    "conn %llu user %s: %u messages of channel %s replayed",
                    (unsigned long long)c->id, c->user, (unsigned)n, ch->id);
    }
    count_changed(srv, ch);
}

void rtmd_channel_leave(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    if (!channel_id_ok(srv, c, f))
        return;
    rtmd_member_t *m = member_of(rtmd_channel_find(srv, f->channel.ptr, f->channel.len), c);
    if (!m) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_NOT_IN_CHANNEL, "not a member of that channel");
        return;
    }
    member_leave(srv, m);
    rtmd_conn_result(srv, c, f->id, RTM_OK, NULL);
}

void rtmd_channel_send(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    if (!channel_id_ok(srv, c, f))
        return;
    const char *why = NULL;
    rtm_err_t err = rtmd_peer_check_message(f, &why);
    if (err != RTM_OK) {
        rtmd_conn_result(srv, c, f->id, err, why);
        return;
    }
    rtmd_channel_t *ch = rtmd_channel_find(srv, f->channel.ptr, f->channel.len);
    bool member = member_of(ch, c) != NULL;
    if (!member && srv->opt->deny_outside_send) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_NOT_AUTHORIZED,
                         "this server takes channel messages from members only");
        return;
    }
    uint64_t mid = rtmd_peer_new_mid(&srv->peers);
    int64_t ts = rtm_now_wall_ms();
    uint32_t receivers = ch ? ch->n_members - (member ? 1 : 0) : 0;
    /* Encoded once: the same bytes go to every member and stay for replay. */
    bool keep = ch && srv->opt->replay_max && srv->opt->replay_window_ms;
    if (receivers || keep) {
        rtm_frame_t out;
        rtm_frame_init(&out, RTM_FRAME_CHANNEL_MESSAGE, 0);
        rtm_frame_set_bytes(&out, RTM_K_CHANNEL, ch->id, ch->id_len);
        rtmd_peer_message_fields(&out, c, f, mid, ts);
        rtmd_msg_t *m = rtmd_msg_encode(&out);
        if (!m) {
            rtmd_conn_result(srv, c, f->id, RTM_ERR_NO_MEMORY, "the server is out of memory");
            return;
        }
        if (receivers)
            rtmd_channel_broadcast(srv, ch, m, c);
        if (keep)
            rtmd_replay_keep(srv, ch, m, mid, c->user, c->user_len);
        rtmd_msg_unref(m);
    }
    rtm_log(&srv->log, RTM_LOG_DEBUG,
            "conn %llu user %s: send id %llu: mid %llu to channel %s (%u receivers%s)",
            (unsigned long long)c->id, c->user, (unsigned long long)f->id, (unsigned long long)mid,
            ch ? ch->id : "-", (unsigned)receivers, member ? "" : ", from outside");
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
    rtm_frame_set_uint(&r, RTM_K_MID, mid);
    rtm_frame_set_int(&r, RTM_K_TS, ts);
    rtmd_conn_send(srv, c, &r);
}

void rtmd_channel_get_members(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    if (!channel_id_ok(srv, c, f))
        return;
    rtmd_channel_t *ch = rtmd_channel_find(srv, f->channel.ptr, f->channel.len);
    if (!member_of(ch, c)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_NOT_IN_CHANNEL, "not a member of that channel");
        return;
    }
    static rtm_bytes_t users[RTM_MEMBER_LIST_MAX];
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
    rtm_frame_set_users(&r, users, member_sample(&srv->channels, ch, users));
    rtmd_conn_send(srv, c, &r);
}

void rtmd_channel_count_members(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    size_t n = rtm_frame_has(f, RTM_K_CHANNELS) ? f->n_channels : 0;
    if (n == 0) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_ARGUMENT, "the request names no channel");
        return;
    }
    if (n > RTM_COUNT_CHANNELS_MAX) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_EXCEED_LIMIT,
                         "at most 32 channels can be counted at once");
        return;
    }
    uint32_t counts[RTM_COUNT_CHANNELS_MAX];
    for (size_t i = 0; i < n; i++) {
        const rtm_bytes_t *id = &f->channels[i];
        if (!rtm_id_valid(id->ptr, id->len)) {
            rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_CHANNEL_ID,
                             "a channel id is not valid");
            return;
        }
        const rtmd_channel_t *ch = rtmd_channel_find(srv, id->ptr, id->len);
        counts[i] = ch ? ch->n_members : 0;
    }
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
    rtm_frame_set_strs(&r, RTM_K_CHANNELS, f->channels, n);
    rtm_frame_set_u32s(&r, RTM_K_COUNTS, counts, n);
    rtmd_conn_send(srv, c, &r);
}
