/* rtm.1 frames: a direct msgpack writer for encoding, a bounded cursor for decoding.
 * The decoder never allocates and never reads past the bytes it was given; every length and
 * count is checked against what is actually left before it is used. */
#include "codec.h"

#include <stddef.h>
#include <string.h>

/* ---- field table -------------------------------------------------------------------- */

enum field_kind {
    FK_UINT,
    FK_INT,
    FK_BOOL,
    FK_STR,
    FK_BIN,
    FK_STR_LIST,
    FK_UINT_LIST,
    FK_INT_LIST
};

static const enum field_kind field_kinds[RTM_K__COUNT] = {
    [RTM_K_VERSION] = FK_UINT,      [RTM_K_APP_ID] = FK_STR,
    [RTM_K_TOKEN] = FK_STR,         [RTM_K_USER] = FK_STR,
    [RTM_K_ERR] = FK_UINT,          [RTM_K_REASON] = FK_UINT,
    [RTM_K_ERRMSG] = FK_STR,        [RTM_K_MTYPE] = FK_UINT,
    [RTM_K_TEXT] = FK_STR,          [RTM_K_DATA] = FK_BIN,
    [RTM_K_FLAGS] = FK_UINT,        [RTM_K_TS] = FK_INT,
    [RTM_K_MID] = FK_UINT,          [RTM_K_OFFLINE] = FK_BOOL,
    [RTM_K_USERS] = FK_STR_LIST,    [RTM_K_STATES] = FK_UINT_LIST,
    [RTM_K_CHANNEL] = FK_STR,       [RTM_K_CHANNELS] = FK_STR_LIST,
    [RTM_K_COUNTS] = FK_UINT_LIST,  [RTM_K_COUNT] = FK_UINT,
    [RTM_K_KEYS] = FK_STR_LIST,     [RTM_K_VALUES] = FK_STR_LIST,
    [RTM_K_UPDATERS] = FK_STR_LIST, [RTM_K_UPDATED_TS] = FK_INT_LIST,
    [RTM_K_WITH_MEMBERS] = FK_BOOL, [RTM_K_IID] = FK_UINT,
    [RTM_K_KIND] = FK_UINT,         [RTM_K_SESSION] = FK_BIN,
    [RTM_K_RX] = FK_UINT,           [RTM_K_RESUMED] = FK_BOOL,
    [RTM_K_EPOCH] = FK_UINT,        [RTM_K_CMID] = FK_UINT,
    [RTM_K_HEARTBEAT_MS] = FK_UINT,
};

#define F(k) (UINT64_C(1) << (k))

/* Where the decoder stores each uint and byte-string field (the setters' switches, as a
 * table: one store per field on the decoder's hot path). */
static const uint16_t field_offsets[RTM_K__COUNT] = {
    [RTM_K_VERSION] = offsetof(rtm_frame_t, version),
    [RTM_K_ERR] = offsetof(rtm_frame_t, err),
    [RTM_K_REASON] = offsetof(rtm_frame_t, reason),
    [RTM_K_MTYPE] = offsetof(rtm_frame_t, mtype),
    [RTM_K_FLAGS] = offsetof(rtm_frame_t, flags),
    [RTM_K_MID] = offsetof(rtm_frame_t, mid),
    [RTM_K_COUNT] = offsetof(rtm_frame_t, count),
    [RTM_K_IID] = offsetof(rtm_frame_t, iid),
    [RTM_K_KIND] = offsetof(rtm_frame_t, kind),
    [RTM_K_RX] = offsetof(rtm_frame_t, rx),
    [RTM_K_EPOCH] = offsetof(rtm_frame_t, epoch),
    [RTM_K_CMID] = offsetof(rtm_frame_t, cmid),
    [RTM_K_HEARTBEAT_MS] = offsetof(rtm_frame_t, heartbeat_ms),
    [RTM_K_APP_ID] = offsetof(rtm_frame_t, app_id),
    [RTM_K_TOKEN] = offsetof(rtm_frame_t, token),
    [RTM_K_USER] = offsetof(rtm_frame_t, user),
    [RTM_K_ERRMSG] = offsetof(rtm_frame_t, errmsg),
    [RTM_K_TEXT] = offsetof(rtm_frame_t, text),
    [RTM_K_DATA] = offsetof(rtm_frame_t, data),
    [RTM_K_CHANNEL] = offsetof(rtm_frame_t, channel),
    [RTM_K_SESSION] = offsetof(rtm_frame_t, session),
};

struct frame_rule {
    const char *name;
    uint64_t required;
    bool from_client;
    bool needs_id; /* a request: id must not be 0 */
};

