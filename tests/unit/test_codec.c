/* The rtm.1 codec: round trips, several frames per message, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <msgpack.h>

#include "codec.h"

static rtm_decoder_t dec;

static rtm_decode_status_t decode_all_one(const rtm_buf_t *b, rtm_frame_t *f, const char **why)
{
    size_t off = 0;
    rtm_decode_status_t st = rtm_frame_decode(&dec, rtm_buf_data(b), b->len, &off, f, why);
    if (st != RTM_DECODE_BROKEN)
        assert_int_equal(off, b->len);
    return st;
}

static void assert_bytes(rtm_bytes_t b, const void *p, size_t len)
{
    assert_int_equal(b.len, len);
    assert_memory_equal(b.ptr, p, len);
}

static void test_login_round_trips(void **state)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 16);
    rtm_frame_t f, g;
    rtm_frame_init(&f, RTM_FRAME_LOGIN, 7);
    rtm_frame_set_uint(&f, RTM_K_VERSION, RTM_PROTOCOL_VERSION);
    rtm_frame_set_str(&f, RTM_K_APP_ID, "app");
    rtm_frame_set_str(&f, RTM_K_USER, "alice");
    rtm_frame_set_str(&f, RTM_K_TOKEN, "006tok");
    assert_true(rtm_frame_encode(&b, &f));
    assert_int_equal(decode_all_one(&b, &g, NULL), RTM_DECODE_OK);
    assert_int_equal(g.type, RTM_FRAME_LOGIN);
    assert_int_equal(g.id, 7);
    assert_int_equal(g.fields, f.fields);
    assert_int_equal(g.version, 1);
    assert_bytes(g.app_id, "app", 3);
    assert_bytes(g.user, "alice", 5);
    assert_bytes(g.token, "006tok", 6);
    rtm_buf_free(&b);
}

static void test_peer_message_with_binary_payload_round_trips(void **state)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    const char data[] = {'a', 0, 'b', 0, (char)0xff};
    rtm_frame_t f, g;
    rtm_frame_init(&f, RTM_FRAME_PEER_MESSAGE, 0);
    rtm_frame_set_str(&f, RTM_K_USER, "bob");
    rtm_frame_set_uint(&f, RTM_K_MID, UINT64_MAX);
    rtm_frame_set_int(&f, RTM_K_TS, -5);
    rtm_frame_set_uint(&f, RTM_K_MTYPE, 2);
    rtm_frame_set_bytes(&f, RTM_K_DATA, data, sizeof(data));
    rtm_frame_set_str(&f, RTM_K_TEXT, "desc");
    rtm_frame_set_bool(&f, RTM_K_OFFLINE, true);
    assert_true(rtm_frame_encode(&b, &f));
    assert_int_equal(decode_all_one(&b, &g, NULL), RTM_DECODE_OK);
    assert_int_equal(g.mid, UINT64_MAX);
    assert_int_equal(g.ts, -5);
    assert_true(g.offline);
    assert_bytes(g.data, data, sizeof(data));
    assert_bytes(g.text, "desc", 4);
    rtm_buf_free(&b);
}

static void test_lists_round_trip(void **state)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    rtm_bytes_t users[3] = {{"a", 1}, {"bb", 2}, {"ccc", 3}};
    uint32_t states[3] = {0, 2, 1};
    rtm_frame_t f, g;
    rtm_frame_init(&f, RTM_FRAME_RESULT, 99);
    rtm_frame_set_uint(&f, RTM_K_ERR, 0);
    rtm_frame_set_users(&f, users, 3);
    rtm_frame_set_states(&f, states, 3);
    assert_true(rtm_frame_encode(&b, &f));
    assert_int_equal(decode_all_one(&b, &g, NULL), RTM_DECODE_OK);
    assert_int_equal(g.n_users, 3);
    assert_int_equal(g.n_states, 3);
    for (int i = 0; i < 3; i++) {
        assert_bytes(g.users[i], users[i].ptr, users[i].len);
        assert_int_equal(g.states[i], states[i]);
    }
    rtm_buf_free(&b);
}

static void test_several_frames_in_one_message_decode_in_order(void **state)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    for (uint64_t id = 1; id <= 50; id++) {
        rtm_frame_t f;
        rtm_frame_init(&f, RTM_FRAME_LOGOUT, id);
        assert_true(rtm_frame_encode(&b, &f));
    }
    size_t off = 0;
    for (uint64_t id = 1; id <= 50; id++) {
        rtm_frame_t g;
        assert_int_equal(rtm_frame_decode(&dec, rtm_buf_data(&b), b.len, &off, &g, NULL),
                         RTM_DECODE_OK);
        assert_int_equal(g.id, id);
    }
    assert_int_equal(off, b.len);
    rtm_buf_free(&b);
}

static void encode_login(rtm_buf_t *b)
{
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_LOGIN, 3);
    rtm_frame_set_uint(&f, RTM_K_VERSION, 1);
    rtm_frame_set_str(&f, RTM_K_APP_ID, "app");
    rtm_frame_set_str(&f, RTM_K_USER, "alice");
    assert_true(rtm_frame_encode(b, &f));
}

static void test_every_truncation_is_broken_not_a_crash(void **state)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    encode_login(&b);
    for (size_t n = 1; n < b.len; n++) {
        /* a copy of exactly n bytes, so a sanitizer sees any over-read */
        uint8_t *copy = malloc(n);
        memcpy(copy, rtm_buf_data(&b), n);
        size_t off = 0;
        rtm_frame_t g;
        const char *why;
        assert_int_equal(rtm_frame_decode(&dec, copy, n, &off, &g, &why), RTM_DECODE_BROKEN);
        assert_non_null(why);
        assert_int_equal(off, 0);
        free(copy);
    }
    rtm_buf_free(&b);
}

