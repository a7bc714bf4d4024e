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

static void test_a_chain_comes_out_in_order_and_raises_the_fd_when_woken(void **state)
{
    rtm_event_queue_t q;
    assert_true(rtm_eq_init(&q, 100));
    int fd = rtm_eq_fd(&q);
    rtm_event_t *a = ev(1), *b = ev(2), *c = ev(3);
    a->next = b;
    b->next = c;
    int wake_fd;
    assert_int_equal(rtm_eq_push_chain(&q, a, c, 3, &wake_fd), 3);
    assert_int_equal(wake_fd, fd);
    assert_false(readable(fd)); /* the write is the caller's, after its locks */
    rtm_eq_wake(wake_fd);
    assert_true(readable(fd));
    rtm_event_t *d = ev(4);
    assert_int_equal(rtm_eq_push_chain(&q, d, d, 1, &wake_fd), 4);
    assert_int_equal(wake_fd, -1); /* raised already */
    for (uint64_t i = 1; i <= 4; i++) {
        rtm_event_t *e = rtm_eq_pop(&q, 0, NULL);
        assert_int_equal(e->request_id, i);
        rtm_event_destroy(e);
    }
    assert_false(readable(fd));
    rtm_eq_destroy(&q);
}

/* The race of a producer's late write, played in order on one thread: the consumer empties
 * the queue before the write lands; the next pop must still take the 1 away. */
static void test_a_write_that_lands_after_the_queue_emptied_is_taken_by_the_next_pop(void **state)
{
    rtm_event_queue_t q;
    assert_true(rtm_eq_init(&q, 100));
    int fd = rtm_eq_fd(&q);
    rtm_event_t *a = ev(1);
    int wake_fd;
    rtm_eq_push_chain(&q, a, a, 1, &wake_fd);
    rtm_event_destroy(rtm_eq_pop(&q, 0, NULL)); /* empties the queue; its read finds 0 */
    assert_false(readable(fd));
    rtm_eq_wake(wake_fd);      /* the producer's write lands now */
    assert_true(readable(fd)); /* one early wake-up ... */
    assert_null(rtm_eq_pop(&q, 0, NULL));
    assert_false(readable(fd)); /* ... that the next pop ends */
    rtm_eq_destroy(&q);
}

#define CHAINS 20000

static void *produce_chains(void *arg)
{
    rtm_event_queue_t *q = arg;
    uint64_t id = 0;
    for (int i = 0; i < CHAINS; i++) {
        int n = 1 + i % 3;
        rtm_event_t *first = ev(id++), *last = first;
        for (int k = 1; k < n; k++) {
            last->next = ev(id++);
            last = last->next;
        }
        int wake_fd;
        rtm_eq_push_chain(q, first, last, (size_t)n, &wake_fd);
        rtm_eq_wake(wake_fd);
    }
    return NULL;
}

/* A consumer that sleeps in poll() on the fd and drains the queue each time it wakes never
 * misses an event, and once everything is taken the fd settles unreadable within one more
 * pop, whatever the interleaving of the producer's late writes. */
static void test_the_fd_wakes_for_every_event_and_settles_with_a_producer_thread(void **state)
{
    rtm_event_queue_t q;
    assert_true(rtm_eq_init(&q, 1 << 20));
    int fd = rtm_eq_fd(&q);
    pthread_t t;
    pthread_create(&t, NULL, produce_chains, &q);
    uint64_t next = 0, total = 0;
    for (int i = 0; i < CHAINS; i++)
        total += 1 + (uint64_t)(i % 3); /* as produce_chains makes them */
    while (next < total) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, 5000), 1); /* events are due: the fd says so */
        rtm_event_t *e;
        while ((e = rtm_eq_pop(&q, 0, NULL))) {
            assert_int_equal(e->request_id, next++);
            rtm_event_destroy(e);
        }
    }
    pthread_join(t, NULL);
    assert_null(rtm_eq_pop(&q, 0, NULL));
    assert_false(readable(fd));
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
        cmocka_unit_test(test_a_chain_comes_out_in_order_and_raises_the_fd_when_woken),
        cmocka_unit_test(test_a_write_that_lands_after_the_queue_emptied_is_taken_by_the_next_pop),
        cmocka_unit_test(test_the_fd_wakes_for_every_event_and_settles_with_a_producer_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
