/* The "006" AccessToken format (token.h, docs/abi.md "Tokens"): packing, verifying and the
 * CRC-32 it carries. No global state; the verifier reads only token_len bytes of its input and
 * treats every byte of it as hostile. */
#include "token.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "rules.h"

#define TOKEN_VERSION         "006"
#define TOKEN_VERSION_LEN     3
#define TOKEN_HEX_ID_LEN      32 /* app id and certificate */
#define TOKEN_SIGNATURE_LEN   32 /* HMAC-SHA256 */
#define TOKEN_LIFETIME_S      86400
#define TOKEN_PRIVILEGE_BYTES 6  /* u16 privilege, u32 expire_ts */
#define TOKEN_M_HEADER_BYTES  10 /* u32 salt, u32 ts, u16 n */
/* The packer writes one privilege: m and content have fixed sizes. */
#define TOKEN_M_ONE_BYTES       (TOKEN_M_HEADER_BYTES + TOKEN_PRIVILEGE_BYTES)
#define TOKEN_CONTENT_ONE_BYTES (2 + TOKEN_SIGNATURE_LEN + 4 + 4 + 2 + TOKEN_M_ONE_BYTES)
/* Decoded content of the longest token the verifier accepts. */
#define TOKEN_CONTENT_MAX_BYTES (RTM_TOKEN_MAX_BYTES / 4 * 3)

