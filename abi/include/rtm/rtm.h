/*
 * librtm: the client SDK of rtmd, a self-hosted real-time messaging system.
 *
 * One flat C ABI of opaque handles and a polled event queue; the library never calls into
 * application code. Conventions (the full contract is docs/abi.md):
 *
 *  - Ownership: functions named *_new / *_create_*, rtm_client_poll and rtm_event_invitation
 *    return a new object that the caller releases with the matching *_free. Every *_free(NULL)
 *    is a no-op. Every `const char *` / `const void *` returned by an accessor is borrowed from
 *    the object it came from. Strings passed in are copied before the call returns.
 *  - Errors: fallible calls return rtm_err_t (RTM_OK = 0); calls that return an object take an
 *    optional `rtm_err_t *err` and return NULL on failure. Bad input is reported at once,
 *    nothing is sent, and rtm_client_last_error() holds a sentence.
 *  - Asynchronous results: a call that talks to the server returns RTM_OK and a request id;
 *    exactly one result event carrying that request id follows (success, server error,
 *    RTM_ERR_TIMEOUT, or RTM_ERR_CLOSED when the client logs out or is freed first).
 *  - Threading: every function may be called from any thread; an object must not be freed
 *    while another thread still uses it. All clients of a process share one I/O thread.
 */
#ifndef RTM_RTM_H
#define RTM_RTM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RTM_API __attribute__((visibility("default")))
#else
#define RTM_API
#endif

#define RTM_VERSION_MAJOR 1
#define RTM_VERSION_MINOR 0
#define RTM_VERSION_PATCH 0

/* ---------------------------------------------------------------------------------------- */
/* Enums                                                                                     */
/* ---------------------------------------------------------------------------------------- */

/* One error code space for every operation. */
typedef enum rtm_err {
    RTM_OK = 0,
    RTM_ERR_FAILURE = 1,
    RTM_ERR_INVALID_ARGUMENT = 2,
    RTM_ERR_NOT_LOGGED_IN = 3,
    RTM_ERR_ALREADY_LOGGED_IN = 4,
    RTM_ERR_TIMEOUT = 5,
    RTM_ERR_TOO_OFTEN = 6,
    RTM_ERR_REJECTED = 7,
    RTM_ERR_INVALID_APP_ID = 8,
    RTM_ERR_INVALID_TOKEN = 9,
    RTM_ERR_TOKEN_EXPIRED = 10,
    RTM_ERR_NOT_AUTHORIZED = 11,
    RTM_ERR_INVALID_USER_ID = 12,
    RTM_ERR_INVALID_CHANNEL_ID = 13,
    RTM_ERR_INVALID_MESSAGE = 14,
    RTM_ERR_SIZE_OVERFLOW = 15,
    RTM_ERR_EXCEED_LIMIT = 16,
    RTM_ERR_PEER_UNREACHABLE = 17,
    RTM_ERR_CACHED_BY_SERVER = 18,
    RTM_ERR_ALREADY_JOINED = 19,
    RTM_ERR_NOT_IN_CHANNEL = 20,
    RTM_ERR_USER_NOT_FOUND = 21,
    RTM_ERR_PEER_OFFLINE = 22,
    RTM_ERR_PEER_NO_RESPONSE = 23,
    RTM_ERR_INVITATION_EXPIRED = 24,
    RTM_ERR_INVALID_STATE = 25,
    RTM_ERR_NO_MEMORY = 26,
    RTM_ERR_NETWORK = 27,
    RTM_ERR_TLS = 28,
    RTM_ERR_PROTOCOL = 29,
    RTM_ERR_CLOSED = 30,
    RTM_ERR_NOT_SUPPORTED = 31
} rtm_err_t;

typedef enum rtm_connection_state {
    RTM_CONNECTION_STATE_DISCONNECTED = 1,
    RTM_CONNECTION_STATE_CONNECTING = 2,
    RTM_CONNECTION_STATE_CONNECTED = 3,
    RTM_CONNECTION_STATE_RECONNECTING = 4,
    RTM_CONNECTION_STATE_ABORTED = 5
} rtm_connection_state_t;

typedef enum rtm_connection_change_reason {
    RTM_CONNECTION_CHANGE_REASON_LOGIN = 1,
    RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS = 2,
    RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE = 3,
    RTM_CONNECTION_CHANGE_REASON_LOGIN_TIMEOUT = 4,
    RTM_CONNECTION_CHANGE_REASON_INTERRUPTED = 5,
    RTM_CONNECTION_CHANGE_REASON_LOGOUT = 6,
    RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER = 7,
    RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN = 8,
    RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED = 9
} rtm_connection_change_reason_t;

typedef enum rtm_peer_online_state {
    RTM_PEER_ONLINE_STATE_ONLINE = 0,
    RTM_PEER_ONLINE_STATE_UNREACHABLE = 1,
    RTM_PEER_ONLINE_STATE_OFFLINE = 2
} rtm_peer_online_state_t;

typedef enum rtm_subscription_option {
    RTM_SUBSCRIPTION_OPTION_ONLINE_STATUS = 0
} rtm_subscription_option_t;