/* Hand-written msgpack for the shapes the encoder never produces. */
static rtm_decode_status_t decode_raw(const uint8_t *p, size_t n, rtm_frame_t *g, const char **why)
{
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    size_t off = 0;
    rtm_decode_status_t st = rtm_frame_decode(&dec, copy, n, &off, g, why);
    free(copy);
    return st;
}

static void test_wrong_field_types_are_bad_frames(void **state)
{
    rtm_frame_t g;
    const char *why;
    /* LOGIN id 5 with user (key 4) = 42 instead of a string */
    const uint8_t user_int[] = {0x93, 0x01, 0x05, 0x83, 0x01, 0x01, 0x02, 0xa1, 'a', 0x04, 0x2a};
    assert_int_equal(decode_raw(user_int, sizeof(user_int), &g, &why), RTM_DECODE_BAD_FRAME);
    assert_int_equal(g.id, 5);
    assert_int_equal(g.type, RTM_FRAME_LOGIN);
    /* data (key 10) as str instead of bin */
    const uint8_t data_str[] = {0x93, 0x04, 0x01, 0x83, 0x04, 0xa1,
                                'b',  0x08, 0x02, 0x0a, 0xa1, 'x'};
    assert_int_equal(decode_raw(data_str, sizeof(data_str), &g, &why), RTM_DECODE_BAD_FRAME);
    /* type as a string */
    const uint8_t type_str[] = {0x93, 0xa1, '1', 0x01, 0x80};
    assert_int_equal(decode_raw(type_str, sizeof(type_str), &g, &why), RTM_DECODE_BAD_FRAME);
    /* frame that is a map */
    const uint8_t not_array[] = {0x80};
    assert_int_equal(decode_raw(not_array, sizeof(not_array), &g, &why), RTM_DECODE_BAD_FRAME);
    /* array of 2 */
    const uint8_t short_array[] = {0x92, 0x01, 0x01};
    assert_int_equal(decode_raw(short_array, sizeof(short_array), &g, &why), RTM_DECODE_BAD_FRAME);
    /* body key that is a string */
    const uint8_t str_key[] = {0x93, 0x02, 0x01, 0x81, 0xa1, 'k', 0x01};
    assert_int_equal(decode_raw(str_key, sizeof(str_key), &g, &why), RTM_DECODE_BAD_FRAME);
    /* a users list holding an integer */
    const uint8_t bad_list[] = {0x93, 0x05, 0x01, 0x81, 0x0f, 0x92, 0xa1, 'a', 0x01};
    assert_int_equal(decode_raw(bad_list, sizeof(bad_list), &g, &why), RTM_DECODE_BAD_FRAME);
    /* states without users */
    const uint8_t lone_states[] = {0x93, 0x40, 0x01, 0x82, 0x05, 0x00, 0x10, 0x91, 0x00};
    assert_int_equal(decode_raw(lone_states, sizeof(lone_states), &g, &why), RTM_DECODE_BAD_FRAME);
}

