/* User attributes (see user_attrs.h): the handlers over the session's attribute list. Entries
 * record no updater or time: only the owner writes them, and GET_USER_ATTRS returns keys and
 * values only. */
#include "user_attrs.h"

#include "attr_list.h"
#include "conn.h"
#include "rules.h"
#include "server.h"
#include "session.h"

void rtmd_user_attrs_write(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    const char *why = NULL;
    rtm_err_t err = RTM_OK;
    bool with_values = f->type == RTM_FRAME_SET_USER_ATTRS || f->type == RTM_FRAME_ADD_USER_ATTRS;
    if (f->type != RTM_FRAME_CLEAR_USER_ATTRS)
        err = rtmd_attr_list_check(f, with_values, &rtmd_user_attr_limits, &why);
    rtmd_conn_extra_t *x = NULL;
    if (err == RTM_OK && !(x = rtmd_conn_extra(c))) {
        err = RTM_ERR_NO_MEMORY;
        why = "the server is out of memory";
    }
    if (err == RTM_OK) {
        switch (f->type) {
        case RTM_FRAME_SET_USER_ATTRS:
        case RTM_FRAME_ADD_USER_ATTRS:
            err = rtmd_attr_list_write(&x->attrs, f, f->type == RTM_FRAME_SET_USER_ATTRS,
                                       &rtmd_user_attr_limits, NULL, 0, 0, &why);
            break;
        case RTM_FRAME_DEL_USER_ATTRS:
            rtmd_attr_list_delete(&x->attrs, f->keys, f->n_keys);
            break;
        default: /* CLEAR */
            rtmd_attr_list_free(&x->attrs);
            break;
        }
    }
    rtm_log(&srv->log, RTM_LOG_DEBUG, "conn %llu user %s: %s: %s (%u entries)",
            (unsigned long long)c->id, c->user, rtm_frame_type_name(f->type),
            err == RTM_OK ? "ok" : why, x ? (unsigned)x->attrs.n : 0u);
    rtmd_conn_result(srv, c, f->id, err, err == RTM_OK ? NULL : why);
}

void rtmd_user_attrs_get(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f)
{
    const char *why = NULL;
    rtm_err_t err;
    if (!rtm_id_valid(f->user.ptr, f->user.len)) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_INVALID_USER_ID, "the user id is not valid");
        return;
    }
    if ((err = rtmd_attr_list_check(f, false, &rtmd_user_attr_limits, &why)) != RTM_OK) {
        rtmd_conn_result(srv, c, f->id, err, why);
        return;
    }
    const rtmd_conn_t *owner = rtmd_session_find(srv, f->user.ptr, f->user.len);
    if (!owner) {
        rtmd_conn_result(srv, c, f->id, RTM_ERR_USER_NOT_FOUND, "the user is not online");
        return;
    }
    static const rtmd_attr_list_t none; /* a session that never set any */
    const rtmd_attr_list_t *attrs = owner->extra ? &owner->extra->attrs : &none;
    uint32_t idx[RTM_ATTR_MAX_COUNT];
    size_t n =
        rtmd_attr_list_select(attrs, f->keys, rtm_frame_has(f, RTM_K_KEYS) ? f->n_keys : 0, idx);
    rtm_frame_t r;
    rtm_frame_init(&r, RTM_FRAME_RESULT, f->id);
    rtm_frame_set_uint(&r, RTM_K_ERR, RTM_OK);
    rtm_frame_set_bytes(&r, RTM_K_USER, owner->user, owner->user_len);
    rtmd_attr_list_set_fields(&r, attrs, idx, n, false);
    rtmd_conn_send(srv, c, &r);
}

void rtmd_user_attrs_session_ended(rtmd_conn_t *c)
{
    if (c->extra)
        rtmd_attr_list_free(&c->extra->attrs);
}
