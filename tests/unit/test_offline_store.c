/* The offline-message store, each behaviour proven on both backends: memory, and SQLite in a
 * fresh temporary data directory (removed afterwards). The durability test kills a forked
 * child right after its puts returned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "offline_store.h"

#define DAY_MS (24 * 3600 * 1000LL)
#define NOW_MS 1700000000000LL

typedef struct fixture {
    bool on_disk;
    char base[64];      /* mkdtemp directory, on disk only */
    char data_dir[128]; /* base/data/offline: missing until open creates it */
    rtmd_offline_store_t *s;
} fixture_t;

static const fixture_t memory_backend = {.on_disk = false};
static const fixture_t disk_backend = {.on_disk = true};

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static rtmd_offline_store_t *open_store(const fixture_t *f, size_t max_per_user, int64_t ttl_ms,
                                        uint64_t *max_mid)
{
    char why[256] = "";
    rtmd_offline_store_t *s = rtmd_offline_store_open(f->on_disk ? f->data_dir : NULL, max_per_user,
                                                      ttl_ms, max_mid, why, sizeof(why));
    if (!s)
        print_error("open failed: %s\n", why);
    return s;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->on_disk = ((const fixture_t *)*state)->on_disk;
    if (f->on_disk) {
        snprintf(f->base, sizeof(f->base), "/tmp/test_offline_store.XXXXXX");
        if (!mkdtemp(f->base)) {
            free(f);
            return -1;
        }
        snprintf(f->data_dir, sizeof(f->data_dir), "%s/data/offline", f->base);
    }
    uint64_t max_mid = 99;
    f->s = open_store(f, 0, 0, &max_mid); /* the defaults: 200 per receiver, 7 days */
    if (!f->s || max_mid != 0) {
        rtmd_offline_store_close(f->s);
        if (f->on_disk)
            remove_tree(f->base);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    rtmd_offline_store_close(f->s);
    if (f->on_disk)
        remove_tree(f->base);
    free(f);
    return 0;
}

/* ---- a recorder of what fetch hands out (copies, since the pointers die with the call) ---- */

typedef struct seen {
    uint64_t mid;
    int64_t ts_ms;
    uint32_t mtype;
    char sender[80];
    size_t sender_len;
    char text[80];
    size_t text_len;
    uint8_t data[80];
    size_t data_len;
    uint64_t cmid;
} seen_t;

typedef struct recorder {
    seen_t msgs[256];
    size_t n;
} recorder_t;

static void record(const rtmd_offline_msg_t *m, void *arg)
{
    recorder_t *r = arg;
    assert_true(r->n < 256);
    assert_non_null(m->sender);
    assert_non_null(m->text);
    assert_non_null(m->data);
    assert_true(m->sender_len <= 80 && m->text_len <= 80 && m->data_len <= 80);
    seen_t *e = &r->msgs[r->n++];
    e->mid = m->mid;
    e->ts_ms = m->ts_ms;
    e->mtype = m->mtype;
    e->sender_len = m->sender_len;
    memcpy(e->sender, m->sender, m->sender_len);
    e->text_len = m->text_len;
    memcpy(e->text, m->text, m->text_len);
    e->data_len = m->data_len;
    memcpy(e->data, m->data, m->data_len);
    e->cmid = m->cmid;
}

static size_t fetch(rtmd_offline_store_t *s, const char *receiver, int64_t now_ms, recorder_t *r)
{
    r->n = 0;
    size_t n = rtmd_offline_store_fetch(s, receiver, strlen(receiver), now_ms, record, r);
    assert_int_equal(n, r->n);
    return n;
}

/* Puts a text message with cmid (0: none); returns what the store did. */
static rtmd_offline_put_result_t put_cmid(rtmd_offline_store_t *s, const char *receiver,
                                          uint64_t mid, int64_t ts_ms, const char *sender,
                                          const char *text, uint64_t cmid, uint64_t *dup_mid,
                                          int64_t *dup_ts)
{
    rtmd_offline_msg_t m = {.mid = mid,
                            .ts_ms = ts_ms,
                            .sender = sender,
                            .sender_len = strlen(sender),
                            .mtype = 1,
                            .text = text,
                            .text_len = strlen(text),
                            .cmid = cmid};
    return rtmd_offline_store_put(s, receiver, strlen(receiver), &m, dup_mid, dup_ts);
}

static bool put_text(rtmd_offline_store_t *s, const char *receiver, uint64_t mid, int64_t ts_ms,
                     const char *sender, const char *text)
{
    return put_cmid(s, receiver, mid, ts_ms, sender, text, 0, NULL, NULL) ==
           RTMD_OFFLINE_PUT_STORED;
}

static size_t count(rtmd_offline_store_t *s, const char *receiver)
{
    return rtmd_offline_store_count(s, receiver, strlen(receiver));
}

/* ---- tests ---- */

static void test_text_and_raw_messages_come_back_intact(void **state)
{
    fixture_t *f = *state;
    /* Receiver and sender are length-delimited: the bytes after them must not matter. */
    const char receiver[] = "bob#trailing";
    const char sender[] = "alice|garbage";
    const uint8_t raw[] = {0, 1, 2, 0, 255, 0, 'x', 0};
    rtmd_offline_msg_t text = {.mid = 41,
                               .ts_ms = NOW_MS - 5000,
                               .sender = sender,
                               .sender_len = 5,
                               .mtype = 1,
                               .text = "hello, bob",
                               .text_len = 10};
    rtmd_offline_msg_t bin = {.mid = 42,
                              .ts_ms = NOW_MS - 4000,
                              .sender = sender,
                              .sender_len = 5,
                              .mtype = 2,
                              .text = "a\0picture",
                              .text_len = 9,
                              .data = raw,
                              .data_len = sizeof(raw)};
    rtmd_offline_msg_t empty_raw = {
        .mid = 43, .ts_ms = NOW_MS - 3000, .sender = sender, .sender_len = 5, .mtype = 2};
    assert_int_equal(rtmd_offline_store_put(f->s, receiver, 3, &text, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);
    assert_int_equal(rtmd_offline_store_put(f->s, receiver, 3, &bin, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);
    assert_int_equal(rtmd_offline_store_put(f->s, receiver, 3, &empty_raw, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);

    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 3);
    assert_int_equal(r->msgs[0].mid, 41);
    assert_int_equal(r->msgs[0].ts_ms, NOW_MS - 5000);
    assert_int_equal(r->msgs[0].mtype, 1);
    assert_int_equal(r->msgs[0].sender_len, 5);
    assert_memory_equal(r->msgs[0].sender, "alice", 5);
    assert_int_equal(r->msgs[0].text_len, 10);
    assert_memory_equal(r->msgs[0].text, "hello, bob", 10);
    assert_int_equal(r->msgs[0].data_len, 0);

    assert_int_equal(r->msgs[1].mid, 42);
    assert_int_equal(r->msgs[1].ts_ms, NOW_MS - 4000);
    assert_int_equal(r->msgs[1].mtype, 2);
    assert_memory_equal(r->msgs[1].sender, "alice", 5);
    assert_int_equal(r->msgs[1].text_len, 9);
    assert_memory_equal(r->msgs[1].text, "a\0picture", 9);
    assert_int_equal(r->msgs[1].data_len, sizeof(raw));
    assert_memory_equal(r->msgs[1].data, raw, sizeof(raw));

    assert_int_equal(r->msgs[2].mid, 43);
    assert_int_equal(r->msgs[2].mtype, 2);
    assert_int_equal(r->msgs[2].text_len, 0);
    assert_int_equal(r->msgs[2].data_len, 0);

    /* fetch deletes nothing */
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 3);
    free(r);
}

static void test_messages_come_back_in_send_order(void **state)
{
    fixture_t *f = *state;
    /* mids and timestamps deliberately out of order: the order is the order of the puts */
    for (uint64_t i = 0; i < 50; i++)
        assert_true(
            put_text(f->s, "bob", 1000 - i * 7 % 50, NOW_MS - (int64_t)(i % 5), "alice", "m"));
    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 50);
    for (uint64_t i = 0; i < 50; i++) {
        assert_int_equal(r->msgs[i].mid, 1000 - i * 7 % 50);
        assert_int_equal(r->msgs[i].ts_ms, NOW_MS - (int64_t)(i % 5));
    }
    free(r);
}

static void test_receivers_see_only_their_own_messages(void **state)
{
    fixture_t *f = *state;
    assert_true(put_text(f->s, "bob", 1, NOW_MS, "alice", "to bob"));
    assert_true(put_text(f->s, "bo", 2, NOW_MS, "alice", "to bo"));
    assert_true(put_text(f->s, "bobby", 3, NOW_MS, "alice", "to bobby"));
    assert_true(put_text(f->s, "bob", 4, NOW_MS, "carol", "to bob again"));
    /* receivers differing only after a NUL byte are different receivers */
    rtmd_offline_msg_t m = {.mid = 5, .ts_ms = NOW_MS, .sender = "x", .sender_len = 1, .mtype = 1};
    assert_int_equal(rtmd_offline_store_put(f->s, "a\0b", 3, &m, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);

    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 2);
    assert_int_equal(r->msgs[0].mid, 1);
    assert_int_equal(r->msgs[1].mid, 4);
    assert_memory_equal(r->msgs[1].sender, "carol", 5);
    assert_int_equal(fetch(f->s, "bo", NOW_MS, r), 1);
    assert_int_equal(r->msgs[0].mid, 2);
    assert_int_equal(fetch(f->s, "bobby", NOW_MS, r), 1);
    assert_int_equal(fetch(f->s, "dave", NOW_MS, r), 0);
    assert_int_equal(rtmd_offline_store_count(f->s, "a\0b", 3), 1);
    assert_int_equal(rtmd_offline_store_count(f->s, "a\0c", 3), 0);
    assert_int_equal(rtmd_offline_store_count(f->s, "a", 1), 0);

    /* deleting bob's mid 2 (bo's message) touches nobody */
    rtmd_offline_store_delete(f->s, "bob", 3, 2);
    assert_int_equal(count(f->s, "bo"), 1);
    assert_int_equal(count(f->s, "bob"), 2);
    free(r);
}

static void test_a_full_receiver_keeps_the_newest_200(void **state)
{
    fixture_t *f = *state;
    for (uint64_t mid = 1; mid <= 201; mid++)
        assert_true(put_text(f->s, "bob", mid, NOW_MS, "alice", "spam"));
    assert_true(put_text(f->s, "carol", 7, NOW_MS, "alice", "hi"));
    assert_int_equal(count(f->s, "bob"), 200);
    assert_int_equal(count(f->s, "carol"), 1);

    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 200);
    assert_int_equal(r->msgs[0].mid, 2); /* mid 1 evicted */
    for (size_t i = 0; i < 200; i++)
        assert_int_equal(r->msgs[i].mid, i + 2);

    /* each further put pushes out exactly the oldest */
    assert_true(put_text(f->s, "bob", 202, NOW_MS, "alice", "spam"));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 200);
    assert_int_equal(r->msgs[0].mid, 3);
    assert_int_equal(r->msgs[199].mid, 202);
    free(r);
}

