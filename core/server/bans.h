/* Banned user ids (docs/rtmd.md, "Bans"): a set in memory, filled from --ban at startup and
 * changed through the admin endpoint (admin.c). Banning a user ends its live session with
 * SESSION_END BANNED_BY_SERVER; session.c refuses its logins. Nothing is written to disk: an
 * admin ban lasts until rtmd stops. Loop thread only. */
#ifndef RTMD_BANS_H
#define RTMD_BANS_H

#include <stdbool.h>
#include <stddef.h>

#include "hashmap.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_ban rtmd_ban_t;

typedef struct rtmd_bans {
    rtm_hashmap_t by_user;
    rtmd_ban_t *oldest, *newest; /* in the order they were banned, for the listing */
    size_t count;
} rtmd_bans_t;

void rtmd_bans_init(rtmd_bans_t *b);
void rtmd_bans_destroy(rtmd_bans_t *b);

bool rtmd_bans_has(const rtmd_bans_t *b, const char *user, size_t len);
/* Bans user (len bytes, a valid user id; the caller checked) and ends its live session, if it
 * has one. *added is false when it was banned already. False only when out of memory. */
bool rtmd_ban(rtmd_server_t *srv, const char *user, size_t len, bool *added);
/* Lifts a ban; false when user was not banned. */
bool rtmd_unban(rtmd_server_t *srv, const char *user, size_t len);

/* The bans, oldest first: the first, then each next one (NULL after the last). */
const rtmd_ban_t *rtmd_bans_first(const rtmd_bans_t *b);
const rtmd_ban_t *rtmd_bans_next(const rtmd_ban_t *ban);
/* A ban's user id (NUL-terminated); owned by the ban. */
const char *rtmd_ban_user(const rtmd_ban_t *ban);

#endif
