/* The exported entry points of librtm: argument and handle checks, error sentences, then a
 * call into core/client. No logic of its own beyond checking. */
#include "rtm/rtm.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "invitation.h"
#include "client.h"
#include "config.h"
#include "event.h"
#include "message.h"
#include "rules.h"

#define RETURN_ERR(c, code, ...)                                                                   \
    do {                                                                                           \
        if (c)                                                                                     \
            client_set_error((c), __VA_ARGS__);                                                    \
        return (code);                                                                             \
    } while (0)

static void set_err(rtm_err_t *err, rtm_err_t v)
{
    if (err)
        *err = v;
}

/* Handles the application holds: counted where they cross the ABI, so that a binding's test can
 * check that the garbage collector released what it forgot (rtm_live_handles). */
static atomic_size_t live_handles;

static void *handed_out(void *handle)
{
    if (handle)
        atomic_fetch_add_explicit(&live_handles, 1, memory_order_relaxed);
    return handle;
}

static void handed_back(const void *handle)
{
    if (handle)
        atomic_fetch_sub_explicit(&live_handles, 1, memory_order_relaxed);
}

RTM_API size_t rtm_live_handles(void)
{
    return atomic_load_explicit(&live_handles, memory_order_relaxed);
}

/* ---- library ------------------------------------------------------------------------- */

RTM_API uint32_t rtm_version(void)
{
    return ((uint32_t)RTM_VERSION_MAJOR << 16) | ((uint32_t)RTM_VERSION_MINOR << 8) |
           RTM_VERSION_PATCH;
}

RTM_API const char *rtm_version_string(void)
{
    return "1.0.0";
}

/* ---- configuration ------------------------------------------------------------------- */

RTM_API rtm_config_t *rtm_config_new(void)
{
    rtm_config_t *c = malloc(sizeof(*c));
    if (c)
        rtm_config_defaults(c);
    return handed_out(c);
}

RTM_API rtm_err_t rtm_config_set(rtm_config_t *config, const char *key, const char *value)
{
    const char *why;
    if (!config || !key || !value)
        return RTM_ERR_INVALID_ARGUMENT;
    return rtm_config_apply(config, key, value, &why);
}

RTM_API void rtm_config_free(rtm_config_t *config)
{
    if (!config)
        return;
    handed_back(config);
    rtm_config_release(config);
    free(config);
}

/* ---- client -------------------------------------------------------------------------- */

RTM_API rtm_client_t *rtm_client_new(const char *app_id, const rtm_config_t *config, rtm_err_t *err)
{
    struct rtm_config defaults;
    const char *why;
    rtm_err_t e;
    if (!app_id || !*app_id || strnlen(app_id, RTM_APP_ID_MAX_BYTES + 1) > RTM_APP_ID_MAX_BYTES) {
        set_err(err, RTM_ERR_INVALID_APP_ID);
        return NULL;
    }
    if (!config) {
        rtm_config_defaults(&defaults);
        config = &defaults;
    }
    rtm_client_t *c = client_create(app_id, config, &e, &why);
    set_err(err, e);
    return handed_out(c);
}

RTM_API void rtm_client_free(rtm_client_t *client)
{
    handed_back(client);
    if (client)
        client_destroy(client);
}

RTM_API rtm_err_t rtm_client_set_option(rtm_client_t *client, const char *key, const char *value)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    if (!key || !value)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "key and value must not be NULL");
    return client_set_option(client, key, value);
}

RTM_API const char *rtm_client_last_error(const rtm_client_t *client)
{
    static _Thread_local char copy[sizeof(((rtm_client_t *)0)->last_error)];
    if (!client)
        return "the client is NULL";
    rtm_client_t *c = (rtm_client_t *)client;
    pthread_mutex_lock(&c->lock);
    memcpy(copy, c->last_error, sizeof(copy));
    pthread_mutex_unlock(&c->lock);
    return copy;
}

RTM_API rtm_err_t rtm_client_login(rtm_client_t *client, const char *token, const char *user_id,
                                   uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    if (!user_id)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "user_id must not be NULL");
    if (!rtm_id_valid_cstr(user_id))
        RETURN_ERR(client, RTM_ERR_INVALID_USER_ID,
                   "user id '%.80s' breaks the id rules (1-64 bytes of the allowed characters, "
                   "no leading space, not \"null\")",
                   user_id);
    if (token && strnlen(token, RTM_TOKEN_MAX_BYTES + 1) > RTM_TOKEN_MAX_BYTES)
        RETURN_ERR(client, RTM_ERR_INVALID_TOKEN, "the token is longer than %d bytes",
                   RTM_TOKEN_MAX_BYTES);
    return client_login(client, token, user_id, request_id);
}