typedef enum rtm_message_type {
    RTM_MESSAGE_TYPE_UNDEFINED = 0,
    RTM_MESSAGE_TYPE_TEXT = 1,
    RTM_MESSAGE_TYPE_RAW = 2
} rtm_message_type_t;

typedef enum rtm_invitation_kind {
    RTM_INVITATION_KIND_LOCAL = 1,
    RTM_INVITATION_KIND_REMOTE = 2
} rtm_invitation_kind_t;

typedef enum rtm_local_invitation_state {
    RTM_LOCAL_INVITATION_STATE_IDLE = 0,
    RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE = 1,
    RTM_LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE = 2,
    RTM_LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE = 3,
    RTM_LOCAL_INVITATION_STATE_REFUSED_BY_REMOTE = 4,
    RTM_LOCAL_INVITATION_STATE_CANCELED = 5,
    RTM_LOCAL_INVITATION_STATE_FAILURE = 6
} rtm_local_invitation_state_t;

typedef enum rtm_remote_invitation_state {
    RTM_REMOTE_INVITATION_STATE_IDLE = 0,
    RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED = 1,
    RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL = 2,
    RTM_REMOTE_INVITATION_STATE_REFUSED = 3,
    RTM_REMOTE_INVITATION_STATE_ACCEPTED = 4,
    RTM_REMOTE_INVITATION_STATE_CANCELED = 5,
    RTM_REMOTE_INVITATION_STATE_FAILURE = 6
} rtm_remote_invitation_state_t;

typedef enum rtm_event_type {
    RTM_EVENT_CONNECTION_STATE_CHANGED = 1,
    RTM_EVENT_LOGIN_RESULT = 2,
    RTM_EVENT_LOGOUT_RESULT = 3,
    RTM_EVENT_RENEW_TOKEN_RESULT = 4,
    RTM_EVENT_TOKEN_EXPIRED = 5,
    RTM_EVENT_TOKEN_PRIVILEGE_WILL_EXPIRE = 6,
    RTM_EVENT_PEER_MESSAGE_RECEIVED = 10,
    RTM_EVENT_SEND_PEER_MESSAGE_RESULT = 11,
    RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT = 20,
    RTM_EVENT_SUBSCRIPTION_RESULT = 21,
    RTM_EVENT_QUERY_PEERS_BY_SUBSCRIPTION_RESULT = 22,
    RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED = 23,
    RTM_EVENT_USER_ATTRIBUTES_RESULT = 30,
    RTM_EVENT_GET_USER_ATTRIBUTES_RESULT = 31,
    RTM_EVENT_JOIN_CHANNEL_RESULT = 40,
    RTM_EVENT_LEAVE_CHANNEL_RESULT = 41,
    RTM_EVENT_CHANNEL_MEMBER_JOINED = 42,
    RTM_EVENT_CHANNEL_MEMBER_LEFT = 43,
    RTM_EVENT_CHANNEL_MESSAGE_RECEIVED = 44,
    RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT = 45,
    RTM_EVENT_GET_MEMBERS_RESULT = 46,
    RTM_EVENT_CHANNEL_MEMBER_COUNT_UPDATED = 47,
    RTM_EVENT_CHANNEL_ATTRIBUTES_UPDATED = 48,
    RTM_EVENT_CHANNEL_KICKED = 49,
    RTM_EVENT_CHANNEL_ATTRIBUTES_RESULT = 50,
    RTM_EVENT_GET_CHANNEL_ATTRIBUTES_RESULT = 51,
    RTM_EVENT_GET_CHANNEL_MEMBER_COUNT_RESULT = 52,
    RTM_EVENT_LOCAL_INVITATION_RECEIVED_BY_PEER = 60,
    RTM_EVENT_LOCAL_INVITATION_ACCEPTED = 61,
    RTM_EVENT_LOCAL_INVITATION_REFUSED = 62,
    RTM_EVENT_LOCAL_INVITATION_CANCELED = 63,
    RTM_EVENT_LOCAL_INVITATION_FAILURE = 64,
    RTM_EVENT_REMOTE_INVITATION_RECEIVED = 65,
    RTM_EVENT_REMOTE_INVITATION_ACCEPTED = 66,
    RTM_EVENT_REMOTE_INVITATION_REFUSED = 67,
    RTM_EVENT_REMOTE_INVITATION_CANCELED = 68,
    RTM_EVENT_REMOTE_INVITATION_FAILURE = 69,
    RTM_EVENT_INVITATION_RESULT = 70
} rtm_event_type_t;

/* Send flags (uint32_t). Unknown bits are refused with RTM_ERR_INVALID_ARGUMENT. */
#define RTM_SEND_OFFLINE 1u /* store a peer message for an offline peer */
/* Channel attribute flags (uint32_t). */
#define RTM_ATTR_NOTIFY_MEMBERS 1u

/* ---------------------------------------------------------------------------------------- */
/* Opaque handles                                                                            */
/* ---------------------------------------------------------------------------------------- */

