/* The "006" AccessToken: the packer's known answer, login tokens built and verified, and the
 * verifier's answer to every kind of wrong, expired or malformed token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rules.h"
#include "token.h"

#define APP_ID      "970CA35de60c44645bbae8a215061b33"
#define CERT        "5CFd2fd1755d40ecb72977518be15d3b"
#define OTHER_APP   "0123456789abcdef0123456789ABCDEF"
#define OTHER_CERT  "fedcba9876543210fedcba9876543210"
#define USER        "alice"
#define ISSUE_TS    1700000000u
#define END_TS      (ISSUE_TS + 86400u)
#define PREFIX_LEN  35 /* "006" and the app id */
#define CONTENT_CAP 2048

static rtm_err_t verify_at(const char *token, const char *user, uint32_t now, uint32_t *end)
{
    return rtm_token_verify(token, strlen(token), APP_ID, CERT, user, strlen(user), now, end);
}

static char *login_token(uint32_t expire_ts)
{
    rtm_err_t err = RTM_ERR_FAILURE;
    char *token = rtm_token_build(APP_ID, CERT, USER, expire_ts, 42, ISSUE_TS, &err);
    assert_non_null(token);
    assert_int_equal(err, RTM_OK);
    return token;
}

/* "006" || app_id || base64(content): for tokens the packer would never write. */
static char *token_from_content(const char *app_id, const uint8_t *content, size_t len)
{
    char *token = malloc(PREFIX_LEN + (len + 2) / 3 * 4 + 1);
    assert_non_null(token);
    memcpy(token, "006", 3);
    memcpy(token + 3, app_id, 32);
    EVP_EncodeBlock((unsigned char *)token + PREFIX_LEN, content, (int)len);
    return token;
}

static size_t content_of(const char *token, uint8_t *content)
{
    int len = EVP_DecodeBlock(content, (const unsigned char *)token + PREFIX_LEN,
                              (int)strlen(token + PREFIX_LEN));
    assert_true(len > 0);
    return (size_t)len; /* the packer's content is 60 bytes: no padding to subtract */
}

static uint8_t *put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

/* Content signed with CERT for channel = USER and uid = "" around any m, as a token server
 * would write it: lets the tests reach the checks that follow the signature. */
static size_t signed_content(const uint8_t *m, size_t m_len, uint8_t *content)
{
    uint8_t data[256];
    assert_true(32 + strlen(USER) + m_len <= sizeof data);
    memcpy(data, APP_ID, 32);
    memcpy(data + 32, USER, strlen(USER));
    memcpy(data + 32 + strlen(USER), m, m_len);
    uint8_t *p = put_u16(content, 32);
    unsigned int sig_len = 0;
    assert_non_null(HMAC(EVP_sha256(), CERT, 32, data, 32 + strlen(USER) + m_len, p, &sig_len));
    assert_int_equal(sig_len, 32);
    p += 32;
    p = put_u32(p, rtm_crc32(USER, strlen(USER)));
    p = put_u32(p, rtm_crc32("", 0));
    p = put_u16(p, (uint16_t)m_len);
    memcpy(p, m, m_len);
    return (size_t)(p + m_len - content);
}

static size_t m_with_privileges(uint8_t *m, uint16_t n, const uint16_t *privileges,
                                const uint32_t *expire_ts)
{
    uint8_t *p = put_u32(m, 7);
    p = put_u32(p, END_TS);
    p = put_u16(p, n);
    for (uint16_t i = 0; i < n; i++) {
        p = put_u16(p, privileges[i]);
        p = put_u32(p, expire_ts[i]);
    }
    return (size_t)(p - m);
}

static void assert_invalid(const char *token, size_t len)
{
    uint32_t end = 12345;
    assert_int_equal(
        rtm_token_verify(token, len, APP_ID, CERT, USER, strlen(USER), ISSUE_TS + 1, &end),
        RTM_ERR_INVALID_TOKEN);
    assert_int_equal(end, 12345);
}

