/* Channel handles (rtm_channel_t) and the client's channel operations: join, leave, channel
 * messages, members, member counts, channel attributes. A handle outlives its client safely:
 * once the client is freed every call on it returns RTM_ERR_CLOSED. Application threads
 * only; the channel state itself lives in the client (rtm_chan_rec_t, under its lock). */
#ifndef RTM_CLIENT_CHANNEL_H
#define RTM_CLIENT_CHANNEL_H

#include "client.h"

struct rtm_channel {
    pthread_mutex_t lock;
    rtm_client_t *client; /* NULL once the client was freed */
    char *id;
    struct rtm_channel *next; /* the client's list of handles */
};

/* A new handle for channel id (valid id, checked by the caller); RTM_ERR_INVALID_STATE when
 * the client already has a live handle for it. */
rtm_channel_t *channel_create(rtm_client_t *c, const char *id, rtm_err_t *err);
/* Leaves the channel if joined (no event), ends its pending requests with RTM_ERR_CLOSED and
 * frees the handle. */
void channel_free(rtm_channel_t *ch);
/* Called by client_destroy first: every handle of c turns into a closed one. */
void channels_orphan(rtm_client_t *c);

rtm_err_t channel_join(rtm_channel_t *ch, uint64_t *req);
rtm_err_t channel_leave(rtm_channel_t *ch, uint64_t *req);
rtm_err_t channel_send(rtm_channel_t *ch, const rtm_message_t *m, uint64_t *req);
rtm_err_t channel_get_members(rtm_channel_t *ch, uint64_t *req);

/* Client-level channel calls (arguments checked by the caller). */
rtm_err_t client_send_to_channel(rtm_client_t *c, const char *channel, const rtm_message_t *m,
                                 uint64_t *req);
rtm_err_t client_count_members(rtm_client_t *c, const char *const *ids, size_t n, uint64_t *req);
/* frame_type: RTM_FRAME_{SET,ADD,DEL,CLEAR,GET}_CHANNEL_ATTRS. attrs (set, add) or keys
 * (delete, get by keys) hold n entries; both NULL for clear and get-all. */
rtm_err_t client_channel_attrs(rtm_client_t *c, uint32_t frame_type, const char *channel,
                               const rtm_attribute_t *attrs, const char *const *keys, size_t n,
                               uint32_t flags, uint64_t *req);

#endif