typedef struct rtm_client rtm_client_t;
typedef struct rtm_channel rtm_channel_t;
typedef struct rtm_invitation rtm_invitation_t;
typedef struct rtm_message rtm_message_t;
typedef struct rtm_event rtm_event_t;
typedef struct rtm_config rtm_config_t;

/* The one plain struct of the ABI; it will never grow. */
typedef struct rtm_attribute {
    const char *key;
    const char *value;
} rtm_attribute_t;

/* ---------------------------------------------------------------------------------------- */
/* Library                                                                                   */
/* ---------------------------------------------------------------------------------------- */

/* (major << 16) | (minor << 8) | patch of the loaded library. */
RTM_API uint32_t rtm_version(void);
/* "1.0.0". Static string. */
RTM_API const char *rtm_version_string(void);
/* "RTM_ERR_TIMEOUT" for RTM_ERR_TIMEOUT; "RTM_ERR_UNKNOWN" when out of range. Static string. */
RTM_API const char *rtm_err_name(rtm_err_t err);
/* One English sentence describing err. Static string. */
RTM_API const char *rtm_err_str(rtm_err_t err);
/* "RTM_EVENT_LOGIN_RESULT" for RTM_EVENT_LOGIN_RESULT; "RTM_EVENT_UNKNOWN" otherwise. */
RTM_API const char *rtm_event_type_name(rtm_event_type_t type);
/* How many handles the application holds right now, process-wide: configs, clients, channels,
 * messages, polled events and invitation references returned by this library and not yet
 * passed to their *_free. Meant for tests and leak checks in bindings (a garbage-collected
 * wrapper that was forgotten must bring the count back down). Added in 1.0. */
RTM_API size_t rtm_live_handles(void);

/* ---------------------------------------------------------------------------------------- */
/* Configuration                                                                             */
/* ---------------------------------------------------------------------------------------- */

/* A new configuration holding every default. Free it with rtm_config_free; a client copies
 * what it needs at rtm_client_new, so the config may be freed right after. NULL when out of
 * memory. */
RTM_API rtm_config_t *rtm_config_new(void);
/* Sets one key (both strings copied). Keys and defaults:
 *   server.url                 ws://127.0.0.1:9090 (wss:// uses TLS; comma-separated list
 *                              tried in turn)
 *   tls.ca_file                (system store)      tls.verify_peer   true
 *   login.timeout_ms           12000               request.timeout_ms 10000
 *   reconnect.backoff_min_ms   500                 reconnect.backoff_max_ms 20000
 *   heartbeat.interval_ms      5000
 *   log.level                  warn (off|error|warn|info|debug)
 *   log.file                   (none: stderr)      log.file_size_kb  10240
 *   event_queue.capacity       65536               channel.member_list_on_join false
 * Errors: RTM_ERR_INVALID_ARGUMENT for a NULL argument, an unknown key or an unparsable
 * value (the config is unchanged then). */
RTM_API rtm_err_t rtm_config_set(rtm_config_t *config, const char *key, const char *value);
RTM_API void rtm_config_free(rtm_config_t *config);

/* ---------------------------------------------------------------------------------------- */
/* Client                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* Creates a client for app_id (1-128 bytes; RTM_ERR_INVALID_APP_ID otherwise) with config
 * (NULL: all defaults; copied). The first client of the process starts the shared I/O thread.
 * Free with rtm_client_free. State: DISCONNECTED. */
RTM_API rtm_client_t *rtm_client_new(const char *app_id, const rtm_config_t *config,
                                     rtm_err_t *err);
/* Logs out (best effort, nothing waits for the server), completes pending requests with
 * RTM_ERR_CLOSED, drops queued events and frees the client. Channels and invitations created
 * from it stay valid to free; every other call on them returns RTM_ERR_CLOSED. The last client
 * of the process stops the shared I/O thread. */
RTM_API void rtm_client_free(rtm_client_t *client);
/* Changes log.* and request.timeout_ms on a live client (new requests use the new timeout).
 * Other known keys: RTM_ERR_INVALID_STATE; unknown keys or bad values:
 * RTM_ERR_INVALID_ARGUMENT. */
RTM_API rtm_err_t rtm_client_set_option(rtm_client_t *client, const char *key, const char *value);
/* A sentence about the latest synchronous failure on this client as seen by the calling
 * thread ("" when none). Borrowed: valid until the next call on this client from this
 * thread. */
RTM_API const char *rtm_client_last_error(const rtm_client_t *client);

/* Logs in as user_id with token (NULL or "" when the server needs no token). Allowed only in
 * DISCONNECTED (else RTM_ERR_ALREADY_LOGGED_IN; ABORTED needs a logout first). Queues
 * CONNECTION_STATE_CHANGED CONNECTING/LOGIN at once; then either CONNECTED/LOGIN_SUCCESS and
 * LOGIN_RESULT OK, or DISCONNECTED/LOGIN_FAILURE (LOGIN_TIMEOUT after login.timeout_ms) and a
 * failed LOGIN_RESULT (RTM_ERR_INVALID_TOKEN, RTM_ERR_TOKEN_EXPIRED, RTM_ERR_INVALID_APP_ID,
 * RTM_ERR_NETWORK, RTM_ERR_TIMEOUT, RTM_ERR_PROTOCOL, ...). Errors of the call itself:
 * RTM_ERR_INVALID_ARGUMENT (NULL client), RTM_ERR_INVALID_USER_ID, RTM_ERR_INVALID_TOKEN (token
 * over 2048 bytes), RTM_ERR_ALREADY_LOGGED_IN. */