static void test_missing_required_fields_and_zero_request_ids_are_bad_frames(void **state)
{
    rtm_frame_t g;
    const char *why;
    const uint8_t login_no_user[] = {0x93, 0x01, 0x05, 0x82, 0x01, 0x01, 0x02, 0xa1, 'a'};
    assert_int_equal(decode_raw(login_no_user, sizeof(login_no_user), &g, &why),
                     RTM_DECODE_BAD_FRAME);
    assert_string_equal(why, "the frame lacks a required field");
    const uint8_t logout_id0[] = {0x93, 0x02, 0x00, 0x80};
    assert_int_equal(decode_raw(logout_id0, sizeof(logout_id0), &g, &why), RTM_DECODE_BAD_FRAME);
}

static void test_unknown_type_is_bad_frame_with_its_id(void **state)
{
    rtm_frame_t g;
    const char *why;
    const uint8_t unknown[] = {0x93, 0x7f, 0x09, 0x80};
    assert_int_equal(decode_raw(unknown, sizeof(unknown), &g, &why), RTM_DECODE_BAD_FRAME);
    assert_int_equal(g.type, 0x7f);
    assert_int_equal(g.id, 9);
    assert_string_equal(why, "unknown frame type");
}

static void test_unknown_keys_are_skipped(void **state)
{
    rtm_frame_t g;
    /* LOGOUT id 1 with key 200 -> [1, {"x": nil}] */
    const uint8_t extra[] = {0x93, 0x02, 0x01, 0x81, 0xcc, 0xc8, 0x92, 0x01, 0x81, 0xa1, 'x', 0xc0};
    assert_int_equal(decode_raw(extra, sizeof(extra), &g, NULL), RTM_DECODE_OK);
    assert_int_equal(g.type, RTM_FRAME_LOGOUT);
}

static void test_huge_declared_counts_are_refused_without_allocation(void **state)
{
    rtm_frame_t g;
    const uint8_t huge_array[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x00};
    assert_int_equal(decode_raw(huge_array, sizeof(huge_array), &g, NULL), RTM_DECODE_BROKEN);
    const uint8_t huge_map[] = {0x93, 0x02, 0x01, 0xdf, 0x7f, 0xff, 0xff, 0xff};
    assert_int_equal(decode_raw(huge_map, sizeof(huge_map), &g, NULL), RTM_DECODE_BROKEN);
    const uint8_t huge_str[] = {0x93, 0x02, 0x01, 0x81, 0x04, 0xdb, 0xff, 0xff, 0xff, 0xf0, 'a'};
    assert_int_equal(decode_raw(huge_str, sizeof(huge_str), &g, NULL), RTM_DECODE_BROKEN);
    const uint8_t reserved[] = {0xc1};
    assert_int_equal(decode_raw(reserved, sizeof(reserved), &g, NULL), RTM_DECODE_BROKEN);
}

static void test_deep_nesting_is_broken(void **state)
{
    uint8_t deep[64];
    memset(deep, 0x91, sizeof(deep)); /* [[[[...]]]] */
    deep[63] = 0x00;
    rtm_frame_t g;
    assert_int_equal(decode_raw(deep, sizeof(deep), &g, NULL), RTM_DECODE_BROKEN);
}

