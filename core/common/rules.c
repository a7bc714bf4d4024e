/* Id rules and text checks shared by librtm and rtmd (see rules.h). */
#include "rules.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* The characters an id may hold, one flag per byte value: every message names a user or a
 * channel, so this check runs on every send and on every frame the server reads. */
static const char ID_PUNCTUATION[] = " !#$%&()+-:;<=.>?@[]^_{}|~,";
static bool id_table[256];
static pthread_once_t id_table_once = PTHREAD_ONCE_INIT;

static void id_table_fill(void)
{
    for (int c = 0; c < 256; c++)
        id_table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    for (const char *p = ID_PUNCTUATION; *p; p++)
        id_table[(unsigned char)*p] = true;
}

bool rtm_id_valid(const char *id, size_t len)
{
    if (!id || len == 0 || len > RTM_ID_MAX_BYTES || id[0] == ' ')
        return false;
    if (len == 4 && memcmp(id, "null", 4) == 0)
        return false;
    pthread_once(&id_table_once, id_table_fill);
    for (size_t i = 0; i < len; i++)
        if (!id_table[(unsigned char)id[i]])
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
        /* ASCII, the common case, eight bytes at a time */
        uint64_t word;
        while ((size_t)(end - p) >= sizeof(word)) {
            memcpy(&word, p, sizeof(word));
            if (word & UINT64_C(0x8080808080808080))
                break;
            p += sizeof(word);
        }
        if (p == end)
            break;
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
