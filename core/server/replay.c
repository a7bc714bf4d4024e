/* Channel message replay (see replay.h). An entry is the message reference, its mid, when it
 * was kept and who sent it (the joiner's own messages are not replayed); a ring grows by
 * doubling up to --replay-max entries. */
#include "replay.h"

#include "dlist.h"

#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "clock.h"
#include "conn.h"
#include "server.h"

struct rtmd_replay_entry {
    rtmd_msg_t *msg;
    uint64_t mid;
    int64_t kept_ms; /* monotonic */
    uint8_t sender_len;
    char sender[RTM_ID_MAX_BYTES];
};

static rtmd_replays_t *replays(rtmd_server_t *srv)
{
    return &srv->channels.replays;
}

static rtmd_replay_entry_t *at(const rtmd_replay_t *r, uint32_t i)
{
    return &r->ring[(r->head + i) % r->cap];
}

static void drop_oldest(rtmd_replay_t *r)
{
    rtmd_replay_entry_t *e = at(r, 0);
    rtmd_msg_unref(e->msg);
    e->msg = NULL;
    r->head = (r->head + 1) % r->cap;
    r->count--;
}

static void timer_fired(lws_sorted_usec_list_t *sul);

static void schedule(rtmd_server_t *srv)
{
    rtmd_replays_t *rs = replays(srv);
    if (!rs->head || srv->destroying)
        return;
    int64_t due = rs->head->replay.newest_ms + srv->opt->replay_window_ms - rtm_now_mono_ms();
    lws_sul_schedule(srv->ctx, 0, &rs->timer, timer_fired,
                     (lws_usec_t)(due > 0 ? due : 0) * LWS_US_PER_MS + 1);
}

void rtmd_replay_drop(rtmd_server_t *srv, rtmd_channel_t *ch)
{
    rtmd_replay_t *r = &ch->replay;
    if (!r->ring)
        return;
    while (r->count)
        drop_oldest(r);
    free(r->ring);
    rtmd_replays_t *rs = replays(srv);
    RTM_DLIST_UNLINK(rs->head, rs->tail, ch, replay.next, replay.prev);
    memset(r, 0, sizeof(*r));
}

/* Every channel at the head of the list whose newest message has aged out keeps nothing. */
static void timer_fired(lws_sorted_usec_list_t *sul)
{
    rtmd_replays_t *rs = lws_container_of(sul, rtmd_replays_t, timer);
    rtmd_channels_t *chs = lws_container_of(rs, rtmd_channels_t, replays);
    rtmd_server_t *srv = chs->srv;
    if (srv->destroying)
        return;
    int64_t now = rtm_now_mono_ms();
    while (rs->head && rs->head->replay.newest_ms + srv->opt->replay_window_ms <= now)
        rtmd_replay_drop(srv, rs->head);
    schedule(srv);
}

void rtmd_replay_stop(rtmd_server_t *srv)
{
    lws_sul_cancel(&replays(srv)->timer);
}

/* Drops entries past the window, oldest first. */
static void age_out(const rtmd_server_t *srv, rtmd_replay_t *r, int64_t now)
{
    while (r->count && at(r, 0)->kept_ms + srv->opt->replay_window_ms <= now)
        drop_oldest(r);
}

/* Room for one more entry in a ring of at most max (> 0) entries. */
static bool make_room(rtmd_replay_t *r, uint32_t max)
{
    if (r->count == max)
        drop_oldest(r);
    if (r->count < r->cap)
        return true;
    uint32_t cap = r->cap ? r->cap * 2 : 4;
    if (cap > max)
        cap = max;
    rtmd_replay_entry_t *ring = malloc(sizeof(*ring) * cap);
    if (!ring)
        return false;
    uint32_t old_cap = r->cap; /* 0: nothing kept yet */
    for (uint32_t i = 0; old_cap && i < r->count; i++)
        ring[i] = r->ring[(r->head + i) % old_cap];
    free(r->ring);
    r->ring = ring;
    r->cap = cap;
    r->head = 0;
    return true;
}

void rtmd_replay_keep(rtmd_server_t *srv, rtmd_channel_t *ch, rtmd_msg_t *m, uint64_t mid,
                      const char *sender, size_t len)
{
    uint32_t max = srv->opt->replay_max;
    if (!max || !srv->opt->replay_window_ms || len > RTM_ID_MAX_BYTES)
        return;
    rtmd_replay_t *r = &ch->replay;
    rtmd_replays_t *rs = replays(srv);
    int64_t now = rtm_now_mono_ms();
    bool listed = r->ring != NULL;
    age_out(srv, r, now);
    if (!make_room(r, max)) {
        rtm_log(&srv->log, RTM_LOG_ERROR,
                "out of memory: a channel message is not kept for replay");
        return;
    }
    rtmd_replay_entry_t *e = at(r, r->count++);
    e->msg = rtmd_msg_ref(m);
    e->mid = mid;
    e->kept_ms = now;
    e->sender_len = (uint8_t)len;
    memcpy(e->sender, sender, len);
    r->newest_ms = now;
    if (listed)
        RTM_DLIST_UNLINK(rs->head, rs->tail, ch, replay.next, replay.prev);
    RTM_DLIST_PUSH_BACK(rs->head, rs->tail, ch, replay.next, replay.prev);
    if (rs->head == ch)
        schedule(srv);
}

uint32_t rtmd_replay_send(rtmd_server_t *srv, rtmd_channel_t *ch, rtmd_conn_t *c,
                          uint64_t after_mid)
{
    rtmd_replay_t *r = &ch->replay;
    age_out(srv, r, rtm_now_mono_ms());
    uint32_t sent = 0;
    for (uint32_t i = 0; i < r->count; i++) {
        const rtmd_replay_entry_t *e = at(r, i);
        if (e->mid <= after_mid ||
            (e->sender_len == c->user_len && memcmp(e->sender, c->user, c->user_len) == 0))
            continue;
        if (!rtmd_conn_send_msg(srv, c, e->msg))
            break;
        sent++;
    }
    return sent;
}
