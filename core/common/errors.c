/* Names and sentences for error codes and event types (pure tables; exported by librtm,
 * used by the client core and rtmd alike). */
#include "rtm/rtm.h"

#include <stddef.h>

static const struct {
    const char *name, *sentence;
} errs[] = {
    {"RTM_OK", "Success."},
    {"RTM_ERR_FAILURE", "The operation failed."},
    {"RTM_ERR_INVALID_ARGUMENT",
     "An argument is invalid (NULL, empty, out of range or an unknown flag)."},
    {"RTM_ERR_NOT_LOGGED_IN", "The client is not logged in."},
    {"RTM_ERR_ALREADY_LOGGED_IN", "The client is already logged in or logging in."},
    {"RTM_ERR_TIMEOUT", "The operation timed out."},
    {"RTM_ERR_TOO_OFTEN", "Too many requests: the server's rate limit was exceeded."},
    {"RTM_ERR_REJECTED", "The server rejected the request."},
    {"RTM_ERR_INVALID_APP_ID", "The app id is invalid or not the server's."},
    {"RTM_ERR_INVALID_TOKEN", "The token is invalid."},
    {"RTM_ERR_TOKEN_EXPIRED", "The token has expired."},
    {"RTM_ERR_NOT_AUTHORIZED", "The server does not allow this operation."},
    {"RTM_ERR_INVALID_USER_ID", "A user id breaks the id rules."},
    {"RTM_ERR_INVALID_CHANNEL_ID", "A channel id breaks the id rules."},
    {"RTM_ERR_INVALID_MESSAGE", "The message is invalid or larger than 32 KB."},
    {"RTM_ERR_SIZE_OVERFLOW", "A key, value or total size exceeds its limit."},
    {"RTM_ERR_EXCEED_LIMIT", "More entries than the operation allows."},
    {"RTM_ERR_PEER_UNREACHABLE", "The peer is offline or unreachable."},
    {"RTM_ERR_CACHED_BY_SERVER", "The peer is offline: the server stored the message for it."},
    {"RTM_ERR_ALREADY_JOINED", "The channel is already joined or being joined."},
    {"RTM_ERR_NOT_IN_CHANNEL", "The client is not in the channel."},
    {"RTM_ERR_USER_NOT_FOUND", "The user is not online."},
    {"RTM_ERR_PEER_OFFLINE", "The peer stayed offline."},
    {"RTM_ERR_PEER_NO_RESPONSE", "The peer did not respond."},
    {"RTM_ERR_INVITATION_EXPIRED", "The invitation expired unanswered."},
    {"RTM_ERR_INVALID_STATE", "The call is not allowed in the object's current state."},
    {"RTM_ERR_NO_MEMORY", "Out of memory."},
    {"RTM_ERR_NETWORK", "The network connection to the server failed."},
    {"RTM_ERR_TLS", "The TLS handshake or certificate check failed."},
    {"RTM_ERR_PROTOCOL", "The other side broke the wire protocol or speaks another version."},
    {"RTM_ERR_CLOSED", "The client was logged out or freed before the operation completed."},
    {"RTM_ERR_NOT_SUPPORTED", "The operation is not supported."},
};

RTM_API const char *rtm_err_name(rtm_err_t err)
{
    if ((unsigned)err >= sizeof(errs) / sizeof(errs[0]))
        return "RTM_ERR_UNKNOWN";
    return errs[err].name;
}

RTM_API const char *rtm_err_str(rtm_err_t err)
{
    if ((unsigned)err >= sizeof(errs) / sizeof(errs[0]))
        return "Unknown error code.";
    return errs[err].sentence;
}

#define EV(name) [name] = #name
static const char *const event_names[] = {
    EV(RTM_EVENT_CONNECTION_STATE_CHANGED),
    EV(RTM_EVENT_LOGIN_RESULT),
    EV(RTM_EVENT_LOGOUT_RESULT),
    EV(RTM_EVENT_RENEW_TOKEN_RESULT),
    EV(RTM_EVENT_TOKEN_EXPIRED),
    EV(RTM_EVENT_TOKEN_PRIVILEGE_WILL_EXPIRE),
    EV(RTM_EVENT_PEER_MESSAGE_RECEIVED),
    EV(RTM_EVENT_SEND_PEER_MESSAGE_RESULT),
    EV(RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT),
    EV(RTM_EVENT_SUBSCRIPTION_RESULT),
    EV(RTM_EVENT_QUERY_PEERS_BY_SUBSCRIPTION_RESULT),
    EV(RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED),
    EV(RTM_EVENT_USER_ATTRIBUTES_RESULT),
    EV(RTM_EVENT_GET_USER_ATTRIBUTES_RESULT),
    EV(RTM_EVENT_JOIN_CHANNEL_RESULT),
    EV(RTM_EVENT_LEAVE_CHANNEL_RESULT),
    EV(RTM_EVENT_CHANNEL_MEMBER_JOINED),
    EV(RTM_EVENT_CHANNEL_MEMBER_LEFT),
    EV(RTM_EVENT_CHANNEL_MESSAGE_RECEIVED),
    EV(RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT),
    EV(RTM_EVENT_GET_MEMBERS_RESULT),
    EV(RTM_EVENT_CHANNEL_MEMBER_COUNT_UPDATED),
    EV(RTM_EVENT_CHANNEL_ATTRIBUTES_UPDATED),
    EV(RTM_EVENT_CHANNEL_KICKED),
    EV(RTM_EVENT_CHANNEL_ATTRIBUTES_RESULT),
    EV(RTM_EVENT_GET_CHANNEL_ATTRIBUTES_RESULT),
    EV(RTM_EVENT_GET_CHANNEL_MEMBER_COUNT_RESULT),
    EV(RTM_EVENT_LOCAL_INVITATION_RECEIVED_BY_PEER),
    EV(RTM_EVENT_LOCAL_INVITATION_ACCEPTED),
    EV(RTM_EVENT_LOCAL_INVITATION_REFUSED),
    EV(RTM_EVENT_LOCAL_INVITATION_CANCELED),
    EV(RTM_EVENT_LOCAL_INVITATION_FAILURE),
    EV(RTM_EVENT_REMOTE_INVITATION_RECEIVED),
    EV(RTM_EVENT_REMOTE_INVITATION_ACCEPTED),
    EV(RTM_EVENT_REMOTE_INVITATION_REFUSED),
    EV(RTM_EVENT_REMOTE_INVITATION_CANCELED),
    EV(RTM_EVENT_REMOTE_INVITATION_FAILURE),
    EV(RTM_EVENT_INVITATION_RESULT),
};

RTM_API const char *rtm_event_type_name(rtm_event_type_t type)
{
    if ((unsigned)type >= sizeof(event_names) / sizeof(event_names[0]) || !event_names[type])
        return "RTM_EVENT_UNKNOWN";
    return event_names[type];
}