RTM_API rtm_err_t rtm_client_login(rtm_client_t *client, const char *token, const char *user_id,
                                   uint64_t *request_id);
/* Logs out. Allowed in every state but DISCONNECTED (RTM_ERR_NOT_LOGGED_IN). Queues
 * CONNECTION_STATE_CHANGED DISCONNECTED/LOGOUT then LOGOUT_RESULT; every pending request
 * completes with RTM_ERR_CLOSED before LOGOUT_RESULT. */
RTM_API rtm_err_t rtm_client_logout(rtm_client_t *client, uint64_t *request_id);
/* Gives the server a new token for this session; RENEW_TOKEN_RESULT follows. Needs a
 * session (RTM_ERR_NOT_LOGGED_IN otherwise). */
RTM_API rtm_err_t rtm_client_renew_token(rtm_client_t *client, const char *token,
                                         uint64_t *request_id);
/* The current connection state (the legacy getStatus). 0 for a NULL client. */
RTM_API rtm_connection_state_t rtm_client_connection_state(const rtm_client_t *client);

/* Takes the oldest event off the client's queue: timeout_ms -1 waits until one arrives, 0
 * never waits, N waits up to N ms. NULL when nothing came in time, on rtm_client_wakeup, or
 * for a NULL client. The event is the caller's: free it with rtm_event_free. */
RTM_API rtm_event_t *rtm_client_poll(rtm_client_t *client, int timeout_ms);
/* A file descriptor that is readable while the queue is non-empty (or a wakeup is pending),
 * for epoll/select/asyncio: wait for readability, then rtm_client_poll(client, 0) until NULL.
 * Created on the first call, owned by the client: never read, write or close it (reading it
 * would clear the readiness while events remain). -1 for a NULL client or when the
 * descriptor cannot be created. */
RTM_API int rtm_client_event_fd(const rtm_client_t *client);
/* Makes a blocked rtm_client_poll return NULL now; with no poll blocked, the next poll
 * returns NULL at once. */
RTM_API rtm_err_t rtm_client_wakeup(rtm_client_t *client);

/* ---------------------------------------------------------------------------------------- */
/* Messages                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* A text message (UTF-8, at most 32,768 bytes: RTM_ERR_INVALID_MESSAGE otherwise; NULL:
 * RTM_ERR_INVALID_ARGUMENT). The text is copied. Free with rtm_message_free. */
RTM_API rtm_message_t *rtm_message_new_text(const char *text, rtm_err_t *err);
/* A raw message of len bytes (copied; may hold NULs) with an optional UTF-8 description.
 * Bytes plus description at most 32,768 (RTM_ERR_INVALID_MESSAGE). data may be NULL only
 * when len is 0. */
RTM_API rtm_message_t *rtm_message_new_raw(const void *data, size_t len, const char *description,
                                           rtm_err_t *err);
RTM_API void rtm_message_free(rtm_message_t *message);
/* RTM_MESSAGE_TYPE_TEXT or RTM_MESSAGE_TYPE_RAW (UNDEFINED for NULL). */
RTM_API rtm_message_type_t rtm_message_type(const rtm_message_t *message);
/* TEXT: the text; RAW: the description or "". Borrowed from the message. */
RTM_API const char *rtm_message_text(const rtm_message_t *message);
/* RAW: the bytes; TEXT: the UTF-8 text (without its NUL). *len receives the size (len may be
 * NULL). Borrowed from the message. */
RTM_API const void *rtm_message_data(const rtm_message_t *message, size_t *len);
/* The server's id of a received message; 0 for a message built locally. */
RTM_API uint64_t rtm_message_id(const rtm_message_t *message);
/* The server's receive time of a received message in ms since the epoch; 0 otherwise. */
RTM_API int64_t rtm_message_server_ts_ms(const rtm_message_t *message);
/* 1 if the message was stored by the server while the receiver was offline. */
RTM_API int rtm_message_is_offline(const rtm_message_t *message);

/* ---------------------------------------------------------------------------------------- */
/* Peer messages and presence                                                                */
/* ---------------------------------------------------------------------------------------- */

/* Sends message to peer_id. SEND_PEER_MESSAGE_RESULT follows: RTM_OK only once the peer's
 * client acknowledged it; RTM_ERR_PEER_UNREACHABLE when the peer is offline (or left before
 * acknowledging); with RTM_SEND_OFFLINE in send_flags an offline peer's message is stored by
 * the server instead (RTM_ERR_CACHED_BY_SERVER) and delivered at its next login, flagged by
 * rtm_message_is_offline; RTM_ERR_TIMEOUT after request.timeout_ms. Errors of the call:
 * RTM_ERR_INVALID_ARGUMENT (NULL, unknown flag bit), RTM_ERR_INVALID_USER_ID,
 * RTM_ERR_NOT_LOGGED_IN. The message is copied; the caller keeps it. */