static const struct frame_rule *frame_rule(uint32_t type)
{
    static const struct frame_rule rules[] = {
        [RTM_FRAME_LOGIN] = {"LOGIN", F(RTM_K_VERSION) | F(RTM_K_APP_ID) | F(RTM_K_USER), true,
                             true},
        [RTM_FRAME_LOGOUT] = {"LOGOUT", 0, true, true},
        [RTM_FRAME_RENEW_TOKEN] = {"RENEW_TOKEN", F(RTM_K_TOKEN), true, true},
        [RTM_FRAME_SEND_PEER] = {"SEND_PEER", F(RTM_K_USER) | F(RTM_K_MTYPE), true, true},
        [RTM_FRAME_QUERY_ONLINE] = {"QUERY_ONLINE", F(RTM_K_USERS), true, true},
        [RTM_FRAME_DELIVERY_ACK] = {"DELIVERY_ACK", F(RTM_K_MID), true, false},
        [RTM_FRAME_PING] = {"PING", F(RTM_K_RX), true, false},
        [RTM_FRAME_ACK] = {"ACK", F(RTM_K_RX), true, false},
        [RTM_FRAME_PONG] = {"PONG", F(RTM_K_RX), false, false},
        [RTM_FRAME_SERVER_ACK] = {"SERVER_ACK", F(RTM_K_RX), false, false},
        [RTM_FRAME_GOAWAY] = {"GOAWAY", 0, false, false},
        [RTM_FRAME_TOKEN_WILL_EXPIRE] = {"TOKEN_WILL_EXPIRE", F(RTM_K_TS), false, false},
        [RTM_FRAME_RESULT] = {"RESULT", F(RTM_K_ERR), false, true},
        [RTM_FRAME_PEER_MESSAGE] = {"PEER_MESSAGE",
                                    F(RTM_K_USER) | F(RTM_K_MID) | F(RTM_K_TS) | F(RTM_K_MTYPE),
                                    false, false},
        [RTM_FRAME_SESSION_END] = {"SESSION_END", F(RTM_K_REASON), false, false},
        [RTM_FRAME_ERROR] = {"ERROR", F(RTM_K_ERR), false, false},
        [RTM_FRAME_JOIN] = {"JOIN", F(RTM_K_CHANNEL), true, true},
        [RTM_FRAME_LEAVE] = {"LEAVE", F(RTM_K_CHANNEL), true, true},
        [RTM_FRAME_SEND_CHANNEL] = {"SEND_CHANNEL", F(RTM_K_CHANNEL) | F(RTM_K_MTYPE), true, true},
        [RTM_FRAME_GET_MEMBERS] = {"GET_MEMBERS", F(RTM_K_CHANNEL), true, true},
        [RTM_FRAME_COUNT_MEMBERS] = {"COUNT_MEMBERS", F(RTM_K_CHANNELS), true, true},
        [RTM_FRAME_SET_CHANNEL_ATTRS] = {"SET_CHANNEL_ATTRS",
                                         F(RTM_K_CHANNEL) | F(RTM_K_KEYS) | F(RTM_K_VALUES), true,
                                         true},
        [RTM_FRAME_ADD_CHANNEL_ATTRS] = {"ADD_CHANNEL_ATTRS",
                                         F(RTM_K_CHANNEL) | F(RTM_K_KEYS) | F(RTM_K_VALUES), true,
                                         true},
        [RTM_FRAME_DEL_CHANNEL_ATTRS] = {"DEL_CHANNEL_ATTRS", F(RTM_K_CHANNEL) | F(RTM_K_KEYS),
                                         true, true},
        [RTM_FRAME_CLEAR_CHANNEL_ATTRS] = {"CLEAR_CHANNEL_ATTRS", F(RTM_K_CHANNEL), true, true},
        [RTM_FRAME_GET_CHANNEL_ATTRS] = {"GET_CHANNEL_ATTRS", F(RTM_K_CHANNEL), true, true},
        [RTM_FRAME_SUBSCRIBE] = {"SUBSCRIBE", F(RTM_K_USERS), true, true},
        [RTM_FRAME_UNSUBSCRIBE] = {"UNSUBSCRIBE", F(RTM_K_USERS), true, true},
        [RTM_FRAME_QUERY_SUBSCRIBED] = {"QUERY_SUBSCRIBED", 0, true, true},
        [RTM_FRAME_SET_USER_ATTRS] = {"SET_USER_ATTRS", F(RTM_K_KEYS) | F(RTM_K_VALUES), true,
                                      true},
        [RTM_FRAME_ADD_USER_ATTRS] = {"ADD_USER_ATTRS", F(RTM_K_KEYS) | F(RTM_K_VALUES), true,
                                      true},
        [RTM_FRAME_DEL_USER_ATTRS] = {"DEL_USER_ATTRS", F(RTM_K_KEYS), true, true},
        [RTM_FRAME_CLEAR_USER_ATTRS] = {"CLEAR_USER_ATTRS", 0, true, true},
        [RTM_FRAME_GET_USER_ATTRS] = {"GET_USER_ATTRS", F(RTM_K_USER), true, true},
        [RTM_FRAME_PRESENCE] = {"PRESENCE", F(RTM_K_USERS) | F(RTM_K_STATES), false, false},
        [RTM_FRAME_INVITE] = {"INVITE", F(RTM_K_USER) | F(RTM_K_IID), true, true},
        [RTM_FRAME_INVITE_CANCEL] = {"INVITE_CANCEL", F(RTM_K_USER) | F(RTM_K_IID), true, true},
        [RTM_FRAME_INVITE_ACCEPT] = {"INVITE_ACCEPT", F(RTM_K_USER) | F(RTM_K_IID), true, true},
        [RTM_FRAME_INVITE_REFUSE] = {"INVITE_REFUSE", F(RTM_K_USER) | F(RTM_K_IID), true, true},
        [RTM_FRAME_INVITE_ACK] = {"INVITE_ACK", F(RTM_K_USER) | F(RTM_K_IID), true, false},
        [RTM_FRAME_INVITE_RECEIVED] = {"INVITE_RECEIVED", F(RTM_K_USER) | F(RTM_K_IID), false,
                                       false},
        [RTM_FRAME_INVITE_UPDATE] = {"INVITE_UPDATE", F(RTM_K_USER) | F(RTM_K_IID) | F(RTM_K_KIND),
                                     false, false},
        [RTM_FRAME_CHANNEL_MESSAGE] = {"CHANNEL_MESSAGE",
                                       F(RTM_K_CHANNEL) | F(RTM_K_USER) | F(RTM_K_MID) |
                                           F(RTM_K_TS) | F(RTM_K_MTYPE),
                                       false, false},
        [RTM_FRAME_MEMBER_JOINED] = {"MEMBER_JOINED", F(RTM_K_CHANNEL) | F(RTM_K_USER), false,
                                     false},
        [RTM_FRAME_MEMBER_LEFT] = {"MEMBER_LEFT", F(RTM_K_CHANNEL) | F(RTM_K_USER), false, false},
        [RTM_FRAME_MEMBER_COUNT] = {"MEMBER_COUNT", F(RTM_K_CHANNEL) | F(RTM_K_COUNT), false,
                                    false},
        [RTM_FRAME_CHANNEL_ATTRS] = {"CHANNEL_ATTRS",
                                     F(RTM_K_CHANNEL) | F(RTM_K_KEYS) | F(RTM_K_VALUES) |
                                         F(RTM_K_UPDATERS) | F(RTM_K_UPDATED_TS),
                                     false, false},
    };
    if (type >= sizeof(rules) / sizeof(rules[0]) || !rules[type].name)
        return NULL;
    return &rules[type];
}

