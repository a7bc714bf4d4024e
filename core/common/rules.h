/* Id rules and size limits of the product, in one place for the client and the server.
 * Pure functions over bytes; no allocation, no I/O. */
#ifndef RTM_COMMON_RULES_H
#define RTM_COMMON_RULES_H

#include <stdbool.h>
#include <stddef.h>

#define RTM_ID_MAX_BYTES              64    /* user ids and channel ids */
#define RTM_MESSAGE_MAX_BYTES         32768 /* text, or raw bytes + description */
#define RTM_QUERY_PEERS_MAX           256   /* peers per online-status query */
#define RTM_SUBSCRIBE_PEERS_MAX       512   /* peers per subscription call and in total */
#define RTM_CHANNELS_JOINED_MAX       20
#define RTM_MEMBER_LIST_MAX           512
#define RTM_COUNT_CHANNELS_MAX        32
#define RTM_ATTR_KEY_MAX_BYTES        32
#define RTM_ATTR_VALUE_MAX_BYTES      8192
#define RTM_ATTR_MAX_COUNT            32
#define RTM_USER_ATTR_TOTAL_BYTES     16384
#define RTM_CHANNEL_ATTR_TOTAL_BYTES  32768
#define RTM_INVITATION_TEXT_MAX_BYTES 8192 /* content and response */
#define RTM_TOKEN_MAX_BYTES           2048
#define RTM_APP_ID_MAX_BYTES          128

/* True when the len bytes at id form a valid user or channel id: 1-64 bytes from the allowed
 * set, not starting with a space, not "null". */
bool rtm_id_valid(const char *id, size_t len);
/* Same, for a NUL-terminated string (NULL is invalid). */
bool rtm_id_valid_cstr(const char *id);
/* True when the len bytes at s are well-formed UTF-8 (no overlongs, no surrogates). */
bool rtm_utf8_valid(const char *s, size_t len);

#endif