RTM_API rtm_err_t rtm_client_logout(rtm_client_t *client, uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    return client_logout(client, request_id);
}

RTM_API rtm_err_t rtm_client_renew_token(rtm_client_t *client, const char *token,
                                         uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    if (!token || !*token)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "token must not be NULL or empty");
    if (strnlen(token, RTM_TOKEN_MAX_BYTES + 1) > RTM_TOKEN_MAX_BYTES)
        RETURN_ERR(client, RTM_ERR_INVALID_TOKEN, "the token is longer than %d bytes",
                   RTM_TOKEN_MAX_BYTES);
    return client_renew_token(client, token, request_id);
}

RTM_API rtm_connection_state_t rtm_client_connection_state(const rtm_client_t *client)
{
    return client ? client_state((rtm_client_t *)client) : (rtm_connection_state_t)0;
}

RTM_API rtm_event_t *rtm_client_poll(rtm_client_t *client, int timeout_ms)
{
    return client ? handed_out(client_poll(client, timeout_ms)) : NULL;
}

RTM_API int rtm_client_event_fd(const rtm_client_t *client)
{
    return client ? rtm_eq_fd(&((rtm_client_t *)client)->events) : -1;
}

RTM_API rtm_err_t rtm_client_wakeup(rtm_client_t *client)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    rtm_eq_wakeup(&client->events);
    return RTM_OK;
}

/* ---- messages ------------------------------------------------------------------------ */

RTM_API rtm_message_t *rtm_message_new_text(const char *text, rtm_err_t *err)
{
    if (!text) {
        set_err(err, RTM_ERR_INVALID_ARGUMENT);
        return NULL;
    }
    size_t len = strnlen(text, RTM_MESSAGE_MAX_BYTES + 1);
    if (len > RTM_MESSAGE_MAX_BYTES || !rtm_utf8_valid(text, len)) {
        set_err(err, RTM_ERR_INVALID_MESSAGE);
        return NULL;
    }
    rtm_message_t *m = rtm_message_build(RTM_MESSAGE_TYPE_TEXT, text, len, NULL, 0);
    set_err(err, m ? RTM_OK : RTM_ERR_NO_MEMORY);
    return handed_out(m);
}

RTM_API rtm_message_t *rtm_message_new_raw(const void *data, size_t len, const char *description,
                                           rtm_err_t *err)
{
    if (!data && len) {
        set_err(err, RTM_ERR_INVALID_ARGUMENT);
        return NULL;
    }
    size_t dlen = description ? strnlen(description, RTM_MESSAGE_MAX_BYTES + 1) : 0;
    if (len > RTM_MESSAGE_MAX_BYTES || dlen > RTM_MESSAGE_MAX_BYTES - len ||
        !rtm_utf8_valid(description ? description : "", dlen)) {
        set_err(err, RTM_ERR_INVALID_MESSAGE);
        return NULL;
    }
    rtm_message_t *m = rtm_message_build(RTM_MESSAGE_TYPE_RAW, description, dlen, data, len);
    set_err(err, m ? RTM_OK : RTM_ERR_NO_MEMORY);
    return handed_out(m);
}

RTM_API void rtm_message_free(rtm_message_t *message)
{
    handed_back(message);
    free(message);
}

RTM_API rtm_message_type_t rtm_message_type(const rtm_message_t *message)
{
    return message ? message->type : RTM_MESSAGE_TYPE_UNDEFINED;
}

RTM_API const char *rtm_message_text(const rtm_message_t *message)
{
    return message ? message->text : NULL;
}

RTM_API const void *rtm_message_data(const rtm_message_t *message, size_t *len)
{
    if (len)
        *len = message ? message->data_len : 0;
    return message ? message->data : NULL;
}

RTM_API uint64_t rtm_message_id(const rtm_message_t *message)
{
    return message ? message->id : 0;
}

RTM_API int64_t rtm_message_server_ts_ms(const rtm_message_t *message)
{
    return message ? message->server_ts_ms : 0;
}

RTM_API int rtm_message_is_offline(const rtm_message_t *message)
{
    return message ? message->offline : 0;
}

/* ---- peer messages and presence ------------------------------------------------------- */

RTM_API rtm_err_t rtm_client_send_message_to_peer(rtm_client_t *client, const char *peer_id,
                                                  const rtm_message_t *message, uint32_t send_flags,
                                                  uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    if (!peer_id || !message)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "peer_id and message must not be NULL");
    if (!rtm_id_valid_cstr(peer_id))
        RETURN_ERR(client, RTM_ERR_INVALID_USER_ID, "peer id '%.80s' breaks the id rules", peer_id);
    if (send_flags & ~RTM_SEND_OFFLINE)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "unknown send flag bits 0x%x",
                   send_flags & ~RTM_SEND_OFFLINE);
    return client_send_peer(client, peer_id, message, send_flags, request_id);
}