bool rtm_frame_type_from_client(uint32_t type)
{
    const struct frame_rule *r = frame_rule(type);
    return r && r->from_client;
}

bool rtm_frame_type_from_server(uint32_t type)
{
    const struct frame_rule *r = frame_rule(type);
    return r && !r->from_client;
}

const char *rtm_frame_type_name(uint32_t type)
{
    const struct frame_rule *r = frame_rule(type);
    return r ? r->name : "UNKNOWN";
}

/* ---- frame building ----------------------------------------------------------------- */

void rtm_frame_init(rtm_frame_t *f, uint32_t type, uint64_t id)
{
    memset(f, 0, sizeof(*f));
    f->type = type;
    f->id = id;
}

void rtm_frame_set_uint(rtm_frame_t *f, rtm_field_t key, uint64_t v)
{
    switch (key) {
    case RTM_K_VERSION:
        f->version = v;
        break;
    case RTM_K_ERR:
        f->err = v;
        break;
    case RTM_K_REASON:
        f->reason = v;
        break;
    case RTM_K_MTYPE:
        f->mtype = v;
        break;
    case RTM_K_FLAGS:
        f->flags = v;
        break;
    case RTM_K_MID:
        f->mid = v;
        break;
    case RTM_K_COUNT:
        f->count = v;
        break;
    case RTM_K_IID:
        f->iid = v;
        break;
    case RTM_K_KIND:
        f->kind = v;
        break;
    case RTM_K_RX:
        f->rx = v;
        break;
    case RTM_K_EPOCH:
        f->epoch = v;
        break;
    case RTM_K_CMID:
        f->cmid = v;
        break;
    case RTM_K_HEARTBEAT_MS:
        f->heartbeat_ms = v;
        break;
    default:
        return;
    }
    f->fields |= F(key);
}

void rtm_frame_set_int(rtm_frame_t *f, rtm_field_t key, int64_t v)
{
    if (key != RTM_K_TS)
        return;
    f->ts = v;
    f->fields |= F(key);
}

void rtm_frame_set_bool(rtm_frame_t *f, rtm_field_t key, bool v)
{
    if (key == RTM_K_OFFLINE)
        f->offline = v;
    else if (key == RTM_K_WITH_MEMBERS)
        f->with_members = v;
    else if (key == RTM_K_RESUMED)
        f->resumed = v;
    else
        return;
    f->fields |= F(key);
}

static rtm_bytes_t *bytes_field(rtm_frame_t *f, rtm_field_t key)
{
    switch (key) {
    case RTM_K_APP_ID:
        return &f->app_id;
    case RTM_K_TOKEN:
        return &f->token;
    case RTM_K_USER:
        return &f->user;
    case RTM_K_ERRMSG:
        return &f->errmsg;
    case RTM_K_TEXT:
        return &f->text;
    case RTM_K_DATA:
        return &f->data;
    case RTM_K_CHANNEL:
        return &f->channel;
    case RTM_K_SESSION:
        return &f->session;
    default:
        return NULL;
    }
}

void rtm_frame_set_bytes(rtm_frame_t *f, rtm_field_t key, const void *p, size_t len)
{
    rtm_bytes_t *b = bytes_field(f, key);
    if (!b)
        return;
    b->ptr = p;
    b->len = len;
    f->fields |= F(key);
}

void rtm_frame_set_str(rtm_frame_t *f, rtm_field_t key, const char *s)
{
    rtm_frame_set_bytes(f, key, s, s ? strlen(s) : 0);
}

