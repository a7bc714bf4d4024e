/* The client's send queue: frames go out whole and in order, requests that ended before they
 * were written are never written, counted frames are numbered and kept until the server's rx
 * covers them, and a resumed session writes exactly the frames the server did not process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "send_queue.h"

static rtm_decoder_t dec;

static void push(rtm_outq_t *q, uint32_t type, uint64_t id)
{
    rtm_frame_t f;
    rtm_frame_init(&f, type, id);
    if (type == RTM_FRAME_PING || type == RTM_FRAME_ACK || type == RTM_FRAME_DELIVERY_ACK)
        rtm_frame_set_uint(&f, type == RTM_FRAME_DELIVERY_ACK ? RTM_K_MID : RTM_K_RX, id);
    if (type == RTM_FRAME_QUERY_SUBSCRIBED || type == RTM_FRAME_LOGOUT)
        f.id = id;
    assert_true(outq_push(q, &f, type == RTM_FRAME_QUERY_SUBSCRIBED ? id : 0));
}

/* Takes everything (cap bytes per write) and returns the frame ids written, in order. */
static size_t take_ids(rtm_outq_t *q, size_t cap, uint64_t *seq, bool retain, uint64_t *ids,
                       size_t max)
{
    static uint8_t buf[1 << 20];
    size_t n_ids = 0, n;
    while ((n = outq_take(q, buf, cap, seq, retain)) > 0) {
        size_t off = 0;
        while (off < n) {
            rtm_frame_t f;
            const char *why;
            assert_int_equal(rtm_frame_decode(&dec, buf, n, &off, &f, &why), RTM_DECODE_OK);
            assert_true(n_ids < max);
            ids[n_ids++] = f.type == RTM_FRAME_QUERY_SUBSCRIBED ? f.id : f.rx + f.mid;
        }
    }
    return n_ids;
}

static void init(rtm_outq_t *q)
{
    memset(q, 0, sizeof(*q));
    rtm_buf_init(&q->bytes, 0);
}

static void fini(rtm_outq_t *q)
{
    rtm_buf_free(&q->bytes);
    free(q->frames);
}

static void test_frames_go_out_whole_in_order_within_the_cap(void **state)
{
    rtm_outq_t q;
    init(&q);
    for (uint64_t i = 1; i <= 100; i++)
        push(&q, RTM_FRAME_QUERY_SUBSCRIBED, i);
    uint8_t buf[64];
    uint64_t seq = 0;
    size_t n = outq_take(&q, buf, sizeof(buf), &seq, true);
    assert_true(n > 0 && n <= sizeof(buf));
    uint64_t ids[128];
    size_t k = take_ids(&q, 64, &seq, true, ids, 128);
    assert_true(k > 0);
    assert_int_equal(seq, 100);
    for (size_t i = 1; i < k; i++)
        assert_int_equal(ids[i], ids[i - 1] + 1);
    assert_int_equal(ids[k - 1], 100);
    assert_true(outq_empty(&q));
    fini(&q);
}

static void test_dropped_request_is_never_written_and_takes_no_number(void **state)
{
    rtm_outq_t q;
    init(&q);
    push(&q, RTM_FRAME_QUERY_SUBSCRIBED, 1);
    push(&q, RTM_FRAME_QUERY_SUBSCRIBED, 2);
    push(&q, RTM_FRAME_QUERY_SUBSCRIBED, 3);
    assert_true(outq_drop(&q, 2));
    assert_false(outq_drop(&q, 2));
    uint64_t seq = 0, ids[8];
    assert_int_equal(take_ids(&q, 4096, &seq, true, ids, 8), 2);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 3);
    assert_int_equal(seq, 2);
    assert_false(outq_drop(&q, 3)); /* written already */
    fini(&q);
}

