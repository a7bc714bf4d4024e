/* Chained hash map (see hashmap.h). A word-at-a-time hash for byte keys, a 64-bit mixer for
 * u64 keys.
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
    /* eight bytes per step (FNV-1a took one: a tenth of a fan-out delivery's instructions
       went to hashing its channel and sender ids), then the 64-bit mix of rtm_hash_u64 */
    const unsigned char *p = key;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 29;
    }
    if (len) {
        w = 0;
        memcpy(&w, p, len);
        h = (h ^ w) * 0x94d049bb133111ebull;
    }
    return rtm_hash_u64(h);
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

/* ---- rtm_u64map ------------------------------------------------------------------------ */

#define U64MAP_MIN_SLOTS 8

void rtm_u64map_init(rtm_u64map_t *m, bool want_values)
{
    m->keys = NULL;
    m->values = NULL;
    m->mask = 0;
    m->shift = 63;
    m->count = 0;
    m->want_values = want_values;
}

void rtm_u64map_destroy(rtm_u64map_t *m)
{
    free(m->keys);
    free(m->values);
    rtm_u64map_init(m, m->want_values);
}

size_t rtm_u64map_home(const rtm_u64map_t *m, uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> m->shift) & m->mask;
}

/* The slot holding key, or the free slot where it would go (the table exists). */
static size_t u64map_slot(const rtm_u64map_t *m, uint64_t key)
{
    size_t i = rtm_u64map_home(m, key);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & m->mask;
    return i;
}

static bool u64map_grow(rtm_u64map_t *m)
{
    size_t slots = m->keys ? (m->mask + 1) * 2 : U64MAP_MIN_SLOTS;
    uint64_t *keys = calloc(slots, sizeof(*keys));
    void **values = m->want_values ? calloc(slots, sizeof(*values)) : NULL;
    if (!keys || (m->want_values && !values)) {
        free(keys);
        free(values);
        return false;
    }
    unsigned bits = 0;
    while (((size_t)1 << bits) < slots)
        bits++;
    rtm_u64map_t n = {keys, values, slots - 1, 64 - bits, 0, m->want_values};
    for (size_t i = 0; m->keys && i <= m->mask; i++) {
        if (!m->keys[i])
            continue;
        size_t j = u64map_slot(&n, m->keys[i]);
        n.keys[j] = m->keys[i];
        if (values)
            n.values[j] = m->values[i];
    }
    n.count = m->count;
    free(m->keys);
    free(m->values);
    *m = n;
    return true;
}

bool rtm_u64map_put(rtm_u64map_t *m, uint64_t key, void *value)
{
    if (!key)
        return false;
    /* at most half full: probes stay short */
    if ((!m->keys || (m->count + 1) * 2 > m->mask + 1) && !rtm_u64map_has(m, key) &&
        !u64map_grow(m))
        return false;
    size_t i = u64map_slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->count++;
    }
    if (m->values)
        m->values[i] = value;
    return true;
}

bool rtm_u64map_has(const rtm_u64map_t *m, uint64_t key)
{
    return key && m->keys && m->keys[u64map_slot(m, key)] == key;
}

void *rtm_u64map_get(const rtm_u64map_t *m, uint64_t key)
{
    if (!key || !m->keys)
        return NULL;
    size_t i = u64map_slot(m, key);
    return m->keys[i] == key && m->values ? m->values[i] : NULL;
}

bool rtm_u64map_del(rtm_u64map_t *m, uint64_t key)
{
    if (!key || !m->keys)
        return false;
    size_t i = u64map_slot(m, key);
    if (m->keys[i] != key)
        return false;
    /* backward shift: pull every later key of the run that may sit at i into the hole */
    for (size_t j = i;;) {
        j = (j + 1) & m->mask;
        if (!m->keys[j])
            break;
        size_t home = rtm_u64map_home(m, m->keys[j]);
        /* the key at j may move to i unless its home lies cyclically in (i, j] */
        bool stays = i < j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays)
            continue;
        m->keys[i] = m->keys[j];
        if (m->values)
            m->values[i] = m->values[j];
        i = j;
    }
    m->keys[i] = 0;
    if (m->values)
        m->values[i] = NULL;
    m->count--;
    return true;
}

/* ---- rtm_recent -------------------------------------------------------------------------- */

void rtm_recent_init(rtm_recent_t *r, size_t cap)
{
    rtm_u64map_init(&r->set, false);
    r->ring = NULL;
    r->cap = cap;
    r->pos = 0;
}

void rtm_recent_destroy(rtm_recent_t *r)
{
    rtm_u64map_destroy(&r->set);
    free(r->ring);
    rtm_recent_init(r, r->cap);
}

bool rtm_recent_check(rtm_recent_t *r, uint64_t key)
{
    if (!key || !r->cap)
        return false;
    if (rtm_u64map_has(&r->set, key))
        return true;
    if (!r->ring && !(r->ring = calloc(r->cap, sizeof(*r->ring))))
        return false;
    uint64_t *slot = &r->ring[r->pos];
    if (*slot)
        rtm_u64map_del(&r->set, *slot);
    *slot = rtm_u64map_put(&r->set, key, NULL) ? key : 0;
    r->pos = (r->pos + 1) % r->cap;
    return false;
}