/* The pointer and count slots of a list field; NULL for other keys. */
static bool list_slots(rtm_frame_t *f, rtm_field_t key, const void ***items, size_t **n)
{
    switch (key) {
    case RTM_K_USERS:
        *items = (const void **)&f->users, *n = &f->n_users;
        return true;
    case RTM_K_CHANNELS:
        *items = (const void **)&f->channels, *n = &f->n_channels;
        return true;
    case RTM_K_KEYS:
        *items = (const void **)&f->keys, *n = &f->n_keys;
        return true;
    case RTM_K_VALUES:
        *items = (const void **)&f->values, *n = &f->n_values;
        return true;
    case RTM_K_UPDATERS:
        *items = (const void **)&f->updaters, *n = &f->n_updaters;
        return true;
    case RTM_K_STATES:
        *items = (const void **)&f->states, *n = &f->n_states;
        return true;
    case RTM_K_COUNTS:
        *items = (const void **)&f->counts, *n = &f->n_counts;
        return true;
    case RTM_K_UPDATED_TS:
        *items = (const void **)&f->updated_ts, *n = &f->n_updated_ts;
        return true;
    default:
        return false;
    }
}

static void set_list(rtm_frame_t *f, rtm_field_t key, enum field_kind kind, const void *items,
                     size_t n)
{
    const void **slot;
    size_t *count;
    if (key <= 0 || key >= RTM_K__COUNT || field_kinds[key] != kind ||
        !list_slots(f, key, &slot, &count))
        return;
    *slot = items;
    *count = n;
    f->fields |= F(key);
}

void rtm_frame_set_strs(rtm_frame_t *f, rtm_field_t key, const rtm_bytes_t *items, size_t n)
{
    set_list(f, key, FK_STR_LIST, items, n);
}

void rtm_frame_set_u32s(rtm_frame_t *f, rtm_field_t key, const uint32_t *items, size_t n)
{
    set_list(f, key, FK_UINT_LIST, items, n);
}

void rtm_frame_set_i64s(rtm_frame_t *f, rtm_field_t key, const int64_t *items, size_t n)
{
    set_list(f, key, FK_INT_LIST, items, n);
}

void rtm_frame_set_users(rtm_frame_t *f, const rtm_bytes_t *users, size_t n)
{
    rtm_frame_set_strs(f, RTM_K_USERS, users, n);
}

void rtm_frame_set_states(rtm_frame_t *f, const uint32_t *states, size_t n)
{
    rtm_frame_set_u32s(f, RTM_K_STATES, states, n);
}

/* ---- encoding -----------------------------------------------------------------------
 * msgpack written straight into the output buffer: one size bound per frame, one reservation,
 * then plain stores. The encodings are exactly those msgpack-c's packer picks (the smallest
 * form for each integer, length and count), so the bytes on the wire did not change when the
 * per-token packer callbacks went (tests/unit/test_codec.c compares the two). */

static inline uint8_t *put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        *p++ = (uint8_t)(v >> (8 * i));
    return p;
}

static inline uint8_t *put_uint(uint8_t *p, uint64_t v)
{
    if (v < 0x80) {
        *p++ = (uint8_t)v;
        return p;
    }
    if (v <= UINT8_MAX) {
        *p++ = 0xcc;
        return put_be(p, v, 1);
    }
    if (v <= UINT16_MAX) {
        *p++ = 0xcd;
        return put_be(p, v, 2);
    }
    if (v <= UINT32_MAX) {
        *p++ = 0xce;
        return put_be(p, v, 4);
    }
    *p++ = 0xcf;
    return put_be(p, v, 8);
}

static inline uint8_t *put_int(uint8_t *p, int64_t v)
{
    if (v >= -32 && v < 0) {
        *p++ = (uint8_t)(int8_t)v; /* negative fixint */
        return p;
    }
    if (v >= 0)
        return put_uint(p, (uint64_t)v);
    if (v >= INT8_MIN) {
        *p++ = 0xd0;
        return put_be(p, (uint64_t)v, 1);
    }
    if (v >= INT16_MIN) {
        *p++ = 0xd1;
        return put_be(p, (uint64_t)v, 2);
    }
    if (v >= INT32_MIN) {
        *p++ = 0xd2;
        return put_be(p, (uint64_t)v, 4);
    }
    *p++ = 0xd3;
    return put_be(p, (uint64_t)v, 8);
}

static inline uint8_t *put_str_header(uint8_t *p, size_t n)
{
    if (n < 32) {
        *p++ = (uint8_t)(0xa0 | n);
        return p;
    }
    if (n <= UINT8_MAX) {
        *p++ = 0xd9;
        return put_be(p, n, 1);
    }
    *p++ = n <= UINT16_MAX ? 0xda : 0xdb;
    return put_be(p, n, n <= UINT16_MAX ? 2 : 4);
}

static inline uint8_t *put_bin_header(uint8_t *p, size_t n)
{
    if (n <= UINT8_MAX) {
        *p++ = 0xc4;
        return put_be(p, n, 1);
    }
    *p++ = n <= UINT16_MAX ? 0xc5 : 0xc6;
    return put_be(p, n, n <= UINT16_MAX ? 2 : 4);
}