static void test_a_smaller_cap_is_kept_per_receiver(void **state)
{
    fixture_t *f = *state;
    rtmd_offline_store_close(f->s); /* reopened (still empty) with a cap of 3 */
    f->s = open_store(f, 3, 0, NULL);
    assert_non_null(f->s);
    for (uint64_t mid = 1; mid <= 5; mid++) {
        assert_true(put_text(f->s, "bob", mid, NOW_MS, "alice", "x"));
        assert_true(put_text(f->s, "carol", 100 + mid, NOW_MS, "alice", "x"));
    }
    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 3);
    assert_int_equal(r->msgs[0].mid, 3);
    assert_int_equal(r->msgs[2].mid, 5);
    assert_int_equal(fetch(f->s, "carol", NOW_MS, r), 3);
    assert_int_equal(r->msgs[0].mid, 103);
    free(r);
}

static void test_expired_messages_are_never_delivered_and_expire_deletes_them(void **state)
{
    fixture_t *f = *state;
    const int64_t ttl = 7 * DAY_MS;
    assert_true(put_text(f->s, "bob", 1, NOW_MS - 8 * DAY_MS, "alice", "too old"));
    assert_true(put_text(f->s, "bob", 2, NOW_MS - ttl, "alice", "exactly the ttl old"));
    assert_true(put_text(f->s, "bob", 3, NOW_MS - 3600 * 1000, "alice", "an hour old"));
    assert_true(put_text(f->s, "carol", 4, NOW_MS - ttl - 1, "alice", "just too old"));

    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 2);
    assert_int_equal(r->msgs[0].mid, 2);
    assert_int_equal(r->msgs[1].mid, 3);
    assert_int_equal(fetch(f->s, "carol", NOW_MS, r), 0);
    /* fetch only skips; the rows are still there until expire */
    assert_int_equal(count(f->s, "bob"), 3);
    assert_int_equal(count(f->s, "carol"), 1);

    assert_int_equal(rtmd_offline_store_expire(f->s, NOW_MS), 2);
    assert_int_equal(count(f->s, "bob"), 2);
    assert_int_equal(count(f->s, "carol"), 0);
    assert_int_equal(rtmd_offline_store_expire(f->s, NOW_MS), 0);
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 2);

    /* a week later everything is gone; a store works on after being emptied */
    assert_int_equal(fetch(f->s, "bob", NOW_MS + ttl, r), 0);
    assert_int_equal(rtmd_offline_store_expire(f->s, NOW_MS + ttl), 2);
    assert_int_equal(count(f->s, "bob"), 0);
    assert_true(put_text(f->s, "bob", 5, NOW_MS + ttl, "alice", "fresh"));
    assert_int_equal(fetch(f->s, "bob", NOW_MS + ttl, r), 1);
    free(r);
}

