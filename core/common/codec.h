/* Wire frames of protocol rtm.1 (docs/protocol.md): encoding with msgpack-c and a bounded,
 * zero-copy decoder that treats every byte as hostile. Shared by librtm and rtmd.
 * No I/O, no threads, no allocation while decoding. */
#ifndef RTM_COMMON_CODEC_H
#define RTM_COMMON_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define RTM_PROTOCOL_NAME    "rtm.1" /* WebSocket subprotocol */
#define RTM_PROTOCOL_VERSION 1       /* the "version" field of LOGIN and its result */

/* Decoder limits: a WebSocket message, one frame in it, the entries of one list, and the
 * nesting depth of any value (a frame is array > map > list: depth 3). */
#define RTM_WIRE_MAX_MESSAGE (256 * 1024)
#define RTM_WIRE_MAX_FRAME   (64 * 1024)
#define RTM_WIRE_MAX_LIST    1024
#define RTM_WIRE_MAX_DEPTH   4

/* Frame types. 1-63: client to server; 64-127: server to client. Gaps are kept for the later
 * parts of the protocol (channels 16-31, presence/attributes 32-47, invitations 48-63). */
typedef enum rtm_frame_type {
    RTM_FRAME_LOGIN = 1,        /* request: version, app_id, user, [token] */
    RTM_FRAME_LOGOUT = 2,       /* request */
    RTM_FRAME_RENEW_TOKEN = 3,  /* request: token */
    RTM_FRAME_SEND_PEER = 4,    /* request: user (receiver), mtype, [text], [data], [flags] */
    RTM_FRAME_QUERY_ONLINE = 5, /* request: users */
    RTM_FRAME_DELIVERY_ACK = 6, /* id 0: mid (the receiver has a PEER_MESSAGE) */
    RTM_FRAME_PING = 7,         /* id 0: rx (heartbeat; answered by PONG) */
    RTM_FRAME_ACK = 8,          /* id 0: rx (server frames the client has received) */

    RTM_FRAME_JOIN = 16,                /* request: channel, [with_members] */
    RTM_FRAME_LEAVE = 17,               /* request: channel */
    RTM_FRAME_SEND_CHANNEL = 18,        /* request: channel, mtype, [text], [data], [flags] */
    RTM_FRAME_GET_MEMBERS = 19,         /* request: channel */
    RTM_FRAME_COUNT_MEMBERS = 20,       /* request: channels */
    RTM_FRAME_SET_CHANNEL_ATTRS = 21,   /* request: channel, keys, values, [flags] */
    RTM_FRAME_ADD_CHANNEL_ATTRS = 22,   /* request: channel, keys, values, [flags] */
    RTM_FRAME_DEL_CHANNEL_ATTRS = 23,   /* request: channel, keys, [flags] */
    RTM_FRAME_CLEAR_CHANNEL_ATTRS = 24, /* request: channel, [flags] */
    RTM_FRAME_GET_CHANNEL_ATTRS = 25,   /* request: channel, [keys] */

    RTM_FRAME_SUBSCRIBE = 32,        /* request: users */
    RTM_FRAME_UNSUBSCRIBE = 33,      /* request: users */
    RTM_FRAME_QUERY_SUBSCRIBED = 34, /* request */
    RTM_FRAME_SET_USER_ATTRS = 35,   /* request: keys, values */
    RTM_FRAME_ADD_USER_ATTRS = 36,   /* request: keys, values */
    RTM_FRAME_DEL_USER_ATTRS = 37,   /* request: keys */
    RTM_FRAME_CLEAR_USER_ATTRS = 38, /* request */
    RTM_FRAME_GET_USER_ATTRS = 39,   /* request: user, [keys] */

    RTM_FRAME_INVITE = 48,        /* request: user (callee), iid, [text (content)], [channel] */
    RTM_FRAME_INVITE_CANCEL = 49, /* request: user (callee), iid */
    RTM_FRAME_INVITE_ACCEPT = 50, /* request: user (caller), iid, [text (response)] */
    RTM_FRAME_INVITE_REFUSE = 51, /* request: user (caller), iid, [text (response)] */
    RTM_FRAME_INVITE_ACK = 52,    /* id 0: user (caller), iid (the callee's client has it) */

    RTM_FRAME_RESULT = 64, /* reply, echoes id: err, [errmsg], per-request fields */
    RTM_FRAME_PEER_MESSAGE =
        65,                     /* push: user (sender), mid, ts, mtype, [text], [data], [offline] */
    RTM_FRAME_SESSION_END = 66, /* push: reason (rtm_connection_change_reason_t), [errmsg] */
    RTM_FRAME_ERROR = 67,       /* push or reply: err, errmsg (the frame could not be served) */
    RTM_FRAME_PONG = 68,        /* id 0: rx (answers PING) */
    RTM_FRAME_SERVER_ACK = 69,  /* id 0: rx (client frames the server has processed) */
    RTM_FRAME_GOAWAY = 70,      /* id 0: [errmsg] (the server is going down: reconnect) */

    RTM_FRAME_CHANNEL_MESSAGE = 80, /* push: channel, user, mid, ts, mtype, [text], [data] */
    RTM_FRAME_MEMBER_JOINED = 81,   /* push: channel, user */
    RTM_FRAME_MEMBER_LEFT = 82,     /* push: channel, user */
    RTM_FRAME_MEMBER_COUNT = 83,    /* push: channel, count */
    RTM_FRAME_CHANNEL_ATTRS = 84,   /* push: channel, keys, values, updaters, updated_ts */
    RTM_FRAME_PRESENCE = 85,        /* push: users, states (subscribed peers that changed) */
    RTM_FRAME_INVITE_RECEIVED = 86, /* push to the callee: user (caller), iid, [text], [channel] */
    RTM_FRAME_INVITE_UPDATE = 87,   /* push: user (the other party), iid, kind, [text], [err] */
    RTM_FRAME_TOKEN_WILL_EXPIRE = 88, /* push: ts (when the session's token ends) */
} rtm_frame_type_t;

