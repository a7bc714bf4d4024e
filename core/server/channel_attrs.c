/* Channel attributes (see channel_attrs.h). At most 32 entries per channel, so lookups are
 * linear scans. Every write first builds its new entries, then swaps them in: a request that
 * fails (limits, memory) leaves the channel as it was. */
#include "channel_attrs.h"

#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "clock.h"
#include "conn.h"
#include "rules.h"
#include "server.h"

struct rtmd_attr {
    int64_t updated_ts; /* wall clock ms */
    uint32_t value_len;
    uint8_t key_len, updater_len;
    char key[RTM_ATTR_KEY_MAX_BYTES];
    char updater[RTM_ID_MAX_BYTES];
    char value[];
};

static rtmd_attr_t *attr_new(const rtm_bytes_t *key, const rtm_bytes_t *value,
                             const rtmd_conn_t *writer, int64_t ts)
{
    rtmd_attr_t *a = malloc(sizeof(*a) + value->len);
    if (!a)
        return NULL;
    a->updated_ts = ts;
    a->value_len = (uint32_t)value->len;
    a->key_len = (uint8_t)key->len;
    a->updater_len = writer->user_len;
    memcpy(a->key, key->ptr, key->len);
    memcpy(a->updater, writer->user, writer->user_len);
    memcpy(a->value, value->ptr, value->len);
    return a;
}

static uint32_t attr_bytes(const rtmd_attr_t *a)
{
    return a->key_len + a->value_len;
}

void rtmd_channel_attrs_free(rtmd_channel_attrs_t *a)
{
    for (uint32_t i = 0; i < a->n; i++)
        free(a->items[i]);
    free(a->items);
    memset(a, 0, sizeof(*a));
}

/* The index of key in a, or -1. */
static int attr_find(const rtmd_channel_attrs_t *a, const rtm_bytes_t *key)
{
    for (uint32_t i = 0; i < a->n; i++)
        if (a->items[i]->key_len == key->len && memcmp(a->items[i]->key, key->ptr, key->len) == 0)
            return (int)i;
    return -1;
}

static bool same_bytes(const rtm_bytes_t *x, const rtm_bytes_t *y)
{
    return x->len == y->len && memcmp(x->ptr, y->ptr, x->len) == 0;
}

/* A key or value must be text an application can hold as a C string. */
static bool text_ok(const rtm_bytes_t *b)
{
    return !memchr(b->ptr, '\0', b->len) && rtm_utf8_valid(b->ptr, b->len);
}

/* Checks the keys (and values) of a request against the per-request limits. Duplicate keys
 * are refused where values come with them (which one would win is not obvious). */
static rtm_err_t check_request(const rtm_frame_t *f, bool with_values, const char **why)
{
    size_t n = rtm_frame_has(f, RTM_K_KEYS) ? f->n_keys : 0;
    if (n > RTM_ATTR_MAX_COUNT) {
        *why = "at most 32 attributes per request";
        return RTM_ERR_SIZE_OVERFLOW;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const rtm_bytes_t *k = &f->keys[i];
        if (k->len == 0) {
            *why = "an attribute key is empty";
            return RTM_ERR_INVALID_ARGUMENT;
        }
        if (k->len > RTM_ATTR_KEY_MAX_BYTES) {
            *why = "an attribute key is over 32 bytes";
            return RTM_ERR_SIZE_OVERFLOW;
        }
        if (!text_ok(k)) {
            *why = "an attribute key is not UTF-8 text without NUL bytes";
            return RTM_ERR_INVALID_ARGUMENT;
        }
        if (!with_values)
            continue;
        const rtm_bytes_t *v = &f->values[i];
        if (v->len == 0) {
            *why = "an attribute value is empty";
            return RTM_ERR_INVALID_ARGUMENT;
        }
        if (v->len > RTM_ATTR_VALUE_MAX_BYTES) {
            *why = "an attribute value is over 8192 bytes";
            return RTM_ERR_SIZE_OVERFLOW;
        }
        if (!text_ok(v)) {
            *why = "an attribute value is not UTF-8 text without NUL bytes";
            return RTM_ERR_INVALID_ARGUMENT;
        }
        for (size_t j = 0; j < i; j++)
            if (same_bytes(&f->keys[j], k)) {
                *why = "an attribute key appears twice";
                return RTM_ERR_INVALID_ARGUMENT;
            }
        total += k->len + v->len;
    }
    if (total > RTM_CHANNEL_ATTR_TOTAL_BYTES) {
        *why = "the attributes are over 32768 bytes";
        return RTM_ERR_SIZE_OVERFLOW;
    }
    return RTM_OK;
}

static bool ensure_slots(rtmd_channel_attrs_t *a)
{
    if (!a->items)
        a->items = calloc(RTM_ATTR_MAX_COUNT, sizeof(*a->items));
    return a->items != NULL;
}

/* SET (replace_all) or ADD the request's entries. RTM_OK, SIZE_OVERFLOW (the merged result is
 * too big) or NO_MEMORY; nothing changes unless RTM_OK. */
