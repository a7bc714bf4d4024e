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

/* ---- rtm_u64map ---- */

/* Every key of ref[0..n) is in m with its value, m holds nothing else, and no probe run has
 * a hole between a key and its home slot (what backward-shift deletion must keep). */
static void check_u64map(const rtm_u64map_t *m, const uint64_t *ref, size_t n)
{
    assert_int_equal(m->count, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(rtm_u64map_has(m, ref[i]));
        if (m->values)
            assert_int_equal((uintptr_t)rtm_u64map_get(m, ref[i]), ref[i] ^ 0x5a5a);
    }
    size_t used = 0;
    for (size_t s = 0; m->keys && s <= m->mask; s++) {
        if (!m->keys[s])
            continue;
        used++;
        for (size_t j = rtm_u64map_home(m, m->keys[s]); j != s; j = (j + 1) & m->mask)
            assert_true(m->keys[j] != 0);
    }
    assert_int_equal(used, n);
    assert_true(!m->keys || 2 * n <= m->mask + 1);
}

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Random puts and deletes checked against a plain list, with keys drawn from a few slots'
 * worth of values so that probe runs get long, collide and wrap around the table's end. */
static void random_ops(bool want_values, uint64_t key_space, uint64_t stride)
{
    rtm_u64map_t m;
    rtm_u64map_init(&m, want_values);
    enum { MAXN = 600 };
    uint64_t ref[MAXN];
    size_t n = 0;
    uint64_t x = 88172645463325252ull ^ key_space ^ stride;
    for (int op = 0; op < 20000; op++) {
        uint64_t key = (rng_next(&x) % key_space + 1) * stride;
        size_t at = n;
        for (size_t i = 0; i < n; i++)
            if (ref[i] == key)
                at = i;
        if ((rng_next(&x) & 1) && n < MAXN) {
            assert_true(rtm_u64map_put(&m, key, (void *)(uintptr_t)(key ^ 0x5a5a)));
            if (at == n)
                ref[n++] = key;
        } else {
            assert_int_equal(rtm_u64map_del(&m, key), at < n);
            if (at < n)
                ref[at] = ref[--n];
        }
        if (op % 97 == 0 || n < 4)
            check_u64map(&m, ref, n);
    }
    check_u64map(&m, ref, n);
    rtm_u64map_destroy(&m);
}

static void test_u64map_random_against_a_list(void **state)
{
    random_ops(true, 1000, 1);   /* dense keys */
    random_ops(true, 100, 1);    /* few keys: the table stays small, runs wrap */
    random_ops(false, 1000, 1);  /* a set */
    random_ops(true, 300, 1024); /* keys alike in their low bits */
    random_ops(false, 5000, 0x9e3779b97f4a7c15ull);
}

static void test_u64map_zero_key_is_refused(void **state)
{
    rtm_u64map_t m;
    rtm_u64map_init(&m, true);
    assert_false(rtm_u64map_put(&m, 0, &m));
    assert_false(rtm_u64map_has(&m, 0));
    assert_null(rtm_u64map_get(&m, 0));
    assert_false(rtm_u64map_del(&m, 0));
    assert_false(rtm_u64map_del(&m, 7)); /* nothing allocated yet */
    assert_int_equal(m.count, 0);
    rtm_u64map_destroy(&m);
}

static void test_u64map_replace_keeps_one_entry(void **state)
{
    rtm_u64map_t m;
    rtm_u64map_init(&m, true);
    int a, b;
    assert_true(rtm_u64map_put(&m, 42, &a));
    assert_true(rtm_u64map_put(&m, 42, &b));
    assert_int_equal(m.count, 1);
    assert_ptr_equal(rtm_u64map_get(&m, 42), &b);
    assert_true(rtm_u64map_del(&m, 42));
    assert_false(rtm_u64map_has(&m, 42));
    assert_null(rtm_u64map_get(&m, 42));
    rtm_u64map_destroy(&m);
}

/* The pending requests' pattern: sequential ids, a window of them alive, the table does not
 * grow past twice the window. */
static void test_u64map_sliding_window_of_sequential_ids(void **state)
{
    rtm_u64map_t m;
    rtm_u64map_init(&m, true);
    for (uint64_t id = 1; id <= 100000; id++) {
        assert_true(rtm_u64map_put(&m, id, (void *)(uintptr_t)id));
        if (id > 1000) {
            assert_true(rtm_u64map_del(&m, id - 1000));
            assert_false(rtm_u64map_has(&m, id - 1000));
        }
    }
    assert_int_equal(m.count, 1000);
    assert_int_equal(m.mask + 1, 2048);
    for (uint64_t id = 99001; id <= 100000; id++)
        assert_int_equal((uintptr_t)rtm_u64map_get(&m, id), id);
    rtm_u64map_destroy(&m);
}

