/* Attribute lists (see attr_list.h). Every write first builds its new entries, then swaps
 * them in: a request that fails (limits, memory) leaves the list as it was. */
#include "attr_list.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"

struct rtmd_attr {
    int64_t updated_ts; /* wall clock ms */
    uint32_t value_len;
    uint8_t key_len, updater_len;
    char key[RTM_ATTR_KEY_MAX_BYTES];
    char bytes[]; /* the value, then the updater's user id */
};

const rtmd_attr_limits_t rtmd_channel_attr_limits = {
    RTM_CHANNEL_ATTR_TOTAL_BYTES,
    "the attributes are over 32768 bytes",
    "the channel would have over 32 attributes",
    "the channel's attributes would be over 32768 bytes",
};

const rtmd_attr_limits_t rtmd_user_attr_limits = {
    RTM_USER_ATTR_TOTAL_BYTES,
    "the attributes are over 16384 bytes",
    "the user would have over 32 attributes",
    "the user's attributes would be over 16384 bytes",
};

static rtmd_attr_t *attr_new(const rtm_bytes_t *key, const rtm_bytes_t *value, const char *updater,
                             size_t updater_len, int64_t ts)
{
    rtmd_attr_t *a = malloc(sizeof(*a) + value->len + updater_len);
    if (!a)
        return NULL;
    a->updated_ts = ts;
    a->value_len = (uint32_t)value->len;
    a->key_len = (uint8_t)key->len;
    a->updater_len = (uint8_t)updater_len;
    memcpy(a->key, key->ptr, key->len);
    memcpy(a->bytes, value->ptr, value->len);
    if (updater_len)
        memcpy(a->bytes + value->len, updater, updater_len);
    return a;
}

static uint32_t attr_bytes(const rtmd_attr_t *a)
{
    return a->key_len + a->value_len;
}

void rtmd_attr_list_free(rtmd_attr_list_t *a)
{
    for (uint32_t i = 0; i < a->n; i++)
        free(a->items[i]);
    free(a->items);
    memset(a, 0, sizeof(*a));
}

/* The index of key in a, or -1. */
static int attr_find(const rtmd_attr_list_t *a, const rtm_bytes_t *key)
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

rtm_err_t rtmd_attr_list_check(const rtm_frame_t *f, bool with_values,
                               const rtmd_attr_limits_t *lim, const char **why)
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
        /* Duplicates are refused where values come with them: which one would win is not
         * obvious. */
        for (size_t j = 0; j < i; j++)
            if (same_bytes(&f->keys[j], k)) {
                *why = "an attribute key appears twice";
                return RTM_ERR_INVALID_ARGUMENT;
            }
        total += k->len + v->len;
    }
    if (total > lim->total_bytes) {
        *why = lim->request_over_total;
        return RTM_ERR_SIZE_OVERFLOW;
    }
    return RTM_OK;
}

static bool ensure_slots(rtmd_attr_list_t *a)
{
    if (!a->items)
        a->items = calloc(RTM_ATTR_MAX_COUNT, sizeof(*a->items));
    return a->items != NULL;
}

rtm_err_t rtmd_attr_list_write(rtmd_attr_list_t *a, const rtm_frame_t *f, bool replace_all,
                               const rtmd_attr_limits_t *lim, const char *updater,
                               size_t updater_len, int64_t ts, const char **why)
{
    size_t n = rtm_frame_has(f, RTM_K_KEYS) ? f->n_keys : 0;
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
    if (count > RTM_ATTR_MAX_COUNT || bytes > lim->total_bytes) {
        *why = count > RTM_ATTR_MAX_COUNT ? lim->merged_over_count : lim->merged_over_total;
        return RTM_ERR_SIZE_OVERFLOW;
    }
    rtmd_attr_t *fresh[RTM_ATTR_MAX_COUNT];
    for (size_t i = 0; i < n; i++) {
        fresh[i] = attr_new(&f->keys[i], &f->values[i], updater, updater_len, ts);
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

void rtmd_attr_list_delete(rtmd_attr_list_t *a, const rtm_bytes_t *keys, size_t n)
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

size_t rtmd_attr_list_select(const rtmd_attr_list_t *a, const rtm_bytes_t *keys, size_t n_keys,
                             uint32_t *idx)
{
    size_t n = 0;
    if (n_keys == 0) { /* no keys, or an empty list: everything */
        for (uint32_t i = 0; i < a->n; i++)
            idx[n++] = i;
        return n;
    }
    for (size_t i = 0; i < n_keys; i++) {
        int at = attr_find(a, &keys[i]);
        bool seen = false;
        for (size_t j = 0; j < n && !seen && at >= 0; j++)
            seen = idx[j] == (uint32_t)at;
        if (at >= 0 && !seen)
            idx[n++] = (uint32_t)at;
    }
    return n;
}

void rtmd_attr_list_set_fields(rtm_frame_t *f, const rtmd_attr_list_t *a, const uint32_t *idx,
                               size_t n, bool with_updates)
{
    static rtm_bytes_t keys[RTM_ATTR_MAX_COUNT], values[RTM_ATTR_MAX_COUNT],
        updaters[RTM_ATTR_MAX_COUNT];
    static int64_t ts[RTM_ATTR_MAX_COUNT];
    for (size_t i = 0; i < n; i++) {
        const rtmd_attr_t *e = a->items[idx[i]];
        keys[i] = (rtm_bytes_t){e->key, e->key_len};
        values[i] = (rtm_bytes_t){e->bytes, e->value_len};
        updaters[i] = (rtm_bytes_t){e->bytes + e->value_len, e->updater_len};
        ts[i] = e->updated_ts;
    }
    rtm_frame_set_strs(f, RTM_K_KEYS, keys, n);
    rtm_frame_set_strs(f, RTM_K_VALUES, values, n);
    if (!with_updates)
        return;
    rtm_frame_set_strs(f, RTM_K_UPDATERS, updaters, n);
    rtm_frame_set_i64s(f, RTM_K_UPDATED_TS, ts, n);
}
