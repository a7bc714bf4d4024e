/* The offline-message store (see offline_store.h): SQLite in DIR/offline.db, or a hash of
 * per-receiver FIFO lists in memory, with the same semantics. Runs on rtmd's one thread only;
 * a durable put costs one fsync of the WAL, so keep it off any path that must not block. */
#include "offline_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashmap.h"

#define BUSY_TIMEOUT_MS 5000

/* Memory backend: one allocation per message, holding its bytes. */
typedef struct mem_msg {
    struct mem_msg *next;
    uint64_t mid;
    int64_t ts_ms;
    uint64_t cmid;
    uint32_t mtype;
    size_t sender_len, text_len, data_len;
    unsigned char bytes[]; /* sender, then text, then data */
} mem_msg_t;

/* A receiver's messages, oldest first. Exists only while it holds a message; also linked into
 * the store's list of queues so expire and close can walk (and drop) them. */
typedef struct mem_queue {
    mem_msg_t *head, *tail;
    size_t count;
    struct mem_queue *next, **pprev;
    size_t receiver_len;
    char receiver[]; /* the map's key */
} mem_queue_t;

enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_INSERT,
    ST_EVICT,
    ST_FETCH,
    ST_DELETE,
    ST_EXPIRE,
    ST_COUNT,
    ST_DUP,
    ST_N
};

