/* Sliding-window request limits (see rate_limit.h). Single-threaded like the rest of rtmd;
 * the time always comes from the caller, so the unit test drives it. */
#include "rate_limit.h"

#include <stdlib.h>
#include <string.h>

#include "dlist.h"

/* Moves w forward to slot now, emptying the slots that fell out of the window. */
static void advance(rtmd_rate_window_t *w, uint32_t now)
{
    if (now <= w->slot)
        return; /* the same slot (the clock is monotonic; never moves back) */
    if (now - w->slot > RTMD_RATE_SLOTS) {
        memset(w->counts, 0, sizeof(w->counts));
    } else {
        for (uint32_t s = w->slot + 1; s <= now; s++)
            w->counts[s % (RTMD_RATE_SLOTS + 1)] = 0;
    }
    w->slot = now;
}

static uint32_t slot_of(const rtmd_rate_limit_t *lim, int64_t now_ms)
{
    uint32_t slot_ms = lim->window_ms / RTMD_RATE_SLOTS;
    return (uint32_t)((uint64_t)(now_ms < 0 ? 0 : now_ms) / (slot_ms ? slot_ms : 1));
}

bool rtmd_rate_take(rtmd_rate_window_t *w, const rtmd_rate_limit_t *lim, int64_t now_ms)
{
    advance(w, slot_of(lim, now_ms));
    uint32_t used = 0;
    for (size_t i = 0; i < RTMD_RATE_SLOTS + 1; i++)
        used += w->counts[i];
    if (used >= lim->max)
        return false;
    w->counts[w->slot % (RTMD_RATE_SLOTS + 1)]++;
    return true;
}

/* ---- logins per user id -------------------------------------------------------------- */

struct rtmd_rate_login {
    rtmd_rate_window_t window;
    rtmd_rate_login_t *next, *prev; /* by last use */
    uint8_t len;
    char user[RTM_ID_MAX_BYTES];
};

void rtmd_rate_logins_init(rtmd_rate_logins_t *t)
{
    memset(t, 0, sizeof(*t));
    rtm_hm_init(&t->by_user);
    t->max_users = RTMD_RATE_LOGIN_USERS_MAX;
}

static void forget(rtmd_rate_logins_t *t, rtmd_rate_login_t *e)
{
    rtm_hm_del(&t->by_user, e->user, e->len);
    RTM_DLIST_UNLINK(t->oldest, t->newest, e, next, prev);
    t->count--;
    free(e);
}

void rtmd_rate_logins_destroy(rtmd_rate_logins_t *t)
{
    while (t->oldest)
        forget(t, t->oldest);
    rtm_hm_destroy(&t->by_user);
}

bool rtmd_rate_logins_take(rtmd_rate_logins_t *t, const char *user, size_t len,
                           const rtmd_rate_limit_t *lim, int64_t now_ms)
{
    uint32_t now = slot_of(lim, now_ms);
    /* Least recently used first, so the entries whose windows emptied are at the front. */
    while (t->oldest && now - t->oldest->window.slot > RTMD_RATE_SLOTS)
        forget(t, t->oldest);
    if (len == 0 || len > RTM_ID_MAX_BYTES)
        return true; /* not a user id: the login fails on its own */

    rtmd_rate_login_t *e = rtm_hm_get(&t->by_user, user, len);
    if (e) {
        RTM_DLIST_UNLINK(t->oldest, t->newest, e, next, prev);
    } else {
        if (t->count >= t->max_users && t->oldest)
            forget(t, t->oldest);
        e = calloc(1, sizeof(*e));
        if (!e)
            return true;
        memcpy(e->user, user, len);
        e->len = (uint8_t)len;
        if (!rtm_hm_put(&t->by_user, e->user, e->len, e, NULL)) {
            free(e);
            return true;
        }
        t->count++;
    }
    RTM_DLIST_PUSH_BACK(t->oldest, t->newest, e, next, prev);
    return rtmd_rate_take(&e->window, lim, now_ms);
}
