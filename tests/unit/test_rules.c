/* Id rules and UTF-8 checks shared by client and server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "rules.h"

static void test_ids_with_allowed_characters_are_valid(void **state)
{
    assert_true(rtm_id_valid_cstr("alice"));
    assert_true(rtm_id_valid_cstr("A-Z a-z 0-9"));
    assert_true(rtm_id_valid_cstr("!#$%&()+-:;<=.>?@[]^_{}|~,"));
    assert_true(rtm_id_valid_cstr("nul"));
    assert_true(rtm_id_valid_cstr("Null"));
    char max[65];
    memset(max, 'x', 64);
    max[64] = 0;
    assert_true(rtm_id_valid_cstr(max));
}

static void test_ids_breaking_the_rules_are_invalid(void **state)
{
    assert_false(rtm_id_valid_cstr(NULL));
    assert_false(rtm_id_valid_cstr(""));
    assert_false(rtm_id_valid_cstr(" alice"));
    assert_false(rtm_id_valid_cstr("null"));
    assert_false(rtm_id_valid_cstr("a/b"));
    assert_false(rtm_id_valid_cstr("a\"b"));
    assert_false(rtm_id_valid_cstr("a'b"));
    assert_false(rtm_id_valid_cstr("a*b"));
    assert_false(rtm_id_valid_cstr("a\\b"));
    assert_false(rtm_id_valid_cstr("caf\xc3\xa9"));
    assert_false(rtm_id_valid_cstr("tab\there"));
    char over[66];
    memset(over, 'x', 65);
    over[65] = 0;
    assert_false(rtm_id_valid_cstr(over));
    assert_false(rtm_id_valid("a\0b", 3));
}

static void test_utf8_validation(void **state)
{
    assert_true(rtm_utf8_valid("", 0));
    assert_true(rtm_utf8_valid("hello", 5));
    assert_true(rtm_utf8_valid("\xe4\xbd\xa0\xe5\xa5\xbd", 6));
    assert_true(rtm_utf8_valid("\xf0\x9f\x98\x80", 4));
    assert_false(rtm_utf8_valid("\xc0\xaf", 2));     /* overlong */
    assert_false(rtm_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    assert_false(rtm_utf8_valid("\xe4\xbd", 2));     /* truncated */
    assert_false(rtm_utf8_valid("\xff", 1));
    assert_false(rtm_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
}

/* The ASCII fast path reads eight bytes at a time: every kind of sequence must be judged the
 * same at every offset and with every amount of ASCII around it. */
static void test_utf8_validation_at_every_offset(void **state)
{
    static const struct {
        const char *seq;
        bool valid;
    } cases[] = {
        {"\xe4\xbd\xa0", true},
        {"\xf0\x9f\x98\x80", true},
        {"\xc3\xa9", true},
        {"\xc0\xaf", false},
        {"\xed\xa0\x80", false},
        {"\xe4\xbd", false},
        {"\xff", false},
        {"\x80", false},
        {"\xf4\x90\x80\x80", false},
    };
    char buf[64];
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        size_t n = strlen(cases[k].seq);
        for (size_t before = 0; before <= 20; before++) {
            for (size_t after = 0; after <= 20; after++) {
                memset(buf, 'a', before);
                memcpy(buf + before, cases[k].seq, n);
                memset(buf + before + n, 'z', after);
                assert_int_equal(rtm_utf8_valid(buf, before + n + after), cases[k].valid);
            }
        }
    }
    memset(buf, 'q', sizeof(buf));
    for (size_t len = 0; len <= sizeof(buf); len++)
        assert_true(rtm_utf8_valid(buf, len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_with_allowed_characters_are_valid),
        cmocka_unit_test(test_ids_breaking_the_rules_are_invalid),
        cmocka_unit_test(test_utf8_validation),
        cmocka_unit_test(test_utf8_validation_at_every_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