static void test_resume_writes_exactly_what_the_server_did_not_process(void **state)
{
    rtm_outq_t q;
    init(&q);
    uint64_t seq = 0, ids[16];
    for (uint64_t i = 1; i <= 5; i++)
        push(&q, RTM_FRAME_QUERY_SUBSCRIBED, i);
    push(&q, RTM_FRAME_PING, 1000); /* not counted: never written again */
    assert_int_equal(take_ids(&q, 4096, &seq, true, ids, 16), 6);
    assert_int_equal(seq, 5);
    outq_release(&q, 2);                     /* the server acknowledged 1 and 2 */
    push(&q, RTM_FRAME_QUERY_SUBSCRIBED, 6); /* queued while away */
    outq_rewind(&q, 3, &seq);                /* ... and had processed 3 when the connection broke */
    assert_int_equal(seq, 3);
    assert_false(outq_empty(&q));
    size_t n = take_ids(&q, 4096, &seq, true, ids, 16);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 4);
    assert_int_equal(ids[1], 5);
    assert_int_equal(ids[2], 6);
    assert_int_equal(seq, 6); /* 4 and 5 kept their numbers, 6 follows */
    outq_rewind(&q, 6, &seq);
    assert_true(outq_empty(&q));
    fini(&q);
}

static void test_without_retain_nothing_is_kept(void **state)
{
    rtm_outq_t q;
    init(&q);
    uint64_t seq = 0, ids[8];
    push(&q, RTM_FRAME_QUERY_SUBSCRIBED, 1);
    push(&q, RTM_FRAME_DELIVERY_ACK, 77);
    assert_int_equal(take_ids(&q, 4096, &seq, false, ids, 8), 2);
    assert_int_equal(seq, 0);
    outq_rewind(&q, 0, &seq);
    assert_true(outq_empty(&q));
    assert_int_equal(q.n, 0); /* nothing held */
    fini(&q);
}

static void test_long_streams_stay_correct_across_compaction(void **state)
{
    rtm_outq_t q;
    init(&q);
    uint64_t seq = 0, next = 1, acked = 0;
    static uint64_t ids[20000];
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 400; i++)
            push(&q, RTM_FRAME_QUERY_SUBSCRIBED, next++);
        size_t n = take_ids(&q, 16384, &seq, true, ids, 20000);
        assert_int_equal(n, 400);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(ids[i], next - 400 + i);
        acked += 300; /* the server lags behind by a little */
        outq_release(&q, acked);
    }
    /* a resume now writes the unacknowledged tail (100 frames per round), in order */
    outq_rewind(&q, acked, &seq);
    size_t n = take_ids(&q, 16384, &seq, true, ids, 20000);
    assert_int_equal(n, next - 1 - acked);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ids[i], acked + 1 + i);
    fini(&q);
}

/* Acks alone are not urgent; the count of unsent acks follows takes, drops and a resume. */
static void test_acks_alone_are_not_urgent(void **state)
{
    rtm_outq_t q;
    init(&q);
    uint64_t seq = 0, ids[8];
    assert_false(outq_urgent(&q));
    push(&q, RTM_FRAME_DELIVERY_ACK, 70);
    push(&q, RTM_FRAME_ACK, 3);
    assert_false(outq_empty(&q));
    assert_false(outq_urgent(&q)); /* only acks: they may wait */
    assert_int_equal(outq_lazy(&q), 2);
    push(&q, RTM_FRAME_QUERY_SUBSCRIBED, 1);
    assert_true(outq_urgent(&q));
    assert_true(outq_drop(&q, 1)); /* the request ended before it was written */
    assert_false(outq_urgent(&q));
    push(&q, RTM_FRAME_QUERY_SUBSCRIBED, 2);
    assert_int_equal(take_ids(&q, 4096, &seq, true, ids, 8), 3); /* acks go with the request */
    assert_int_equal(ids[0], 70);
    assert_int_equal(ids[2], 2);
    assert_true(outq_empty(&q));
    assert_int_equal(outq_lazy(&q), 0);
    /* the delivery ack and the request are counted frames: a resume writes both again */
    outq_rewind(&q, 0, &seq);
    assert_true(outq_urgent(&q));
    assert_int_equal(outq_lazy(&q), 1);
    assert_int_equal(take_ids(&q, 4096, &seq, true, ids, 8), 2);
    assert_int_equal(outq_lazy(&q), 0);
    fini(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_go_out_whole_in_order_within_the_cap),
        cmocka_unit_test(test_dropped_request_is_never_written_and_takes_no_number),
        cmocka_unit_test(test_resume_writes_exactly_what_the_server_did_not_process),
        cmocka_unit_test(test_without_retain_nothing_is_kept),
        cmocka_unit_test(test_long_streams_stay_correct_across_compaction),
        cmocka_unit_test(test_acks_alone_are_not_urgent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
