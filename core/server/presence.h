/* Presence subscriptions: which sessions follow which users' online state, indexed both ways
 * (a session's subscriptions in a list, each watched user's subscribers in a list, and one
 * table of (session, user) pairs), SUBSCRIBE / UNSUBSCRIBE / QUERY_SUBSCRIBED, and the
 * PRESENCE pushes when a watched user logs in or its session ends. A login or logout costs
 * O(subscribers of that user), a session ending O(its subscriptions). Loop thread only. */
#ifndef RTMD_PRESENCE_H
#define RTMD_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "hashmap.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;
typedef struct rtmd_watched rtmd_watched_t;

/* One session subscribed to one user: in the pairs table (keyed by its first two fields), in
 * the session's list (subscription order) and in the user's subscriber list. */
typedef struct rtmd_sub {
    rtmd_conn_t *conn;    /* the subscriber */
    rtmd_watched_t *peer; /* whom it follows */
    struct rtmd_sub *c_next, *c_prev;
    struct rtmd_sub *w_next, **w_pprev;
} rtmd_sub_t;

typedef struct rtmd_presence {
    rtm_hashmap_t watched; /* user id (borrowed from the record) -> rtmd_watched_t */
    rtm_hashmap_t pairs;   /* (conn, watched) pointer bytes -> rtmd_sub_t */
} rtmd_presence_t;

void rtmd_presence_init(rtmd_presence_t *p);
/* Frees the tables (every session has ended by then). */
void rtmd_presence_destroy(rtmd_presence_t *p);

/* Frame handlers; c is logged in. SUBSCRIBE answers RESULT, then one PRESENCE with the current
 * state of the peers it added (none added: no PRESENCE). */
void rtmd_presence_subscribe(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_presence_unsubscribe(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_presence_query(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

/* PRESENCE {user: state} to every subscriber of user (len bytes); one encoding for all. */
void rtmd_presence_notify(rtmd_server_t *srv, const char *user, size_t len, uint32_t state);
/* c's session ended: its subscriptions go (both indexes). Nothing is sent. */
void rtmd_presence_session_ended(rtmd_server_t *srv, rtmd_conn_t *c);

#endif