RTM_API rtm_err_t rtm_client_send_message_to_peer(rtm_client_t *client, const char *peer_id,
                                                  const rtm_message_t *message, uint32_t send_flags,
                                                  uint64_t *request_id);
/* Asks for the online state of 1-256 peers (RTM_ERR_EXCEED_LIMIT above 256;
 * RTM_ERR_INVALID_ARGUMENT for NULL or 0; RTM_ERR_INVALID_USER_ID for a bad id in the list).
 * QUERY_PEERS_ONLINE_STATUS_RESULT follows with one entry per distinct peer
 * (rtm_event_peer_id / rtm_event_peer_state: ONLINE or OFFLINE). */
RTM_API rtm_err_t rtm_client_query_peers_online_status(rtm_client_t *client,
                                                       const char *const *peer_ids, size_t count,
                                                       uint64_t *request_id);

/* Subscribes to the online status of 1-512 peers (RTM_ERR_EXCEED_LIMIT above; the server
 * also refuses more than 512 in total with RTM_ERR_EXCEED_LIMIT in the result). Subscribing
 * twice is no error. SUBSCRIPTION_RESULT follows, then one PEERS_ONLINE_STATUS_CHANGED with
 * the current state of the newly subscribed peers; afterwards every change of a subscribed
 * peer (login: ONLINE, logout or session end: OFFLINE) arrives as PEERS_ONLINE_STATUS_CHANGED.
 * Subscriptions end at logout. Errors: RTM_ERR_INVALID_ARGUMENT, RTM_ERR_INVALID_USER_ID,
 * RTM_ERR_EXCEED_LIMIT, RTM_ERR_NOT_LOGGED_IN. */
RTM_API rtm_err_t rtm_client_subscribe_peers_online_status(rtm_client_t *client,
                                                           const char *const *peer_ids,
                                                           size_t count, uint64_t *request_id);
/* Ends subscriptions (peers not subscribed are fine). SUBSCRIPTION_RESULT follows. */
RTM_API rtm_err_t rtm_client_unsubscribe_peers_online_status(rtm_client_t *client,
                                                             const char *const *peer_ids,
                                                             size_t count, uint64_t *request_id);
/* Lists the subscribed peers: QUERY_PEERS_BY_SUBSCRIPTION_RESULT with a user list. option must
 * be RTM_SUBSCRIPTION_OPTION_ONLINE_STATUS (RTM_ERR_INVALID_ARGUMENT otherwise). */
RTM_API rtm_err_t rtm_client_query_peers_by_subscription_option(rtm_client_t *client,
                                                                rtm_subscription_option_t option,
                                                                uint64_t *request_id);

/* ---------------------------------------------------------------------------------------- */
/* User attributes                                                                           */
/* ---------------------------------------------------------------------------------------- */

/* The local user's attributes (only a user's own session can change them; cleared at logout).
 * Checked at once: key 1-32 bytes, value 1-8192 bytes (empty: RTM_ERR_INVALID_ARGUMENT; longer:
 * RTM_ERR_SIZE_OVERFLOW), at most 32 attributes and 16,384 bytes of keys and values
 * (RTM_ERR_SIZE_OVERFLOW); the server applies the same limits to the merged result. Writes
 * end in USER_ATTRIBUTES_RESULT. */
/* Replaces all of the local user's attributes. */
RTM_API rtm_err_t rtm_client_set_local_user_attributes(rtm_client_t *client,
                                                       const rtm_attribute_t *attributes,
                                                       size_t count, uint64_t *request_id);
/* Adds the given attributes, replacing those with the same keys. */
RTM_API rtm_err_t rtm_client_add_or_update_local_user_attributes(rtm_client_t *client,
                                                                 const rtm_attribute_t *attributes,
                                                                 size_t count,
                                                                 uint64_t *request_id);
/* Removes the attributes with the given keys (absent keys are fine). */
RTM_API rtm_err_t rtm_client_delete_local_user_attributes_by_keys(rtm_client_t *client,
                                                                  const char *const *keys,
                                                                  size_t count,
                                                                  uint64_t *request_id);
/* Removes every attribute of the local user. */
RTM_API rtm_err_t rtm_client_clear_local_user_attributes(rtm_client_t *client,
                                                         uint64_t *request_id);
/* Reads any online user's attributes: GET_USER_ATTRIBUTES_RESULT with the user id and the
 * attribute list (rtm_event_attribute_*); RTM_ERR_USER_NOT_FOUND in the result when the user
 * is not online. */
RTM_API rtm_err_t rtm_client_get_user_attributes(rtm_client_t *client, const char *user_id,
                                                 uint64_t *request_id);
/* The same, only the given keys that exist. */
RTM_API rtm_err_t rtm_client_get_user_attributes_by_keys(rtm_client_t *client, const char *user_id,
                                                         const char *const *keys, size_t count,
                                                         uint64_t *request_id);

