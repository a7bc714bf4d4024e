/* Message construction (see message.h). */
#include "message.h"

#include <stdlib.h>
#include <string.h>

rtm_message_t *rtm_message_build(rtm_message_type_t type, const char *text, size_t text_len,
                                 const void *data, size_t data_len)
{
    if (type == RTM_MESSAGE_TYPE_TEXT)
        data_len = 0;
    rtm_message_t *m = calloc(1, sizeof(*m) + text_len + 1 + data_len);
    if (!m)
        return NULL;
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
