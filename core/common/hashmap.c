/* Chained hash map (see hashmap.h). FNV-1a for byte keys, a 64-bit mixer for u64 keys.
 * A map that keeps inserting and removing (the client's pending requests, one per message)
 * reuses the entries of removed keys instead of a malloc and a free each time. */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#define SPARE_MAX 16

struct rtm_hm_entry {
    rtm_hm_entry_t *next;
    uint64_t hash;
    const void *key; /* NULL for u64 keys */
    size_t len;
    void *value;
};

uint64_t rtm_hash_bytes(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

uint64_t rtm_hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

void rtm_hm_init(rtm_hashmap_t *m)
{
    m->buckets = NULL;
    m->nbuckets = 0;
    m->count = 0;
    m->spare = NULL;
    m->nspare = 0;
}

void rtm_hm_destroy(rtm_hashmap_t *m)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        rtm_hm_entry_t *e = m->buckets[i];
        while (e) {
            rtm_hm_entry_t *next = e->next;
            free(e);
            e = next;
        }
    }
    while (m->spare) {
        rtm_hm_entry_t *next = m->spare->next;
        free(m->spare);
        m->spare = next;
    }
    free(m->buckets);
    rtm_hm_init(m);
}

static bool grow(rtm_hashmap_t *m)
{
    size_t n = m->nbuckets ? m->nbuckets * 2 : 16;
    rtm_hm_entry_t **b = calloc(n, sizeof(*b));
    if (!b)
        return false;
    for (size_t i = 0; i < m->nbuckets; i++) {
        rtm_hm_entry_t *e = m->buckets[i];
        while (e) {
            rtm_hm_entry_t *next = e->next;
            size_t j = e->hash & (n - 1);
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
    return true;
}

static bool key_eq(const rtm_hm_entry_t *e, uint64_t hash, const void *key, size_t len)
{
    if (e->hash != hash || e->len != len)
        return false;
    if (!key) /* u64 key: the hash is a bijection of the key, len holds nothing */
        return e->key == NULL;
    return e->key && memcmp(e->key, key, len) == 0;
}

static rtm_hm_entry_t **find(const rtm_hashmap_t *m, uint64_t hash, const void *key, size_t len)
{
    if (!m->nbuckets)
        return NULL;
    rtm_hm_entry_t **pp = &m->buckets[hash & (m->nbuckets - 1)];
    while (*pp && !key_eq(*pp, hash, key, len))
        pp = &(*pp)->next;
    return pp;
}

static bool put(rtm_hashmap_t *m, uint64_t hash, const void *key, size_t len, void *value,
                void **old)
{
    rtm_hm_entry_t **pp = find(m, hash, key, len);
    if (old)
        *old = NULL;
    if (pp && *pp) {
        if (old)
            *old = (*pp)->value;
        (*pp)->value = value;
        (*pp)->key = key;
        return true;
    }
    if (m->count >= m->nbuckets && !grow(m))
        return false;
    rtm_hm_entry_t *e = m->spare;
    if (e) {
        m->spare = e->next;
        m->nspare--;
    } else if (!(e = malloc(sizeof(*e)))) {
        return false;
    }
    e->hash = hash;
    e->key = key;
    e->len = len;
    e->value = value;
    size_t j = hash & (m->nbuckets - 1);
    e->next = m->buckets[j];
    m->buckets[j] = e;
    m->count++;
    return true;
}

static void *del(rtm_hashmap_t *m, uint64_t hash, const void *key, size_t len)
{
    rtm_hm_entry_t **pp = find(m, hash, key, len);
    if (!pp || !*pp)
        return NULL;
    rtm_hm_entry_t *e = *pp;
    void *v = e->value;
    *pp = e->next;
    if (m->nspare < SPARE_MAX) {
        e->next = m->spare;
        m->spare = e;
        m->nspare++;
    } else {
        free(e);
    }
    m->count--;
    return v;
}

bool rtm_hm_put(rtm_hashmap_t *m, const void *key, size_t len, void *value, void **old)
{
    return put(m, rtm_hash_bytes(key, len), key, len, value, old);
}

void *rtm_hm_get(const rtm_hashmap_t *m, const void *key, size_t len)
{
    rtm_hm_entry_t **pp = find(m, rtm_hash_bytes(key, len), key, len);
    return pp && *pp ? (*pp)->value : NULL;
}

void *rtm_hm_del(rtm_hashmap_t *m, const void *key, size_t len)
{
    return del(m, rtm_hash_bytes(key, len), key, len);
}

bool rtm_hm_put_u64(rtm_hashmap_t *m, uint64_t key, void *value)
{
    return put(m, rtm_hash_u64(key), NULL, 0, value, NULL);
}

void *rtm_hm_get_u64(const rtm_hashmap_t *m, uint64_t key)
{
    rtm_hm_entry_t **pp = find(m, rtm_hash_u64(key), NULL, 0);
    return pp && *pp ? (*pp)->value : NULL;
}

void *rtm_hm_del_u64(rtm_hashmap_t *m, uint64_t key)
{
    return del(m, rtm_hash_u64(key), NULL, 0);
}

void rtm_hm_foreach(const rtm_hashmap_t *m, void (*fn)(void *value, void *arg), void *arg)
{
    for (size_t i = 0; i < m->nbuckets; i++)
        for (rtm_hm_entry_t *e = m->buckets[i]; e; e = e->next)
            fn(e->value, arg);
}
