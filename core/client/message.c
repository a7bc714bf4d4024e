/* Message construction (see message.h). */
#include "message.h"

#include <stdlib.h>
#include <string.h>

size_t rtm_message_size(rtm_message_type_t type, size_t text_len, size_t data_len)
{
    return sizeof(rtm_message_t) + text_len + 1 + (type == RTM_MESSAGE_TYPE_TEXT ? 0 : data_len);
}

rtm_message_t *rtm_message_place(void *mem, rtm_message_type_t type, const char *text,
                                 size_t text_len, const void *data, size_t data_len)
{
    rtm_message_t *m = mem;
    char *t = (char *)(m + 1);
    if (text_len)
        memcpy(t, text, text_len);
    t[text_len] = 0;
    m->type = type;
    m->text = t;
    m->text_len = text_len;
    if (type == RTM_MESSAGE_TYPE_TEXT) {
        m->data = (const uint8_t *)t;
        m->data_len = text_len;
    } else {
        uint8_t *d = (uint8_t *)t + text_len + 1;
        if (data_len)
            memcpy(d, data, data_len);
        m->data = d;
        m->data_len = data_len;
    }
    return m;
}

rtm_message_t *rtm_message_build(rtm_message_type_t type, const char *text, size_t text_len,
                                 const void *data, size_t data_len)
{
    void *mem = calloc(1, rtm_message_size(type, text_len, data_len));
    return mem ? rtm_message_place(mem, type, text, text_len, data, data_len) : NULL;
}
