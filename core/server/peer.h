/* Peer messages: SEND_PEER routing, the table of deliveries waiting for the receiver's
 * DELIVERY_ACK, and QUERY_ONLINE. A sender's RESULT comes only from the receiver's ack, or
 * PEER_UNREACHABLE when the receiver has no session or its connection ends first; a message
 * with RTM_SEND_OFFLINE to a user without a session goes to offline.c instead. Stored
 * messages pushed after a login wait in the same table (without a sender). */
#ifndef RTMD_PEER_H
#define RTMD_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "hashmap.h"
#include "rtm/rtm.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

/* One PEER_MESSAGE pushed and not acknowledged yet. Linked into the receiver's and the
 * sender's lists (pprev style, O(1) unlink) so that either side can leave first. */
typedef struct rtmd_pending {
    uint64_t mid;
    uint64_t request_id; /* the sender's SEND_PEER id */
    int64_t ts;
    rtmd_conn_t *receiver;
    rtmd_conn_t *sender; /* NULL once the sender's connection ended, and for stored ones */
    bool stored;         /* from the offline store: its ack deletes it there */
    struct rtmd_pending *r_next, **r_pprev;
    struct rtmd_pending *s_next, **s_pprev;
} rtmd_pending_t;

typedef struct rtmd_peers {
    rtm_u64map_t pending; /* mid -> rtmd_pending_t (flat: no allocation per entry) */
    uint64_t next_mid;    /* server message ids start at 1 */
    rtmd_pending_t *pool; /* freed entries kept for reuse */
    size_t pool_len;
} rtmd_peers_t;

void rtmd_peers_init(rtmd_peers_t *p);
/* Frees the table and the pool (every connection is gone by then). */
void rtmd_peers_destroy(rtmd_peers_t *p);

/* The delivery of mid waiting for its ack, or NULL. */
rtmd_pending_t *rtmd_peer_pending(const rtmd_peers_t *p, uint64_t mid);
/* The next server message id (shared by peer and channel messages). */
uint64_t rtmd_peer_new_mid(rtmd_peers_t *p);
/* Checks the send flags, cmid and the message fields (mtype, text, data) of a SEND_PEER or
 * SEND_CHANNEL request: RTM_OK, or RTM_ERR_INVALID_ARGUMENT (unknown flag bits, cmid 0) or
 * RTM_ERR_INVALID_MESSAGE with a static sentence in *why. */
rtm_err_t rtmd_peer_check_message(const rtm_frame_t *f, const char **why);
/* Sets the fields a pushed message carries (user = sender, mid, ts, mtype, [text], [data],
 * [cmid]) on out from the request f; out borrows from f and sender. */
void rtmd_peer_message_fields(rtm_frame_t *out, const rtmd_conn_t *sender, const rtm_frame_t *f,
                              uint64_t mid, int64_t ts);

/* Records that PEER_MESSAGE mid was pushed to receiver and waits for its DELIVERY_ACK. For a
 * live message (sender not NULL) the ack answers the sender's request_id; a stored one's ack
 * deletes it from the offline store. A stored message still waiting on an older connection of
 * the same user moves to receiver. NULL when out of memory. */
rtmd_pending_t *rtmd_peer_track(rtmd_peers_t *p, rtmd_conn_t *receiver, rtmd_conn_t *sender,
                                uint64_t request_id, uint64_t mid, int64_t ts);
/* Forgets e (its push could not be queued); nobody is answered. */
void rtmd_peer_untrack(rtmd_peers_t *p, rtmd_pending_t *e);

/* Frame handlers; c is logged in. */
void rtmd_peer_send(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_peer_ack(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_peer_query_online(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

/* c's connection ended: its unacknowledged deliveries answer their senders PEER_UNREACHABLE,
 * and its own sends forget it. */
void rtmd_peer_conn_closed(rtmd_server_t *srv, rtmd_conn_t *c);

#endif