/* The header of an array (or a map) of n entries. */
static inline uint8_t *put_container_header(uint8_t *p, bool map, size_t n)
{
    if (n < 16) {
        *p++ = (uint8_t)((map ? 0x80 : 0x90) | n);
        return p;
    }
    *p++ = map ? (n <= UINT16_MAX ? 0xde : 0xdf) : (n <= UINT16_MAX ? 0xdc : 0xdd);
    return put_be(p, n, n <= UINT16_MAX ? 2 : 4);
}

static inline uint8_t *put_bytes(uint8_t *p, const rtm_bytes_t *b, bool bin)
{
    p = bin ? put_bin_header(p, b->len) : put_str_header(p, b->len);
    if (b->len)
        memcpy(p, b->ptr, b->len);
    return p + b->len;
}

static uint64_t uint_field(const rtm_frame_t *f, rtm_field_t key)
{
    switch (key) {
    case RTM_K_VERSION:
        return f->version;
    case RTM_K_ERR:
        return f->err;
    case RTM_K_REASON:
        return f->reason;
    case RTM_K_MTYPE:
        return f->mtype;
    case RTM_K_FLAGS:
        return f->flags;
    case RTM_K_COUNT:
        return f->count;
    case RTM_K_IID:
        return f->iid;
    case RTM_K_KIND:
        return f->kind;
    case RTM_K_RX:
        return f->rx;
    case RTM_K_EPOCH:
        return f->epoch;
    case RTM_K_CMID:
        return f->cmid;
    case RTM_K_HEARTBEAT_MS:
        return f->heartbeat_ms;
    default:
        return f->mid;
    }
}

static bool bool_field(const rtm_frame_t *f, rtm_field_t key)
{
    return key == RTM_K_OFFLINE        ? f->offline
           : key == RTM_K_WITH_MEMBERS ? f->with_members
                                       : f->resumed;
}

/* The most bytes field key of f can take (key byte included); SIZE_MAX when a length or count
 * is beyond what msgpack can say. */
static size_t field_bound(const rtm_frame_t *f, rtm_field_t key)
{
    const size_t head = 5; /* the largest str/bin/array header */
    switch (field_kinds[key]) {
    case FK_UINT:
    case FK_INT:
        return 1 + 9;
    case FK_BOOL:
        return 1 + 1;
    case FK_STR:
    case FK_BIN: {
        const rtm_bytes_t *b = bytes_field((rtm_frame_t *)f, key);
        return b->len > UINT32_MAX ? SIZE_MAX : 1 + head + b->len;
    }
    case FK_STR_LIST:
    case FK_UINT_LIST:
    case FK_INT_LIST: {
        const void **items;
        size_t *n;
        if (!list_slots((rtm_frame_t *)f, key, &items, &n) || *n > UINT32_MAX)
            return SIZE_MAX;
        if (field_kinds[key] != FK_STR_LIST)
            return 1 + head + *n * 9;
        size_t total = 1 + head;
        const rtm_bytes_t *s = *items;
        for (size_t i = 0; i < *n; i++) {
            if (s[i].len > UINT32_MAX)
                return SIZE_MAX;
            total += head + s[i].len;
        }
        return total;
    }
    }
    return SIZE_MAX;
}

static uint8_t *put_field(uint8_t *p, const rtm_frame_t *f, rtm_field_t key)
{
    p = put_uint(p, (uint64_t)key);
    enum field_kind kind = field_kinds[key];
    switch (kind) {
    case FK_UINT:
        return put_uint(p, uint_field(f, key));
    case FK_INT:
        return put_int(p, f->ts);
    case FK_BOOL:
        *p++ = bool_field(f, key) ? 0xc3 : 0xc2;
        return p;
    case FK_STR:
    case FK_BIN:
        return put_bytes(p, bytes_field((rtm_frame_t *)f, key), kind == FK_BIN);
    case FK_STR_LIST:
    case FK_UINT_LIST:
    case FK_INT_LIST: {
        const void **items;
        size_t *n;
        if (!list_slots((rtm_frame_t *)f, key, &items, &n))
            return p; /* field_bound refused it already */
        p = put_container_header(p, false, *n);
        for (size_t i = 0; i < *n; i++) {
            if (kind == FK_STR_LIST)
                p = put_bytes(p, &((const rtm_bytes_t *)*items)[i], false);
            else if (kind == FK_UINT_LIST)
                p = put_uint(p, ((const uint32_t *)*items)[i]);
            else
                p = put_int(p, ((const int64_t *)*items)[i]);
        }
        return p;
    }
    }
    return p;
}

bool rtm_frame_encode(rtm_buf_t *out, const rtm_frame_t *f)
{
    /* array header, type (uint32), id (uint64), map header (at most 3 bytes: < 64K keys) */
    size_t bound = 1 + 5 + 9 + 3;
    uint32_t nfields = 0;
    for (uint64_t bits = f->fields & ~UINT64_C(1); bits; bits &= bits - 1) {
        int k = __builtin_ctzll(bits);
        if (k >= RTM_K__COUNT)
            break; /* setters never mark keys past the table */
        size_t b = field_bound(f, (rtm_field_t)k);
        if (b == SIZE_MAX || b > SIZE_MAX / 2 - bound)
            return false;
        bound += b;
        nfields++;
    }
    uint8_t *start;
    if (!rtm_buf_reserve(out, bound) || !(start = rtm_buf_data(out)))
        return false;
    start += out->len;
    uint8_t *p = start;
    *p++ = 0x93;
    p = put_uint(p, f->type);
    p = put_uint(p, f->id);
    p = put_container_header(p, true, nfields);
    for (uint64_t bits = f->fields & ~UINT64_C(1); bits; bits &= bits - 1) {
        int k = __builtin_ctzll(bits);
        if (k >= RTM_K__COUNT)
            break;
        p = put_field(p, f, (rtm_field_t)k);
    }
    out->len += (size_t)(p - start);
    return true;
}