static void test_crc32_matches_zlib_check_value(void **state)
{
    (void)state;
    assert_int_equal(rtm_crc32("123456789", 9), 0xCBF43926u);
    assert_int_equal(rtm_crc32("", 0), 0);
    assert_int_equal(rtm_crc32("7d72365eb983485397e3e3f9d460bdda", 32), 0x107D48B7u);
}

static void test_packer_matches_known_answer(void **state)
{
    (void)state;
    rtm_err_t err = RTM_ERR_FAILURE;
    char *token = rtm_token_pack(
        "970CA35de60c44645bbae8a215061b33", "5CFd2fd1755d40ecb72977518be15d3b",
        "7d72365eb983485397e3e3f9d460bdda", "2882341273", 1, 1446455471, 1, 1111111, &err);
    assert_int_equal(err, RTM_OK);
    assert_string_equal(token, "006970CA35de60c44645bbae8a215061b33IACV0fZUBw+72cVoL9eyGGh3Q6Poi8b"
                               "gjwVLnyKSJyOXR7dIfRBXoFHlEAABAAAAR/QQAAEAAQCvKDdW");
    rtm_string_free(token);
}

static void test_packer_token_with_uid_is_not_a_login_token(void **state)
{
    (void)state;
    char *token = rtm_token_pack(APP_ID, CERT, USER, "2882341273", RTM_TOKEN_PRIVILEGE_LOGIN, 0, 1,
                                 END_TS, NULL);
    assert_non_null(token);
    assert_int_equal(verify_at(token, USER, ISSUE_TS, NULL), RTM_ERR_INVALID_TOKEN);
    rtm_string_free(token);
}

static void test_token_without_login_privilege_is_invalid(void **state)
{
    (void)state;
    char *token = rtm_token_pack(APP_ID, CERT, USER, "", 1, 0, 1, END_TS, NULL);
    assert_non_null(token);
    assert_int_equal(verify_at(token, USER, ISSUE_TS, NULL), RTM_ERR_INVALID_TOKEN);
    rtm_string_free(token);
}

static void test_login_token_is_the_packer_token_for_user_and_empty_uid(void **state)
{
    (void)state;
    char *built = rtm_token_build(APP_ID, CERT, USER, ISSUE_TS + 60, 5, ISSUE_TS, NULL);
    char *packed = rtm_token_pack(APP_ID, CERT, USER, "", RTM_TOKEN_PRIVILEGE_LOGIN, ISSUE_TS + 60,
                                  5, END_TS, NULL);
    assert_non_null(built);
    assert_non_null(packed);
    assert_string_equal(built, packed);
    rtm_string_free(built);
    rtm_string_free(packed);
}

static void test_built_token_verifies_until_its_expire_ts(void **state)
{
    (void)state;
    char *token = login_token(ISSUE_TS + 3600);
    uint32_t end = 0;
    assert_int_equal(verify_at(token, USER, ISSUE_TS, &end), RTM_OK);
    assert_int_equal(end, ISSUE_TS + 3600);
    assert_int_equal(verify_at(token, USER, ISSUE_TS + 3599, NULL), RTM_OK);
    assert_int_equal(verify_at(token, USER, ISSUE_TS + 3600, NULL), RTM_ERR_TOKEN_EXPIRED);
    rtm_string_free(token);
}

static void test_token_expires_at_ts_even_with_later_expire_ts(void **state)
{
    (void)state;
    char *token = login_token(ISSUE_TS + 7 * 86400);
    uint32_t end = 0;
    assert_int_equal(verify_at(token, USER, END_TS - 1, &end), RTM_OK);
    assert_int_equal(end, END_TS);
    assert_int_equal(verify_at(token, USER, END_TS, NULL), RTM_ERR_TOKEN_EXPIRED);
    assert_int_equal(verify_at(token, USER, UINT32_MAX, NULL), RTM_ERR_TOKEN_EXPIRED);
    rtm_string_free(token);
}