/* ---- rtm_recent: the client's de-duplication window ---- */

static void test_recent_remembers_the_last_cap_keys(void **state)
{
    rtm_recent_t r;
    rtm_recent_init(&r, 1024);
    assert_null(r.ring); /* nothing allocated before the first key */
    uint64_t x = 12345;
    uint64_t keys[3000];
    for (int i = 0; i < 3000; i++)
        keys[i] = rng_next(&x);
    for (int i = 0; i < 1024; i++)
        assert_false(rtm_recent_check(&r, keys[i]));
    for (int i = 0; i < 1024; i++)
        assert_true(rtm_recent_check(&r, keys[i])); /* a repeat is not remembered again */
    assert_int_equal(r.set.count, 1024);
    assert_int_equal(r.set.mask + 1, 2048); /* the table does not grow past twice the window */
    /* each new key forgets the oldest: first in, first out, repeats do not refresh a key */
    assert_false(rtm_recent_check(&r, keys[1024]));
    assert_false(rtm_recent_check(&r, keys[0])); /* forgotten: new again (forgets keys[1]) */
    assert_false(rtm_recent_check(&r, keys[1])); /* forgotten (forgets keys[2]) */
    assert_true(rtm_recent_check(&r, keys[3]));  /* still remembered */
    assert_true(rtm_recent_check(&r, keys[1024]));
    for (int i = 1025; i < 3000; i++)
        assert_false(rtm_recent_check(&r, keys[i]));
    for (int i = 3000 - 1024; i < 3000; i++)
        assert_true(rtm_recent_check(&r, keys[i]));
    assert_false(rtm_recent_check(&r, keys[1975])); /* forgotten; forgets keys[1976] */
    assert_false(rtm_recent_check(&r, keys[1976]));
    assert_true(rtm_recent_check(&r, keys[1978]));
    assert_int_equal(r.set.count, 1024);
    rtm_recent_destroy(&r);
}

static void test_recent_never_remembers_key_zero(void **state)
{
    rtm_recent_t r;
    rtm_recent_init(&r, 4);
    assert_false(rtm_recent_check(&r, 0));
    assert_false(rtm_recent_check(&r, 0));
    assert_null(r.ring);
    /* tagged keys (the client's: low bit 1 for cmid keys) still spread over the table */
    for (uint64_t k = 1; k <= 4; k++)
        assert_false(rtm_recent_check(&r, rtm_hash_u64(k) | 1));
    for (uint64_t k = 1; k <= 4; k++)
        assert_true(rtm_recent_check(&r, rtm_hash_u64(k) | 1));
    assert_false(rtm_recent_check(&r, rtm_hash_u64(1) & ~1ull));
    assert_false(rtm_recent_check(&r, rtm_hash_u64(1) | 1)); /* forgotten by the one above */
    rtm_recent_destroy(&r);
}

/* The byte hash sees every byte and the length, and spreads look-alike ids over the buckets. */
static void test_hash_bytes_sees_every_byte(void **state)
{
    unsigned char a[41], b[41];
    memset(a, 'x', sizeof(a));
    for (size_t len = 1; len <= 40; len++) {
        for (size_t i = 0; i < len; i++) {
            memcpy(b, a, sizeof(b));
            b[i] ^= 1;
            assert_true(rtm_hash_bytes(a, len) != rtm_hash_bytes(b, len));
        }
        assert_true(rtm_hash_bytes(a, len) != rtm_hash_bytes(a, len - 1));
    }
    unsigned char z[16] = {0};
    assert_true(rtm_hash_bytes(z, 8) != rtm_hash_bytes(z, 16)); /* zero words count too */
    enum { N = 16384, BUCKETS = 1024 };
    int hits[BUCKETS] = {0}, most = 0;
    char id[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(id, sizeof(id), "user-%d", i);
        int *h = &hits[rtm_hash_bytes(id, (size_t)n) & (BUCKETS - 1)];
        if (++*h > most)
            most = *h;
    }
    assert_true(most < 40); /* 16 per bucket on average */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_keys_put_get_replace_delete),
        cmocka_unit_test(test_u64_keys_do_not_collide_with_each_other),
        cmocka_unit_test(test_foreach_visits_every_value),
        cmocka_unit_test(test_u64map_random_against_a_list),
        cmocka_unit_test(test_u64map_zero_key_is_refused),
        cmocka_unit_test(test_u64map_replace_keeps_one_entry),
        cmocka_unit_test(test_u64map_sliding_window_of_sequential_ids),
        cmocka_unit_test(test_recent_remembers_the_last_cap_keys),
        cmocka_unit_test(test_recent_never_remembers_key_zero),
        cmocka_unit_test(test_hash_bytes_sees_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