/* ---- bounded msgpack reader --------------------------------------------------------- */

typedef struct cursor {
    const uint8_t *p, *end;
} cursor_t;

enum mp_kind {
    MP_NIL,
    MP_BOOL,
    MP_UINT,
    MP_INT,
    MP_FLOAT,
    MP_STR,
    MP_BIN,
    MP_ARRAY,
    MP_MAP,
    MP_EXT
};

typedef struct mp_value {
    enum mp_kind kind;
    uint64_t u;      /* UINT, and the bits of a non-negative INT */
    int64_t i;       /* INT (negative) */
    bool b;          /* BOOL */
    const char *ptr; /* STR, BIN, EXT payload */
    uint64_t len;    /* STR/BIN/EXT bytes, ARRAY/MAP entries */
} mp_value_t;

static bool take(cursor_t *c, size_t n, const uint8_t **out)
{
    if ((size_t)(c->end - c->p) < n)
        return false;
    *out = c->p;
    c->p += n;
    return true;
}

static bool read_be(cursor_t *c, size_t n, uint64_t *v)
{
    const uint8_t *p;
    if (!take(c, n, &p))
        return false;
    *v = 0;
    for (size_t i = 0; i < n; i++)
        *v = (*v << 8) | p[i];
    return true;
}

static bool read_payload(cursor_t *c, mp_value_t *v, enum mp_kind kind, uint64_t len)
{
    const uint8_t *p;
    if (len > (uint64_t)(c->end - c->p) || !take(c, (size_t)len, &p))
        return false;
    v->kind = kind;
    v->ptr = (const char *)p;
    v->len = len;
    return true;
}

static bool read_sized(cursor_t *c, mp_value_t *v, enum mp_kind kind, size_t width)
{
    uint64_t len;
    return read_be(c, width, &len) && read_payload(c, v, kind, len);
}

static bool read_count(cursor_t *c, mp_value_t *v, enum mp_kind kind, uint64_t n, uint64_t per)
{
    /* Every entry needs at least one byte per element: a count the remaining input cannot
     * hold is refused before anyone loops over it. */
    if (n > (uint64_t)(c->end - c->p) / per)
        return false;
    v->kind = kind;
    v->len = n;
    return true;
}

/* Reads one value's header; scalars and byte strings completely, arrays and maps as a count
 * whose entries follow. Sets kind and only the fields that kind uses (the decoder's inner
 * loop: no clearing of the rest). */
static inline bool mp_read(cursor_t *c, mp_value_t *v)
{
    const uint8_t *p;
    uint64_t x;
    if (!take(c, 1, &p))
        return false;
    uint8_t t = *p;
    if (t <= 0x7f) {
        v->kind = MP_UINT;
        v->u = t;
        return true;
    }
    if (t >= 0xe0) {
        v->kind = MP_INT;
        v->i = (int8_t)t;
        return true;
    }
    if ((t & 0xf0) == 0x80)
        return read_count(c, v, MP_MAP, t & 0x0f, 2);
    if ((t & 0xf0) == 0x90)
        return read_count(c, v, MP_ARRAY, t & 0x0f, 1);
    if ((t & 0xe0) == 0xa0)
        return read_payload(c, v, MP_STR, t & 0x1f);
    switch (t) {
    case 0xc0:
        v->kind = MP_NIL;
        return true;
    case 0xc2:
    case 0xc3:
        v->kind = MP_BOOL;
        v->b = t == 0xc3;
        return true;
    case 0xc4:
        return read_sized(c, v, MP_BIN, 1);
    case 0xc5:
        return read_sized(c, v, MP_BIN, 2);
    case 0xc6:
        return read_sized(c, v, MP_BIN, 4);
    case 0xc7:
    case 0xc8:
    case 0xc9:
        if (!read_be(c, (size_t)1 << (t - 0xc7), &x) || !take(c, 1, &p))
            return false;
        return read_payload(c, v, MP_EXT, x);
    case 0xca:
        v->kind = MP_FLOAT;
        return read_be(c, 4, &x);
    case 0xcb:
        v->kind = MP_FLOAT;
        return read_be(c, 8, &x);
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
        v->kind = MP_UINT;
        return read_be(c, (size_t)1 << (t - 0xcc), &v->u);
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        size_t w = (size_t)1 << (t - 0xd0);
        if (!read_be(c, w, &x))
            return false;
        v->kind = MP_INT;
        /* sign-extend the w-byte big-endian value */
        v->i = w == 8 ? (int64_t)x
                      : (int64_t)(x ^ (1ull << (w * 8 - 1))) - (int64_t)(1ull << (w * 8 - 1));
        if (v->i >= 0) {
            v->kind = MP_UINT;
            v->u = (uint64_t)v->i;
        }
        return true;
    }
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
        if (!take(c, 1, &p))
            return false;
        return read_payload(c, v, MP_EXT, (uint64_t)1 << (t - 0xd4));
    case 0xd9:
        return read_sized(c, v, MP_STR, 1);
    case 0xda:
        return read_sized(c, v, MP_STR, 2);
    case 0xdb:
        return read_sized(c, v, MP_STR, 4);
    case 0xdc:
    case 0xdd:
        return read_be(c, t == 0xdc ? 2 : 4, &x) && read_count(c, v, MP_ARRAY, x, 1);
    case 0xde:
    case 0xdf:
        return read_be(c, t == 0xde ? 2 : 4, &x) && read_count(c, v, MP_MAP, x, 2);
    default:
        return false; /* 0xc1 is never used */
    }
}