static void test_token_with_expire_ts_zero_lasts_until_ts(void **state)
{
    (void)state;
    char *token = login_token(0);
    uint32_t end = 0;
    assert_int_equal(verify_at(token, USER, END_TS - 1, &end), RTM_OK);
    assert_int_equal(end, END_TS);
    assert_int_equal(verify_at(token, USER, END_TS, NULL), RTM_ERR_TOKEN_EXPIRED);
    rtm_string_free(token);
}

static void test_token_for_other_user_is_invalid(void **state)
{
    (void)state;
    char *token = login_token(0);
    assert_int_equal(verify_at(token, "bob", ISSUE_TS, NULL), RTM_ERR_INVALID_TOKEN);
    assert_int_equal(verify_at(token, "alic", ISSUE_TS, NULL), RTM_ERR_INVALID_TOKEN);
    assert_int_equal(verify_at(token, "alice2", ISSUE_TS, NULL), RTM_ERR_INVALID_TOKEN);
    assert_int_equal(rtm_token_verify(token, strlen(token), APP_ID, CERT, "", 0, ISSUE_TS, NULL),
                     RTM_ERR_INVALID_TOKEN);
    rtm_string_free(token);
}

static void test_token_for_other_app_id_is_invalid(void **state)
{
    (void)state;
    char *token = rtm_token_build(OTHER_APP, CERT, USER, 0, 42, ISSUE_TS, NULL);
    assert_non_null(token);
    assert_int_equal(verify_at(token, USER, ISSUE_TS, NULL), RTM_ERR_INVALID_TOKEN);
    /* The signature covers the app id: rewriting the prefix does not help. */
    memcpy(token + 3, APP_ID, 32);
    assert_int_equal(verify_at(token, USER, ISSUE_TS, NULL), RTM_ERR_INVALID_TOKEN);
    rtm_string_free(token);
}

static void test_app_id_comparison_is_case_sensitive(void **state)
{
    (void)state;
    char *token =
        rtm_token_build("970ca35de60c44645bbae8a215061b33", CERT, USER, 0, 42, ISSUE_TS, NULL);
    assert_non_null(token);
    assert_int_equal(verify_at(token, USER, ISSUE_TS, NULL), RTM_ERR_INVALID_TOKEN);
    rtm_string_free(token);
}

static void test_token_signed_with_other_certificate_is_invalid(void **state)
{
    (void)state;
    char *token = rtm_token_build(APP_ID, OTHER_CERT, USER, 0, 42, ISSUE_TS, NULL);
    assert_non_null(token);
    assert_int_equal(verify_at(token, USER, ISSUE_TS, NULL), RTM_ERR_INVALID_TOKEN);
    rtm_string_free(token);
}

static void test_token_with_any_base64_character_changed_is_invalid(void **state)
{
    (void)state;
    char *token = login_token(0);
    size_t len = strlen(token);
    for (size_t i = PREFIX_LEN; i < len; i++) {
        char saved = token[i];
        token[i] = saved == 'A' ? 'B' : 'A';
        assert_invalid(token, len);
        token[i] = saved;
    }
    assert_int_equal(verify_at(token, USER, ISSUE_TS, NULL), RTM_OK);
    rtm_string_free(token);
}

static void test_token_with_flipped_signature_byte_is_invalid(void **state)
{
    (void)state;
    char *token = login_token(0);
    uint8_t content[CONTENT_CAP];
    size_t len = content_of(token, content);
    for (size_t i = 2; i < 2 + 32; i++) {
        content[i] ^= 0x01;
        char *tampered = token_from_content(APP_ID, content, len);
        assert_invalid(tampered, strlen(tampered));
        free(tampered);
        content[i] ^= 0x01;
    }
    rtm_string_free(token);
}