/* Checks a list of ids for a call that takes 1..max of them. */
static rtm_err_t check_id_list(rtm_client_t *c, const char *const *ids, size_t count, size_t max,
                               const char *what)
{
    if (!ids || count == 0)
        RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "the %s list must not be NULL or empty", what);
    if (count > max)
        RETURN_ERR(c, RTM_ERR_EXCEED_LIMIT, "at most %zu %ss per call, got %zu", max, what, count);
    for (size_t i = 0; i < count; i++) {
        if (!ids[i])
            RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "%s %zu of the list is NULL", what, i);
        if (!rtm_id_valid_cstr(ids[i]))
            RETURN_ERR(c, RTM_ERR_INVALID_USER_ID, "%s id '%.80s' breaks the id rules", what,
                       ids[i]);
    }
    return RTM_OK;
}

RTM_API rtm_err_t rtm_client_query_peers_online_status(rtm_client_t *client,
                                                       const char *const *peer_ids, size_t count,
                                                       uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    rtm_err_t err = check_id_list(client, peer_ids, count, RTM_QUERY_PEERS_MAX, "peer");
    return err ? err : client_query_online(client, peer_ids, count, request_id);
}

RTM_API rtm_err_t rtm_client_subscribe_peers_online_status(rtm_client_t *client,
                                                           const char *const *peer_ids,
                                                           size_t count, uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    rtm_err_t err = check_id_list(client, peer_ids, count, RTM_SUBSCRIBE_PEERS_MAX, "peer");
    return err ? err : client_subscribe(client, true, peer_ids, count, request_id);
}

RTM_API rtm_err_t rtm_client_unsubscribe_peers_online_status(rtm_client_t *client,
                                                             const char *const *peer_ids,
                                                             size_t count, uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    rtm_err_t err = check_id_list(client, peer_ids, count, RTM_SUBSCRIBE_PEERS_MAX, "peer");
    return err ? err : client_subscribe(client, false, peer_ids, count, request_id);
}

RTM_API rtm_err_t rtm_client_query_peers_by_subscription_option(rtm_client_t *client,
                                                                rtm_subscription_option_t option,
                                                                uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    if (option != RTM_SUBSCRIPTION_OPTION_ONLINE_STATUS)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "unknown subscription option %d", (int)option);
    return client_query_subscribed(client, request_id);
}

/* ---- channels ------------------------------------------------------------------------ */

static rtm_err_t check_channel_id(rtm_client_t *c, const char *id)
{
    if (!id)
        RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "channel_id must not be NULL");
    if (!rtm_id_valid_cstr(id))
        RETURN_ERR(c, RTM_ERR_INVALID_CHANNEL_ID,
                   "channel id '%.80s' breaks the id rules (1-64 bytes of the allowed "
                   "characters, no leading space, not \"null\")",
                   id);
    return RTM_OK;
}

RTM_API rtm_channel_t *rtm_client_create_channel(rtm_client_t *client, const char *channel_id,
                                                 rtm_err_t *err)
{
    rtm_err_t e = client ? check_channel_id(client, channel_id) : RTM_ERR_INVALID_ARGUMENT;
    rtm_channel_t *ch = e ? NULL : channel_create(client, channel_id, &e);
    set_err(err, e);
    return handed_out(ch);
}

RTM_API void rtm_channel_free(rtm_channel_t *channel)
{
    handed_back(channel);
    if (channel)
        channel_free(channel);
}

RTM_API const char *rtm_channel_id(const rtm_channel_t *channel)
{
    return channel ? channel->id : NULL;
}

RTM_API rtm_err_t rtm_channel_join(rtm_channel_t *channel, uint64_t *request_id)
{
    return channel ? channel_join(channel, request_id) : RTM_ERR_INVALID_ARGUMENT;
}

RTM_API rtm_err_t rtm_channel_leave(rtm_channel_t *channel, uint64_t *request_id)
{
    return channel ? channel_leave(channel, request_id) : RTM_ERR_INVALID_ARGUMENT;
}

/* Send flags valid for channel messages: RTM_SEND_OFFLINE is accepted and has no effect. */
static rtm_err_t check_send(rtm_client_t *c, const rtm_message_t *m, uint32_t flags)
{
    if (!m)
        RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "message must not be NULL");
    if (flags & ~RTM_SEND_OFFLINE)
        RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "unknown send flag bits 0x%x",
                   flags & ~RTM_SEND_OFFLINE);
    return RTM_OK;
}