static const uint32_t crc32_table[256] = {
    0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
    0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988, 0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
    0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
    0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
    0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172, 0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
    0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
    0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
    0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924, 0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
    0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
    0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
    0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e, 0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
    0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
    0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
    0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0, 0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
    0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
    0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
    0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a, 0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
    0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
    0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
    0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc, 0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
    0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
    0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
    0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236, 0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
    0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
    0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
    0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38, 0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
    0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
    0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
    0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2, 0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
    0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
    0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
    0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94, 0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t rtm_crc32(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++)
        crc = crc32_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

static bool hex_id_valid(const char *s)
{
    if (!s || strnlen(s, TOKEN_HEX_ID_LEN + 1) != TOKEN_HEX_ID_LEN)
        return false;
    for (size_t i = 0; i < TOKEN_HEX_ID_LEN; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static uint8_t *put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

/* A bounds-checked little-endian reader: once a read would pass the end, ok turns false and
 * every later read yields zeros, so callers check ok once after a group of reads. */
typedef struct reader {
    const uint8_t *p;
    size_t left;
    bool ok;
} reader_t;

static const uint8_t *take(reader_t *r, size_t n)
{
    if (!r->ok || n > r->left) {
        r->ok = false;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint16_t get_u16(reader_t *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

static uint32_t get_u32(reader_t *r)
{
    const uint8_t *p = take(r, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
             : 0;
}

static int base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict standard-alphabet base64 with padding: the length is a multiple of 4, '=' appears
 * only as the last one or two characters and the bits it leaves unused are zero, so each
 * content has one encoding. Returns the decoded length, or -1. OpenSSL's EVP_DecodeBlock is
 * not used because it skips whitespace and counts padding as zero bytes. */
static long base64_decode(const char *in, size_t len, uint8_t *out, size_t out_cap)
{
    if (len == 0 || len % 4 != 0 || len / 4 * 3 > out_cap)
        return -1;
    size_t pad = 0;
    if (in[len - 1] == '=')
        pad = in[len - 2] == '=' ? 2 : 1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            int d = last && j >= 4 - pad ? 0 : base64_value((unsigned char)in[i + j]);
            if (d < 0)
                return -1;
            v = v << 6 | (uint32_t)d;
        }
        if (last && (pad == 1 ? v & 0xFF : pad == 2 ? v & 0xFFFF : 0) != 0)
            return -1;
        out[o++] = (uint8_t)(v >> 16);
        if (!last || pad < 2)
            out[o++] = (uint8_t)(v >> 8);
        if (!last || pad < 1)
            out[o++] = (uint8_t)v;
    }
    return (long)o;
}

/* HMAC-SHA256 keyed with the certificate's 32 characters over app_id || channel || uid || m. */
static rtm_err_t sign(const char *app_certificate, const char *app_id, const char *channel,
                      size_t channel_len, const char *uid, size_t uid_len, const uint8_t *m,
                      size_t m_len, uint8_t out[TOKEN_SIGNATURE_LEN])
{
    if (channel_len > SIZE_MAX / 4 || uid_len > SIZE_MAX / 4 || m_len > SIZE_MAX / 4)
        return RTM_ERR_INVALID_ARGUMENT;
    size_t len = TOKEN_HEX_ID_LEN + channel_len + uid_len + m_len;
    uint8_t *data = malloc(len);
    if (!data)
        return RTM_ERR_NO_MEMORY;
    uint8_t *p = data;
    memcpy(p, app_id, TOKEN_HEX_ID_LEN);
    p += TOKEN_HEX_ID_LEN;
    if (channel_len)
        memcpy(p, channel, channel_len);
    p += channel_len;
    if (uid_len)
        memcpy(p, uid, uid_len);
    p += uid_len;
    memcpy(p, m, m_len);

    unsigned int out_len = 0;
    const unsigned char *mac =
        HMAC(EVP_sha256(), app_certificate, TOKEN_HEX_ID_LEN, data, len, out, &out_len);
    free(data);
    return mac && out_len == TOKEN_SIGNATURE_LEN ? RTM_OK : RTM_ERR_FAILURE;
}

static char *fail(rtm_err_t *err, rtm_err_t code)
{
    if (err)
        *err = code;
    return NULL;
}

char *rtm_token_pack(const char *app_id, const char *app_certificate, const char *channel,
                     const char *uid, uint16_t privilege, uint32_t privilege_expire_ts,
                     uint32_t salt, uint32_t ts, rtm_err_t *err)
{
    if (!hex_id_valid(app_id) || !hex_id_valid(app_certificate) || !channel || !uid)
        return fail(err, RTM_ERR_INVALID_ARGUMENT);
    size_t channel_len = strlen(channel), uid_len = strlen(uid);

    uint8_t m[TOKEN_M_ONE_BYTES], *p = m;
    p = put_u32(p, salt);
    p = put_u32(p, ts);
    p = put_u16(p, 1);
    p = put_u16(p, privilege);
    put_u32(p, privilege_expire_ts);

    uint8_t signature[TOKEN_SIGNATURE_LEN];
    rtm_err_t rc =
        sign(app_certificate, app_id, channel, channel_len, uid, uid_len, m, sizeof m, signature);
    if (rc != RTM_OK)
        return fail(err, rc);

    uint8_t content[TOKEN_CONTENT_ONE_BYTES];
    p = put_u16(content, TOKEN_SIGNATURE_LEN);
    memcpy(p, signature, TOKEN_SIGNATURE_LEN);
    p += TOKEN_SIGNATURE_LEN;
    p = put_u32(p, rtm_crc32(channel, channel_len));
    p = put_u32(p, rtm_crc32(uid, uid_len));
    p = put_u16(p, sizeof m);
    memcpy(p, m, sizeof m);

    size_t prefix_len = TOKEN_VERSION_LEN + TOKEN_HEX_ID_LEN;
    /* EVP_EncodeBlock writes 4 characters per 3 bytes and a terminating NUL. */
    char *token = malloc(prefix_len + (sizeof content + 2) / 3 * 4 + 1);
    if (!token)
        return fail(err, RTM_ERR_NO_MEMORY);
    memcpy(token, TOKEN_VERSION, TOKEN_VERSION_LEN);
    memcpy(token + TOKEN_VERSION_LEN, app_id, TOKEN_HEX_ID_LEN);
    EVP_EncodeBlock((unsigned char *)token + prefix_len, content, (int)sizeof content);
    if (err)
        *err = RTM_OK;
    return token;
}

rtm_err_t rtm_token_verify(const char *token, size_t token_len, const char *app_id,
                           const char *app_certificate, const char *user_id, size_t user_len,
                           uint32_t now, uint32_t *expire_ts)
{
    if (!app_id || !hex_id_valid(app_certificate) || (!user_id && user_len > 0))
        return RTM_ERR_INVALID_ARGUMENT;
    /* No valid user id is longer, so no token can be for such a user. */
    if (user_len > RTM_ID_MAX_BYTES)
        return RTM_ERR_INVALID_TOKEN;
    size_t prefix_len = TOKEN_VERSION_LEN + TOKEN_HEX_ID_LEN;
    if (!token || token_len <= prefix_len || token_len > RTM_TOKEN_MAX_BYTES)
        return RTM_ERR_INVALID_TOKEN;
    if (memcmp(token, TOKEN_VERSION, TOKEN_VERSION_LEN) != 0)
        return RTM_ERR_INVALID_TOKEN;
    /* The app id is public: a plain comparison leaks nothing. */
    if (strnlen(app_id, TOKEN_HEX_ID_LEN + 1) != TOKEN_HEX_ID_LEN ||
        memcmp(token + TOKEN_VERSION_LEN, app_id, TOKEN_HEX_ID_LEN) != 0)
        return RTM_ERR_INVALID_TOKEN;

    uint8_t content[TOKEN_CONTENT_MAX_BYTES];
    long content_len =
        base64_decode(token + prefix_len, token_len - prefix_len, content, sizeof content);
    if (content_len < 0)
        return RTM_ERR_INVALID_TOKEN;

    reader_t r = {content, (size_t)content_len, true};
    uint16_t signature_len = get_u16(&r);
    const uint8_t *signature = take(&r, signature_len);
    uint32_t crc_channel = get_u32(&r);
    uint32_t crc_uid = get_u32(&r);
    uint16_t m_len = get_u16(&r);
    const uint8_t *m = take(&r, m_len);
    if (!r.ok || r.left != 0 || signature_len != TOKEN_SIGNATURE_LEN)
        return RTM_ERR_INVALID_TOKEN;
    /* A login token names the user as its channel and has an empty uid. */
    if (crc_channel != rtm_crc32(user_id, user_len) || crc_uid != rtm_crc32("", 0))
        return RTM_ERR_INVALID_TOKEN;

    uint8_t expected[TOKEN_SIGNATURE_LEN];
    rtm_err_t rc = sign(app_certificate, app_id, user_id, user_len, "", 0, m, m_len, expected);
    if (rc != RTM_OK)
        return rc;
    if (CRYPTO_memcmp(signature, expected, TOKEN_SIGNATURE_LEN) != 0)
        return RTM_ERR_INVALID_TOKEN;

    /* Only a signed m is parsed past this point. */
    reader_t mr = {m, m_len, true};
    get_u32(&mr); /* salt */
    uint32_t ts = get_u32(&mr);
    uint16_t n = get_u16(&mr);
    bool has_login = false;
    uint32_t login_expire_ts = 0;
    for (uint16_t i = 0; i < n && mr.ok; i++) {
        uint16_t privilege = get_u16(&mr);
        uint32_t privilege_expire_ts = get_u32(&mr);
        if (mr.ok && privilege == RTM_TOKEN_PRIVILEGE_LOGIN) {
            has_login = true;
            login_expire_ts = privilege_expire_ts;
        }
    }
    if (!mr.ok || mr.left != 0 || !has_login)
        return RTM_ERR_INVALID_TOKEN;

    uint32_t end = ts;
    if (login_expire_ts != 0 && login_expire_ts < end)
        end = login_expire_ts;
    if (now >= end)
        return RTM_ERR_TOKEN_EXPIRED;
    if (expire_ts)
        *expire_ts = end;
    return RTM_OK;
}

static bool random_salt(uint32_t *salt)
{
    do {
        if (RAND_bytes((unsigned char *)salt, sizeof *salt) != 1)
            return false;
    } while (*salt == 0);
    return true;
}

RTM_API char *rtm_token_build(const char *app_id, const char *app_certificate, const char *user_id,
                              uint32_t expire_ts, uint32_t salt, uint32_t issue_ts, rtm_err_t *err)
{
    if (!app_id || !app_certificate || !user_id)
        return fail(err, RTM_ERR_INVALID_ARGUMENT);
    if (!hex_id_valid(app_id) || !hex_id_valid(app_certificate))
        return fail(err, RTM_ERR_INVALID_ARGUMENT);
    if (!rtm_id_valid_cstr(user_id))
        return fail(err, RTM_ERR_INVALID_USER_ID);
    if (salt == 0 && !random_salt(&salt))
        return fail(err, RTM_ERR_FAILURE);
    if (issue_ts == 0) {
        time_t now = time(NULL);
        if (now <= 0 || (uint64_t)now > UINT32_MAX - TOKEN_LIFETIME_S)
            return fail(err, RTM_ERR_FAILURE);
        issue_ts = (uint32_t)now;
    }
    /* ts is a u32 in the format: an issue time within a day of its end cannot be encoded. */
    if (issue_ts > UINT32_MAX - TOKEN_LIFETIME_S)
        return fail(err, RTM_ERR_INVALID_ARGUMENT);
    return rtm_token_pack(app_id, app_certificate, user_id, "", RTM_TOKEN_PRIVILEGE_LOGIN,
                          expire_ts, salt, issue_ts + TOKEN_LIFETIME_S, err);
}

RTM_API void rtm_string_free(char *s)
{
    free(s);
}
