/* rtmd's offline-message store: peer messages sent with RTM_SEND_OFFLINE to a user who is not
 * logged in, kept per receiver until delivered and acknowledged, capped and expired. SQLite in
 * a data directory (durable), or memory. Single-threaded (rtmd's one thread); no locking. */
#ifndef RTMD_OFFLINE_STORE_H
#define RTMD_OFFLINE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What open uses for a max_per_user of 0 or a ttl_ms of 0 or less. */
#define RTMD_OFFLINE_DEFAULT_MAX_PER_USER 200
#define RTMD_OFFLINE_DEFAULT_TTL_MS       (7 * 24 * 3600 * 1000LL)

/* One stored message. Every pointer is borrowed: by put from the caller for the duration of
 * the call (put copies), by fetch's callback from the store until the callback returns. A
 * pointer may be NULL in put when its length is 0; fetch never hands out NULL pointers. */
typedef struct rtmd_offline_msg {
    uint64_t mid;  /* server message id */
    int64_t ts_ms; /* server receive time, ms since the epoch */
    const char *sender;
    size_t sender_len;
    uint32_t mtype; /* 1 text, 2 raw */
    const char *text;
    size_t text_len; /* text, or a raw message's description (may be 0) */
    const uint8_t *data;
    size_t data_len; /* raw bytes (0 for text) */
    uint64_t cmid;   /* the sender client's own id for the message; 0: none */
} rtmd_offline_msg_t;

/* What a put did. */
typedef enum rtmd_offline_put_result {
    RTMD_OFFLINE_PUT_FAILED = 0,    /* nothing stored: disk full, I/O error, out of memory */
    RTMD_OFFLINE_PUT_STORED = 1,    /* stored (committed, with a data dir) */
    RTMD_OFFLINE_PUT_DUPLICATE = 2, /* nothing stored: the same sender's message with the same
                                       cmid (not 0) is stored for that receiver already */
} rtmd_offline_put_result_t;

typedef struct rtmd_offline_store rtmd_offline_store_t;

/* Opens the store. data_dir NULL: in memory, lost at close. Otherwise DIR/offline.db (SQLite,
 * WAL, synchronous=FULL), creating DIR and its parents when missing; rows already there are
 * kept (a database from before cmid existed gets the column, 0 in its rows). max_per_user 0 and
 * ttl_ms <= 0 mean the defaults above. *max_mid (may be NULL) receives the largest mid stored (0
 * when none) so the server can start its mid counter above it; it knows nothing of messages already
 * deleted. On failure returns NULL and writes a sentence to why (whylen bytes, may be NULL/0). The
 * caller owns the store: close it. */
rtmd_offline_store_t *rtmd_offline_store_open(const char *data_dir, size_t max_per_user,
                                              int64_t ttl_ms, uint64_t *max_mid, char *why,
                                              size_t whylen);

/* Closes the database and frees everything; NULL is a no-op. */
void rtmd_offline_store_close(rtmd_offline_store_t *s);

/* Stores a copy of m for receiver (receiver_len bytes, not NUL-terminated) after every message
 * already stored for it, and evicts that receiver's oldest messages beyond max_per_user in the
 * same transaction. With a data dir, STORED comes only once the row is committed to disk.
 * FAILED: nothing is stored, and the caller reports a failure, not CACHED_BY_SERVER. When
 * m->cmid is not 0 and a live message from the same sender with the same cmid is stored for
 * receiver already (a sender that sent it again), nothing is stored: DUPLICATE, with that
 * message's mid and ts in *dup_mid and *dup_ts (each may be NULL). The store keeps no pointer
 * into m. */
rtmd_offline_put_result_t rtmd_offline_store_put(rtmd_offline_store_t *s, const char *receiver,
                                                 size_t receiver_len, const rtmd_offline_msg_t *m,
                                                 uint64_t *dup_mid, int64_t *dup_ts);

/* Calls fn for each stored message of receiver that has not expired at now_ms (ts_ms no more
 * than ttl before now_ms), oldest first, i.e. in put order. *m and everything it points to
 * belongs to the store and is valid only during that call of fn; fn must not call back into
 * the store (deliver, then delete when the receiver acknowledges). Returns how many calls
 * were made (a read error ends the walk early). Deletes nothing. */
size_t rtmd_offline_store_fetch(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len,
                                int64_t now_ms, void (*fn)(const rtmd_offline_msg_t *m, void *arg),
                                void *arg);

/* Deletes receiver's message mid (delivered and acknowledged); an absent one is fine. */
void rtmd_offline_store_delete(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len,
                               uint64_t mid);

/* Deletes every message older than ttl at now_ms (the ones fetch skips); returns how many.
 * Meant to run from a periodic timer. */
size_t rtmd_offline_store_expire(rtmd_offline_store_t *s, int64_t now_ms);

/* Number of messages stored for receiver, expired ones not yet removed by expire included
 * (tests, metrics). */
size_t rtmd_offline_store_count(rtmd_offline_store_t *s, const char *receiver, size_t receiver_len);

#endif