RTM_API rtm_err_t rtm_channel_send_message(rtm_channel_t *channel, const rtm_message_t *message,
                                           uint32_t send_flags, uint64_t *request_id)
{
    if (!channel)
        return RTM_ERR_INVALID_ARGUMENT;
    pthread_mutex_lock(&channel->lock);
    /* the client only carries the sentence; NULL once freed (channel_send says CLOSED) */
    rtm_err_t err = check_send(channel->client, message, send_flags);
    pthread_mutex_unlock(&channel->lock);
    return err ? err : channel_send(channel, message, request_id);
}

RTM_API rtm_err_t rtm_channel_get_members(rtm_channel_t *channel, uint64_t *request_id)
{
    return channel ? channel_get_members(channel, request_id) : RTM_ERR_INVALID_ARGUMENT;
}

RTM_API rtm_err_t rtm_client_send_message_to_channel(rtm_client_t *client, const char *channel_id,
                                                     const rtm_message_t *message,
                                                     uint32_t send_flags, uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    rtm_err_t err = check_channel_id(client, channel_id);
    if (!err)
        err = check_send(client, message, send_flags);
    return err ? err : client_send_to_channel(client, channel_id, message, request_id);
}

RTM_API rtm_err_t rtm_client_get_channel_member_count(rtm_client_t *client,
                                                      const char *const *channel_ids, size_t count,
                                                      uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    if (!channel_ids || count == 0)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "the channel list must not be NULL or empty");
    if (count > RTM_COUNT_CHANNELS_MAX)
        RETURN_ERR(client, RTM_ERR_EXCEED_LIMIT, "at most %d channels per call, got %zu",
                   RTM_COUNT_CHANNELS_MAX, count);
    for (size_t i = 0; i < count; i++) {
        rtm_err_t err = check_channel_id(client, channel_ids[i]);
        if (err)
            return err;
    }
    return client_count_members(client, channel_ids, count, request_id);
}

/* Attribute lists: keys 1-32 bytes, values 1-8192 bytes, at most 32 entries and total_max
 * bytes of keys and values. */
static rtm_err_t check_attributes(rtm_client_t *c, const rtm_attribute_t *attrs, size_t count,
                                  size_t total_max)
{
    size_t total = 0;
    if (!attrs || count == 0)
        RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "the attribute list must not be NULL or empty");
    if (count > RTM_ATTR_MAX_COUNT)
        RETURN_ERR(c, RTM_ERR_SIZE_OVERFLOW, "at most %d attributes per call, got %zu",
                   RTM_ATTR_MAX_COUNT, count);
    for (size_t i = 0; i < count; i++) {
        if (!attrs[i].key || !attrs[i].value)
            RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "attribute %zu has a NULL key or value", i);
        size_t k = strnlen(attrs[i].key, RTM_ATTR_KEY_MAX_BYTES + 1);
        size_t v = strnlen(attrs[i].value, RTM_ATTR_VALUE_MAX_BYTES + 1);
        if (k == 0 || v == 0)
            RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "attribute %zu has an empty key or value", i);
        if (k > RTM_ATTR_KEY_MAX_BYTES)
            RETURN_ERR(c, RTM_ERR_SIZE_OVERFLOW, "attribute key %zu is over %d bytes", i,
                       RTM_ATTR_KEY_MAX_BYTES);
        if (v > RTM_ATTR_VALUE_MAX_BYTES)
            RETURN_ERR(c, RTM_ERR_SIZE_OVERFLOW, "attribute value %zu is over %d bytes", i,
                       RTM_ATTR_VALUE_MAX_BYTES);
        if (!rtm_utf8_valid(attrs[i].key, k) || !rtm_utf8_valid(attrs[i].value, v))
            RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "attribute %zu is not valid UTF-8", i);
        total += k + v;
    }
    if (total > total_max)
        RETURN_ERR(c, RTM_ERR_SIZE_OVERFLOW, "the attributes total %zu bytes, over %zu", total,
                   total_max);
    return RTM_OK;
}

static rtm_err_t check_keys(rtm_client_t *c, const char *const *keys, size_t count)
{
    if (!keys || count == 0)
        RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "the key list must not be NULL or empty");
    if (count > RTM_ATTR_MAX_COUNT)
        RETURN_ERR(c, RTM_ERR_SIZE_OVERFLOW, "at most %d keys per call, got %zu",
                   RTM_ATTR_MAX_COUNT, count);
    for (size_t i = 0; i < count; i++) {
        if (!keys[i] || !*keys[i])
            RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "key %zu is NULL or empty", i);
        size_t k = strnlen(keys[i], RTM_ATTR_KEY_MAX_BYTES + 1);
        if (k > RTM_ATTR_KEY_MAX_BYTES)
            RETURN_ERR(c, RTM_ERR_SIZE_OVERFLOW, "key %zu is over %d bytes", i,
                       RTM_ATTR_KEY_MAX_BYTES);
        if (!rtm_utf8_valid(keys[i], k))
            RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "key %zu is not valid UTF-8", i);
    }
    return RTM_OK;
}

