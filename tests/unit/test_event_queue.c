/* The client's event queue: FIFO order, blocking with timeouts, wakeups, the eventfd's
 * readiness, capacity signalling and producers on other threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "event_queue.h"

static bool readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1;
}

static rtm_event_t *ev(uint64_t id)
{
    rtm_event_t *e = rtm_event_new(RTM_EVENT_LOGIN_RESULT);
    e->request_id = id;
    return e;
}

static void test_events_come_out_in_order(void **state)
{
    rtm_event_queue_t q;
    assert_true(rtm_eq_init(&q, 100));
    for (uint64_t i = 1; i <= 10; i++)
        assert_int_equal(rtm_eq_push(&q, ev(i)), i);
    for (uint64_t i = 1; i <= 10; i++) {
        rtm_event_t *e = rtm_eq_pop(&q, 0, NULL);
        assert_non_null(e);
        assert_int_equal(e->request_id, i);
        rtm_event_destroy(e);
    }
    assert_null(rtm_eq_pop(&q, 0, NULL));
    rtm_eq_destroy(&q);
}

static void test_pop_waits_no_longer_than_its_timeout(void **state)
{
    rtm_event_queue_t q;
    assert_true(rtm_eq_init(&q, 100));
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_null(rtm_eq_pop(&q, 100, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    assert_true(ms >= 95);
    assert_true(ms < 5000);
    rtm_eq_destroy(&q);
}

static void test_fd_is_readable_exactly_while_non_empty(void **state)
{
    rtm_event_queue_t q;
    assert_true(rtm_eq_init(&q, 100));
    int fd = rtm_eq_fd(&q);
    assert_true(fd >= 0);
    assert_false(readable(fd));
    rtm_eq_push(&q, ev(1));
    rtm_eq_push(&q, ev(2));
    assert_true(readable(fd));
    rtm_event_destroy(rtm_eq_pop(&q, 0, NULL));
    assert_true(readable(fd));
    rtm_event_destroy(rtm_eq_pop(&q, 0, NULL));
    assert_false(readable(fd));
    rtm_eq_destroy(&q);
}

static void test_fd_created_after_pushes_is_readable(void **state)
{
    rtm_event_queue_t q;
    assert_true(rtm_eq_init(&q, 100));
    rtm_eq_push(&q, ev(1));
    int fd = rtm_eq_fd(&q);
    assert_true(readable(fd));
    rtm_eq_destroy(&q); /* destroys the queued event too */
}

static void test_wakeup_returns_one_pop_and_raises_the_fd(void **state)
{
    rtm_event_queue_t q;
    assert_true(rtm_eq_init(&q, 100));
    int fd = rtm_eq_fd(&q);
    rtm_eq_wakeup(&q);
    assert_true(readable(fd));
    assert_null(rtm_eq_pop(&q, -1, NULL)); /* returns at once */
    assert_false(readable(fd));
    /* a wakeup takes precedence over queued events once, then they flow */
    rtm_eq_push(&q, ev(7));
    rtm_eq_wakeup(&q);
    assert_null(rtm_eq_pop(&q, 0, NULL));
    assert_true(readable(fd));
    rtm_event_t *e = rtm_eq_pop(&q, 0, NULL);
    assert_int_equal(e->request_id, 7);
    rtm_event_destroy(e);
    rtm_eq_destroy(&q);
}

static void test_capacity_is_signalled_when_the_queue_drains_below_it(void **state)
{
    rtm_event_queue_t q;
    bool below;
    assert_true(rtm_eq_init(&q, 3));
    for (int i = 0; i < 4; i++) /* never dropped, even above capacity */
        rtm_eq_push(&q, ev((uint64_t)i));
    rtm_event_destroy(rtm_eq_pop(&q, 0, &below));
    assert_false(below); /* 4 -> 3 */
    rtm_event_destroy(rtm_eq_pop(&q, 0, &below));
    assert_true(below); /* 3 -> 2 */
    rtm_event_destroy(rtm_eq_pop(&q, 0, &below));
    assert_false(below);
    rtm_eq_destroy(&q);
}

struct producer {
    rtm_event_queue_t *q;
    uint64_t base;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (uint64_t i = 0; i < 10000; i++)
        rtm_eq_push(p->q, ev(p->base + i));
    return NULL;
}

static void test_concurrent_producers_lose_nothing_and_keep_their_order(void **state)
{
    rtm_event_queue_t q;
    assert_true(rtm_eq_init(&q, 1 << 20));
    pthread_t t[4];
    struct producer p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = (struct producer){&q, (uint64_t)i * 1000000};
        pthread_create(&t[i], NULL, produce, &p[i]);
    }
    uint64_t next[4] = {0, 1000000, 2000000, 3000000};
    for (int n = 0; n < 40000; n++) {
        rtm_event_t *e = rtm_eq_pop(&q, 5000, NULL);
        assert_non_null(e);
        int who = (int)(e->request_id / 1000000);
        assert_int_equal(e->request_id, next[who]++);
        rtm_event_destroy(e);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(rtm_eq_count(&q), 0);
    rtm_eq_destroy(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_come_out_in_order),
        cmocka_unit_test(test_pop_waits_no_longer_than_its_timeout),
        cmocka_unit_test(test_fd_is_readable_exactly_while_non_empty),
        cmocka_unit_test(test_fd_created_after_pushes_is_readable),
        cmocka_unit_test(test_wakeup_returns_one_pop_and_raises_the_fd),
        cmocka_unit_test(test_capacity_is_signalled_when_the_queue_drains_below_it),
        cmocka_unit_test(test_concurrent_producers_lose_nothing_and_keep_their_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
