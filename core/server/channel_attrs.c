/* Channel attributes (see channel_attrs.h): the handlers; the list itself, its checks and its
 * edits are attr_list.c's. Each entry records who wrote it and when. */
#include "channel_attrs.h"

#include "channel.h"
#include "clock.h"
#include "conn.h"
#include "rules.h"
#include "server.h"

/* CHANNEL_ATTRS with the full list to every member of ch but the writer. */
static void notify_members(rtmd_server_t *srv, rtmd_channel_t *ch, const rtmd_conn_t *writer)
{
    if (ch->n_members == 0 || (ch->n_members == 1 && ch->members[0]->conn == writer))
        return;
    uint32_t idx[RTM_ATTR_MAX_COUNT];
    rtm_frame_t f;
    rtm_frame_init(&f, RTM_FRAME_CHANNEL_ATTRS, 0);
    rtm_frame_set_bytes(&f, RTM_K_CHANNEL, ch->id, ch->id_len);
    size_t n = rtmd_attr_list_select(&ch->attrs, NULL, 0, idx);
    rtmd_attr_list_set_fields(&f, &ch->attrs, idx, n, true);
    rtmd_msg_t *m = rtmd_msg_encode(&f);
    if (!m) {
        rtm_log(&srv->log, RTM_LOG_ERROR, "out of memory: an attribute update was not sent");
        return;
    }
    rtmd_channel_broadcast(srv, ch, m, writer);
    rtmd_msg_unref(m);
}

void rtmd_channel_attrs_write(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    const char *why = NULL;
    rtm_err_t err = RTM_OK;
    if (!rtm_frame_has(f, RTM_K_CHANNEL) || !rtm_id_valid(f->channel.ptr, f->channel.len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_CHANNEL_ID, "the channel id is not valid");
        return;
    }
    uint64_t flags = rtm_frame_has(f, RTM_K_FLAGS) ? f->flags : 0;
    if (flags & ~(uint64_t)RTM_ATTR_NOTIFY_MEMBERS) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_ARGUMENT, "unknown attribute flag bits");
        return;
    }
    bool with_values =
        f->type == RTM_FRAME_SET_CHANNEL_ATTRS || f->type == RTM_FRAME_ADD_CHANNEL_ATTRS;
    if (f->type != RTM_FRAME_CLEAR_CHANNEL_ATTRS &&
        (err = rtmd_attr_list_check(f, with_values, &rtmd_channel_attr_limits, &why)) != RTM_OK) {
        rtmd_conn_result(srv, c, f->id, err, why);
        return;
    }
    size_t n = rtm_frame_has(f, RTM_K_KEYS) ? f->n_keys : 0;
    rtmd_channel_t *ch = rtmd_channel_find(srv, f->channel.ptr, f->channel.len);
    if (!ch && with_values && n) { /* attributes create a channel record (without members) */
        ch = rtmd_channel_get_or_create(srv, f->channel.ptr, f->channel.len);
        if (!ch) {
            rtmd_conn_result(srv, c, f->id, RTM_ERR_NO_MEMORY, "the server is out of memory");
            return;
        }
    }
    if (ch) {
        rtmd_attr_list_t *a = &ch->attrs;
        switch (f->type) {
        case RTM_FRAME_SET_CHANNEL_ATTRS:
        case RTM_FRAME_ADD_CHANNEL_ATTRS:
            err = rtmd_attr_list_write(a, f, f->type == RTM_FRAME_SET_CHANNEL_ATTRS,
                                       &rtmd_channel_attr_limits, c->user, c->user_len,
                                       rtm_now_wall_ms(), &why);
            break;
        case RTM_FRAME_DEL_CHANNEL_ATTRS:
            rtmd_attr_list_delete(a, f->keys, n);
            break;
        default: /* CLEAR */
            rtmd_attr_list_free(a);
            break;
        }
        if (rtmd_channel_drop_if_unused(srv, ch))
            ch = NULL;
    }
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: %s on channel %.*s: %s (%u entries)",
            (unsigned long long)c->id, c->user, rtm_frame_type_name(f->type), (int)f->channel.len,
            f->channel.ptr, err == RTM_OK ? "ok" : why, ch ? (unsigned)ch->attrs.n : 0u);
    rtmd_conn_result(srv, c, f->id, err, err == RTM_OK ? NULL : why);
    if (err == RTM_OK && ch && (flags & RTM_ATTR_NOTIFY_MEMBERS))
        notify_members(srv, ch, c);
}

void rtmd_channel_attrs_get(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    const char *why = NULL;
    rtm_err_t err;
    if (!rtm_frame_has(f, RTM_K_CHANNEL) || !rtm_id_valid(f->channel.ptr, f->channel.len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_CHANNEL_ID, "the channel id is not valid");
        return;
    }
    if ((err = rtmd_attr_list_check(f, false, &rtmd_channel_attr_limits, &why)) != RTM_OK) {
        rtmd_conn_result(srv, c, f->id, err, why);
        return;
    }
    static const rtmd_attr_list_t none;
    const rtmd_channel_t *ch = rtmd_channel_find(srv, f->channel.ptr, f->channel.len);
    const rtmd_attr_list_t *a = ch ? &ch->attrs : &none;
    uint32_t idx[RTM_ATTR_MAX_COUNT];
    size_t n = rtmd_attr_list_select(a, f->keys, rtm_frame_has(f, RTM_K_KEYS) ? f->n_keys : 0, idx);
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
    rtmd_attr_list_set_fields(&r, a, idx, n, true);
    rtmd_conn_send(srv, c, &r);
}
