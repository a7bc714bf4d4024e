/* The set of banned user ids (see bans.h): a hash map for the login check and a list in ban
 * order for GET /admin/bans. Each ban costs about 120 bytes. A ban ends the user's session
 * whether it is attached or held for a resume. */
#include "bans.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "dlist.h"
#include "rules.h"
#include "server.h"
#include "session.h"

struct rtmd_ban {
    rtmd_ban_t *next, *prev;
    uint8_t len;
    char user[RTM_ID_MAX_BYTES + 1];
};

void rtmd_bans_init(rtmd_bans_t *b)
{
    memset(b, 0, sizeof(*b));
    rtm_hm_init(&b->by_user);
}

void rtmd_bans_destroy(rtmd_bans_t *b)
{
    for (rtmd_ban_t *ban = b->oldest, *next; ban; ban = next) {
        next = ban->next;
        free(ban);
    }
    b->oldest = b->newest = NULL;
    rtm_hm_destroy(&b->by_user);
    b->count = 0;
}

bool rtmd_bans_has(const rtmd_bans_t *b, const char *user, size_t len)
{
    return b->count && rtm_hm_get(&b->by_user, user, len) != NULL;
}

bool rtmd_ban(rtmd_server_t *srv, const char *user, size_t len, bool *added)
{
    rtmd_bans_t *b = &srv->bans;
    *added = false;
    if (len == 0 || len > RTM_ID_MAX_BYTES)
        return false;
    if (!rtm_hm_get(&b->by_user, user, len)) {
        rtmd_ban_t *ban = calloc(1, sizeof(*ban));
        if (!ban)
            return false;
        memcpy(ban->user, user, len);
        ban->len = (uint8_t)len;
        if (!rtm_hm_put(&b->by_user, ban->user, ban->len, ban, NULL)) {
            free(ban);
            return false;
        }
        RTM_DLIST_PUSH_BACK(b->oldest, b->newest, ban, next, prev);
        b->count++;
        *added = true;
        rtm_log(&srv->log, RTM_LOG_INFO, "user %.*s: banned (%zu bans)", (int)len, user, b->count);
    }
    rtmd_conn_t *c = rtmd_session_find(srv, user, len);
    if (c)
        rtmd_session_end_by_server(srv, c, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER,
                                   "this user is banned from the server", "banned");
    return true;
}

bool rtmd_unban(rtmd_server_t *srv, const char *user, size_t len)
{
    rtmd_bans_t *b = &srv->bans;
    rtmd_ban_t *ban = rtm_hm_del(&b->by_user, user, len);
    if (!ban)
        return false;
    RTM_DLIST_UNLINK(b->oldest, b->newest, ban, next, prev);
    b->count--;
    rtm_log(&srv->log, RTM_LOG_INFO, "user %s: ban lifted (%zu bans)", ban->user, b->count);
    free(ban);
    return true;
}

const rtmd_ban_t *rtmd_bans_first(const rtmd_bans_t *b)
{
    return b->oldest;
}

const rtmd_ban_t *rtmd_bans_next(const rtmd_ban_t *ban)
{
    return ban->next;
}

const char *rtmd_ban_user(const rtmd_ban_t *ban)
{
    return ban->user;
}
