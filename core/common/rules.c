/* Id rules and text checks shared by librtm and rtmd (see rules.h). */
#include "rules.h"

#include <string.h>

static bool id_char_allowed(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr(" !#$%&()+-:;<=.>?@[]^_{}|~,", c) != NULL;
}

bool rtm_id_valid(const char *id, size_t len)
{
    if (!id || len == 0 || len > RTM_ID_MAX_BYTES || id[0] == ' ')
        return false;
    if (len == 4 && memcmp(id, "null", 4) == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!id_char_allowed((unsigned char)id[i]))
            return false;
    return true;
}

bool rtm_id_valid_cstr(const char *id)
{
    return id && rtm_id_valid(id, strnlen(id, RTM_ID_MAX_BYTES + 1));
}

bool rtm_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned char c = *p;
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= n)
            return false;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}