/* Skips one complete value found at container depth `depth` (the frame's own array is 1),
 * refusing containers nested deeper than RTM_WIRE_MAX_DEPTH. */
static bool mp_skip(cursor_t *c, int depth)
{
    mp_value_t v;
    if (!mp_read(c, &v))
        return false;
    if (v.kind != MP_ARRAY && v.kind != MP_MAP)
        return true;
    if (depth > RTM_WIRE_MAX_DEPTH)
        return false;
    uint64_t n = v.kind == MP_MAP ? v.len * 2 : v.len;
    for (uint64_t i = 0; i < n; i++)
        if (!mp_skip(c, depth + 1))
            return false;
    return true;
}

/* ---- frame decoding ----------------------------------------------------------------- */

static bool decode_field(rtm_decoder_t *d, cursor_t *c, rtm_frame_t *f, rtm_field_t key,
                         const char **why)
{
    mp_value_t v;
    if (!mp_read(c, &v))
        return false;
    switch (field_kinds[key]) {
    case FK_UINT:
        if (v.kind != MP_UINT) {
            *why = "a field that must be an unsigned integer is not";
            return false;
        }
        *(uint64_t *)((char *)f + field_offsets[key]) = v.u;
        f->fields |= F(key);
        return true;
    case FK_INT:
        if (v.kind != MP_UINT && v.kind != MP_INT) {
            *why = "a field that must be an integer is not";
            return false;
        }
        if (v.kind == MP_UINT && v.u > INT64_MAX) {
            *why = "an integer field is out of range";
            return false;
        }
        rtm_frame_set_int(f, key, v.kind == MP_UINT ? (int64_t)v.u : v.i);
        return true;
    case FK_BOOL:
        if (v.kind != MP_BOOL) {
            *why = "a field that must be a boolean is not";
            return false;
        }
        rtm_frame_set_bool(f, key, v.b);
        return true;
    case FK_STR:
    case FK_BIN:
        if (v.kind != (field_kinds[key] == FK_STR ? MP_STR : MP_BIN)) {
            *why = field_kinds[key] == FK_STR ? "a field that must be a string is not"
                                              : "a field that must be binary is not";
            return false;
        }
        rtm_bytes_t *b = (rtm_bytes_t *)((char *)f + field_offsets[key]);
        b->ptr = v.ptr;
        b->len = (size_t)v.len;
        f->fields |= F(key);
        return true;
    case FK_STR_LIST:
    case FK_UINT_LIST:
    case FK_INT_LIST: {
        if (v.kind != MP_ARRAY) {
            *why = "a field that must be a list is not";
            return false;
        }
        if (v.len > RTM_WIRE_MAX_LIST) {
            *why = "a list has too many entries";
            return false;
        }
        rtm_bytes_t *strs = key == RTM_K_USERS      ? d->users
                            : key == RTM_K_CHANNELS ? d->channels
                            : key == RTM_K_KEYS     ? d->keys
                            : key == RTM_K_VALUES   ? d->values
                                                    : d->updaters;
        uint32_t *u32s = key == RTM_K_STATES ? d->states : d->counts;
        for (uint64_t i = 0; i < v.len; i++) {
            mp_value_t e;
            if (!mp_read(c, &e))
                return false;
            if (field_kinds[key] == FK_STR_LIST && e.kind == MP_STR) {
                strs[i].ptr = e.ptr;
                strs[i].len = (size_t)e.len;
            } else if (field_kinds[key] == FK_UINT_LIST && e.kind == MP_UINT && e.u <= UINT32_MAX) {
                u32s[i] = (uint32_t)e.u;
            } else if (field_kinds[key] == FK_INT_LIST &&
                       ((e.kind == MP_UINT && e.u <= INT64_MAX) || e.kind == MP_INT)) {
                d->updated_ts[i] = e.kind == MP_UINT ? (int64_t)e.u : e.i;
            } else {
                *why = "a list entry has the wrong type";
                return false;
            }
        }
        if (field_kinds[key] == FK_STR_LIST)
            rtm_frame_set_strs(f, key, strs, (size_t)v.len);
        else if (field_kinds[key] == FK_UINT_LIST)
            rtm_frame_set_u32s(f, key, u32s, (size_t)v.len);
        else
            rtm_frame_set_i64s(f, key, d->updated_ts, (size_t)v.len);
        return true;
    }
    }
    return false;
}

