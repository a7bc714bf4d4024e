/* Token lifetimes of live sessions (docs/rtmd.md, "Tokens"): TOKEN_WILL_EXPIRE goes
 * --token-warn-s before a session's token ends, once per token, and at the end the session
 * gets SESSION_END TOKEN_EXPIRED and its connection closes (a session held for a resume just
 * ends). One binary min-heap of the sessions whose token ends, keyed by their next deadline,
 * and one libwebsockets timer for the heap's top: a session costs its heap slot (8 bytes) and a
 * few fields, and no work at all until its own deadline. Loop thread only. */
#ifndef RTMD_TOKEN_EXPIRY_H
#define RTMD_TOKEN_EXPIRY_H

#include <stdint.h>

#include <libwebsockets.h>

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

typedef struct rtmd_token_timers {
    rtmd_conn_t **heap; /* heap[i]->token_slot == i + 1 */
    uint32_t n, cap;
    int64_t armed_ms; /* the deadline (wall ms) the timer is set for; 0: not set */
    lws_sorted_usec_list_t timer;
} rtmd_token_timers_t;

void rtmd_token_timers_init(rtmd_token_timers_t *t);
/* Cancels the timer (the context is going away); connections leave with their close. */
void rtmd_token_timers_stop(rtmd_token_timers_t *t);
void rtmd_token_timers_destroy(rtmd_token_timers_t *t);

/* c's session now holds a token that ends at expire_ts (seconds since the epoch; 0: a session
 * without a token end, which is forgotten): arms the warning (again, after a renewal) and the
 * end. A token that already ends within the warning window is warned about at once. */
void rtmd_token_track(rtmd_server_t *srv, rtmd_conn_t *c, uint32_t expire_ts);
/* c's session is ending or c is being freed: no more deadlines for c. */
void rtmd_token_untrack(rtmd_server_t *srv, rtmd_conn_t *c);

#endif