/* ---------------------------------------------------------------------------------------- */
/* Channels                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* A handle for channel_id (id rules: RTM_ERR_INVALID_CHANNEL_ID). Works in any state, also
 * before login. One live handle per channel id per client: a second create for the same id
 * fails with RTM_ERR_INVALID_STATE. Free with rtm_channel_free; the handle may outlive its
 * client (every call then returns RTM_ERR_CLOSED). */
RTM_API rtm_channel_t *rtm_client_create_channel(rtm_client_t *client, const char *channel_id,
                                                 rtm_err_t *err);
/* Leaves the channel if joined (no event follows), completes requests still pending on this
 * handle with RTM_ERR_CLOSED, frees the handle. NULL is a no-op. */
RTM_API void rtm_channel_free(rtm_channel_t *channel);
/* The channel id. Borrowed from the handle. */
RTM_API const char *rtm_channel_id(const rtm_channel_t *channel);
/* Joins. JOIN_CHANNEL_RESULT follows (with the member list, the joiner included, when
 * channel.member_list_on_join is true); the other members get CHANNEL_MEMBER_JOINED, and this
 * client CHANNEL_MEMBER_COUNT_UPDATED. Errors of the call: RTM_ERR_NOT_LOGGED_IN,
 * RTM_ERR_ALREADY_JOINED (joined or joining), RTM_ERR_EXCEED_LIMIT (a 21st channel),
 * RTM_ERR_CLOSED (client freed). */
RTM_API rtm_err_t rtm_channel_join(rtm_channel_t *channel, uint64_t *request_id);
/* Leaves. LEAVE_CHANNEL_RESULT follows; the others get CHANNEL_MEMBER_LEFT. Errors:
 * RTM_ERR_NOT_LOGGED_IN, RTM_ERR_NOT_IN_CHANNEL, RTM_ERR_CLOSED. */
RTM_API rtm_err_t rtm_channel_leave(rtm_channel_t *channel, uint64_t *request_id);
/* Sends message to every other member (never to the sender). SEND_CHANNEL_MESSAGE_RESULT
 * follows: RTM_OK once the server has it. send_flags: 0 (RTM_SEND_OFFLINE is accepted and has
 * no effect on channels; other bits: RTM_ERR_INVALID_ARGUMENT). Errors:
 * RTM_ERR_INVALID_ARGUMENT, RTM_ERR_NOT_LOGGED_IN, RTM_ERR_NOT_IN_CHANNEL, RTM_ERR_CLOSED. */
RTM_API rtm_err_t rtm_channel_send_message(rtm_channel_t *channel, const rtm_message_t *message,
                                           uint32_t send_flags, uint64_t *request_id);
/* Asks for the member list. GET_MEMBERS_RESULT follows with at most 512 ids (a random 512 of
 * a larger channel): rtm_event_user_count / rtm_event_user_at. Errors as leave. */
RTM_API rtm_err_t rtm_channel_get_members(rtm_channel_t *channel, uint64_t *request_id);

/* Sends into a channel without joining it (the legacy force-send). The server may refuse it
 * with RTM_ERR_NOT_AUTHORIZED (rtmd --deny-outside-send). SEND_CHANNEL_MESSAGE_RESULT
 * follows. Errors: RTM_ERR_INVALID_ARGUMENT, RTM_ERR_INVALID_CHANNEL_ID,
 * RTM_ERR_NOT_LOGGED_IN. */
RTM_API rtm_err_t rtm_client_send_message_to_channel(rtm_client_t *client, const char *channel_id,
                                                     const rtm_message_t *message,
                                                     uint32_t send_flags, uint64_t *request_id);
/* Member counts of 1-32 channels (RTM_ERR_EXCEED_LIMIT above). GET_CHANNEL_MEMBER_COUNT_RESULT
 * follows: rtm_event_channel_count / _channel_at / _channel_member_count_at, 0 for a channel
 * that does not exist. */
RTM_API rtm_err_t rtm_client_get_channel_member_count(rtm_client_t *client,
                                                      const char *const *channel_ids, size_t count,
                                                      uint64_t *request_id);

/* Channel attributes: no membership needed; they live while the channel has members. Each
 * entry records who last updated it and when. attr_flags: RTM_ATTR_NOTIFY_MEMBERS sends every
 * member but the caller CHANNEL_ATTRIBUTES_UPDATED with the full list. Checked at once: key
 * 1-32 bytes, value 1-8192 bytes (empty: RTM_ERR_INVALID_ARGUMENT; longer:
 * RTM_ERR_SIZE_OVERFLOW), at most 32 entries and 32,768 bytes of keys and values
 * (RTM_ERR_SIZE_OVERFLOW); the server refuses a result over those limits with
 * RTM_ERR_SIZE_OVERFLOW in the result. Writes end in CHANNEL_ATTRIBUTES_RESULT, reads in
 * GET_CHANNEL_ATTRIBUTES_RESULT (rtm_event_attribute_*). */
/* Replaces all attributes with the given ones. */
RTM_API rtm_err_t rtm_client_set_channel_attributes(rtm_client_t *client, const char *channel_id,
                                                    const rtm_attribute_t *attributes, size_t count,
                                                    uint32_t attr_flags, uint64_t *request_id);