static void test_token_with_changed_ts_is_invalid(void **state)
{
    (void)state;
    char *token = login_token(0);
    uint8_t content[CONTENT_CAP];
    size_t len = content_of(token, content);
    /* m starts after the signature, the two CRCs and m's length; ts follows the salt. */
    content[2 + 32 + 4 + 4 + 2 + 4 + 3] ^= 0x10;
    char *tampered = token_from_content(APP_ID, content, len);
    assert_invalid(tampered, strlen(tampered));
    free(tampered);
    rtm_string_free(token);
}

static void test_garbage_is_an_invalid_token(void **state)
{
    (void)state;
    const char *garbage[] = {
        "",
        "0",
        "006",
        "006" APP_ID,
        "006" APP_ID "=",
        "006" APP_ID "====",
        "006" APP_ID "!!!!",
        "006" APP_ID "IACV0fZUBw+72cVoL9ey GGh3Q6Poi8bgjwVLnyKSJyOXR7dIfRBXoFHlEAABAAAAR/QQAA",
        "006" APP_ID "IACV0fZUBw+72cVoL9eyGGh3Q6Poi8bgjwVLnyKSJyOXR7dIfRBXoFHlEAABAAAAR/QQAAE",
        "006" APP_ID "IACV",
        "006" APP_ID "AAAA",
        "005" APP_ID
        "IACV0fZUBw+72cVoL9eyGGh3Q6Poi8bgjwVLnyKSJyOXR7dIfRBXoFHlEAABAAAAR/QQAAEAAQCvKDdW",
        "006" APP_ID
        "IACV0fZUBw+72cVoL9eyGGh3Q6Poi8bgjwVLnyKSJyOXR7dIfRBXoFHlEAABAAAAR/QQAAEAAQCvKDdW",
        "006970CA35de60c44645bbae8a2150",
        "\x80\xff\x00",
    };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        assert_invalid(garbage[i], strlen(garbage[i]));
    assert_invalid(NULL, 0);
    assert_invalid(NULL, 100);
}

static void test_token_longer_than_the_limit_is_invalid(void **state)
{
    (void)state;
    size_t len = RTM_TOKEN_MAX_BYTES + 4;
    char *token = malloc(len);
    assert_non_null(token);
    memcpy(token, "006" APP_ID, PREFIX_LEN);
    memset(token + PREFIX_LEN, 'A', len - PREFIX_LEN);
    assert_invalid(token, len);
    free(token);
}

static void test_verifier_reads_only_token_len_bytes(void **state)
{
    (void)state;
    char *token = login_token(0);
    size_t len = strlen(token);
    /* No NUL after the token: valgrind or ASan flag any read past len. */
    char *exact = malloc(len);
    assert_non_null(exact);
    memcpy(exact, token, len);
    assert_int_equal(rtm_token_verify(exact, len, APP_ID, CERT, USER, strlen(USER), ISSUE_TS, NULL),
                     RTM_OK);
    for (size_t cut = 0; cut < len; cut++)
        assert_invalid(exact, cut);
    free(exact);
    rtm_string_free(token);
}

static void test_truncated_content_is_invalid(void **state)
{
    (void)state;
    char *token = login_token(0);
    uint8_t content[CONTENT_CAP];
    size_t len = content_of(token, content);
    for (size_t cut = 1; cut < len; cut++) {
        char *truncated = token_from_content(APP_ID, content, cut);
        assert_invalid(truncated, strlen(truncated));
        free(truncated);
    }
    uint8_t longer[CONTENT_CAP];
    memcpy(longer, content, len);
    longer[len] = 0;
    char *trailing = token_from_content(APP_ID, longer, len + 1);
    assert_invalid(trailing, strlen(trailing));
    free(trailing);
    rtm_string_free(token);
}

