/* Call invitations (see invitation.h). Application calls run here under rtm_inv_lock; the
 * I/O thread's handlers run with rtm_inv_lock and the client's lock held. */
#include "invitation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "io_thread.h"
#include "rules.h"

pthread_mutex_t rtm_inv_lock = PTHREAD_MUTEX_INITIALIZER;

/* Routing key of a remote invitation: the caller's id and its iid. */
static size_t remote_key(char *out, size_t cap, const char *caller, size_t len, uint64_t iid)
{
    int n = snprintf(out, cap, "%.*s\x1f%llu", (int)len, caller, (unsigned long long)iid);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void destroy(rtm_invitation_t *inv)
{
    if (inv->client) { /* leave the client's list */
        if (inv->prev)
            inv->prev->next = inv->next;
        else
            inv->client->invitations = inv->next;
        if (inv->next)
            inv->next->prev = inv->prev;
    }
    for (size_t i = 0; i < inv->n_retired; i++)
        free(inv->retired[i]);
    free(inv->retired);
    free(inv->caller_id);
    free(inv->callee_id);
    free(inv->content);
    free(inv->response);
    free(inv->channel_id);
    free(inv);
}

static void unref_locked(rtm_invitation_t *inv)
{
    if (inv && --inv->refs == 0)
        destroy(inv);
}

static rtm_invitation_t *new_invitation(rtm_client_t *c, rtm_invitation_kind_t kind)
{
    rtm_invitation_t *inv = calloc(1, sizeof(*inv));
    if (!inv)
        return NULL;
    inv->refs = 1;
    inv->client = c;
    inv->id = ++c->next_inv_id;
    inv->kind = kind;
    inv->next = c->invitations;
    if (inv->next)
        inv->next->prev = inv;
    c->invitations = inv;
    return inv;
}

rtm_invitation_t *invitation_create_local(rtm_client_t *c, const char *callee, rtm_err_t *err)
{
    pthread_mutex_lock(&rtm_inv_lock);
    rtm_invitation_t *inv = new_invitation(c, RTM_INVITATION_KIND_LOCAL);
    if (inv && !(inv->callee_id = strdup(callee))) {
        destroy(inv);
        inv = NULL;
    }
    if (inv) {
        inv->wire_iid = inv->id;
        inv->state = RTM_LOCAL_INVITATION_STATE_IDLE;
    }
    pthread_mutex_unlock(&rtm_inv_lock);
    *err = inv ? RTM_OK : RTM_ERR_NO_MEMORY;
    return inv;
}

rtm_invitation_t *invitation_ref(rtm_invitation_t *inv)
{
    pthread_mutex_lock(&rtm_inv_lock);
    inv->refs++;
    pthread_mutex_unlock(&rtm_inv_lock);
    return inv;
}

void invitation_unref(rtm_invitation_t *inv)
{
    pthread_mutex_lock(&rtm_inv_lock);
    unref_locked(inv);
    pthread_mutex_unlock(&rtm_inv_lock);
}

int invitation_state(rtm_invitation_t *inv)
{
    pthread_mutex_lock(&rtm_inv_lock);
    int st = inv->state;
    pthread_mutex_unlock(&rtm_inv_lock);
    return st;
}

static bool terminal(const rtm_invitation_t *inv)
{
    if (inv->kind == RTM_INVITATION_KIND_LOCAL)
        return inv->state >= RTM_LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE;
    return inv->state >= RTM_REMOTE_INVITATION_STATE_REFUSED &&
           inv->state != RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL;
}

void invitation_report(rtm_invitation_t *inv, const char *sentence)
{
    pthread_mutex_lock(&rtm_inv_lock);
    if (inv->client)
        client_set_error(inv->client, "%s", sentence);
    pthread_mutex_unlock(&rtm_inv_lock);
}

rtm_err_t invitation_set(rtm_invitation_t *inv, int field, const char *value)
{
    rtm_err_t err = RTM_OK;
    pthread_mutex_lock(&rtm_inv_lock);
    rtm_client_t *c = inv->client;
    bool local = inv->kind == RTM_INVITATION_KIND_LOCAL;
    char **slot = field == 0 ? &inv->content : field == 1 ? &inv->channel_id : &inv->response;
    char **grown = NULL;
    if (!c) {
        err = RTM_ERR_CLOSED;
    } else if (field < 2 && (!local || inv->state != RTM_LOCAL_INVITATION_STATE_IDLE)) {
        client_set_error(c, local ? "content and channel id are fixed once the invitation is sent"
                                  : "content and channel id belong to the caller's invitation");
        err = RTM_ERR_INVALID_STATE;
    } else if (field == 2 &&
               (local || inv->state != RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED)) {
        client_set_error(c, local ? "a response belongs to a received (remote) invitation"
                                  : "the response is fixed once the invitation is answered");
        err = RTM_ERR_INVALID_STATE;
    } else {
        char *copy = strdup(value);
        grown = realloc(inv->retired, (inv->n_retired + 1) * sizeof(*grown));
        if (!copy || !grown) {
            free(copy);
            err = RTM_ERR_NO_MEMORY;
        } else {
            inv->retired = grown;
            if (*slot) /* the old string stays valid for borrowers until the end */
                inv->retired[inv->n_retired++] = *slot;
            *slot = copy;
        }
    }
    pthread_mutex_unlock(&rtm_inv_lock);
    return err;
}

/* Which state an operation is allowed in, and what it moves to at once. */
static rtm_err_t check_op(rtm_client_t *c, rtm_invitation_t *inv, rtm_inv_op_t op)
{
    bool local = inv->kind == RTM_INVITATION_KIND_LOCAL;
    const char *why = NULL;
    switch (op) {
    case RTM_INV_OP_SEND:
        if (!local)
            why = "a received (remote) invitation cannot be sent";
        else if (inv->state != RTM_LOCAL_INVITATION_STATE_IDLE)
            why = "the invitation was already sent";
        break;
    case RTM_INV_OP_CANCEL:
        if (!local)
            why = "a received (remote) invitation cannot be cancelled: refuse it";
        else if (inv->state == RTM_LOCAL_INVITATION_STATE_IDLE)
            why = "the invitation has not been sent";
        else if (inv->state != RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE &&
                 inv->state != RTM_LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE)
            why = "the invitation has already ended";
        break;
    case RTM_INV_OP_ACCEPT:
    case RTM_INV_OP_REFUSE:
        if (local)
            why = "only a received (remote) invitation can be answered";
        else if (inv->state != RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED)
            why = "the invitation was already answered or has ended";
        break;
    }
    if (why) {
        client_set_error(c, "%s", why);
        return RTM_ERR_INVALID_STATE;
    }
    return RTM_OK;
}

rtm_err_t invitation_call(rtm_invitation_t *inv, rtm_inv_op_t op, uint64_t *req)
{
    static const uint32_t frame_types[] = {0, RTM_FRAME_INVITE, RTM_FRAME_INVITE_CANCEL,
                                           RTM_FRAME_INVITE_ACCEPT, RTM_FRAME_INVITE_REFUSE};
    bool kick = false;
    pthread_mutex_lock(&rtm_inv_lock);
    rtm_client_t *c = inv->client;
    rtm_err_t err = c ? check_op(c, inv, op) : RTM_ERR_CLOSED;
    if (err) {
        pthread_mutex_unlock(&rtm_inv_lock);
        return err;
    }
    pthread_mutex_lock(&c->lock);
    char *caller = op == RTM_INV_OP_SEND && c->user_id ? strdup(c->user_id) : NULL;
    bool local = inv->kind == RTM_INVITATION_KIND_LOCAL;
    rtm_frame_t f;
    rtm_frame_init(&f, frame_types[op], 0);
    rtm_frame_set_str(&f, RTM_K_USER, local ? inv->callee_id : inv->caller_id);
    rtm_frame_set_uint(&f, RTM_K_IID, inv->wire_iid);
    const char *text = op == RTM_INV_OP_SEND     ? inv->content
                       : op == RTM_INV_OP_CANCEL ? NULL
                                                 : inv->response;
    if (text)
        rtm_frame_set_str(&f, RTM_K_TEXT, text);
    if (op == RTM_INV_OP_SEND && inv->channel_id)
        rtm_frame_set_str(&f, RTM_K_CHANNEL, inv->channel_id);
    rtm_request_t *r = NULL;
    if (op == RTM_INV_OP_SEND && !c->inv_closed &&
        !rtm_hm_put_u64(&c->inv_local, inv->wire_iid, inv))
        err = RTM_ERR_NO_MEMORY;
    if (!err)
        err = client_submit_locked(c, &f, RTM_EVENT_INVITATION_RESULT, NULL, &r, &kick);
    if (err) {
        if (op == RTM_INV_OP_SEND)
            rtm_hm_del_u64(&c->inv_local, inv->wire_iid);
        free(caller);
    } else {
        r->inv = inv; /* the request's reference becomes its result event's */
        r->inv_op = op;
        inv->refs++;
        if (req)
            *req = r->id;
        /* the application's own call moves the state at once */
        switch (op) {
        case RTM_INV_OP_SEND:
            inv->routed = true;
            inv->refs++;
            free(inv->caller_id);
            inv->caller_id = caller;
            inv->state = RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE;
            break;
        case RTM_INV_OP_CANCEL:
            inv->state = RTM_LOCAL_INVITATION_STATE_CANCELED;
            break;
        case RTM_INV_OP_ACCEPT:
            inv->state = RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL;
            break;
        case RTM_INV_OP_REFUSE:
            inv->state = RTM_REMOTE_INVITATION_STATE_REFUSED;
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (kick)
        io_kick(c);
    pthread_mutex_unlock(&rtm_inv_lock);
    return err;
}

/* Takes inv out of the client's routing (it has ended for this client). */
static void unroute(rtm_client_t *c, rtm_invitation_t *inv)
{
    if (!inv->routed)
        return;
    inv->routed = false;
    if (inv->kind == RTM_INVITATION_KIND_LOCAL) {
        rtm_hm_del_u64(&c->inv_local, inv->wire_iid);
    } else {
        char key[128];
        size_t n =
            remote_key(key, sizeof(key), inv->caller_id, strlen(inv->caller_id), inv->wire_iid);
        rtm_hm_del(&c->inv_remote, key, n);
    }
    unref_locked(inv);
}

static void push_inv_event(rtm_client_t *c, rtm_event_type_t type, rtm_invitation_t *inv,
                           rtm_err_t err)
{
    rtm_event_t *e = rtm_event_new(type);
    if (!e) {
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: an invitation event was lost");
        return;
    }
    e->err = err;
    e->invitation = inv;
    inv->refs++;
    client_push_event_locked(c, e); /* in order with the client's other events */
}

void invitation_after_result(rtm_client_t *c, rtm_invitation_t *inv, rtm_inv_op_t op, rtm_err_t err,
                             bool unsent)
{
    if (err) {
        /* A send that timed out on the wire may still reach the callee: it stays routed and
           its outcome arrives as usual. Otherwise the call did not happen: */
        if (op == RTM_INV_OP_SEND && (err != RTM_ERR_TIMEOUT || unsent)) {
            inv->state = RTM_LOCAL_INVITATION_STATE_FAILURE;
            unroute(c, inv);
        } else if (op == RTM_INV_OP_ACCEPT && err != RTM_ERR_TIMEOUT) {
            inv->state = RTM_REMOTE_INVITATION_STATE_FAILURE;
            unroute(c, inv);
        } else if (op == RTM_INV_OP_CANCEL || op == RTM_INV_OP_REFUSE) {
            unroute(c, inv); /* already ended here by the call itself */
        }
        return;
    }
    switch (op) {
    case RTM_INV_OP_SEND:
        break;
    case RTM_INV_OP_CANCEL:
        push_inv_event(c, RTM_EVENT_LOCAL_INVITATION_CANCELED, inv, RTM_OK);
        unroute(c, inv);
        break;
    case RTM_INV_OP_ACCEPT:
        inv->state = RTM_REMOTE_INVITATION_STATE_ACCEPTED;
        push_inv_event(c, RTM_EVENT_REMOTE_INVITATION_ACCEPTED, inv, RTM_OK);
        unroute(c, inv);
        break;
    case RTM_INV_OP_REFUSE:
        push_inv_event(c, RTM_EVENT_REMOTE_INVITATION_REFUSED, inv, RTM_OK);
        unroute(c, inv);
        break;
    }
}

static char *dup_bytes(rtm_bytes_t b)
{
    char *s = malloc(b.len + 1);
    if (s) {
        if (b.len)
            memcpy(s, b.ptr, b.len);
        s[b.len] = 0;
    }
    return s;
}

bool invitation_on_received(rtm_client_t *c, const rtm_frame_t *f)
{
    char key[128];
    size_t n = remote_key(key, sizeof(key), f->user.ptr, f->user.len, f->iid);
    if (c->inv_closed || !n)
        return false;
    if (rtm_hm_get(&c->inv_remote, key, n))
        return true; /* a duplicate delivery is acknowledged again, not reported twice */
    rtm_invitation_t *inv = new_invitation(c, RTM_INVITATION_KIND_REMOTE);
    char *stored = malloc(n); /* the routing key; it lives with the invitation */
    if (!inv || !stored || !(inv->retired = malloc(sizeof(*inv->retired))) ||
        !(inv->caller_id = dup_bytes(f->user)) ||
        !(inv->callee_id = strdup(c->user_id ? c->user_id : "")) ||
        (rtm_frame_has(f, RTM_K_TEXT) && !(inv->content = dup_bytes(f->text))) ||
        (rtm_frame_has(f, RTM_K_CHANNEL) && !(inv->channel_id = dup_bytes(f->channel))) ||
        !rtm_hm_put(&c->inv_remote, memcpy(stored, key, n), n, inv, NULL)) {
        free(stored);
        if (inv)
            destroy(inv);
        rtm_log(&c->log, RTM_LOG_ERROR, "out of memory: an invitation was not received");
        return false; /* not acknowledged: the caller is not told it arrived */
    }
    inv->retired[inv->n_retired++] = stored; /* freed with the invitation */
    inv->wire_iid = f->iid;
    inv->state = RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED;
    inv->routed = true; /* the reference from new_invitation is the routing one */
    push_inv_event(c, RTM_EVENT_REMOTE_INVITATION_RECEIVED, inv, RTM_OK);
    return true;
}

void invitation_on_update(rtm_client_t *c, const rtm_frame_t *f)
{
    rtm_invitation_t *inv = NULL;
    if (c->inv_closed)
        return;
    if (f->kind == RTM_INVITE_CANCELED || f->kind == RTM_INVITE_CALLEE_FAILED) {
        /* about an invitation we received: named by its caller and the caller's iid */
        char key[128];
        size_t n = remote_key(key, sizeof(key), f->user.ptr, f->user.len, f->iid);
        inv = n ? rtm_hm_get(&c->inv_remote, key, n) : NULL;
    } else {
        /* about one we sent: our own iid, and the callee must match */
        inv = rtm_hm_get_u64(&c->inv_local, f->iid);
        if (inv && (strlen(inv->callee_id) != f->user.len ||
                    memcmp(inv->callee_id, f->user.ptr, f->user.len) != 0))
            inv = NULL;
    }
    if (!inv || terminal(inv))
        return; /* ended here already (our own cancel or answer went first) */
    rtm_err_t err = f->err <= RTM_ERR_NOT_SUPPORTED ? (rtm_err_t)f->err : RTM_ERR_FAILURE;
    bool local = inv->kind == RTM_INVITATION_KIND_LOCAL;
    switch (f->kind) {
    case RTM_INVITE_RECEIVED_BY_PEER:
        if (local && inv->state == RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE) {
            inv->state = RTM_LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE;
            push_inv_event(c, RTM_EVENT_LOCAL_INVITATION_RECEIVED_BY_PEER, inv, RTM_OK);
        }
        return;
    case RTM_INVITE_ACCEPTED:
    case RTM_INVITE_REFUSED: {
        if (!local)
            return;
        bool accepted = f->kind == RTM_INVITE_ACCEPTED;
        if (rtm_frame_has(f, RTM_K_TEXT) && !inv->response)
            inv->response = dup_bytes(f->text);
        inv->state = accepted ? RTM_LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE
                              : RTM_LOCAL_INVITATION_STATE_REFUSED_BY_REMOTE;
        push_inv_event(
            c, accepted ? RTM_EVENT_LOCAL_INVITATION_ACCEPTED : RTM_EVENT_LOCAL_INVITATION_REFUSED,
            inv, RTM_OK);
        break;
    }
    case RTM_INVITE_CANCELED:
        inv->state = RTM_REMOTE_INVITATION_STATE_CANCELED;
        push_inv_event(c, RTM_EVENT_REMOTE_INVITATION_CANCELED, inv, RTM_OK);
        break;
    case RTM_INVITE_FAILED:
    case RTM_INVITE_CALLEE_FAILED:
        inv->state =
            local ? RTM_LOCAL_INVITATION_STATE_FAILURE : RTM_REMOTE_INVITATION_STATE_FAILURE;
        push_inv_event(
            c, local ? RTM_EVENT_LOCAL_INVITATION_FAILURE : RTM_EVENT_REMOTE_INVITATION_FAILURE,
            inv, err ? err : RTM_ERR_FAILURE);
        break;
    default:
        return;
    }
    unroute(c, inv);
}

void invitations_session_lost(rtm_client_t *c)
{
    for (rtm_invitation_t *inv = c->invitations; inv; inv = inv->next) {
        if (!inv->routed || terminal(inv))
            continue;
        bool local = inv->kind == RTM_INVITATION_KIND_LOCAL;
        inv->state =
            local ? RTM_LOCAL_INVITATION_STATE_FAILURE : RTM_REMOTE_INVITATION_STATE_FAILURE;
        push_inv_event(
            c, local ? RTM_EVENT_LOCAL_INVITATION_FAILURE : RTM_EVENT_REMOTE_INVITATION_FAILURE,
            inv, RTM_ERR_NOT_LOGGED_IN);
        unroute(c, inv);
    }
}

void invitations_orphan(rtm_client_t *c)
{
    pthread_mutex_lock(&rtm_inv_lock);
    for (rtm_invitation_t *inv = c->invitations; inv; inv = inv->next)
        inv->client = NULL; /* from now on every call on it returns RTM_ERR_CLOSED */
    c->invitations = NULL;
    c->inv_closed = true;
    pthread_mutex_unlock(&rtm_inv_lock);
}

static void drop_route(void *value, void *arg)
{
    rtm_invitation_t *inv = value;
    inv->routed = false;
    unref_locked(inv);
}

void invitations_release(rtm_client_t *c)
{
    pthread_mutex_lock(&rtm_inv_lock);
    rtm_hm_foreach(&c->inv_local, drop_route, NULL);
    rtm_hm_foreach(&c->inv_remote, drop_route, NULL);
    rtm_hm_destroy(&c->inv_local);
    rtm_hm_destroy(&c->inv_remote);
    pthread_mutex_unlock(&rtm_inv_lock);
}
