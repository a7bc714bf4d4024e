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

/* The map's hashes, for callers that need a 64-bit key of their own: FNV-1a of len bytes,
 * and a 64-bit mix (MurmurHash3's finaliser). */
uint64_t rtm_hash_bytes(const void *key, size_t len);
uint64_t rtm_hash_u64(uint64_t x);

/* Calls fn on every value; fn must not change the map. */
void rtm_hm_foreach(const rtm_hashmap_t *m, void (*fn)(void *value, void *arg), void *arg);

#endif