static rtm_err_t write_entries(rtmd_channel_attrs_t *a, const rtm_frame_t *f, bool replace_all,
                               const rtmd_conn_t *writer, const char **why)
{
    size_t n = f->n_keys;
    int slot[RTM_ATTR_MAX_COUNT];
    uint32_t count = replace_all ? 0 : a->n;
    uint64_t bytes = replace_all ? 0 : a->bytes;
    for (size_t i = 0; i < n; i++) {
        slot[i] = replace_all ? -1 : attr_find(a, &f->keys[i]);
        if (slot[i] >= 0) {
            bytes -= a->items[slot[i]]->value_len;
            bytes += f->values[i].len;
        } else {
            count++;
            bytes += f->keys[i].len + f->values[i].len;
        }
    }
    if (count > RTM_ATTR_MAX_COUNT || bytes > RTM_CHANNEL_ATTR_TOTAL_BYTES) {
        *why = count > RTM_ATTR_MAX_COUNT ? "the channel would have over 32 attributes"
                                          : "the channel's attributes would be over 32768 bytes";
        return RTM_ERR_SIZE_OVERFLOW;
    }
    rtmd_attr_t *fresh[RTM_ATTR_MAX_COUNT];
    int64_t ts = rtm_now_wall_ms();
    for (size_t i = 0; i < n; i++) {
        fresh[i] = attr_new(&f->keys[i], &f->values[i], writer, ts);
        if (!fresh[i]) {
            while (i--)
                free(fresh[i]);
            *why = "the server is out of memory";
            return RTM_ERR_NO_MEMORY;
        }
    }
    if (n && !ensure_slots(a)) {
        for (size_t i = 0; i < n; i++)
            free(fresh[i]);
        *why = "the server is out of memory";
        return RTM_ERR_NO_MEMORY;
    }
    if (replace_all) {
        for (uint32_t i = 0; i < a->n; i++)
            free(a->items[i]);
        a->n = 0;
        a->bytes = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (slot[i] >= 0) {
            a->bytes -= attr_bytes(a->items[slot[i]]);
            free(a->items[slot[i]]);
            a->items[slot[i]] = fresh[i];
        } else {
            a->items[a->n++] = fresh[i];
        }
        a->bytes += attr_bytes(fresh[i]);
    }
    if (a->n == 0 && a->items) {
        free(a->items);
        a->items = NULL;
    }
    return RTM_OK;
}

/* Removes the entries whose key is among keys[0..n); the others keep their order. */
static void delete_keys(rtmd_channel_attrs_t *a, const rtm_bytes_t *keys, size_t n)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        rtmd_attr_t *e = a->items[i];
        bool gone = false;
        for (size_t j = 0; j < n && !gone; j++)
            gone = e->key_len == keys[j].len && memcmp(e->key, keys[j].ptr, keys[j].len) == 0;
        if (gone) {
            a->bytes -= attr_bytes(e);
            free(e);
        } else {
            a->items[kept++] = e;
        }
    }
    a->n = kept;
    if (kept == 0) {
        free(a->items);
        a->items = NULL;
    }
}

/* Keys, values, updaters and timestamps of the entries of a at idx[0..n), in that order, set
 * on f; the arrays are static (one frame at a time). */
static void set_entries(rtm_frame_t *f, const rtmd_channel_attrs_t *a, const uint32_t *idx,
                        size_t n)
{
    static rtm_bytes_t keys[RTM_ATTR_MAX_COUNT], values[RTM_ATTR_MAX_COUNT],
        updaters[RTM_ATTR_MAX_COUNT];
    static int64_t ts[RTM_ATTR_MAX_COUNT];
    for (size_t i = 0; i < n; i++) {
        const rtmd_attr_t *e = a->items[idx[i]];
        keys[i] = (rtm_bytes_t){e->key, e->key_len};
        values[i] = (rtm_bytes_t){e->value, e->value_len};
        updaters[i] = (rtm_bytes_t){e->updater, e->updater_len};
        ts[i] = e->updated_ts;
    }
    rtm_frame_set_strs(f, RTM_K_KEYS, keys, n);
    rtm_frame_set_strs(f, RTM_K_VALUES, values, n);
    rtm_frame_set_strs(f, RTM_K_UPDATERS, updaters, n);
    rtm_frame_set_i64s(f, RTM_K_UPDATED_TS, ts, n);
}

static size_t all_entries(const rtmd_channel_attrs_t *a, uint32_t *idx)
{
    for (uint32_t i = 0; i < a->n; i++)
        idx[i] = i;
    return a->n;
}