static void test_huge_lengths_in_content_are_invalid(void **state)
{
    (void)state;
    char *token = login_token(0);
    uint8_t content[CONTENT_CAP];
    size_t len = content_of(token, content);
    const size_t m_len_at = 2 + 32 + 4 + 4;
    const size_t fields[] = {0, m_len_at};
    const uint16_t values[] = {0xFFFF, 0x8000, 33, 31, 0};
    for (size_t f = 0; f < 2; f++) {
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            uint8_t copy[CONTENT_CAP];
            memcpy(copy, content, len);
            put_u16(copy + fields[f], values[v]);
            char *tampered = token_from_content(APP_ID, copy, len);
            assert_invalid(tampered, strlen(tampered));
            free(tampered);
        }
    }
    rtm_string_free(token);
}

static void test_signed_m_with_wrong_privilege_count_is_invalid(void **state)
{
    (void)state;
    const uint16_t privileges[] = {RTM_TOKEN_PRIVILEGE_LOGIN};
    const uint32_t expire_ts[] = {0};
    uint8_t m[64], content[CONTENT_CAP];
    size_t m_len = m_with_privileges(m, 1, privileges, expire_ts);
    const uint16_t counts[] = {0, 2, 0xFFFF};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        put_u16(m + 8, counts[i]);
        char *token = token_from_content(APP_ID, content, signed_content(m, m_len, content));
        assert_invalid(token, strlen(token));
        free(token);
    }
    /* Bytes after the last privilege are refused too. */
    put_u16(m + 8, 1);
    m[m_len] = 0;
    char *token = token_from_content(APP_ID, content, signed_content(m, m_len + 1, content));
    assert_invalid(token, strlen(token));
    free(token);
}

static void test_token_with_several_privileges_uses_the_login_one(void **state)
{
    (void)state;
    const uint16_t privileges[] = {1, RTM_TOKEN_PRIVILEGE_LOGIN, 2000};
    const uint32_t expire_ts[] = {ISSUE_TS + 10, ISSUE_TS + 100, ISSUE_TS + 20};
    uint8_t m[64], content[CONTENT_CAP];
    size_t m_len = m_with_privileges(m, 3, privileges, expire_ts);
    char *token = token_from_content(APP_ID, content, signed_content(m, m_len, content));
    uint32_t end = 0;
    assert_int_equal(verify_at(token, USER, ISSUE_TS + 50, &end), RTM_OK);
    assert_int_equal(end, ISSUE_TS + 100);
    assert_int_equal(verify_at(token, USER, ISSUE_TS + 100, NULL), RTM_ERR_TOKEN_EXPIRED);
    free(token);
}

static void test_expired_token_with_bad_signature_is_invalid_not_expired(void **state)
{
    (void)state;
    char *token = rtm_token_build(APP_ID, OTHER_CERT, USER, 0, 42, ISSUE_TS, NULL);
    assert_non_null(token);
    assert_int_equal(verify_at(token, USER, END_TS + 1, NULL), RTM_ERR_INVALID_TOKEN);
    rtm_string_free(token);
}

