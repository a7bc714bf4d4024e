/* Event allocation and release (see event.h). */
#include "event.h"

#include <stdlib.h>
#include <string.h>

#include "message.h"

rtm_event_t *rtm_event_new(rtm_event_type_t type)
{
    rtm_event_t *e = calloc(1, sizeof(*e));
    if (e)
        e->type = type;
    return e;
}

int rtm_event_set_str(char **slot, const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p)
        return 0;
    memcpy(p, s, len);
    p[len] = 0;
    free(*slot);
    *slot = p;
    return 1;
}

int rtm_event_alloc_peers(rtm_event_t *e, size_t n)
{
    e->peer_ids = calloc(n ? n : 1, sizeof(*e->peer_ids));
    e->peer_states = calloc(n ? n : 1, sizeof(*e->peer_states));
    if (!e->peer_ids || !e->peer_states)
        return 0;
    for (size_t i = 0; i < n; i++)
        e->peer_states[i] = RTM_PEER_ONLINE_STATE_OFFLINE;
    e->n_peers = n;
    return 1;
}

void rtm_event_destroy(rtm_event_t *e)
{
    if (!e)
        return;
    free(e->channel_id);
    free(e->user_id);
    free(e->message);
    for (size_t i = 0; e->peer_ids && i < e->n_peers; i++)
        free(e->peer_ids[i]);
    free(e->peer_ids);
    free(e->peer_states);
    for (size_t i = 0; e->users && i < e->n_users; i++)
        free(e->users[i]);
    free(e->users);
    free(e);
}
