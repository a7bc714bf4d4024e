/* Channels: the registry (id -> channel), membership (each channel's members indexed by user
 * id, each connection's memberships in a list), fan-out of channel messages and member events
 * (encoded once, the same bytes queued to every recipient), and member counts coalesced to at
 * most one MEMBER_COUNT per channel per second by one shared timer. Loop thread only. */
#ifndef RTMD_CHANNEL_H
#define RTMD_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "attr_list.h"
#include "codec.h"
#include "hashmap.h"
#include "outq.h"
#include "replay.h"
#include "rules.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;
typedef struct rtmd_channel rtmd_channel_t;

/* One connection in one channel: in the channel's user index and member array, and in the
 * connection's list (pprev style, O(1) unlink). */
typedef struct rtmd_member {
    rtmd_channel_t *ch;
    rtmd_conn_t *conn;
    struct rtmd_member *c_next, **c_pprev;
    uint32_t index;      /* in ch->members */
    uint32_t count_seen; /* the last MEMBER_COUNT this member was sent */
} rtmd_member_t;

/* A channel exists while it has members, or attributes written while it had none. */
struct rtmd_channel {
    char id[RTM_ID_MAX_BYTES + 1];
    uint8_t id_len;
    bool count_queued;       /* in the MEMBER_COUNT queue */
    uint32_t n_members, cap; /* members[] in no particular order */
    rtmd_member_t **members;
    rtm_hashmap_t by_user; /* user id (borrowed from the connection) -> rtmd_member_t */
    rtmd_attr_list_t attrs;
    int64_t count_sent_ms; /* monotonic: the last MEMBER_COUNT broadcast */
    int64_t count_due_ms;  /* while queued: when the next one may go */
    rtmd_channel_t *count_next, *count_prev;
    rtmd_replay_t replay; /* recent messages for members that rejoin (replay.c) */
};

typedef struct rtmd_channels {
    rtmd_server_t *srv;
    rtm_hashmap_t by_id; /* channel id (borrowed from the channel) -> rtmd_channel_t */
    /* Channels whose members wait for a MEMBER_COUNT: FIFO in the order the counts changed
     * (due times are at most 1 s after that, so nothing waits longer than 1 s). */
    rtmd_channel_t *count_head, *count_tail;
    lws_sorted_usec_list_t count_timer;
    uint64_t rng;           /* xorshift state for member samples */
    rtmd_replays_t replays; /* channels that keep messages for replay (replay.c) */
} rtmd_channels_t;

void rtmd_channels_init(rtmd_channels_t *chs, rtmd_server_t *srv);
/* Cancels the MEMBER_COUNT and replay timers; call while the lws context is still alive. */
void rtmd_channels_stop(rtmd_channels_t *chs);
/* Frees every channel left (at exit; the connections are gone). */
void rtmd_channels_destroy(rtmd_channels_t *chs);

/* Frame handlers; c is logged in. */
void rtmd_channel_join(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_channel_leave(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_channel_send(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_channel_get_members(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_channel_count_members(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

/* c's session ended (logout, remote login, closed): it leaves every channel, the other
 * members get MEMBER_LEFT. Does nothing for a connection in no channel. */
void rtmd_channel_session_ended(rtmd_server_t *srv, rtmd_conn_t *c);

/* For channel_attrs.c. */
rtmd_channel_t *rtmd_channel_find(const rtmd_server_t *srv, const char *id, size_t len);
/* The channel with that (valid) id, created without members when missing; NULL: no memory. */
rtmd_channel_t *rtmd_channel_get_or_create(rtmd_server_t *srv, const char *id, size_t len);
/* Drops ch if it has neither members nor attributes; true when it did. */
bool rtmd_channel_drop_if_unused(rtmd_server_t *srv, rtmd_channel_t *ch);
/* Queues m to every member of ch but except (may be NULL). */
void rtmd_channel_broadcast(rtmd_server_t *srv, rtmd_channel_t *ch, rtmd_msg_t *m,
                            const rtmd_conn_t *except);

#endif