/* Adds the given attributes, replacing those with the same keys. */
RTM_API rtm_err_t rtm_client_add_or_update_channel_attributes(rtm_client_t *client,
                                                              const char *channel_id,
                                                              const rtm_attribute_t *attributes,
                                                              size_t count, uint32_t attr_flags,
                                                              uint64_t *request_id);
/* Removes the attributes with the given keys (absent keys are fine). */
RTM_API rtm_err_t rtm_client_delete_channel_attributes_by_keys(rtm_client_t *client,
                                                               const char *channel_id,
                                                               const char *const *keys,
                                                               size_t count, uint32_t attr_flags,
                                                               uint64_t *request_id);
/* Removes every attribute. */
RTM_API rtm_err_t rtm_client_clear_channel_attributes(rtm_client_t *client, const char *channel_id,
                                                      uint32_t attr_flags, uint64_t *request_id);
/* All attributes. */
RTM_API rtm_err_t rtm_client_get_channel_attributes(rtm_client_t *client, const char *channel_id,
                                                    uint64_t *request_id);
/* The attributes with the given keys that exist. */
RTM_API rtm_err_t rtm_client_get_channel_attributes_by_keys(rtm_client_t *client,
                                                            const char *channel_id,
                                                            const char *const *keys, size_t count,
                                                            uint64_t *request_id);

/* ---------------------------------------------------------------------------------------- */
/* Call invitations                                                                          */
/* ---------------------------------------------------------------------------------------- */

/* A new local (outgoing) invitation to callee_id (id rules: RTM_ERR_INVALID_USER_ID), in state
 * RTM_LOCAL_INVITATION_STATE_IDLE. Works in any connection state. Free the reference with
 * rtm_invitation_free; it may outlive its client (calls then return RTM_ERR_CLOSED). */
RTM_API rtm_invitation_t *rtm_client_create_local_invitation(rtm_client_t *client,
                                                             const char *callee_id, rtm_err_t *err);
/* Drops this reference. Other references (from rtm_event_invitation) stay valid. */
RTM_API void rtm_invitation_free(rtm_invitation_t *invitation);
/* The same id on every reference to one invitation; unique per client, assigned at creation
 * (local) or arrival (remote). */
RTM_API uint64_t rtm_invitation_id(const rtm_invitation_t *invitation);
RTM_API rtm_invitation_kind_t rtm_invitation_kind(const rtm_invitation_t *invitation);
/* An rtm_local_invitation_state_t or rtm_remote_invitation_state_t, by kind. A transition
 * caused by the application's own call happens inside that call; one caused by the other side
 * happens before its event is queued. */
RTM_API int rtm_invitation_state(const rtm_invitation_t *invitation);
/* Borrowed strings (NULL while unset); once set they never change while the reference lives. */
RTM_API const char *rtm_invitation_caller_id(const rtm_invitation_t *invitation);
RTM_API const char *rtm_invitation_callee_id(const rtm_invitation_t *invitation);
RTM_API const char *rtm_invitation_content(const rtm_invitation_t *invitation);
RTM_API const char *rtm_invitation_response(const rtm_invitation_t *invitation);
RTM_API const char *rtm_invitation_channel_id(const rtm_invitation_t *invitation);
/* Local, before send: content (at most 8,192 bytes of UTF-8: RTM_ERR_SIZE_OVERFLOW /
 * RTM_ERR_INVALID_ARGUMENT) and channel id (RTM_ERR_INVALID_CHANNEL_ID). Remote, before the
 * answer: the response (same limits). Wrong kind or state: RTM_ERR_INVALID_STATE. */
RTM_API rtm_err_t rtm_invitation_set_content(rtm_invitation_t *invitation, const char *content);
RTM_API rtm_err_t rtm_invitation_set_channel_id(rtm_invitation_t *invitation,
                                                const char *channel_id);
RTM_API rtm_err_t rtm_invitation_set_response(rtm_invitation_t *invitation, const char *response);
/* Local, IDLE: sends it (state SENT_TO_REMOTE at once). INVITATION_RESULT follows; then
 * LOCAL_INVITATION_RECEIVED_BY_PEER, and one of LOCAL_INVITATION_ACCEPTED / _REFUSED (with the
 * response) / _FAILURE (RTM_ERR_PEER_OFFLINE, RTM_ERR_PEER_NO_RESPONSE,
 * RTM_ERR_INVITATION_EXPIRED). Needs a session (RTM_ERR_NOT_LOGGED_IN). */
RTM_API rtm_err_t rtm_invitation_send(rtm_invitation_t *invitation, uint64_t *request_id);
/* Local, sent and not ended: cancels it (state CANCELED at once); INVITATION_RESULT, then
 * LOCAL_INVITATION_CANCELED. */
RTM_API rtm_err_t rtm_invitation_cancel(rtm_invitation_t *invitation, uint64_t *request_id);
/* Remote, INVITATION_RECEIVED: accepts (state ACCEPT_SENT_TO_LOCAL at once); INVITATION_RESULT,
 * then state ACCEPTED and REMOTE_INVITATION_ACCEPTED. */