static rtm_err_t check_attr_flags(rtm_client_t *c, uint32_t flags)
{
    if (flags & ~RTM_ATTR_NOTIFY_MEMBERS)
        RETURN_ERR(c, RTM_ERR_INVALID_ARGUMENT, "unknown attribute flag bits 0x%x",
                   flags & ~RTM_ATTR_NOTIFY_MEMBERS);
    return RTM_OK;
}

/* The common path of the channel attribute calls. */
static rtm_err_t channel_attrs_call(rtm_client_t *client, uint32_t frame_type,
                                    const char *channel_id, const rtm_attribute_t *attrs,
                                    const char *const *keys, size_t count, uint32_t flags,
                                    uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    rtm_err_t err = check_channel_id(client, channel_id);
    if (!err &&
        (frame_type == RTM_FRAME_SET_CHANNEL_ATTRS || frame_type == RTM_FRAME_ADD_CHANNEL_ATTRS))
        err = check_attributes(client, attrs, count, RTM_CHANNEL_ATTR_TOTAL_BYTES);
    if (!err && (frame_type == RTM_FRAME_DEL_CHANNEL_ATTRS ||
                 (frame_type == RTM_FRAME_GET_CHANNEL_ATTRS && keys)))
        err = check_keys(client, keys, count);
    if (!err)
        err = check_attr_flags(client, flags);
    if (err)
        return err;
    return client_channel_attrs(client, frame_type, channel_id, attrs, keys,
                                attrs || keys ? count : 0, flags, request_id);
}

RTM_API rtm_err_t rtm_client_set_channel_attributes(rtm_client_t *client, const char *channel_id,
                                                    const rtm_attribute_t *attributes, size_t count,
                                                    uint32_t attr_flags, uint64_t *request_id)
{
    return channel_attrs_call(client, RTM_FRAME_SET_CHANNEL_ATTRS, channel_id, attributes, NULL,
                              count, attr_flags, request_id);
}

RTM_API rtm_err_t rtm_client_add_or_update_channel_attributes(rtm_client_t *client,
                                                              const char *channel_id,
                                                              const rtm_attribute_t *attributes,
                                                              size_t count, uint32_t attr_flags,
                                                              uint64_t *request_id)
{
    return channel_attrs_call(client, RTM_FRAME_ADD_CHANNEL_ATTRS, channel_id, attributes, NULL,
                              count, attr_flags, request_id);
}

RTM_API rtm_err_t rtm_client_delete_channel_attributes_by_keys(rtm_client_t *client,
                                                               const char *channel_id,
                                                               const char *const *keys,
                                                               size_t count, uint32_t attr_flags,
                                                               uint64_t *request_id)
{
    if (client && !keys)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "the key list must not be NULL or empty");
    return channel_attrs_call(client, RTM_FRAME_DEL_CHANNEL_ATTRS, channel_id, NULL, keys, count,
                              attr_flags, request_id);
}

RTM_API rtm_err_t rtm_client_clear_channel_attributes(rtm_client_t *client, const char *channel_id,
                                                      uint32_t attr_flags, uint64_t *request_id)
{
    return channel_attrs_call(client, RTM_FRAME_CLEAR_CHANNEL_ATTRS, channel_id, NULL, NULL, 0,
                              attr_flags, request_id);
}

RTM_API rtm_err_t rtm_client_get_channel_attributes(rtm_client_t *client, const char *channel_id,
                                                    uint64_t *request_id)
{
    return channel_attrs_call(client, RTM_FRAME_GET_CHANNEL_ATTRS, channel_id, NULL, NULL, 0, 0,
                              request_id);
}

RTM_API rtm_err_t rtm_client_get_channel_attributes_by_keys(rtm_client_t *client,
                                                            const char *channel_id,
                                                            const char *const *keys, size_t count,
                                                            uint64_t *request_id)
{
    if (client && !keys)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "the key list must not be NULL or empty");
    return channel_attrs_call(client, RTM_FRAME_GET_CHANNEL_ATTRS, channel_id, NULL, keys, count, 0,
                              request_id);
}

/* ---- user attributes ----------------------------------------------------------------- */