/* CHANNEL_ATTRS with the full list to every member of ch but the writer. */
static void notify_members(rtmd_server_t *srv, rtmd_channel_t *ch, const rtmd_conn_t *writer)
{
    if (ch->n_members == 0 || (ch->n_members == 1 && ch->members[0]->conn == writer))
        return;
    uint32_t idx[RTM_ATTR_MAX_COUNT];
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_CHANNEL_ATTRS, 0);
    rtm_frame_set_bytes(&f, RTM_K_CHANNEL, ch->id, ch->id_len);
    size_t n = all_entries(&ch->attrs, idx);
    set_entries(&f, &ch->attrs, idx, n);
    rtmd_msg_t *m = rtmd_msg_encode(&f);
    if (!m) {
        rtm_log(&srv->log, RTM_LOG_ERROR, "out of memory: an attribute update was not sent");
        return;
    }
    rtmd_channel_broadcast(srv, ch, m, writer);
    rtmd_msg_unref(m);
}

void rtmd_channel_attrs_write(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    const char *why = NULL;
    rtm_err_t err = RTM_OK;
    if (!rtm_frame_has(f, RTM_K_CHANNEL) || !rtm_id_valid(f->channel.ptr, f->channel.len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_CHANNEL_ID, "the channel id is not valid");
        return;
    }
    uint64_t flags = rtm_frame_has(f, RTM_K_FLAGS) ? f->flags : 0;
    if (flags & ~(uint64_t)RTM_ATTR_NOTIFY_MEMBERS) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_ARGUMENT, "unknown attribute flag bits");
        return;
    }
    bool with_values =
        f->type == RTM_FRAME_SET_CHANNEL_ATTRS || f->type == RTM_FRAME_ADD_CHANNEL_ATTRS;
    if (f->type != RTM_FRAME_CLEAR_CHANNEL_ATTRS &&
        (err = check_request(f, with_values, &why)) != RTM_OK) {
        rtmd_conn_result(srv, c, f->id, err, why);
        return;
    }
    size_t n = rtm_frame_has(f, RTM_K_KEYS) ? f->n_keys : 0;
    rtmd_channel_t *ch = rtmd_channel_find(srv, f->channel.ptr, f->channel.len);
    if (!ch && with_values && n) { /* attributes create a channel record (without members) */
        ch = rtmd_channel_get_or_create(srv, f->channel.ptr, f->channel.len);
        if (!ch) {
            rtmd_conn_result(srv, c, f->id, RTM_ERR_NO_MEMORY, "the server is out of memory");
            return;
        }
    }
    if (ch) {
        rtmd_channel_attrs_t *a = &ch->attrs;
        switch (f->type) {
        case RTM_FRAME_SET_CHANNEL_ATTRS:
        case RTM_FRAME_ADD_CHANNEL_ATTRS:
            err = write_entries(a, f, f->type == RTM_FRAME_SET_CHANNEL_ATTRS, c, &why);
            break;
        case RTM_FRAME_DEL_CHANNEL_ATTRS:
            delete_keys(a, f->keys, n);
            break;
        default: /* CLEAR */
            rtmd_channel_attrs_free(a);
            break;
        }
        if (rtmd_channel_drop_if_unused(srv, ch))
            ch = NULL;
    }
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: %s on channel %.*s: %s (%u entries)",
            (unsigned long long)c->id, c->user, rtm_frame_type_name(f->type), (int)f->channel.len,
            f->channel.ptr, err == RTM_OK ? "ok" : why, ch ? (unsigned)ch->attrs.n : 0u);
    rtmd_conn_result(srv, c, f->id, err, err == RTM_OK ? NULL : why);
    if (err == RTM_OK && ch && (flags & RTM_ATTR_NOTIFY_MEMBERS))
        notify_members(srv, ch, c);
}

void rtmd_channel_attrs_get(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    const char *why = NULL;
    rtm_err_t err;
    if (!rtm_frame_has(f, RTM_K_CHANNEL) || !rtm_id_valid(f->channel.ptr, f->channel.len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_CHANNEL_ID, "the channel id is not valid");
        return;
    }
    if ((err = check_request(f, false, &why)) != RTM_OK) {
        rtmd_conn_result(srv, c, f->id, err, why);
        return;
    }
    static const rtmd_channel_attrs_t none;
    const rtmd_channel_t *ch = rtmd_channel_find(srv, f->channel.ptr, f->channel.len);
    const rtmd_channel_attrs_t *a = ch ? &ch->attrs : &none;
    uint32_t idx[RTM_ATTR_MAX_COUNT];
    size_t n = 0, n_keys = rtm_frame_has(f, RTM_K_KEYS) ? f->n_keys : 0;
    if (n_keys == 0) { /* no keys, or an empty list: everything */
        n = all_entries(a, idx);
    } else {
        for (size_t i = 0; i < n_keys; i++) {
            int at = attr_find(a, &f->keys[i]);
            bool seen = false;
            for (size_t j = 0; j < n && !seen && at >= 0; j++)
                seen = idx[j] == (uint32_t)at;
            if (at >= 0 && !seen)
                idx[n++] = (uint32_t)at;
        }
    }
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
    set_entries(&r, a, idx, n);
    rtmd_conn_send(srv, c, &r);
}