static const char *const stmt_sql[ST_N] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_INSERT] = "INSERT INTO offline(receiver, mid, ts, sender, mtype, text, data, cmid) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    /* Everything at or below the (max+1)-th newest row of the receiver. */
    [ST_EVICT] = "DELETE FROM offline WHERE receiver = ?1 AND seq <= (SELECT seq FROM offline "
                 "WHERE receiver = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
    [ST_FETCH] = "SELECT mid, ts, sender, mtype, text, data, cmid FROM offline "
                 "WHERE receiver = ?1 AND ts >= ?2 ORDER BY seq",
    [ST_DELETE] = "DELETE FROM offline WHERE receiver = ?1 AND mid = ?2",
    [ST_EXPIRE] = "DELETE FROM offline WHERE ts < ?1",
    [ST_COUNT] = "SELECT count(*) FROM offline WHERE receiver = ?1",
    [ST_DUP] = "SELECT mid, ts FROM offline WHERE receiver = ?1 AND cmid = ?2 AND sender = ?3 "
               "AND ts >= ?4 LIMIT 1",
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS offline("
    "seq INTEGER PRIMARY KEY AUTOINCREMENT, receiver BLOB NOT NULL, mid INTEGER NOT NULL, "
    "ts INTEGER NOT NULL, sender BLOB NOT NULL, mtype INTEGER NOT NULL, text BLOB NOT NULL, "
    "data BLOB NOT NULL, cmid INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS offline_by_receiver ON offline(receiver, seq);"
    "CREATE INDEX IF NOT EXISTS offline_by_ts ON offline(ts);";

/* Databases written before cmid existed get the column (0: no cmid) when they are opened. */
static const char add_cmid_sql[] = "ALTER TABLE offline ADD COLUMN cmid INTEGER NOT NULL DEFAULT 0";
static const char cmid_index_sql[] =
    "CREATE INDEX IF NOT EXISTS offline_by_cmid ON offline(receiver, cmid)";

struct rtmd_offline_store {
    size_t max_per_user;
    int64_t ttl_ms;
    sqlite3 *db; /* NULL: the memory backend */
    sqlite3_stmt *st[ST_N];
    rtm_hashmap_t queues; /* receiver -> mem_queue_t */
    mem_queue_t *all;
};

static void set_why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
    if (!why || !whylen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* A message is live while ts_ms >= cutoff; saturates instead of overflowing. */
static int64_t cutoff(const rtmd_offline_store_t *s, int64_t now_ms)
{
    if (now_ms < INT64_MIN + s->ttl_ms)
        return INT64_MIN;
    return now_ms - s->ttl_ms;
}

/* ---- memory backend ---- */

static void queue_drop(rtmd_offline_store_t *s, mem_queue_t *q)
{
    rtm_hm_del(&s->queues, q->receiver, q->receiver_len);
    *q->pprev = q->next;
    if (q->next)
        q->next->pprev = q->pprev;
    while (q->head) {
        mem_msg_t *e = q->head;
        q->head = e->next;
        free(e);
    }
    free(q);
}

static mem_queue_t *queue_get_or_add(rtmd_offline_store_t *s, const char *receiver, size_t len)
{
    mem_queue_t *q = rtm_hm_get(&s->queues, receiver, len);
    if (q)
        return q;
    q = malloc(sizeof(*q) + len);
    if (!q)
        return NULL;
    q->head = q->tail = NULL;
    q->count = 0;
    q->receiver_len = len;
    if (len)
        memcpy(q->receiver, receiver, len);
    if (!rtm_hm_put(&s->queues, q->receiver, len, q, NULL)) {
        free(q);
        return NULL;
    }
    q->next = s->all;
    if (q->next)
        q->next->pprev = &q->next;
    q->pprev = &s->all;
    s->all = q;
    return q;
}

/* Unlinks *pp (prev is the node before it, NULL at the head) and frees it. */
static void queue_remove(mem_queue_t *q, mem_msg_t **pp, mem_msg_t *prev)
{
    mem_msg_t *e = *pp;
    *pp = e->next;
    if (q->tail == e)
        q->tail = prev;
    q->count--;
    free(e);
}

/* The live message of q from sender with cmid, or NULL. */
static const mem_msg_t *mem_find_dup(const rtmd_offline_store_t *s, const mem_queue_t *q,
                                     const rtmd_offline_msg_t *m)
{
    int64_t live_from = cutoff(s, m->ts_ms);
    for (const mem_msg_t *e = q ? q->head : NULL; e; e = e->next)
        if (e->cmid == m->cmid && e->ts_ms >= live_from && e->sender_len == m->sender_len &&
            (m->sender_len == 0 || memcmp(e->bytes, m->sender, m->sender_len) == 0))
            return e;
    return NULL;
}

static rtmd_offline_put_result_t mem_put(rtmd_offline_store_t *s, const char *receiver,
                                         size_t receiver_len, const rtmd_offline_msg_t *m,
                                         uint64_t *dup_mid, int64_t *dup_ts)
{
    if (m->cmid) {
        const mem_msg_t *d = mem_find_dup(s, rtm_hm_get(&s->queues, receiver, receiver_len), m);
        if (d) {
            *dup_mid = d->mid;
            *dup_ts = d->ts_ms;
            return RTMD_OFFLINE_PUT_DUPLICATE;
        }
    }
    size_t n = m->sender_len;
    if (m->text_len > SIZE_MAX - n || m->data_len > SIZE_MAX - n - m->text_len ||
        sizeof(mem_msg_t) > SIZE_MAX - n - m->text_len - m->data_len)
        return RTMD_OFFLINE_PUT_FAILED;
    n += m->text_len + m->data_len;
    mem_msg_t *e = malloc(sizeof(*e) + n);
    if (!e)
        return RTMD_OFFLINE_PUT_FAILED;
    mem_queue_t *q = queue_get_or_add(s, receiver, receiver_len);
    if (!q) {
        free(e);
        return RTMD_OFFLINE_PUT_FAILED;
    }
    e->next = NULL;
    e->mid = m->mid;
    e->ts_ms = m->ts_ms;
    e->cmid = m->cmid;
    e->mtype = m->mtype;
    e->sender_len = m->sender_len;
    e->text_len = m->text_len;
    e->data_len = m->data_len;
    if (m->sender_len)
        memcpy(e->bytes, m->sender, m->sender_len);
    if (m->text_len)
        memcpy(e->bytes + m->sender_len, m->text, m->text_len);
    if (m->data_len)
        memcpy(e->bytes + m->sender_len + m->text_len, m->data, m->data_len);
    if (q->tail)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
    q->count++;
    while (q->count > s->max_per_user && q->head)
        queue_remove(q, &q->head, NULL);
    return RTMD_OFFLINE_PUT_STORED;
}

static size_t mem_fetch(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len,
                        int64_t now_ms, void (*fn)(const rtmd_offline_msg_t *m, void *arg),
                        void *arg)
{
    mem_queue_t *q = rtm_hm_get(&s->queues, receiver, receiver_len);
    if (!q)
        return 0;
    int64_t live_from = cutoff(s, now_ms);
    size_t n = 0;
    for (const mem_msg_t *e = q->head; e; e = e->next) {
        if (e->ts_ms < live_from)
            continue;
        rtmd_offline_msg_t m = {
            .mid = e->mid,
            .ts_ms = e->ts_ms,
            .sender = (const char *)e->bytes,
            .sender_len = e->sender_len,
            .mtype = e->mtype,
            .text = (const char *)e->bytes + e->sender_len,
            .text_len = e->text_len,
            .data = e->bytes + e->sender_len + e->text_len,
            .data_len = e->data_len,
            .cmid = e->cmid,
        };
        fn(&m, arg);
        n++;
    }
    return n;
}

static void mem_delete(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len,
                       uint64_t mid)
{
    mem_queue_t *q = rtm_hm_get(&s->queues, receiver, receiver_len);
    if (!q)
        return;
    mem_msg_t *prev = NULL;
    for (mem_msg_t **pp = &q->head; *pp; prev = *pp, pp = &(*pp)->next) {
        if ((*pp)->mid == mid) {
            queue_remove(q, pp, prev);
            break;
        }
    }
    if (!q->head)
        queue_drop(s, q);
}

static size_t mem_expire(rtmd_offline_store_t *s, int64_t now_ms)
{
    int64_t live_from = cutoff(s, now_ms);
    size_t n = 0;
    mem_queue_t *next;
    for (mem_queue_t *q = s->all; q; q = next) {
        next = q->next;
        /* Not only the head: a wall clock stepping back can leave older ts behind newer. */
        mem_msg_t *prev = NULL, **pp = &q->head;
        while (*pp) {
            if ((*pp)->ts_ms < live_from) {
                queue_remove(q, pp, prev);
                n++;
            } else {
                prev = *pp;
                pp = &(*pp)->next;
            }
        }
        if (!q->head)
            queue_drop(s, q);
    }
    return n;
}

/* ---- SQLite backend ---- */

/* Zero-length values are bound as empty blobs, never NULL, so that "receiver = ?" matches. */
static int bind_bytes(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    return sqlite3_bind_blob64(st, i, n ? p : "", (sqlite3_uint64)n, SQLITE_STATIC);
}

/* Runs a statement that returns no rows and makes it ready for the next use. */
static bool step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* Inside the put's transaction: the live row from m's sender with m's cmid, if any. */
static int sql_find_dup(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len,
                        const rtmd_offline_msg_t *m, uint64_t *dup_mid, int64_t *dup_ts)
{
    sqlite3_stmt *st = s->st[ST_DUP];
    int rc = SQLITE_ERROR;
    if (bind_bytes(st, 1, receiver, receiver_len) == SQLITE_OK &&
        sqlite3_bind_int64(st, 2, (sqlite3_int64)m->cmid) == SQLITE_OK &&
        bind_bytes(st, 3, m->sender, m->sender_len) == SQLITE_OK &&
        sqlite3_bind_int64(st, 4, cutoff(s, m->ts_ms)) == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *dup_mid = (uint64_t)sqlite3_column_int64(st, 0);
        *dup_ts = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static rtmd_offline_put_result_t sql_put(rtmd_offline_store_t *s, const char *receiver,
                                         size_t receiver_len, const rtmd_offline_msg_t *m,
                                         uint64_t *dup_mid, int64_t *dup_ts)
{
    sqlite3_stmt *ins = s->st[ST_INSERT], *ev = s->st[ST_EVICT];
    if (!step_done(s->st[ST_BEGIN]))
        return RTMD_OFFLINE_PUT_FAILED;
    int dup = m->cmid ? sql_find_dup(s, receiver, receiver_len, m, dup_mid, dup_ts) : SQLITE_DONE;
    if (dup == SQLITE_ROW) {
        step_done(s->st[ST_ROLLBACK]);
        return RTMD_OFFLINE_PUT_DUPLICATE;
    }
    bool ok = dup == SQLITE_DONE && bind_bytes(ins, 1, receiver, receiver_len) == SQLITE_OK &&
              sqlite3_bind_int64(ins, 2, (sqlite3_int64)m->mid) == SQLITE_OK &&
              sqlite3_bind_int64(ins, 3, m->ts_ms) == SQLITE_OK &&
              bind_bytes(ins, 4, m->sender, m->sender_len) == SQLITE_OK &&
              sqlite3_bind_int64(ins, 5, m->mtype) == SQLITE_OK &&
              bind_bytes(ins, 6, m->text, m->text_len) == SQLITE_OK &&
              bind_bytes(ins, 7, m->data, m->data_len) == SQLITE_OK &&
              sqlite3_bind_int64(ins, 8, (sqlite3_int64)m->cmid) == SQLITE_OK && step_done(ins);
    sqlite3_clear_bindings(ins);
    sqlite3_int64 keep =
        s->max_per_user > (size_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)s->max_per_user;
    ok = ok && bind_bytes(ev, 1, receiver, receiver_len) == SQLITE_OK &&
         sqlite3_bind_int64(ev, 2, keep) == SQLITE_OK && step_done(ev);
    sqlite3_clear_bindings(ev);
    ok = ok && step_done(s->st[ST_COMMIT]);
    if (!ok && !sqlite3_get_autocommit(s->db))
        step_done(s->st[ST_ROLLBACK]);
    return ok ? RTMD_OFFLINE_PUT_STORED : RTMD_OFFLINE_PUT_FAILED;
}

static const void *column_bytes(sqlite3_stmt *st, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(st, i); /* before _bytes, as SQLite asks */
    *len = (size_t)sqlite3_column_bytes(st, i);
    return p ? p : "";
}

static size_t sql_fetch(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len,
                        int64_t now_ms, void (*fn)(const rtmd_offline_msg_t *m, void *arg),
                        void *arg)
{
    sqlite3_stmt *st = s->st[ST_FETCH];
    size_t n = 0;
    if (bind_bytes(st, 1, receiver, receiver_len) != SQLITE_OK ||
        sqlite3_bind_int64(st, 2, cutoff(s, now_ms)) != SQLITE_OK)
        goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rtmd_offline_msg_t m;
        m.mid = (uint64_t)sqlite3_column_int64(st, 0);
        m.ts_ms = sqlite3_column_int64(st, 1);
        m.sender = column_bytes(st, 2, &m.sender_len);
        m.mtype = (uint32_t)sqlite3_column_int64(st, 3);
        m.text = column_bytes(st, 4, &m.text_len);
        m.data = column_bytes(st, 5, &m.data_len);
        m.cmid = (uint64_t)sqlite3_column_int64(st, 6);
        fn(&m, arg);
        n++;
    }
out:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return n;
}

static void sql_delete(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len,
                       uint64_t mid)
{
    sqlite3_stmt *st = s->st[ST_DELETE];
    if (bind_bytes(st, 1, receiver, receiver_len) == SQLITE_OK &&
        sqlite3_bind_int64(st, 2, (sqlite3_int64)mid) == SQLITE_OK)
        step_done(st);
    sqlite3_clear_bindings(st);
}

static size_t sql_expire(rtmd_offline_store_t *s, int64_t now_ms)
{
    sqlite3_stmt *st = s->st[ST_EXPIRE];
    if (sqlite3_bind_int64(st, 1, cutoff(s, now_ms)) != SQLITE_OK || !step_done(st))
        return 0;
    return (size_t)sqlite3_changes64(s->db);
}

static size_t sql_count(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len)
{
    sqlite3_stmt *st = s->st[ST_COUNT];
    size_t n = 0;
    if (bind_bytes(st, 1, receiver, receiver_len) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return n;
}

/* mkdir -p with mode 0700 (the messages are private). */
static bool make_dirs(const char *dir, char *why, size_t whylen)
{
    size_t len = strlen(dir);
    char *p = malloc(len + 1);
    if (!p) {
        set_why(why, whylen, "out of memory");
        return false;
    }
    memcpy(p, dir, len + 1);
    bool ok = true;
    for (size_t i = 1; i <= len && ok; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            set_why(why, whylen, "cannot create the data directory %s: %s", p, strerror(errno));
            ok = false;
        }
        p[i] = c;
    }
    free(p);
    struct stat st;
    if (ok && stat(dir, &st) != 0) {
        set_why(why, whylen, "cannot use the data directory %s: %s", dir, strerror(errno));
        ok = false;
    } else if (ok && !S_ISDIR(st.st_mode)) {
        set_why(why, whylen, "cannot use the data directory %s: it is not a directory", dir);
        ok = false;
    }
    return ok;
}

/* Makes a newly created offline.db's directory entry durable too (power loss, not only a
 * crash); SQLite syncs the directory for the WAL itself. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Brings a database of an older rtmd up to this schema: the cmid column and its index. */
static bool migrate(rtmd_offline_store_t *s, const char *path, char *why, size_t whylen)
{
    sqlite3_stmt *st = NULL;
    bool has_cmid = false;
    if (sqlite3_prepare_v2(s->db, "PRAGMA table_info(offline)", -1, &st, NULL) != SQLITE_OK) {
        set_why(why, whylen, "cannot read the schema of %s: %s", path, sqlite3_errmsg(s->db));
        return false;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 1);
        if (name && sqlite3_stricmp((const char *)name, "cmid") == 0)
            has_cmid = true;
    }
    sqlite3_finalize(st);
    if ((!has_cmid && sqlite3_exec(s->db, add_cmid_sql, NULL, NULL, NULL) != SQLITE_OK) ||
        sqlite3_exec(s->db, cmid_index_sql, NULL, NULL, NULL) != SQLITE_OK) {
        set_why(why, whylen, "cannot add the cmid column to %s: %s", path, sqlite3_errmsg(s->db));
        return false;
    }
    return true;
}

static bool sql_open(rtmd_offline_store_t *s, const char *data_dir, uint64_t *max_mid, char *why,
                     size_t whylen)
{
    static const char name[] = "/offline.db";
    bool ok = false;
    sqlite3_stmt *st = NULL;
    char *path = NULL;
    if (!make_dirs(data_dir, why, whylen))
        goto out;
    size_t len = strlen(data_dir);
    path = malloc(len + sizeof(name));
    if (!path) {
        set_why(why, whylen, "out of memory");
        goto out;
    }
    memcpy(path, data_dir, len);
    memcpy(path + len, name, sizeof(name));
    int rc = sqlite3_open_v2(
        path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        set_why(why, whylen, "cannot open %s: %s", path,
                s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    /* journal_mode answers with the mode it ended up in; anything but WAL is a failure. */
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW ||
        sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
        set_why(why, whylen, "cannot put %s in WAL mode: %s", path, sqlite3_errmsg(s->db));
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        set_why(why, whylen, "cannot create the tables of %s: %s", path, sqlite3_errmsg(s->db));
        goto out;
    }
    if (!migrate(s, path, why, whylen))
        goto out;
    for (int i = 0; i < ST_N; i++) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK) {
            set_why(why, whylen, "cannot prepare a statement on %s: %s", path,
                    sqlite3_errmsg(s->db));
            goto out;
        }
    }
    if (sqlite3_prepare_v2(s->db, "SELECT max(mid) FROM offline", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        set_why(why, whylen, "cannot read %s: %s", path, sqlite3_errmsg(s->db));
        goto out;
    }
    if (max_mid)
        *max_mid = (uint64_t)sqlite3_column_int64(st, 0); /* NULL when empty reads as 0 */
    sync_dir(data_dir);
    ok = true;
out:
    sqlite3_finalize(st);
    free(path);
    return ok;
}

/* ---- the API ---- */

/* A NULL receiver of length 0 becomes "": the map would take a NULL key for a u64 one. */
static bool receiver_ok(const char **receiver, size_t len)
{
    if (*receiver)
        return true;
    *receiver = "";
    return len == 0;
}

rtmd_offline_store_t *rtmd_offline_store_open(const char *data_dir, size_t max_per_user,
                                              int64_t ttl_ms, uint64_t *max_mid, char *why,
                                              size_t whylen)
{
    if (max_mid)
        *max_mid = 0;
    rtmd_offline_store_t *s = calloc(1, sizeof(*s));
    if (!s) {
        set_why(why, whylen, "out of memory");
        return NULL;
    }
    s->max_per_user = max_per_user ? max_per_user : RTMD_OFFLINE_DEFAULT_MAX_PER_USER;
    s->ttl_ms = ttl_ms > 0 ? ttl_ms : RTMD_OFFLINE_DEFAULT_TTL_MS;
    rtm_hm_init(&s->queues);
    if (data_dir && !sql_open(s, data_dir, max_mid, why, whylen)) {
        rtmd_offline_store_close(s);
        return NULL;
    }
    return s;
}

void rtmd_offline_store_close(rtmd_offline_store_t *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_N; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    while (s->all)
        queue_drop(s, s->all);
    rtm_hm_destroy(&s->queues);
    free(s);
}

rtmd_offline_put_result_t rtmd_offline_store_put(rtmd_offline_store_t *s, const char *receiver,
                                                 size_t receiver_len, const rtmd_offline_msg_t *m,
                                                 uint64_t *dup_mid, int64_t *dup_ts)
{
    uint64_t ignored_mid;
    int64_t ignored_ts;
    if (!dup_mid)
        dup_mid = &ignored_mid;
    if (!dup_ts)
        dup_ts = &ignored_ts;
    if (!s || !m || !receiver_ok(&receiver, receiver_len))
        return RTMD_OFFLINE_PUT_FAILED;
    return s->db ? sql_put(s, receiver, receiver_len, m, dup_mid, dup_ts)
                 : mem_put(s, receiver, receiver_len, m, dup_mid, dup_ts);
}

size_t rtmd_offline_store_fetch(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len,
                                int64_t now_ms, void (*fn)(const rtmd_offline_msg_t *m, void *arg),
                                void *arg)
{
    if (!s || !fn || !receiver_ok(&receiver, receiver_len))
        return 0;
    return s->db ? sql_fetch(s, receiver, receiver_len, now_ms, fn, arg)
                 : mem_fetch(s, receiver, receiver_len, now_ms, fn, arg);
}

void rtmd_offline_store_delete(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len,
                               uint64_t mid)
{
    if (!s || !receiver_ok(&receiver, receiver_len))
        return;
    if (s->db)
        sql_delete(s, receiver, receiver_len, mid);
    else
        mem_delete(s, receiver, receiver_len, mid);
}

size_t rtmd_offline_store_expire(rtmd_offline_store_t *s, int64_t now_ms)
{
    if (!s)
        return 0;
    return s->db ? sql_expire(s, now_ms) : mem_expire(s, now_ms);
}

size_t rtmd_offline_store_count(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len)
{
    if (!s || !receiver_ok(&receiver, receiver_len))
        return 0;
    if (s->db)
        return sql_count(s, receiver, receiver_len);
    mem_queue_t *q = rtm_hm_get(&s->queues, receiver, receiver_len);
    return q ? q->count : 0;
}
