/* rtmd's sliding windows (core/server/rate_limit.c) with the clock in the test's hands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "rate_limit.h"

static const rtmd_rate_limit_t three_per_800 = {3, 800}; /* slots of 100 ms */

static void test_window_allows_max_then_refuses(void **state)
{
    rtmd_rate_window_t w;
    memset(&w, 0, sizeof(w));
    int64_t t = 1000000;
    assert_true(rtmd_rate_take(&w, &three_per_800, t));
    assert_true(rtmd_rate_take(&w, &three_per_800, t + 10));
    assert_true(rtmd_rate_take(&w, &three_per_800, t + 20));
    assert_false(rtmd_rate_take(&w, &three_per_800, t + 30));
    /* refusals are not counted: they never push the next allowed time back */
    for (int i = 0; i < 100; i++)
        assert_false(rtmd_rate_take(&w, &three_per_800, t + 40 + i));
    /* one full window plus one slot after the first, all three have left */
    assert_true(rtmd_rate_take(&w, &three_per_800, t + 900));
    assert_true(rtmd_rate_take(&w, &three_per_800, t + 900));
    assert_true(rtmd_rate_take(&w, &three_per_800, t + 900));
    assert_false(rtmd_rate_take(&w, &three_per_800, t + 900));
}

static void test_window_slides_slot_by_slot(void **state)
{
    rtmd_rate_window_t w;
    memset(&w, 0, sizeof(w));
    int64_t t = 5000000;                                      /* a slot boundary */
    assert_true(rtmd_rate_take(&w, &three_per_800, t));       /* slot 0 */
    assert_true(rtmd_rate_take(&w, &three_per_800, t + 350)); /* slot 3 */
    assert_true(rtmd_rate_take(&w, &three_per_800, t + 650)); /* slot 6 */
    assert_false(rtmd_rate_take(&w, &three_per_800, t + 799));
    /* still inside the window (the first counts for 800 to 900 ms) */
    assert_false(rtmd_rate_take(&w, &three_per_800, t + 850));
    /* slot 0 left at +900: exactly one place */
    assert_true(rtmd_rate_take(&w, &three_per_800, t + 900));
    assert_false(rtmd_rate_take(&w, &three_per_800, t + 901));
    /* slot 3 leaves at +1200 */
    assert_false(rtmd_rate_take(&w, &three_per_800, t + 1199));
    assert_true(rtmd_rate_take(&w, &three_per_800, t + 1200));
    /* a long pause empties everything */
    for (int i = 0; i < 3; i++)
        assert_true(rtmd_rate_take(&w, &three_per_800, t + 100000));
    assert_false(rtmd_rate_take(&w, &three_per_800, t + 100000));
}

/* Whatever the request times, no window of the full length ever holds more than max allowed
 * requests, and a request is refused only when the last window (plus a slot) is full. */
static void test_no_window_ever_holds_more_than_max(void **state)
{
    const rtmd_rate_limit_t lim = {5, 800};
    enum { N = 20000 };
    int64_t *allowed = malloc(N * sizeof(*allowed));
    assert_non_null(allowed);
    size_t n_allowed = 0;
    rtmd_rate_window_t w;
    memset(&w, 0, sizeof(w));
    srand(42);
    int64_t t = 123456;
    for (int i = 0; i < N; i++) {
        t += rand() % 120;
        bool ok = rtmd_rate_take(&w, &lim, t);
        /* count the allowed ones within the window that ends now */
        size_t in_window = 0, in_window_and_slot = 0;
        for (size_t k = n_allowed; k-- > 0 && allowed[k] > t - 900;) {
            in_window_and_slot++;
            if (allowed[k] > t - 800)
                in_window++;
        }
        if (ok) {
            assert_true(in_window < lim.max);
            allowed[n_allowed++] = t;
        } else {
            assert_true(in_window_and_slot >= lim.max);
        }
    }
    assert_true(n_allowed > 1000); /* the generator did exercise both answers */
    assert_true(n_allowed < N);
    free(allowed);
}

static void test_logins_are_counted_per_user_and_forgotten(void **state)
{
    const rtmd_rate_limit_t two_per_s = {2, 1000};
    rtmd_rate_logins_t t;
    rtmd_rate_logins_init(&t);
    int64_t now = 7000000;
    assert_true(rtmd_rate_logins_take(&t, "alice", 5, &two_per_s, now));
    assert_true(rtmd_rate_logins_take(&t, "alice", 5, &two_per_s, now + 1));
    assert_false(rtmd_rate_logins_take(&t, "alice", 5, &two_per_s, now + 2));
    assert_true(rtmd_rate_logins_take(&t, "bob", 3, &two_per_s, now + 3));
    assert_int_equal(t.count, 2);
    /* after a window and a slot, the entries go at the next login of anyone */
    assert_true(rtmd_rate_logins_take(&t, "carol", 5, &two_per_s, now + 1200));
    assert_int_equal(t.count, 1);
    assert_true(rtmd_rate_logins_take(&t, "alice", 5, &two_per_s, now + 1200));
    assert_true(rtmd_rate_logins_take(&t, "alice", 5, &two_per_s, now + 1201));
    assert_false(rtmd_rate_logins_take(&t, "alice", 5, &two_per_s, now + 1202));
    rtmd_rate_logins_destroy(&t);
}

static void test_login_table_is_bounded(void **state)
{
    const rtmd_rate_limit_t one_per_s = {1, 1000};
    rtmd_rate_logins_t t;
    rtmd_rate_logins_init(&t);
    t.max_users = 3;
    int64_t now = 9000000;
    const char *users[] = {"u1", "u2", "u3", "u4"};
    for (int i = 0; i < 4; i++)
        assert_true(rtmd_rate_logins_take(&t, users[i], 2, &one_per_s, now));
    assert_int_equal(t.count, 3);
    /* u1, the least recently used, was forgotten: its count starts again */
    assert_true(rtmd_rate_logins_take(&t, "u1", 2, &one_per_s, now + 1));
    assert_false(rtmd_rate_logins_take(&t, "u4", 2, &one_per_s, now + 1));
    assert_int_equal(t.count, 3);
    rtmd_rate_logins_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_allows_max_then_refuses),
        cmocka_unit_test(test_window_slides_slot_by_slot),
        cmocka_unit_test(test_no_window_ever_holds_more_than_max),
        cmocka_unit_test(test_logins_are_counted_per_user_and_forgotten),
        cmocka_unit_test(test_login_table_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
