/* Call invitations (rtm_invitation_t): local ones the application creates and sends, remote
 * ones the server delivers, their state machines and the frames that drive them.
 * Everything here is guarded by one process-wide lock, rtm_inv_lock, taken BEFORE any client
 * lock: application calls take it first, and the I/O thread takes it around its frame and
 * timer work (client_io_message, client_io_tick). An invitation may outlive its client. */
#ifndef RTM_CLIENT_INVITATION_H
#define RTM_CLIENT_INVITATION_H

#include <pthread.h>

#include "client.h"

extern pthread_mutex_t rtm_inv_lock;

typedef enum rtm_inv_op {
    RTM_INV_OP_SEND = 1,
    RTM_INV_OP_CANCEL,
    RTM_INV_OP_ACCEPT,
    RTM_INV_OP_REFUSE
} rtm_inv_op_t;

struct rtm_invitation {
    int refs;
    rtm_client_t *client; /* NULL once the client is gone */
    uint64_t id;          /* this client's id for it */
    uint64_t wire_iid;    /* the caller's iid: == id for a local invitation */
    rtm_invitation_kind_t kind;
    int state;
    bool routed; /* in the client's routing map (holds a reference) */
    char *caller_id, *callee_id, *content, *response, *channel_id;
    char **retired; /* replaced strings, kept until the end: borrowed pointers stay valid */
    size_t n_retired;
    struct rtm_invitation *prev, *next; /* the client's list of all its invitations */
};

/* ---- application side (each takes rtm_inv_lock) ---- */
rtm_invitation_t *invitation_create_local(rtm_client_t *c, const char *callee, rtm_err_t *err);
void invitation_unref(rtm_invitation_t *inv);
rtm_invitation_t *invitation_ref(rtm_invitation_t *inv);
int invitation_state(rtm_invitation_t *inv);
rtm_err_t invitation_set(rtm_invitation_t *inv, int field /* 0 content, 1 channel, 2 response */,
                         const char *value);
rtm_err_t invitation_call(rtm_invitation_t *inv, rtm_inv_op_t op, uint64_t *req);
/* Records sentence as the last error of inv's client (when it still has one). */
void invitation_report(rtm_invitation_t *inv, const char *sentence);
/* client_destroy, before the I/O thread lets go: every invitation turns into a closed one. */
void invitations_orphan(rtm_client_t *c);
/* client_destroy, after: drops the routing references. */
void invitations_release(rtm_client_t *c);

/* ---- I/O thread side (rtm_inv_lock and the client's lock held) ---- */
/* True when the invitation is (now or already) known here: then it is acknowledged. */
bool invitation_on_received(rtm_client_t *c, const rtm_frame_t *f);
void invitation_on_update(rtm_client_t *c, const rtm_frame_t *f);
/* The request of op on inv ended with err (unsent: it never reached the wire): the state
 * change and event that follow its INVITATION_RESULT. */
void invitation_after_result(rtm_client_t *c, rtm_invitation_t *inv, rtm_inv_op_t op, rtm_err_t err,
                             bool unsent);
/* Our session ended on the server (a new one replaced it, or it was aborted): every invitation
 * still in progress fails with RTM_ERR_NOT_LOGGED_IN, as the server has forgotten it. */
void invitations_session_lost(rtm_client_t *c);

#endif
