/* A chained hash map from byte-string or u64 keys to pointers. Keys are borrowed: the caller
 * keeps each key alive (usually inside the value) while it is in the map. Not thread-safe.
 * Lookups and inserts are O(1) on average; the table doubles when its load passes 1. */
#ifndef RTM_COMMON_HASHMAP_H
#define RTM_COMMON_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rtm_hm_entry rtm_hm_entry_t;

typedef struct rtm_hashmap {
    rtm_hm_entry_t **buckets;
    size_t nbuckets; /* a power of two, or 0 before the first insert */
    size_t count;
    rtm_hm_entry_t *spare; /* entries of removed keys, kept for the next inserts */
    size_t nspare;
} rtm_hashmap_t;

void rtm_hm_init(rtm_hashmap_t *m);
/* Frees the table and entries (not the values). */
void rtm_hm_destroy(rtm_hashmap_t *m);

/* Byte-string keys. put replaces an existing value (returning the old one in *old, may be
 * NULL); returns false when out of memory. */
bool rtm_hm_put(rtm_hashmap_t *m, const void *key, size_t len, void *value, void **old);
void *rtm_hm_get(const rtm_hashmap_t *m, const void *key, size_t len);
/* Removes and returns the value (NULL when absent). */
void *rtm_hm_del(rtm_hashmap_t *m, const void *key, size_t len);

/* u64 keys (stored inline; nothing to keep alive). */
bool rtm_hm_put_u64(rtm_hashmap_t *m, uint64_t key, void *value);
void *rtm_hm_get_u64(const rtm_hashmap_t *m, uint64_t key);
void *rtm_hm_del_u64(rtm_hashmap_t *m, uint64_t key);

/* The map's hashes, for callers that need a 64-bit key of their own: a hash of len bytes
 * (eight at a time, then mixed), and a 64-bit mix (MurmurHash3's finaliser). Neither resists
 * chosen collisions. */
uint64_t rtm_hash_bytes(const void *key, size_t len);
uint64_t rtm_hash_u64(uint64_t x);

/* Calls fn on every value; fn must not change the map. */
void rtm_hm_foreach(const rtm_hashmap_t *m, void (*fn)(void *value, void *arg), void *arg);

/* ---- rtm_u64map: open addressing for non-zero u64 keys ---------------------------------
 * One flat array of keys (0 marks a free slot) and, for a map, one of values: lookups,
 * inserts and deletes touch no allocator once the table has grown to its working size
 * (linear probing from a multiplicative hash of the key, which spreads sequential ids and
 * hashes alike; at most half full; backward-shift deletion, no tombstones). Not thread-safe. */
typedef struct rtm_u64map {
    uint64_t *keys;
    void **values;  /* NULL for a set (rtm_u64map_init with want_values false) */
    size_t mask;    /* slots - 1; the table is allocated with the first put */
    unsigned shift; /* 64 - log2(slots) */
    size_t count;
    bool want_values;
} rtm_u64map_t;

void rtm_u64map_init(rtm_u64map_t *m, bool want_values);
void rtm_u64map_destroy(rtm_u64map_t *m);
/* Inserts key (non-zero) or replaces its value (ignored for a set); false when key is 0 or
 * out of memory (the map is unchanged). */
bool rtm_u64map_put(rtm_u64map_t *m, uint64_t key, void *value);
bool rtm_u64map_has(const rtm_u64map_t *m, uint64_t key);
/* The key's value; NULL when absent (and always for a set). */
void *rtm_u64map_get(const rtm_u64map_t *m, uint64_t key);
/* Removes key; false when it was absent. */
bool rtm_u64map_del(rtm_u64map_t *m, uint64_t key);
/* The slot where the search for key starts (for tests). */
size_t rtm_u64map_home(const rtm_u64map_t *m, uint64_t key);

/* ---- rtm_recent: the last `cap` distinct keys seen -------------------------------------
 * A u64 set and a ring of the keys in arrival order: once cap keys are held, remembering one
 * more forgets the oldest. The table and the ring are allocated with the first key, so an
 * unused one costs nothing. Not thread-safe. */
typedef struct rtm_recent {
    rtm_u64map_t set;
    uint64_t *ring; /* cap keys, 0 where none yet */
    size_t cap, pos;
} rtm_recent_t;

void rtm_recent_init(rtm_recent_t *r, size_t cap);
void rtm_recent_destroy(rtm_recent_t *r);
/* True when key is among the remembered ones (it is not moved); otherwise remembers it and
 * returns false. Key 0 is never remembered; out of memory, the key is not remembered. */
bool rtm_recent_check(rtm_recent_t *r, uint64_t key);

#endif