/* Field keys of a frame's body map. Each key has one msgpack type (docs/protocol.md). */
typedef enum rtm_field {
    RTM_K_VERSION = 1,       /* uint */
    RTM_K_APP_ID = 2,        /* str */
    RTM_K_TOKEN = 3,         /* str */
    RTM_K_USER = 4,          /* str: a user id */
    RTM_K_ERR = 5,           /* uint: rtm_err_t */
    RTM_K_REASON = 6,        /* uint: rtm_connection_change_reason_t */
    RTM_K_ERRMSG = 7,        /* str: a sentence */
    RTM_K_MTYPE = 8,         /* uint: rtm_message_type_t */
    RTM_K_TEXT = 9,          /* str: text, or a raw message's description */
    RTM_K_DATA = 10,         /* bin: a raw message's bytes */
    RTM_K_FLAGS = 11,        /* uint: send flags */
    RTM_K_TS = 12,           /* int: server time, ms since the epoch */
    RTM_K_MID = 13,          /* uint: server-assigned message id */
    RTM_K_OFFLINE = 14,      /* bool */
    RTM_K_USERS = 15,        /* array of str */
    RTM_K_STATES = 16,       /* array of uint, parallel to users */
    RTM_K_CHANNEL = 17,      /* str: a channel id */
    RTM_K_CHANNELS = 18,     /* array of str: channel ids */
    RTM_K_COUNTS = 19,       /* array of uint, parallel to channels */
    RTM_K_COUNT = 20,        /* uint: a member count */
    RTM_K_KEYS = 21,         /* array of str: attribute keys */
    RTM_K_VALUES = 22,       /* array of str, parallel to keys */
    RTM_K_UPDATERS = 23,     /* array of str, parallel to keys: who last updated each */
    RTM_K_UPDATED_TS = 24,   /* array of int, parallel to keys: when, ms since the epoch */
    RTM_K_WITH_MEMBERS = 25, /* bool: a join result should carry the member list */
    RTM_K_IID = 26,          /* uint: an invitation id, the caller's (unique per caller) */
    RTM_K_KIND = 27,         /* uint: what happened to an invitation (rtm_invite_kind_t) */
    RTM_K_SESSION = 28,      /* bin: the session's resume secret */
    RTM_K_RX = 29,           /* uint: frames of the session received from the other side */
    RTM_K_RESUMED = 30,      /* bool: the login resumed a held session */
    RTM_K_EPOCH = 31,        /* uint: the server's boot id (mids are unique within it) */
    RTM_K_CMID = 32,         /* uint: the sender's own id for a message (de-duplication) */
    RTM_K_HEARTBEAT_MS = 33, /* uint: the server's heartbeat timeout */
    RTM_K__COUNT
} rtm_field_t;

/* INVITE_UPDATE kinds. */
typedef enum rtm_invite_kind {
    RTM_INVITE_RECEIVED_BY_PEER = 1, /* to the caller: the callee's client has it */
    RTM_INVITE_ACCEPTED = 2,         /* to the caller, with the response */
    RTM_INVITE_REFUSED = 3,          /* to the caller, with the response */
    RTM_INVITE_CANCELED = 4,         /* to the callee: the caller cancelled */
    RTM_INVITE_FAILED = 5,           /* to the caller, with err */
    RTM_INVITE_CALLEE_FAILED = 6,    /* to the callee, with err (iids of the two directions
                                        may be equal: the kind says which one is meant) */
} rtm_invite_kind_t;

/* A borrowed byte range (not NUL-terminated). */
typedef struct rtm_bytes {
    const char *ptr;
    size_t len;
} rtm_bytes_t;