static void test_a_custom_ttl_applies(void **state)
{
    fixture_t *f = *state;
    rtmd_offline_store_close(f->s);
    f->s = open_store(f, 0, 1000, NULL);
    assert_non_null(f->s);
    assert_true(put_text(f->s, "bob", 1, NOW_MS - 1001, "alice", "old"));
    assert_true(put_text(f->s, "bob", 2, NOW_MS - 1000, "alice", "new"));
    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 1);
    assert_int_equal(r->msgs[0].mid, 2);
    assert_int_equal(rtmd_offline_store_expire(f->s, NOW_MS), 1);
    free(r);
}

static void test_delivered_messages_are_deleted_one_by_one(void **state)
{
    fixture_t *f = *state;
    for (uint64_t mid = 10; mid <= 13; mid++)
        assert_true(put_text(f->s, "bob", mid, NOW_MS, "alice", "x"));
    rtmd_offline_store_delete(f->s, "bob", 3, 11);
    rtmd_offline_store_delete(f->s, "bob", 3, 11); /* already gone: fine */
    rtmd_offline_store_delete(f->s, "bob", 3, 99); /* never there: fine */
    rtmd_offline_store_delete(f->s, "nobody", 6, 10);
    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 3);
    assert_int_equal(r->msgs[0].mid, 10);
    assert_int_equal(r->msgs[1].mid, 12);
    assert_int_equal(r->msgs[2].mid, 13);

    /* the last one, then the first, then the rest */
    rtmd_offline_store_delete(f->s, "bob", 3, 13);
    rtmd_offline_store_delete(f->s, "bob", 3, 10);
    assert_int_equal(count(f->s, "bob"), 1);
    assert_true(put_text(f->s, "bob", 14, NOW_MS, "alice", "x")); /* appends after 12 */
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 2);
    assert_int_equal(r->msgs[0].mid, 12);
    assert_int_equal(r->msgs[1].mid, 14);
    rtmd_offline_store_delete(f->s, "bob", 3, 12);
    rtmd_offline_store_delete(f->s, "bob", 3, 14);
    assert_int_equal(count(f->s, "bob"), 0);
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 0);
    free(r);
}