RTM_API rtm_err_t rtm_invitation_accept(rtm_invitation_t *invitation, uint64_t *request_id);
/* Remote, INVITATION_RECEIVED: refuses (state REFUSED at once); INVITATION_RESULT, then
 * REMOTE_INVITATION_REFUSED. */
RTM_API rtm_err_t rtm_invitation_refuse(rtm_invitation_t *invitation, uint64_t *request_id);

/* ---------------------------------------------------------------------------------------- */
/* Events                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* Frees an event taken from rtm_client_poll, with everything borrowed from it. */
RTM_API void rtm_event_free(rtm_event_t *event);
RTM_API rtm_event_type_t rtm_event_type(const rtm_event_t *event);
/* The request id of a result event; 0 for unsolicited events. */
RTM_API uint64_t rtm_event_request_id(const rtm_event_t *event);
/* The outcome of a result event (RTM_OK on success); RTM_OK for other events. */
RTM_API rtm_err_t rtm_event_error(const rtm_event_t *event);
/* Channel events and channel request results: the channel id; else NULL. Borrowed. */
RTM_API const char *rtm_event_channel_id(const rtm_event_t *event);
/* The sender (PEER_MESSAGE_RECEIVED), member or peer of the event; else NULL. Borrowed. */
RTM_API const char *rtm_event_user_id(const rtm_event_t *event);
/* Received messages (PEER_ and CHANNEL_MESSAGE_RECEIVED); else NULL. Borrowed from the event:
 * do not free. */
RTM_API const rtm_message_t *rtm_event_message(const rtm_event_t *event);
/* CONNECTION_STATE_CHANGED: the new state and its reason; 0 for other events. */
RTM_API rtm_connection_state_t rtm_event_connection_state(const rtm_event_t *event);
RTM_API rtm_connection_change_reason_t rtm_event_connection_reason(const rtm_event_t *event);
/* Invitation events (60-70): a NEW reference to the invitation, freed with
 * rtm_invitation_free; NULL for other events. */
RTM_API rtm_invitation_t *rtm_event_invitation(const rtm_event_t *event);
/* CHANNEL_MEMBER_COUNT_UPDATED: the count; 0 otherwise. */
RTM_API int rtm_event_member_count(const rtm_event_t *event);

/* Peer lists (QUERY_PEERS_ONLINE_STATUS_RESULT, PEERS_ONLINE_STATUS_CHANGED): the number of
 * entries (0 for events without one), the i-th peer id (borrowed; NULL out of range) and its
 * state (OFFLINE out of range). */
RTM_API size_t rtm_event_peer_count(const rtm_event_t *event);
RTM_API const char *rtm_event_peer_id(const rtm_event_t *event, size_t i);
RTM_API rtm_peer_online_state_t rtm_event_peer_state(const rtm_event_t *event, size_t i);
/* User lists (members, peers by subscription): count and i-th id (borrowed; NULL out of
 * range). */
RTM_API size_t rtm_event_user_count(const rtm_event_t *event);
RTM_API const char *rtm_event_user_at(const rtm_event_t *event, size_t i);
/* Attribute lists (GET_CHANNEL_ATTRIBUTES_RESULT, CHANNEL_ATTRIBUTES_UPDATED): count, i-th key
 * and value (borrowed; NULL out of range), who last updated it and when (ms since the epoch;
 * NULL / 0 where the list has no such data). */
RTM_API size_t rtm_event_attribute_count(const rtm_event_t *event);
RTM_API const char *rtm_event_attribute_key(const rtm_event_t *event, size_t i);
RTM_API const char *rtm_event_attribute_value(const rtm_event_t *event, size_t i);
RTM_API const char *rtm_event_attribute_updated_by(const rtm_event_t *event, size_t i);
RTM_API int64_t rtm_event_attribute_updated_ts_ms(const rtm_event_t *event, size_t i);
/* Channel lists (GET_CHANNEL_MEMBER_COUNT_RESULT): count, i-th channel id (borrowed) and its
 * member count. */
RTM_API size_t rtm_event_channel_count(const rtm_event_t *event);
RTM_API const char *rtm_event_channel_at(const rtm_event_t *event, size_t i);
RTM_API int rtm_event_channel_member_count_at(const rtm_event_t *event, size_t i);

/* ---------------------------------------------------------------------------------------- */
/* Tokens                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* Builds a login token in the "006" AccessToken format for user_id, valid until expire_ts
 * (seconds since the epoch; 0: no limit beyond the token's own 24 hours) and never longer
 * than 24 h after issue_ts. salt 0 means random, issue_ts 0 means now. app_id and
 * app_certificate are 32 hexadecimal characters each (RTM_ERR_INVALID_ARGUMENT otherwise);
 * user_id follows the id rules (RTM_ERR_INVALID_USER_ID). Free the result with
 * rtm_string_free. */
RTM_API char *rtm_token_build(const char *app_id, const char *app_certificate, const char *user_id,
                              uint32_t expire_ts, uint32_t salt, uint32_t issue_ts, rtm_err_t *err);
/* Frees a string returned by librtm. NULL is a no-op. */
RTM_API void rtm_string_free(char *s);

#ifdef __cplusplus
}
#endif

#endif /* RTM_RTM_H */
