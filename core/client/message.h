/* Messages: built by the application or received from the server. Immutable once built;
 * one allocation holds the struct and its bytes. */
#ifndef RTM_CLIENT_MESSAGE_H
#define RTM_CLIENT_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "rtm/rtm.h"

struct rtm_message {
    rtm_message_type_t type;
    const char *text; /* TEXT: the text; RAW: the description or "" (NUL-terminated) */
    size_t text_len;
    const uint8_t *data; /* RAW: the bytes; TEXT: the text */
    size_t data_len;
    uint64_t id;
    int64_t server_ts_ms;
    int offline;
};

/* A message of type with text (text_len bytes, may be 0) and, for RAW, data. NULL when out of
 * memory. No checks: callers validate sizes and encodings. */
rtm_message_t *rtm_message_build(rtm_message_type_t type, const char *text, size_t text_len,
                                 const void *data, size_t data_len);
/* The bytes such a message takes (struct, text and its NUL, data), and the same message built
 * in mem (at least that size, suitably aligned, the struct's bytes zeroed), for one allocation
 * that holds a message together with something else (a received message's event). */
size_t rtm_message_size(rtm_message_type_t type, size_t text_len, size_t data_len);
rtm_message_t *rtm_message_place(void *mem, rtm_message_type_t type, const char *text,
                                 size_t text_len, const void *data, size_t data_len);

#endif
