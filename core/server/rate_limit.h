/* Request rate limits over sliding windows (docs/rtmd.md, "Rate limits"): a fixed-size window
 * per connection and limit, and a server-wide table of login windows per user id with bounded
 * memory. Pure bookkeeping: the caller passes the time and decides what to answer; nothing
 * here allocates per request (the login table allocates one entry per user id seen in the
 * last window) or touches the network. */
#ifndef RTMD_RATE_LIMIT_H
#define RTMD_RATE_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "rules.h"

/* A window is counted in this many slots of window/SLOTS ms each, plus the current one: a
 * request counts against its limit for between one window and one window plus one slot, so no
 * window of the full length ever holds more than the limit. */
#define RTMD_RATE_SLOTS 8

/* The windows of the limits (fixed; their counts are options). */
#define RTMD_RATE_MESSAGES_WINDOW_MS    3000
#define RTMD_RATE_LOGINS_WINDOW_MS      1000
#define RTMD_RATE_JOINS_WINDOW_MS       3000
#define RTMD_RATE_ATTR_WRITES_WINDOW_MS 5000

/* The login table forgets the oldest user id beyond this many (each entry is ~150 bytes); only
 * user ids that logged in within the last window plus one slot are kept at all. */
#define RTMD_RATE_LOGIN_USERS_MAX 65536

typedef struct rtmd_rate_limit {
    uint32_t max;       /* requests allowed in any window_ms (at most 65535) */
    uint32_t window_ms; /* a multiple of RTMD_RATE_SLOTS */
} rtmd_rate_limit_t;

/* One window's counts: 24 bytes, zeroed to start. */
typedef struct rtmd_rate_window {
    uint32_t slot; /* number of the newest slot: time / slot length */
    uint16_t counts[RTMD_RATE_SLOTS + 1];
} rtmd_rate_window_t;

/* Takes one request from w at now_ms (monotonic): true when it is within lim (and is then
 * counted), false when the window is full (nothing is counted: a refused request costs no
 * budget). */
bool rtmd_rate_take(rtmd_rate_window_t *w, const rtmd_rate_limit_t *lim, int64_t now_ms);

/* The windows every connection has. */
typedef struct rtmd_rate_conn {
    rtmd_rate_window_t messages;    /* SEND_PEER, SEND_CHANNEL */
    rtmd_rate_window_t joins;       /* JOIN */
    rtmd_rate_window_t attr_writes; /* SET/ADD/DEL/CLEAR of user and channel attributes */
} rtmd_rate_conn_t;

typedef struct rtmd_rate_login rtmd_rate_login_t;

/* Login windows by user id, least recently used first. */
typedef struct rtmd_rate_logins {
    rtm_hashmap_t by_user;
    rtmd_rate_login_t *oldest, *newest;
    size_t count;
    size_t max_users; /* RTMD_RATE_LOGIN_USERS_MAX; tests may lower it */
} rtmd_rate_logins_t;

void rtmd_rate_logins_init(rtmd_rate_logins_t *t);
void rtmd_rate_logins_destroy(rtmd_rate_logins_t *t);
/* Takes one login of user (len bytes, a valid user id) at now_ms: true when within lim. Drops
 * the entries whose window has emptied first; when the table is still full, the least
 * recently used entry is forgotten (that user's count starts again). Out of memory lets the
 * login through uncounted rather than refusing it. */
bool rtmd_rate_logins_take(rtmd_rate_logins_t *t, const char *user, size_t len,
                           const rtmd_rate_limit_t *lim, int64_t now_ms);

#endif