/* The common path of the user attribute calls. */
static rtm_err_t user_attrs_call(rtm_client_t *client, uint32_t frame_type, const char *user_id,
                                 const rtm_attribute_t *attrs, const char *const *keys,
                                 size_t count, uint64_t *request_id)
{
    if (!client)
        return RTM_ERR_INVALID_ARGUMENT;
    rtm_err_t err = RTM_OK;
    if (frame_type == RTM_FRAME_GET_USER_ATTRS) {
        if (!user_id)
            RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "user_id must not be NULL");
        if (!rtm_id_valid_cstr(user_id))
            RETURN_ERR(client, RTM_ERR_INVALID_USER_ID, "user id '%.80s' breaks the id rules",
                       user_id);
    }
    if (frame_type == RTM_FRAME_SET_USER_ATTRS || frame_type == RTM_FRAME_ADD_USER_ATTRS)
        err = check_attributes(client, attrs, count, RTM_USER_ATTR_TOTAL_BYTES);
    if (!err && (frame_type == RTM_FRAME_DEL_USER_ATTRS ||
                 (frame_type == RTM_FRAME_GET_USER_ATTRS && keys)))
        err = check_keys(client, keys, count);
    if (err)
        return err;
    rtm_event_type_t result = frame_type == RTM_FRAME_GET_USER_ATTRS
                                  ? RTM_EVENT_GET_USER_ATTRIBUTES_RESULT
                                  : RTM_EVENT_USER_ATTRIBUTES_RESULT;
    return client_attrs_request(client, frame_type, result, NULL, user_id, attrs, keys,
                                attrs || keys ? count : 0, 0, request_id);
}

RTM_API rtm_err_t rtm_client_set_local_user_attributes(rtm_client_t *client,
                                                       const rtm_attribute_t *attributes,
                                                       size_t count, uint64_t *request_id)
{
    return user_attrs_call(client, RTM_FRAME_SET_USER_ATTRS, NULL, attributes, NULL, count,
                           request_id);
}

RTM_API rtm_err_t rtm_client_add_or_update_local_user_attributes(rtm_client_t *client,
                                                                 const rtm_attribute_t *attributes,
                                                                 size_t count, uint64_t *request_id)
{
    return user_attrs_call(client, RTM_FRAME_ADD_USER_ATTRS, NULL, attributes, NULL, count,
                           request_id);
}

RTM_API rtm_err_t rtm_client_delete_local_user_attributes_by_keys(rtm_client_t *client,
                                                                  const char *const *keys,
                                                                  size_t count,
                                                                  uint64_t *request_id)
{
    if (client && !keys)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "the key list must not be NULL or empty");
    return user_attrs_call(client, RTM_FRAME_DEL_USER_ATTRS, NULL, NULL, keys, count, request_id);
}

RTM_API rtm_err_t rtm_client_clear_local_user_attributes(rtm_client_t *client, uint64_t *request_id)
{
    return user_attrs_call(client, RTM_FRAME_CLEAR_USER_ATTRS, NULL, NULL, NULL, 0, request_id);
}

RTM_API rtm_err_t rtm_client_get_user_attributes(rtm_client_t *client, const char *user_id,
                                                 uint64_t *request_id)
{
    return user_attrs_call(client, RTM_FRAME_GET_USER_ATTRS, user_id, NULL, NULL, 0, request_id);
}

RTM_API rtm_err_t rtm_client_get_user_attributes_by_keys(rtm_client_t *client, const char *user_id,
                                                         const char *const *keys, size_t count,
                                                         uint64_t *request_id)
{
    if (client && !keys)
        RETURN_ERR(client, RTM_ERR_INVALID_ARGUMENT, "the key list must not be NULL or empty");
    return user_attrs_call(client, RTM_FRAME_GET_USER_ATTRS, user_id, NULL, keys, count,
                           request_id);
}

/* ---- call invitations ---------------------------------------------------------------- */

RTM_API rtm_invitation_t *rtm_client_create_local_invitation(rtm_client_t *client,
                                                             const char *callee_id, rtm_err_t *err)
{
    rtm_err_t e = RTM_OK;
    if (!client || !callee_id) {
        if (client)
            client_set_error(client, "callee_id must not be NULL");
        e = RTM_ERR_INVALID_ARGUMENT;
    } else if (!rtm_id_valid_cstr(callee_id)) {
        client_set_error(client, "callee id '%.80s' breaks the id rules", callee_id);
        e = RTM_ERR_INVALID_USER_ID;
    }
    rtm_invitation_t *inv = e ? NULL : invitation_create_local(client, callee_id, &e);
    set_err(err, e);
    return handed_out(inv);
}

RTM_API void rtm_invitation_free(rtm_invitation_t *invitation)
{
    handed_back(invitation);
    if (invitation)
        invitation_unref(invitation);
}

RTM_API uint64_t rtm_invitation_id(const rtm_invitation_t *invitation)
{
    return invitation ? invitation->id : 0; /* fixed at creation */
}