/* A tiny deterministic generator, so a failure reproduces. */
static uint32_t next_random(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

static void test_random_mutations_never_verify(void **state)
{
    (void)state;
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    char *token = login_token(0);
    size_t len = strlen(token);
    uint32_t seed = 1;
    char buf[256];
    for (int round = 0; round < 20000; round++) {
        size_t n = len - 4 + next_random(&seed) % 9;
        memcpy(buf, token, len);
        for (size_t i = len; i < n; i++)
            buf[i] = alphabet[next_random(&seed) % (sizeof alphabet - 1)];
        size_t changes = 1 + next_random(&seed) % 3;
        for (size_t c = 0; c < changes; c++) {
            size_t at = next_random(&seed) % n;
            buf[at] = round % 2 ? (char)next_random(&seed)
                                : alphabet[next_random(&seed) % (sizeof alphabet - 1)];
        }
        if (n == len && memcmp(buf, token, len) == 0)
            continue;
        rtm_err_t rc = rtm_token_verify(buf, n, APP_ID, CERT, USER, strlen(USER), ISSUE_TS, NULL);
        assert_int_equal(rc, RTM_ERR_INVALID_TOKEN);
    }
    rtm_string_free(token);
}

static void test_verify_rejects_missing_server_arguments(void **state)
{
    (void)state;
    char *token = login_token(0);
    size_t len = strlen(token);
    assert_int_equal(rtm_token_verify(token, len, NULL, CERT, USER, 5, ISSUE_TS, NULL),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_token_verify(token, len, APP_ID, NULL, USER, 5, ISSUE_TS, NULL),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_token_verify(token, len, APP_ID, "short", USER, 5, ISSUE_TS, NULL),
                     RTM_ERR_INVALID_ARGUMENT);
    assert_int_equal(rtm_token_verify(token, len, APP_ID, CERT, NULL, 5, ISSUE_TS, NULL),
                     RTM_ERR_INVALID_ARGUMENT);
    rtm_string_free(token);
}

static void assert_build_fails(const char *app_id, const char *cert, const char *user,
                               rtm_err_t expected)
{
    rtm_err_t err = RTM_OK;
    assert_null(rtm_token_build(app_id, cert, user, 0, 1, ISSUE_TS, &err));
    assert_int_equal(err, expected);
    assert_null(rtm_token_build(app_id, cert, user, 0, 1, ISSUE_TS, NULL));
}

static void test_token_build_rejects_bad_arguments(void **state)
{
    (void)state;
    assert_build_fails(NULL, CERT, USER, RTM_ERR_INVALID_ARGUMENT);
    assert_build_fails(APP_ID, NULL, USER, RTM_ERR_INVALID_ARGUMENT);
    assert_build_fails(APP_ID, CERT, NULL, RTM_ERR_INVALID_ARGUMENT);
    assert_build_fails("g70CA35de60c44645bbae8a215061b33", CERT, USER, RTM_ERR_INVALID_ARGUMENT);
    assert_build_fails("970CA35de60c44645bbae8a215061b3", CERT, USER, RTM_ERR_INVALID_ARGUMENT);
    assert_build_fails("970CA35de60c44645bbae8a215061b333", CERT, USER, RTM_ERR_INVALID_ARGUMENT);
    assert_build_fails("", CERT, USER, RTM_ERR_INVALID_ARGUMENT);
    assert_build_fails(APP_ID, "5CFd2fd1755d40ecb72977518be15d3z", USER, RTM_ERR_INVALID_ARGUMENT);
    assert_build_fails(APP_ID, "5CFd2fd1755d40ecb72977518be15d3", USER, RTM_ERR_INVALID_ARGUMENT);
    assert_build_fails(APP_ID, CERT, "", RTM_ERR_INVALID_USER_ID);
    assert_build_fails(APP_ID, CERT, "null", RTM_ERR_INVALID_USER_ID);
    assert_build_fails(APP_ID, CERT, " alice", RTM_ERR_INVALID_USER_ID);
    assert_build_fails(APP_ID, CERT, "al\"ice", RTM_ERR_INVALID_USER_ID);
    char long_user[RTM_ID_MAX_BYTES + 2];
    memset(long_user, 'u', sizeof long_user - 1);
    long_user[sizeof long_user - 1] = '\0';
    assert_build_fails(APP_ID, CERT, long_user, RTM_ERR_INVALID_USER_ID);
    long_user[RTM_ID_MAX_BYTES] = '\0';
    char *token = rtm_token_build(APP_ID, CERT, long_user, 0, 1, ISSUE_TS, NULL);
    assert_non_null(token);
    rtm_string_free(token);
}

static void test_token_build_refuses_issue_ts_whose_end_overflows(void **state)
{
    (void)state;
    rtm_err_t err = RTM_OK;
    assert_null(rtm_token_build(APP_ID, CERT, USER, 0, 1, UINT32_MAX - 86399, &err));
    assert_int_equal(err, RTM_ERR_INVALID_ARGUMENT);
}

static uint32_t salt_of(const char *token)
{
    uint8_t content[CONTENT_CAP];
    content_of(token, content);
    const uint8_t *m = content + 2 + 32 + 4 + 4 + 2;
    return (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24;
}

static void test_salt_zero_gives_random_salts(void **state)
{
    (void)state;
    char *a = rtm_token_build(APP_ID, CERT, USER, 0, 0, ISSUE_TS, NULL);
    char *b = rtm_token_build(APP_ID, CERT, USER, 0, 0, ISSUE_TS, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_not_equal(a, b);
    assert_int_not_equal(salt_of(a), 0);
    assert_int_not_equal(salt_of(b), 0);
    assert_int_not_equal(salt_of(a), salt_of(b));
    assert_int_equal(verify_at(a, USER, ISSUE_TS, NULL), RTM_OK);
    assert_int_equal(verify_at(b, USER, ISSUE_TS, NULL), RTM_OK);
    rtm_string_free(a);
    rtm_string_free(b);
}

static void test_given_salt_is_kept(void **state)
{
    (void)state;
    char *token = login_token(0);
    assert_int_equal(salt_of(token), 42);
    rtm_string_free(token);
}

static void test_issue_ts_zero_means_now(void **state)
{
    (void)state;
    uint32_t before = (uint32_t)time(NULL);
    char *token = rtm_token_build(APP_ID, CERT, USER, 0, 0, 0, NULL);
    uint32_t after = (uint32_t)time(NULL);
    assert_non_null(token);
    uint32_t end = 0;
    assert_int_equal(verify_at(token, USER, after, &end), RTM_OK);
    assert_in_range(end, before + 86400, after + 86400);
    rtm_string_free(token);
}

static void test_string_free_accepts_null(void **state)
{
    (void)state;
    rtm_string_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_matches_zlib_check_value),
        cmocka_unit_test(test_packer_matches_known_answer),
        cmocka_unit_test(test_packer_token_with_uid_is_not_a_login_token),
        cmocka_unit_test(test_token_without_login_privilege_is_invalid),
        cmocka_unit_test(test_login_token_is_the_packer_token_for_user_and_empty_uid),
        cmocka_unit_test(test_built_token_verifies_until_its_expire_ts),
        cmocka_unit_test(test_token_expires_at_ts_even_with_later_expire_ts),
        cmocka_unit_test(test_token_with_expire_ts_zero_lasts_until_ts),
        cmocka_unit_test(test_token_for_other_user_is_invalid),
        cmocka_unit_test(test_token_for_other_app_id_is_invalid),
        cmocka_unit_test(test_app_id_comparison_is_case_sensitive),
        cmocka_unit_test(test_token_signed_with_other_certificate_is_invalid),
        cmocka_unit_test(test_token_with_any_base64_character_changed_is_invalid),
        cmocka_unit_test(test_token_with_flipped_signature_byte_is_invalid),
        cmocka_unit_test(test_token_with_changed_ts_is_invalid),
        cmocka_unit_test(test_garbage_is_an_invalid_token),
        cmocka_unit_test(test_token_longer_than_the_limit_is_invalid),
        cmocka_unit_test(test_verifier_reads_only_token_len_bytes),
        cmocka_unit_test(test_truncated_content_is_invalid),
        cmocka_unit_test(test_huge_lengths_in_content_are_invalid),
        cmocka_unit_test(test_signed_m_with_wrong_privilege_count_is_invalid),
        cmocka_unit_test(test_token_with_several_privileges_uses_the_login_one),
        cmocka_unit_test(test_expired_token_with_bad_signature_is_invalid_not_expired),
        cmocka_unit_test(test_random_mutations_never_verify),
        cmocka_unit_test(test_verify_rejects_missing_server_arguments),
        cmocka_unit_test(test_token_build_rejects_bad_arguments),
        cmocka_unit_test(test_token_build_refuses_issue_ts_whose_end_overflows),
        cmocka_unit_test(test_salt_zero_gives_random_salts),
        cmocka_unit_test(test_given_salt_is_kept),
        cmocka_unit_test(test_issue_ts_zero_means_now),
        cmocka_unit_test(test_string_free_accepts_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