static void test_oversized_lists_frames_and_messages_are_refused(void **state)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    rtm_bytes_t *users = calloc(RTM_WIRE_MAX_LIST + 1, sizeof(*users));
    for (size_t i = 0; i <= RTM_WIRE_MAX_LIST; i++)
        users[i] = (rtm_bytes_t){"u", 1};
    rtm_frame_t f, g;
    rtm_frame_init(&f, RTM_FRAME_QUERY_ONLINE, 1);
    rtm_frame_set_users(&f, users, RTM_WIRE_MAX_LIST + 1);
    assert_true(rtm_frame_encode(&b, &f));
    const char *why;
    assert_int_equal(decode_all_one(&b, &g, &why), RTM_DECODE_BAD_FRAME);
    assert_string_equal(why, "a list has too many entries");
    free(users);

    rtm_buf_clear(&b);
    char *big = malloc(RTM_WIRE_MAX_FRAME);
    memset(big, 'x', RTM_WIRE_MAX_FRAME);
    rtm_frame_init(&f, RTM_FRAME_SEND_PEER, 1);
    rtm_frame_set_str(&f, RTM_K_USER, "bob");
    rtm_frame_set_uint(&f, RTM_K_MTYPE, 1);
    rtm_frame_set_bytes(&f, RTM_K_TEXT, big, RTM_WIRE_MAX_FRAME);
    assert_true(rtm_frame_encode(&b, &f));
    assert_int_equal(decode_all_one(&b, &g, &why), RTM_DECODE_BAD_FRAME);
    assert_string_equal(why, "the frame is too large");

    size_t off = 0;
    assert_int_equal(
        rtm_frame_decode(&dec, rtm_buf_data(&b), RTM_WIRE_MAX_MESSAGE + 1, &off, &g, &why),
        RTM_DECODE_BROKEN);
    free(big);
    rtm_buf_free(&b);
}

static void test_random_garbage_never_crashes(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + (size_t)(seed % 64);
        uint8_t *p = malloc(n);
        for (size_t i = 0; i < n; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            p[i] = (uint8_t)seed;
        }
        if (round % 2) /* half start like a frame, to get deeper */
            p[0] = 0x93;
        size_t off = 0;
        rtm_frame_t g;
        while (off < n) {
            size_t before = off;
            if (rtm_frame_decode(&dec, p, n, &off, &g, NULL) == RTM_DECODE_BROKEN)
                break;
            assert_true(off > before && off <= n);
        }
        free(p);
    }
}

static void test_channel_attribute_lists_round_trip(void **state)
{
    rtm_buf_t b;
    rtm_buf_init(&b, 0);
    rtm_bytes_t keys[2] = {{"k1", 2}, {"k2", 2}}, vals[2] = {{"v1", 2}, {"", 0}},
                who[2] = {{"amy", 3}, {"bo", 2}};
    int64_t ts[2] = {1700000000123LL, -1};
    rtm_frame_t f, g;
    rtm_frame_init(&f, RTM_FRAME_CHANNEL_ATTRS, 0);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "room");
    rtm_frame_set_strs(&f, RTM_K_KEYS, keys, 2);
    rtm_frame_set_strs(&f, RTM_K_VALUES, vals, 2);
    rtm_frame_set_strs(&f, RTM_K_UPDATERS, who, 2);
    rtm_frame_set_i64s(&f, RTM_K_UPDATED_TS, ts, 2);
    assert_true(rtm_frame_encode(&b, &f));
    assert_int_equal(decode_all_one(&b, &g, NULL), RTM_DECODE_OK);
    assert_bytes(g.channel, "room", 4);
    assert_int_equal(g.n_keys, 2);
    assert_bytes(g.keys[1], "k2", 2);
    assert_bytes(g.values[0], "v1", 2);
    assert_bytes(g.updaters[0], "amy", 3);
    assert_int_equal(g.updated_ts[0], 1700000000123LL);
    assert_int_equal(g.updated_ts[1], -1);

    /* counts pair with channels; a short values list is refused */
    rtm_buf_clear(&b);
    rtm_frame_init(&f, RTM_FRAME_SET_CHANNEL_ATTRS, 4);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "room");
    rtm_frame_set_strs(&f, RTM_K_KEYS, keys, 2);
    rtm_frame_set_strs(&f, RTM_K_VALUES, vals, 1);
    assert_true(rtm_frame_encode(&b, &f));
    const char *why;
    assert_int_equal(decode_all_one(&b, &g, &why), RTM_DECODE_BAD_FRAME);
    assert_int_equal(g.id, 4);

    rtm_buf_clear(&b);
    rtm_bytes_t chans[2] = {{"a", 1}, {"b", 1}};
    uint32_t counts[2] = {3, 0};
    rtm_frame_init(&f, RTM_FRAME_RESULT, 9);
    rtm_frame_set_uint(&f, RTM_K_ERR, 0);
    rtm_frame_set_strs(&f, RTM_K_CHANNELS, chans, 2);
    rtm_frame_set_u32s(&f, RTM_K_COUNTS, counts, 2);
    assert_true(rtm_frame_encode(&b, &f));
    assert_int_equal(decode_all_one(&b, &g, NULL), RTM_DECODE_OK);
    assert_int_equal(g.n_channels, 2);
    assert_int_equal(g.counts[0], 3);

    /* the wrong kind of list for a key is ignored by the setters */
    rtm_frame_init(&f, RTM_FRAME_RESULT, 9);
    rtm_frame_set_u32s(&f, RTM_K_KEYS, counts, 2);
    assert_false(rtm_frame_has(&f, RTM_K_KEYS));
    rtm_buf_free(&b);
}

