/* An ordered list of attributes (key, value, and for channels who last wrote each and when),
 * with the request checks and edits that channel and user attributes share. A request is
 * checked whole and applied whole: a refused request changes nothing. No I/O, no frames sent. */
#ifndef RTMD_ATTR_LIST_H
#define RTMD_ATTR_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "rtm/rtm.h"

typedef struct rtmd_attr rtmd_attr_t;

/* At most RTM_ATTR_MAX_COUNT entries, so lookups are linear scans. Zeroed: empty. */
typedef struct rtmd_attr_list {
    rtmd_attr_t **items; /* RTM_ATTR_MAX_COUNT slots, n used, insertion order; NULL when empty */
    uint32_t n;
    uint32_t bytes; /* keys plus values */
} rtmd_attr_list_t;

/* What differs between owners: the byte total and the sentences that name the owner. */
typedef struct rtmd_attr_limits {
    uint32_t total_bytes;           /* keys plus values, per request and once merged */
    const char *request_over_total; /* "the attributes are over N bytes" */
    const char *merged_over_count;  /* "the X would have over 32 attributes" */
    const char *merged_over_total;  /* "the X's attributes would be over N bytes" */
} rtmd_attr_limits_t;

extern const rtmd_attr_limits_t rtmd_channel_attr_limits;
extern const rtmd_attr_limits_t rtmd_user_attr_limits;

/* Frees every entry; the list is empty afterwards. */
void rtmd_attr_list_free(rtmd_attr_list_t *a);

/* Checks the keys (and with_values, the values) of f against the per-request limits: more than
 * 32 keys or a key over 32 bytes or a value over 8,192 bytes or a request over the total:
 * SIZE_OVERFLOW; an empty key or value, text that is not UTF-8 or holds a NUL byte, or (with
 * values) a key given twice: INVALID_ARGUMENT. RTM_OK, or the error with a static sentence. */
rtm_err_t rtmd_attr_list_check(const rtm_frame_t *f, bool with_values,
                               const rtmd_attr_limits_t *lim, const char **why);

/* SET (replace_all) or ADD the entries of f (checked by rtmd_attr_list_check). updater
 * (updater_len bytes, 0 for none) and ts are recorded with each written entry. RTM_OK,
 * SIZE_OVERFLOW (the merged list would be too big) or NO_MEMORY; nothing changes unless
 * RTM_OK. An updated entry keeps its place. */
rtm_err_t rtmd_attr_list_write(rtmd_attr_list_t *a, const rtm_frame_t *f, bool replace_all,
                               const rtmd_attr_limits_t *lim, const char *updater,
                               size_t updater_len, int64_t ts, const char **why);

/* Removes the entries whose key is among keys[0..n); the others keep their order. */
void rtmd_attr_list_delete(rtmd_attr_list_t *a, const rtm_bytes_t *keys, size_t n);

/* The entries a GET returns, as indexes into a: all of them when n_keys is 0, else those of
 * keys that exist, in request order, each once. idx has RTM_ATTR_MAX_COUNT slots. */
size_t rtmd_attr_list_select(const rtmd_attr_list_t *a, const rtm_bytes_t *keys, size_t n_keys,
                             uint32_t *idx);

/* Sets keys and values (and with_updates, updaters and updated_ts) of the entries idx[0..n) on
 * f. f borrows from a and from static arrays: encode it before the next call. */
void rtmd_attr_list_set_fields(rtm_frame_t *f, const rtmd_attr_list_t *a, const uint32_t *idx,
                               size_t n, bool with_updates);

#endif
