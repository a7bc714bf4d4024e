/* Events handed to the application by rtm_client_poll. Built on the I/O thread (or inside an
 * API call for state changes), owned by the queue until polled, then by the application. */
#ifndef RTM_CLIENT_EVENT_H
#define RTM_CLIENT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtm/rtm.h"

struct rtm_event {
    struct rtm_event *next; /* queue link */
    rtm_event_type_t type;
    uint64_t request_id;
    rtm_err_t err;
    char *channel_id;
    char *user_id;
    rtm_message_t *message;
    rtm_connection_state_t state;
    rtm_connection_change_reason_t reason;
    int member_count;
    size_t n_peers;
    char **peer_ids;
    rtm_peer_online_state_t *peer_states;
    size_t n_users;
    char **users;
    size_t n_attrs;
    char **attr_keys, **attr_values, **attr_updaters; /* updaters: channel attributes only */
    int64_t *attr_ts;
    size_t n_channels;
    char **channel_ids;
    int *channel_counts;
    rtm_invitation_t *invitation; /* a reference, dropped with the event */
    bool inline_parts;            /* message, user_id and channel_id live inside the event's own
                                     allocation (rtm_event_new_message): never freed or replaced */
    bool pooled; /* a block of the received-message pool: returned there when freed */
};

/* A zeroed event of type; NULL when out of memory. */
rtm_event_t *rtm_event_new(rtm_event_type_t type);
/* rtm_event_new for the I/O thread's events (results, channel and presence pushes): a block
 * of the pool below, returned there by rtm_event_destroy. I/O thread only. */
rtm_event_t *rtm_event_new_io(rtm_event_type_t type);
/* A received message's event in one allocation: the event, its message (mtype, text and
 * data as given, the rest zero), the sender's user id and, when channel is not NULL, the
 * channel id. Small ones come from a pool of recycled blocks: no malloc and no free per
 * received message. I/O thread only (the pool has one taker). NULL when out of memory. */
rtm_event_t *rtm_event_new_message(rtm_event_type_t type, rtm_message_type_t mtype,
                                   const char *text, size_t text_len, const void *data,
                                   size_t data_len, const char *user, size_t user_len,
                                   const char *channel, size_t channel_len);
/* Copies len bytes at s into *slot as a NUL-terminated string; false when out of memory. */
int rtm_event_set_str(char **slot, const char *s, size_t len);
/* Allocates a peer list of n entries (ids NULL, states OFFLINE); false when out of memory. */
int rtm_event_alloc_peers(rtm_event_t *e, size_t n);
/* Copies a list of n byte strings into a new array of NUL-terminated strings at *out; false
 * when out of memory (then *out is NULL). */
int rtm_event_copy_strs(char ***out, const void *items /* rtm_bytes_t[] */, size_t n);
/* Frees e and everything it holds; any thread. */
void rtm_event_destroy(rtm_event_t *e);
/* Frees the pool's blocks (the I/O thread, when it stops). */
void rtm_event_pool_drain(void);

#endif