/* One frame. On decode every pointer borrows from the input buffer or the decoder; on encode
 * from the caller. `fields` has bit (1 << key) set for each field present. */
typedef struct rtm_frame {
    uint32_t type;
    uint64_t id;
    uint64_t fields;
    uint64_t version, err, reason, mtype, flags, mid, count, iid, kind, rx, epoch, cmid,
        heartbeat_ms;
    int64_t ts;
    bool offline, with_members, resumed;
    rtm_bytes_t app_id, token, user, errmsg, text, data, channel, session;
    size_t n_users, n_states, n_channels, n_counts, n_keys, n_values, n_updaters, n_updated_ts;
    const rtm_bytes_t *users, *channels, *keys, *values, *updaters;
    const uint32_t *states, *counts;
    const int64_t *updated_ts;
} rtm_frame_t;

/* Scratch space for decoded lists; one per decoding thread (about 100 KB: keep it off small
 * stacks and out of thread-local storage). */
typedef struct rtm_decoder {
    rtm_bytes_t users[RTM_WIRE_MAX_LIST], channels[RTM_WIRE_MAX_LIST], keys[RTM_WIRE_MAX_LIST],
        values[RTM_WIRE_MAX_LIST], updaters[RTM_WIRE_MAX_LIST];
    uint32_t states[RTM_WIRE_MAX_LIST], counts[RTM_WIRE_MAX_LIST];
    int64_t updated_ts[RTM_WIRE_MAX_LIST];
} rtm_decoder_t;

typedef enum rtm_decode_status {
    RTM_DECODE_OK = 0,
    RTM_DECODE_BAD_FRAME = 1, /* a well-formed value that is no valid frame: skipped; type and
                                 id are set when they could be read (else 0) */
    RTM_DECODE_BROKEN = 2,    /* not msgpack, truncated or over a limit: the rest of the
                                 message cannot be read */
} rtm_decode_status_t;

static inline bool rtm_frame_has(const rtm_frame_t *f, rtm_field_t key)
{
    return (f->fields >> key) & 1u;
}

/* A zeroed frame of the given type and id. */
void rtm_frame_init(rtm_frame_t *f, uint32_t type, uint64_t id);
/* Setters mark the field present. Strings and bytes are borrowed until the frame is encoded. */
void rtm_frame_set_uint(rtm_frame_t *f, rtm_field_t key, uint64_t v);
void rtm_frame_set_int(rtm_frame_t *f, rtm_field_t key, int64_t v);
void rtm_frame_set_bool(rtm_frame_t *f, rtm_field_t key, bool v);
void rtm_frame_set_bytes(rtm_frame_t *f, rtm_field_t key, const void *p, size_t len);
void rtm_frame_set_str(rtm_frame_t *f, rtm_field_t key, const char *s); /* NUL-terminated */
void rtm_frame_set_users(rtm_frame_t *f, const rtm_bytes_t *users, size_t n);
void rtm_frame_set_states(rtm_frame_t *f, const uint32_t *states, size_t n);
/* Any string list (RTM_K_USERS, _CHANNELS, _KEYS, _VALUES, _UPDATERS). */
void rtm_frame_set_strs(rtm_frame_t *f, rtm_field_t key, const rtm_bytes_t *items, size_t n);
/* RTM_K_STATES or RTM_K_COUNTS. */
void rtm_frame_set_u32s(rtm_frame_t *f, rtm_field_t key, const uint32_t *items, size_t n);
/* RTM_K_UPDATED_TS. */
void rtm_frame_set_i64s(rtm_frame_t *f, rtm_field_t key, const int64_t *items, size_t n);

/* Appends the msgpack encoding of f to out. Returns false when out of memory (out keeps what
 * it had). */
bool rtm_frame_encode(rtm_buf_t *out, const rtm_frame_t *f);

/* Decodes the frame that starts at buf[*off] (buf holds len bytes, one WebSocket message).
 * On OK and BAD_FRAME, *off moves past the frame; on BROKEN it is unchanged. *why (may be
 * NULL) receives a static sentence for BAD_FRAME and BROKEN. Checks: msgpack well-formedness,
 * the limits above, the shape [uint type, uint id, map], the type of every known field,
 * the fields each known frame type requires; unknown field keys are skipped, unknown frame
 * types are BAD_FRAME. */
rtm_decode_status_t rtm_frame_decode(rtm_decoder_t *d, const uint8_t *buf, size_t len, size_t *off,
                                     rtm_frame_t *out, const char **why);

/* True for the types a client may send, and for those a server may send. */
bool rtm_frame_type_from_client(uint32_t type);
bool rtm_frame_type_from_server(uint32_t type);
/* "LOGIN", "RESULT", ...; "UNKNOWN" otherwise. */
const char *rtm_frame_type_name(uint32_t type);

#endif