static void test_reopen_keeps_messages_and_reports_max_mid(void **state)
{
    fixture_t *f = *state;
    assert_true(put_text(f->s, "bob", 7, NOW_MS, "alice", "first"));
    assert_true(put_text(f->s, "bob", 900, NOW_MS + 1, "alice", "second"));
    assert_true(put_text(f->s, "carol", 31, NOW_MS + 2, "alice", "third"));
    rtmd_offline_store_close(f->s);

    uint64_t max_mid = 1;
    f->s = open_store(f, 0, 0, &max_mid);
    assert_non_null(f->s);
    recorder_t *r = calloc(1, sizeof(*r));
    if (f->on_disk) {
        assert_int_equal(max_mid, 900);
        assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 2);
        assert_int_equal(r->msgs[0].mid, 7);
        assert_memory_equal(r->msgs[0].text, "first", 5);
        assert_int_equal(r->msgs[1].mid, 900);
        assert_int_equal(r->msgs[1].ts_ms, NOW_MS + 1);
        assert_int_equal(count(f->s, "carol"), 1);
        /* new puts still go after the old ones */
        assert_true(put_text(f->s, "bob", 901, NOW_MS, "alice", "after the restart"));
        assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 3);
        assert_int_equal(r->msgs[2].mid, 901);
    } else {
        /* memory: nothing outlives close */
        assert_int_equal(max_mid, 0);
        assert_int_equal(count(f->s, "bob"), 0);
    }
    free(r);
}