static rtm_decode_status_t decode_body(rtm_decoder_t *d, cursor_t *c, rtm_frame_t *out,
                                       const char **why)
{
    mp_value_t v;
    if (!mp_read(c, &v) || v.kind != MP_ARRAY || v.len != 3) {
        *why = "a frame must be an array of type, id and body";
        return RTM_DECODE_BAD_FRAME;
    }
    if (!mp_read(c, &v) || v.kind != MP_UINT || v.u > UINT32_MAX) {
        *why = "the frame type must be an unsigned integer";
        return RTM_DECODE_BAD_FRAME;
    }
    out->type = (uint32_t)v.u;
    if (!mp_read(c, &v) || v.kind != MP_UINT) {
        *why = "the frame id must be an unsigned integer";
        return RTM_DECODE_BAD_FRAME;
    }
    out->id = v.u;
    if (!mp_read(c, &v) || v.kind != MP_MAP) {
        *why = "the frame body must be a map";
        return RTM_DECODE_BAD_FRAME;
    }
    uint64_t n = v.len;
    for (uint64_t i = 0; i < n; i++) {
        mp_value_t k;
        if (c->p < c->end && *c->p <= 0x7f) { /* a positive fixint: how keys are written */
            k.kind = MP_UINT;
            k.u = *c->p++;
        } else if (!mp_read(c, &k) || k.kind != MP_UINT) {
            *why = "a body key must be an unsigned integer";
            return RTM_DECODE_BAD_FRAME;
        }
        if (k.u == 0 || k.u >= RTM_K__COUNT) {
            if (!mp_skip(c, 3)) /* unknown key: skipped for forward compatibility */
                return RTM_DECODE_BAD_FRAME;
            continue;
        }
        *why = "a body field is malformed";
        if (!decode_field(d, c, out, (rtm_field_t)k.u, why))
            return RTM_DECODE_BAD_FRAME;
    }
    const struct frame_rule *rule = frame_rule(out->type);
    if (!rule) {
        *why = "unknown frame type";
        return RTM_DECODE_BAD_FRAME;
    }
    if ((out->fields & rule->required) != rule->required) {
        *why = "the frame lacks a required field";
        return RTM_DECODE_BAD_FRAME;
    }
    if (rule->needs_id && out->id == 0) {
        *why = "a request must carry a non-zero id";
        return RTM_DECODE_BAD_FRAME;
    }
    /* parallel lists: each pairs up with its index list */
    static const struct {
        rtm_field_t list, index;
    } pairs[] = {{RTM_K_STATES, RTM_K_USERS},
                 {RTM_K_COUNTS, RTM_K_CHANNELS},
                 {RTM_K_VALUES, RTM_K_KEYS},
                 {RTM_K_UPDATERS, RTM_K_KEYS},
                 {RTM_K_UPDATED_TS, RTM_K_KEYS}};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const void **a, **b;
        size_t *na, *nb;
        if (!(out->fields & F(pairs[i].list)))
            continue;
        list_slots(out, pairs[i].list, &a, &na);
        list_slots(out, pairs[i].index, &b, &nb);
        if (!(out->fields & F(pairs[i].index)) || *na != *nb) {
            *why = "a list does not pair up with the list it belongs to";
            return RTM_DECODE_BAD_FRAME;
        }
    }
    return RTM_DECODE_OK;
}

rtm_decode_status_t rtm_frame_decode(rtm_decoder_t *d, const uint8_t *buf, size_t len, size_t *off,
                                     rtm_frame_t *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    rtm_frame_init(out, 0, 0);
    if (!buf || *off >= len || len > RTM_WIRE_MAX_MESSAGE) {
        *why = len > RTM_WIRE_MAX_MESSAGE ? "the message is too large" : "no frame to read";
        return RTM_DECODE_BROKEN;
    }
    /* The common case in one pass: a valid frame read straight from the message. Its values
     * sit at the same depths the structural pass below checks (the body's values at 3), so
     * whatever this accepts that pass accepts too, with the same result. */
    cursor_t fast = {buf + *off, buf + len};
    if (decode_body(d, &fast, out, why) == RTM_DECODE_OK &&
        fast.p - (buf + *off) <= RTM_WIRE_MAX_FRAME) {
        *off += (size_t)(fast.p - (buf + *off));
        *why = NULL;
        return RTM_DECODE_OK;
    }
    /* Anything else: first find where the frame ends (this validates the msgpack structure
     * and tells broken input from a bad frame), then read it within exactly those bytes. */
    rtm_frame_init(out, 0, 0);
    *why = NULL;
    cursor_t extent = {buf + *off, buf + len};
    if (!mp_skip(&extent, 1)) {
        *why = "the frame is not well-formed msgpack, is truncated or nests too deep";
        return RTM_DECODE_BROKEN;
    }
    size_t frame_len = (size_t)(extent.p - (buf + *off));
    cursor_t c = {buf + *off, extent.p};
    *off += frame_len;
    if (frame_len > RTM_WIRE_MAX_FRAME) {
        *why = "the frame is too large";
        return RTM_DECODE_BAD_FRAME;
    }
    rtm_decode_status_t st = decode_body(d, &c, out, why);
    if (st == RTM_DECODE_OK)
        *why = NULL;
    return st;
}