/* ---- the encoder writes exactly what msgpack-c's packer writes -------------------------- */

static int ref_write(void *data, const char *p, size_t n)
{
    return rtm_buf_append(data, p, n) ? 0 : -1;
}

/* The frame as msgpack-c's packer encodes it, keys in ascending order (the encoder before it
 * wrote msgpack itself). */
static void ref_encode(rtm_buf_t *out, const rtm_frame_t *f)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, ref_write);
    uint32_t n = 0;
    for (int k = 1; k < RTM_K__COUNT; k++)
        n += rtm_frame_has(f, (rtm_field_t)k);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint32(&pk, f->type);
    msgpack_pack_uint64(&pk, f->id);
    msgpack_pack_map(&pk, n);
    const uint64_t uints[][2] = {
        {RTM_K_VERSION, f->version},
        {RTM_K_ERR, f->err},
        {RTM_K_REASON, f->reason},
        {RTM_K_MTYPE, f->mtype},
        {RTM_K_FLAGS, f->flags},
        {RTM_K_MID, f->mid},
        {RTM_K_COUNT, f->count},
        {RTM_K_IID, f->iid},
        {RTM_K_KIND, f->kind},
        {RTM_K_RX, f->rx},
        {RTM_K_EPOCH, f->epoch},
        {RTM_K_CMID, f->cmid},
        {RTM_K_HEARTBEAT_MS, f->heartbeat_ms},
    };
    const struct {
        rtm_field_t key;
        const rtm_bytes_t *b;
        bool bin;
    } bytes[] = {{RTM_K_APP_ID, &f->app_id, false},   {RTM_K_TOKEN, &f->token, false},
                 {RTM_K_USER, &f->user, false},       {RTM_K_ERRMSG, &f->errmsg, false},
                 {RTM_K_TEXT, &f->text, false},       {RTM_K_DATA, &f->data, true},
                 {RTM_K_CHANNEL, &f->channel, false}, {RTM_K_SESSION, &f->session, true}};
    const struct {
        rtm_field_t key;
        const rtm_bytes_t *items;
        size_t n;
    } strs[] = {{RTM_K_USERS, f->users, f->n_users},
                {RTM_K_CHANNELS, f->channels, f->n_channels},
                {RTM_K_KEYS, f->keys, f->n_keys},
                {RTM_K_VALUES, f->values, f->n_values},
                {RTM_K_UPDATERS, f->updaters, f->n_updaters}};
    for (int k = 1; k < RTM_K__COUNT; k++) {
        if (!rtm_frame_has(f, (rtm_field_t)k))
            continue;
        msgpack_pack_uint32(&pk, (uint32_t)k);
        bool done = false;
        for (size_t i = 0; !done && i < sizeof(uints) / sizeof(uints[0]); i++)
            if (uints[i][0] == (uint64_t)k) {
                msgpack_pack_uint64(&pk, uints[i][1]);
                done = true;
            }
        for (size_t i = 0; !done && i < sizeof(bytes) / sizeof(bytes[0]); i++)
            if ((int)bytes[i].key == k) {
                if (bytes[i].bin)
                    msgpack_pack_bin_with_body(&pk, bytes[i].b->ptr, bytes[i].b->len);
                else
                    msgpack_pack_str_with_body(&pk, bytes[i].b->ptr, bytes[i].b->len);
                done = true;
            }
        for (size_t i = 0; !done && i < sizeof(strs) / sizeof(strs[0]); i++)
            if ((int)strs[i].key == k) {
                msgpack_pack_array(&pk, strs[i].n);
                for (size_t j = 0; j < strs[i].n; j++)
                    msgpack_pack_str_with_body(&pk, strs[i].items[j].ptr, strs[i].items[j].len);
                done = true;
            }
        if (done)
            continue;
        switch (k) {
        case RTM_K_TS:
            msgpack_pack_int64(&pk, f->ts);
            break;
        case RTM_K_OFFLINE:
        case RTM_K_WITH_MEMBERS:
        case RTM_K_RESUMED: {
            bool v = k == RTM_K_OFFLINE        ? f->offline
                     : k == RTM_K_WITH_MEMBERS ? f->with_members
                                               : f->resumed;
            v ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
            break;
        }
        case RTM_K_STATES:
        case RTM_K_COUNTS: {
            const uint32_t *u = k == RTM_K_STATES ? f->states : f->counts;
            size_t n32 = k == RTM_K_STATES ? f->n_states : f->n_counts;
            msgpack_pack_array(&pk, n32);
            for (size_t j = 0; j < n32; j++)
                msgpack_pack_uint32(&pk, u[j]);
            break;
        }
        case RTM_K_UPDATED_TS:
            msgpack_pack_array(&pk, f->n_updated_ts);
            for (size_t j = 0; j < f->n_updated_ts; j++)
                msgpack_pack_int64(&pk, f->updated_ts[j]);
            break;
        default:
            fail_msg("key %d has no reference encoding: add it to ref_encode", k);
        }
    }
}