RTM_API rtm_invitation_kind_t rtm_invitation_kind(const rtm_invitation_t *invitation)
{
    return invitation ? invitation->kind : (rtm_invitation_kind_t)0; /* fixed at creation */
}

RTM_API int rtm_invitation_state(const rtm_invitation_t *invitation)
{
    return invitation ? invitation_state((rtm_invitation_t *)invitation) : -1;
}

/* A string field, read under the invitation lock; set strings never change afterwards. */
static const char *inv_str(const rtm_invitation_t *inv, char *const *field)
{
    if (!inv)
        return NULL;
    pthread_mutex_lock(&rtm_inv_lock);
    const char *v = *field;
    pthread_mutex_unlock(&rtm_inv_lock);
    return v;
}

RTM_API const char *rtm_invitation_caller_id(const rtm_invitation_t *invitation)
{
    return invitation ? inv_str(invitation, &invitation->caller_id) : NULL;
}

RTM_API const char *rtm_invitation_callee_id(const rtm_invitation_t *invitation)
{
    return invitation ? inv_str(invitation, &invitation->callee_id) : NULL;
}

RTM_API const char *rtm_invitation_content(const rtm_invitation_t *invitation)
{
    return invitation ? inv_str(invitation, &invitation->content) : NULL;
}

RTM_API const char *rtm_invitation_response(const rtm_invitation_t *invitation)
{
    return invitation ? inv_str(invitation, &invitation->response) : NULL;
}

RTM_API const char *rtm_invitation_channel_id(const rtm_invitation_t *invitation)
{
    return invitation ? inv_str(invitation, &invitation->channel_id) : NULL;
}

/* Content and response: at most 8 KB of UTF-8. */
/* An invitation's content or response: NULL, over 8 KB or not UTF-8 is refused, with a
 * sentence for the invitation's client. */
static rtm_err_t check_invitation_text(rtm_invitation_t *inv, const char *text, const char *what)
{
    char why[96];
    size_t n = text ? strnlen(text, RTM_INVITATION_TEXT_MAX_BYTES + 1) : 0;
    rtm_err_t err = RTM_OK;
    if (!text) {
        snprintf(why, sizeof(why), "the %s must not be NULL", what);
        err = RTM_ERR_INVALID_ARGUMENT;
    } else if (n > RTM_INVITATION_TEXT_MAX_BYTES) {
        snprintf(why, sizeof(why), "the %s is longer than %d bytes", what,
                 RTM_INVITATION_TEXT_MAX_BYTES);
        err = RTM_ERR_SIZE_OVERFLOW;
    } else if (!rtm_utf8_valid(text, n)) {
        snprintf(why, sizeof(why), "the %s is not valid UTF-8", what);
        err = RTM_ERR_INVALID_ARGUMENT;
    }
    if (err)
        invitation_report(inv, why);
    return err;
}

RTM_API rtm_err_t rtm_invitation_set_content(rtm_invitation_t *invitation, const char *content)
{
    if (!invitation)
        return RTM_ERR_INVALID_ARGUMENT;
    rtm_err_t err = check_invitation_text(invitation, content, "content");
    return err ? err : invitation_set(invitation, 0, content);
}

RTM_API rtm_err_t rtm_invitation_set_channel_id(rtm_invitation_t *invitation,
                                                const char *channel_id)
{
    if (!invitation)
        return RTM_ERR_INVALID_ARGUMENT;
    if (!channel_id) {
        invitation_report(invitation, "the channel id must not be NULL");
        return RTM_ERR_INVALID_ARGUMENT;
    }
    if (!rtm_id_valid_cstr(channel_id)) {
        invitation_report(invitation, "the channel id breaks the id rules (1-64 bytes of the "
                                      "allowed characters, no leading space, not \"null\")");
        return RTM_ERR_INVALID_CHANNEL_ID;
    }
    return invitation_set(invitation, 1, channel_id);
}

RTM_API rtm_err_t rtm_invitation_set_response(rtm_invitation_t *invitation, const char *response)
{
    if (!invitation)
        return RTM_ERR_INVALID_ARGUMENT;
    rtm_err_t err = check_invitation_text(invitation, response, "response");
    return err ? err : invitation_set(invitation, 2, response);
}

RTM_API rtm_err_t rtm_invitation_send(rtm_invitation_t *invitation, uint64_t *request_id)
{
    return invitation ? invitation_call(invitation, RTM_INV_OP_SEND, request_id)
                      : RTM_ERR_INVALID_ARGUMENT;
}

