/* Event allocation and release (see event.h). */
#include "event.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "invitation.h"
#include "message.h"

rtm_event_t *rtm_event_new(rtm_event_type_t type)
{
    rtm_event_t *e = calloc(1, sizeof(*e));
    if (e)
        e->type = type;
    return e;
}

rtm_event_t *rtm_event_new_message(rtm_event_type_t type, rtm_message_type_t mtype,
                                   const char *text, size_t text_len, const void *data,
                                   size_t data_len, const char *user, size_t user_len,
                                   const char *channel, size_t channel_len)
{
    size_t msg_size = rtm_message_size(mtype, text_len, data_len);
    size_t total = sizeof(rtm_event_t) + msg_size + user_len + 1 + (channel ? channel_len + 1 : 0);
    rtm_event_t *e = calloc(1, total);
    if (!e)
        return NULL;
    e->type = type;
    e->inline_parts = true;
    /* rtm_event_t ends on pointer alignment, which is all the message struct needs */
    e->message = rtm_message_place(e + 1, mtype, text, text_len, data, data_len);
    char *p = (char *)(e + 1) + msg_size;
    memcpy(p, user, user_len);
    p[user_len] = 0;
    e->user_id = p;
    if (channel) {
        p += user_len + 1;
        memcpy(p, channel, channel_len);
        p[channel_len] = 0;
        e->channel_id = p;
    }
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

static void free_strs(char **a, size_t n)
{
    for (size_t i = 0; a && i < n; i++)
        free(a[i]);
    free(a);
}

int rtm_event_copy_strs(char ***out, const void *items, size_t n)
{
    const rtm_bytes_t *b = items;
    char **a = calloc(n ? n : 1, sizeof(*a));
    for (size_t i = 0; a && i < n; i++) {
        if (!rtm_event_set_str(&a[i], b[i].ptr ? b[i].ptr : "", b[i].len)) {
            free_strs(a, i);
            a = NULL;
        }
    }
    *out = a;
    return a != NULL;
}

void rtm_event_destroy(rtm_event_t *e)
{
    if (!e)
        return;
    if (!e->inline_parts) {
        free(e->channel_id);
        free(e->user_id);
        free(e->message);
    }
    free_strs(e->peer_ids, e->n_peers);
    free(e->peer_states);
    free_strs(e->users, e->n_users);
    free_strs(e->attr_keys, e->n_attrs);
    free_strs(e->attr_values, e->n_attrs);
    free_strs(e->attr_updaters, e->n_attrs);
    free(e->attr_ts);
    free_strs(e->channel_ids, e->n_channels);
    free(e->channel_counts);
    if (e->invitation)
        invitation_unref(e->invitation);
    free(e);
}