static void assert_same_as_msgpack_c(const rtm_frame_t *f)
{
    rtm_buf_t ours, ref;
    rtm_buf_init(&ours, 0);
    rtm_buf_init(&ref, 0);
    assert_true(rtm_frame_encode(&ours, f));
    ref_encode(&ref, f);
    assert_int_equal(ours.len, ref.len);
    assert_memory_equal(rtm_buf_data(&ours), rtm_buf_data(&ref), ref.len);
    rtm_buf_free(&ours);
    rtm_buf_free(&ref);
}

static void test_encoding_matches_msgpack_c_at_every_size_boundary(void **state)
{
    static const uint64_t uints[] = {0,     1,        127,        128,           255,
                                     256,   65535,    65536,      UINT32_MAX,    UINT32_MAX + 1ull,
                                     12345, 1u << 31, UINT64_MAX, UINT64_MAX - 1};
    static const int64_t ints[] = {0,
                                   1,
                                   -1,
                                   -32,
                                   -33,
                                   -128,
                                   -129,
                                   -32768,
                                   -32769,
                                   INT32_MIN,
                                   INT32_MIN - 1LL,
                                   INT64_MIN,
                                   127,
                                   128,
                                   65536,
                                   INT64_MAX,
                                   1700000000123LL};
    static const size_t lens[] = {0, 1, 31, 32, 255, 256, 65535, 65536, 70000};
    char *text = malloc(70000);
    memset(text, 't', 70000);
    for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
        rtm_frame_t f;
        rtm_frame_init(&f, (uint32_t)(uints[i] & 0xffffffffu), uints[i]);
        for (int k = 1; k < RTM_K__COUNT; k++) /* every uint key */
            rtm_frame_set_uint(&f, (rtm_field_t)k, uints[(i + (size_t)k) % 14]);
        assert_same_as_msgpack_c(&f);
    }
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        rtm_frame_t f;
        rtm_frame_init(&f, RTM_FRAME_PEER_MESSAGE, 0);
        rtm_frame_set_int(&f, RTM_K_TS, ints[i]);
        rtm_frame_set_bool(&f, RTM_K_OFFLINE, i % 2);
        rtm_frame_set_bool(&f, RTM_K_WITH_MEMBERS, i % 3 == 0);
        rtm_frame_set_bool(&f, RTM_K_RESUMED, true);
        rtm_frame_set_i64s(&f, RTM_K_UPDATED_TS, ints, sizeof(ints) / sizeof(ints[0]));
        assert_same_as_msgpack_c(&f);
    }
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        rtm_frame_t f;
        rtm_frame_init(&f, RTM_FRAME_SEND_PEER, 77);
        rtm_frame_set_bytes(&f, RTM_K_TEXT, text, lens[i]);
        rtm_frame_set_bytes(&f, RTM_K_DATA, text, lens[i]);
        rtm_frame_set_bytes(&f, RTM_K_SESSION, text, lens[i] % 300);
        rtm_frame_set_str(&f, RTM_K_USER, "bob");
        assert_same_as_msgpack_c(&f);
    }
    /* lists of 0, 15, 16 and 70,000 entries (fixarray, array16, array32) */
    static const size_t counts[] = {0, 15, 16, 70000};
    rtm_bytes_t *items = calloc(70000, sizeof(*items));
    uint32_t *u32 = calloc(70000, sizeof(*u32));
    for (size_t i = 0; i < 70000; i++) {
        items[i] = (rtm_bytes_t){text, i % 40};
        u32[i] = (uint32_t)(i * 2654435761u);
    }
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        rtm_frame_t f;
        rtm_frame_init(&f, RTM_FRAME_RESULT, 5);
        rtm_frame_set_strs(&f, RTM_K_USERS, items, counts[i]);
        rtm_frame_set_u32s(&f, RTM_K_STATES, u32, counts[i]);
        rtm_frame_set_strs(&f, RTM_K_CHANNELS, items, counts[i]);
        rtm_frame_set_u32s(&f, RTM_K_COUNTS, u32, counts[i]);
        rtm_frame_set_strs(&f, RTM_K_KEYS, items, counts[i]);
        rtm_frame_set_strs(&f, RTM_K_VALUES, items, counts[i]);
        rtm_frame_set_strs(&f, RTM_K_UPDATERS, items, counts[i]);
        assert_same_as_msgpack_c(&f);
    }
    /* a frame of every field at once, as the client and the server send them */
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_CHANNEL_MESSAGE, 0);
    rtm_frame_set_str(&f, RTM_K_CHANNEL, "room");
    rtm_frame_set_str(&f, RTM_K_USER, "alice");
    rtm_frame_set_uint(&f, RTM_K_MID, 123456789);
    rtm_frame_set_int(&f, RTM_K_TS, 1700000000123LL);
    rtm_frame_set_uint(&f, RTM_K_MTYPE, 1);
    rtm_frame_set_bytes(&f, RTM_K_TEXT, text, 64);
    rtm_frame_set_uint(&f, RTM_K_CMID, 0xdeadbeef00000001ull);
    assert_same_as_msgpack_c(&f);
    free(items);
    free(u32);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_round_trips),
        cmocka_unit_test(test_peer_message_with_binary_payload_round_trips),
        cmocka_unit_test(test_lists_round_trip),
        cmocka_unit_test(test_channel_attribute_lists_round_trip),
        cmocka_unit_test(test_several_frames_in_one_message_decode_in_order),
        cmocka_unit_test(test_every_truncation_is_broken_not_a_crash),
        cmocka_unit_test(test_wrong_field_types_are_bad_frames),
        cmocka_unit_test(test_missing_required_fields_and_zero_request_ids_are_bad_frames),
        cmocka_unit_test(test_unknown_type_is_bad_frame_with_its_id),
        cmocka_unit_test(test_unknown_keys_are_skipped),
        cmocka_unit_test(test_huge_declared_counts_are_refused_without_allocation),
        cmocka_unit_test(test_deep_nesting_is_broken),
        cmocka_unit_test(test_oversized_lists_frames_and_messages_are_refused),
        cmocka_unit_test(test_random_garbage_never_crashes),
        cmocka_unit_test(test_encoding_matches_msgpack_c_at_every_size_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
