/* The hash map used for user tables and pending requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"

static void test_string_keys_put_get_replace_delete(void **state)
{
    rtm_hashmap_t m;
    rtm_hm_init(&m);
    enum { N = 5000 };
    char(*keys)[16] = malloc(N * sizeof(*keys));
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "user-%d", i);
        assert_true(rtm_hm_put(&m, keys[i], strlen(keys[i]), keys[i], NULL));
    }
    assert_int_equal(m.count, N);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(rtm_hm_get(&m, keys[i], strlen(keys[i])), keys[i]);
    assert_null(rtm_hm_get(&m, "user-x", 6));
    void *old = NULL;
    assert_true(rtm_hm_put(&m, "user-1", 6, keys[2], &old));
    assert_ptr_equal(old, keys[1]);
    assert_int_equal(m.count, N);
    for (int i = 0; i < N; i += 2)
        assert_non_null(rtm_hm_del(&m, keys[i], strlen(keys[i])));
    assert_int_equal(m.count, N / 2);
    assert_null(rtm_hm_get(&m, "user-0", 6));
    assert_non_null(rtm_hm_get(&m, "user-3", 6));
    assert_null(rtm_hm_del(&m, "user-0", 6));
    rtm_hm_destroy(&m);
    free(keys);
}

static void test_u64_keys_do_not_collide_with_each_other(void **state)
{
    rtm_hashmap_t m;
    rtm_hm_init(&m);
    for (uint64_t k = 1; k <= 10000; k++)
        assert_true(rtm_hm_put_u64(&m, k * 0x100000001ull, (void *)(uintptr_t)k));
    for (uint64_t k = 1; k <= 10000; k++)
        assert_int_equal((uintptr_t)rtm_hm_get_u64(&m, k * 0x100000001ull), k);
    assert_null(rtm_hm_get_u64(&m, 0));
    assert_int_equal((uintptr_t)rtm_hm_del_u64(&m, 0x100000001ull), 1);
    assert_null(rtm_hm_get_u64(&m, 0x100000001ull));
    rtm_hm_destroy(&m);
}

static void count(void *v, void *arg)
{
    (*(int *)arg)++;
}

static void test_foreach_visits_every_value(void **state)
{
    rtm_hashmap_t m;
    rtm_hm_init(&m);
    int n = 0;
    rtm_hm_foreach(&m, count, &n);
    assert_int_equal(n, 0);
    for (uint64_t k = 0; k < 100; k++)
        rtm_hm_put_u64(&m, k, &n);
    rtm_hm_foreach(&m, count, &n);
    assert_int_equal(n, 100);
    rtm_hm_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_keys_put_get_replace_delete),
        cmocka_unit_test(test_u64_keys_do_not_collide_with_each_other),
        cmocka_unit_test(test_foreach_visits_every_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