static void test_a_put_survives_a_kill_right_after_it_returned(void **state)
{
    fixture_t *f = *state;
    enum { N = 20 };
    rtmd_offline_store_close(f->s); /* the child is the only writer, as after a restart */
    f->s = NULL;
    int done[2];
    assert_int_equal(pipe(done), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Tells the parent once the last put returned, then waits for its kill -9: no close,
         * no atexit, no flush (killed from outside, so valgrind cannot tidy up either). */
        close(done[0]);
        rtmd_offline_store_t *s = open_store(f, 0, 0, NULL);
        for (uint64_t mid = 1; s && mid <= N; mid++)
            if (!put_text(s, "bob", mid, NOW_MS, "alice", "durable"))
                _exit(2);
        if (!s || write(done[1], "k", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(done[1]);
    char note = 0;
    ssize_t got = read(done[0], &note, 1);
    close(done[0]);
    if (got == 1)
        kill(pid, SIGKILL);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(got, 1); /* otherwise the child failed: status holds its exit code */
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    uint64_t max_mid = 0;
    f->s = open_store(f, 0, 0, &max_mid);
    assert_non_null(f->s);
    recorder_t *r = calloc(1, sizeof(*r));
    if (f->on_disk) {
        assert_int_equal(max_mid, N);
        assert_int_equal(fetch(f->s, "bob", NOW_MS, r), N);
        for (size_t i = 0; i < N; i++)
            assert_int_equal(r->msgs[i].mid, i + 1);
    } else {
        assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 0);
    }
    free(r);
}

static void test_count_reports_what_is_stored(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(count(f->s, "bob"), 0);
    assert_int_equal(rtmd_offline_store_count(f->s, NULL, 0), 0);
    for (uint64_t mid = 1; mid <= 5; mid++)
        assert_true(put_text(f->s, "bob", mid, NOW_MS - 8 * DAY_MS * (mid == 1), "alice", "x"));
    assert_int_equal(count(f->s, "bob"), 5); /* the expired one counts until expire runs */
    rtmd_offline_store_delete(f->s, "bob", 3, 3);
    assert_int_equal(count(f->s, "bob"), 4);
    assert_int_equal(rtmd_offline_store_expire(f->s, NOW_MS), 1);
    assert_int_equal(count(f->s, "bob"), 3);
    assert_int_equal(count(f->s, "carol"), 0);
}

static void test_open_fails_with_a_sentence_when_the_dir_cannot_be_created(void **state)
{
    char base[] = "/tmp/test_offline_store.XXXXXX";
    assert_non_null(mkdtemp(base));
    char file[96], dir[128];
    snprintf(file, sizeof(file), "%s/a-file", base);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);

    char why[256] = "";
    uint64_t max_mid = 5;
    snprintf(dir, sizeof(dir), "%s/a-file/data", base);
    assert_null(rtmd_offline_store_open(dir, 0, 0, &max_mid, why, sizeof(why)));
    assert_non_null(strstr(why, "cannot create the data directory"));
    assert_non_null(strstr(why, "a-file"));
    assert_int_equal(max_mid, 0);

    /* the data dir itself is a file */
    why[0] = '\0';
    assert_null(rtmd_offline_store_open(file, 0, 0, NULL, why, sizeof(why)));
    assert_non_null(strstr(why, "not a directory"));

    /* a short or absent buffer truncates or drops the sentence, nothing more */
    char tiny[8];
    assert_null(rtmd_offline_store_open(dir, 0, 0, NULL, tiny, sizeof(tiny)));
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
    assert_null(rtmd_offline_store_open(dir, 0, 0, NULL, NULL, 0));

    remove_tree(base);
}

static void test_a_message_sent_again_with_its_cmid_is_stored_once(void **state)
{
    fixture_t *f = *state;
    uint64_t dup_mid = 0;
    int64_t dup_ts = 0;
    assert_int_equal(put_cmid(f->s, "bob", 1, NOW_MS, "alice", "hello", 42, &dup_mid, &dup_ts),
                     RTMD_OFFLINE_PUT_STORED);
    /* the sender tries again (a new mid and time on the server): the first one stands */
    assert_int_equal(
        put_cmid(f->s, "bob", 2, NOW_MS + 500, "alice", "hello", 42, &dup_mid, &dup_ts),
        RTMD_OFFLINE_PUT_DUPLICATE);
    assert_int_equal(dup_mid, 1);
    assert_int_equal(dup_ts, NOW_MS);
    assert_int_equal(put_cmid(f->s, "bob", 3, NOW_MS, "alice", "again", 42, NULL, NULL),
                     RTMD_OFFLINE_PUT_DUPLICATE);
    /* the same cmid from another sender, or to another receiver, is another message */
    assert_int_equal(put_cmid(f->s, "bob", 4, NOW_MS, "dave", "hi", 42, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);
    assert_int_equal(put_cmid(f->s, "carol", 5, NOW_MS, "alice", "hello", 42, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);
    /* no cmid: never a duplicate */
    assert_true(put_text(f->s, "bob", 6, NOW_MS, "alice", "plain"));
    assert_true(put_text(f->s, "bob", 7, NOW_MS, "alice", "plain"));

    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 4);
    assert_int_equal(r->msgs[0].mid, 1);
    assert_int_equal(r->msgs[0].cmid, 42);
    assert_memory_equal(r->msgs[0].text, "hello", 5);
    assert_int_equal(r->msgs[1].mid, 4);
    assert_int_equal(r->msgs[1].cmid, 42);
    assert_int_equal(r->msgs[2].cmid, 0);

    /* once delivered and deleted, the same cmid is stored again (the receiver's client
       de-duplicates what it has seen) */
    rtmd_offline_store_delete(f->s, "bob", 3, 1);
    assert_int_equal(put_cmid(f->s, "bob", 8, NOW_MS, "alice", "hello", 42, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);
    /* an expired copy does not count: it will never be delivered */
    assert_int_equal(put_cmid(f->s, "erin", 9, NOW_MS - 8 * DAY_MS, "alice", "old", 7, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);
    assert_int_equal(put_cmid(f->s, "erin", 10, NOW_MS, "alice", "old", 7, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);
    free(r);
}

static void test_a_database_from_before_cmid_is_migrated(void **state)
{
    fixture_t *f = *state; /* on disk: only a database file has an older rtmd's schema */
    rtmd_offline_store_close(f->s);
    f->s = NULL;
    /* The table as rtmd wrote it before cmid existed, with one row. */
    char path[160], aside[176];
    snprintf(path, sizeof(path), "%s/offline.db", f->data_dir);
    assert_int_equal(remove(path), 0);
    snprintf(aside, sizeof(aside), "%s-wal", path);
    remove(aside);
    snprintf(aside, sizeof(aside), "%s-shm", path);
    remove(aside);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "CREATE TABLE offline(seq INTEGER PRIMARY KEY AUTOINCREMENT, receiver BLOB "
                     "NOT NULL, mid INTEGER NOT NULL, ts INTEGER NOT NULL, sender BLOB NOT NULL, "
                     "mtype INTEGER NOT NULL, text BLOB NOT NULL, data BLOB NOT NULL);"
                     "CREATE INDEX offline_by_receiver ON offline(receiver, seq);"
                     "INSERT INTO offline(receiver, mid, ts, sender, mtype, text, data) VALUES("
                     "CAST('bob' AS BLOB), 17, 1700000000000, CAST('alice' AS BLOB), 1, "
                     "CAST('from before' AS BLOB), x'');",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    uint64_t max_mid = 0;
    f->s = open_store(f, 0, 0, &max_mid);
    assert_non_null(f->s);
    assert_int_equal(max_mid, 17);
    recorder_t *r = calloc(1, sizeof(*r));
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 1);
    assert_int_equal(r->msgs[0].mid, 17);
    assert_int_equal(r->msgs[0].cmid, 0);
    assert_memory_equal(r->msgs[0].text, "from before", 11);
    assert_int_equal(put_cmid(f->s, "bob", 18, NOW_MS, "alice", "new", 5, NULL, NULL),
                     RTMD_OFFLINE_PUT_STORED);
    assert_int_equal(put_cmid(f->s, "bob", 19, NOW_MS, "alice", "new", 5, NULL, NULL),
                     RTMD_OFFLINE_PUT_DUPLICATE);
    /* opening a migrated database again changes nothing */
    rtmd_offline_store_close(f->s);
    f->s = open_store(f, 0, 0, NULL);
    assert_non_null(f->s);
    assert_int_equal(fetch(f->s, "bob", NOW_MS, r), 2);
    assert_int_equal(r->msgs[1].cmid, 5);
    free(r);
}

/* Each test twice, named after its backend so that a failure says which one. */
#define BOTH(t)                                                                                    \
    {"memory: " #t, t, setup, teardown, (void *)&memory_backend},                                  \
    {                                                                                              \
        "sqlite: " #t, t, setup, teardown, (void *)&disk_backend                                   \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_text_and_raw_messages_come_back_intact),
        BOTH(test_messages_come_back_in_send_order),
        BOTH(test_receivers_see_only_their_own_messages),
        BOTH(test_a_full_receiver_keeps_the_newest_200),
        BOTH(test_a_smaller_cap_is_kept_per_receiver),
        BOTH(test_expired_messages_are_never_delivered_and_expire_deletes_them),
        BOTH(test_a_custom_ttl_applies),
        BOTH(test_delivered_messages_are_deleted_one_by_one),
        BOTH(test_reopen_keeps_messages_and_reports_max_mid),
        BOTH(test_a_put_survives_a_kill_right_after_it_returned),
        BOTH(test_count_reports_what_is_stored),
        BOTH(test_a_message_sent_again_with_its_cmid_is_stored_once),
        {"sqlite: test_a_database_from_before_cmid_is_migrated",
         test_a_database_from_before_cmid_is_migrated, setup, teardown, (void *)&disk_backend},
        cmocka_unit_test(test_open_fails_with_a_sentence_when_the_dir_cannot_be_created),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