RTM_API rtm_err_t rtm_invitation_cancel(rtm_invitation_t *invitation, uint64_t *request_id)
{
    return invitation ? invitation_call(invitation, RTM_INV_OP_CANCEL, request_id)
                      : RTM_ERR_INVALID_ARGUMENT;
}

RTM_API rtm_err_t rtm_invitation_accept(rtm_invitation_t *invitation, uint64_t *request_id)
{
    return invitation ? invitation_call(invitation, RTM_INV_OP_ACCEPT, request_id)
                      : RTM_ERR_INVALID_ARGUMENT;
}

RTM_API rtm_err_t rtm_invitation_refuse(rtm_invitation_t *invitation, uint64_t *request_id)
{
    return invitation ? invitation_call(invitation, RTM_INV_OP_REFUSE, request_id)
                      : RTM_ERR_INVALID_ARGUMENT;
}

RTM_API rtm_invitation_t *rtm_event_invitation(const rtm_event_t *event)
{
    return event && event->invitation ? handed_out(invitation_ref(event->invitation)) : NULL;
}

/* ---- events -------------------------------------------------------------------------- */

RTM_API void rtm_event_free(rtm_event_t *event)
{
    handed_back(event);
    rtm_event_destroy(event);
}

RTM_API rtm_event_type_t rtm_event_type(const rtm_event_t *event)
{
    return event ? event->type : (rtm_event_type_t)0;
}

RTM_API uint64_t rtm_event_request_id(const rtm_event_t *event)
{
    return event ? event->request_id : 0;
}

RTM_API rtm_err_t rtm_event_error(const rtm_event_t *event)
{
    return event ? event->err : RTM_ERR_INVALID_ARGUMENT;
}

RTM_API const char *rtm_event_channel_id(const rtm_event_t *event)
{
    return event ? event->channel_id : NULL;
}

RTM_API const char *rtm_event_user_id(const rtm_event_t *event)
{
    return event ? event->user_id : NULL;
}

RTM_API const rtm_message_t *rtm_event_message(const rtm_event_t *event)
{
    return event ? event->message : NULL;
}

RTM_API rtm_connection_state_t rtm_event_connection_state(const rtm_event_t *event)
{
    return event ? event->state : (rtm_connection_state_t)0;
}

RTM_API rtm_connection_change_reason_t rtm_event_connection_reason(const rtm_event_t *event)
{
    return event ? event->reason : (rtm_connection_change_reason_t)0;
}

RTM_API int rtm_event_member_count(const rtm_event_t *event)
{
    return event ? event->member_count : 0;
}

RTM_API size_t rtm_event_peer_count(const rtm_event_t *event)
{
    return event ? event->n_peers : 0;
}

RTM_API const char *rtm_event_peer_id(const rtm_event_t *event, size_t i)
{
    return event && i < event->n_peers ? event->peer_ids[i] : NULL;
}

RTM_API rtm_peer_online_state_t rtm_event_peer_state(const rtm_event_t *event, size_t i)
{
    return event && i < event->n_peers ? event->peer_states[i] : RTM_PEER_ONLINE_STATE_OFFLINE;
}

RTM_API size_t rtm_event_user_count(const rtm_event_t *event)
{
    return event ? event->n_users : 0;
}

RTM_API const char *rtm_event_user_at(const rtm_event_t *event, size_t i)
{
    return event && i < event->n_users ? event->users[i] : NULL;
}

RTM_API size_t rtm_event_attribute_count(const rtm_event_t *event)
{
    return event ? event->n_attrs : 0;
}

RTM_API const char *rtm_event_attribute_key(const rtm_event_t *event, size_t i)
{
    return event && i < event->n_attrs ? event->attr_keys[i] : NULL;
}

RTM_API const char *rtm_event_attribute_value(const rtm_event_t *event, size_t i)
{
    return event && i < event->n_attrs ? event->attr_values[i] : NULL;
}

RTM_API const char *rtm_event_attribute_updated_by(const rtm_event_t *event, size_t i)
{
    return event && i < event->n_attrs && event->attr_updaters ? event->attr_updaters[i] : NULL;
}

RTM_API int64_t rtm_event_attribute_updated_ts_ms(const rtm_event_t *event, size_t i)
{
    return event && i < event->n_attrs && event->attr_ts ? event->attr_ts[i] : 0;
}

RTM_API size_t rtm_event_channel_count(const rtm_event_t *event)
{
    return event ? event->n_channels : 0;
}

RTM_API const char *rtm_event_channel_at(const rtm_event_t *event, size_t i)
{
    return event && i < event->n_channels ? event->channel_ids[i] : NULL;
}

RTM_API int rtm_event_channel_member_count_at(const rtm_event_t *event, size_t i)
{
    return event && i < event->n_channels ? event->channel_counts[i] : 0;
}
