/* Call invitations: INVITE / INVITE_CANCEL / INVITE_ACCEPT / INVITE_REFUSE / INVITE_ACK, the
 * INVITE_RECEIVED and INVITE_UPDATE pushes, the three timers of each invitation, and the
 * cleanup when a caller's or callee's session ends. An invitation is found by (caller user id,
 * iid) in one table; it is also on its caller session's list and, once delivered, on its callee
 * session's list, or while its callee is offline on that user's held list. A session ending
 * costs O(its invitations), a login O(the invitations held for it). Loop thread only. */
#ifndef RTMD_INVITATION_H
#define RTMD_INVITATION_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "hashmap.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;
typedef struct rtmd_invite rtmd_invite_t;

/* A doubly linked list of invitations (insertion order). Which links a list uses is fixed:
 * the caller's list the s_ links, a callee's delivered or held list the r_ links. */
typedef struct rtmd_invite_list {
    rtmd_invite_t *head, *tail;
} rtmd_invite_list_t;

typedef struct rtmd_invites {
    rtm_hashmap_t by_key; /* iid (8 bytes) + caller user id, borrowed -> rtmd_invite_t */
    rtm_hashmap_t held;   /* callee user id (borrowed) -> rtmd_held_t, offline callees */
} rtmd_invites_t;

void rtmd_invites_init(rtmd_invites_t *v);
/* Cancels every invitation timer; call while the lws context is still alive. */
void rtmd_invites_stop(rtmd_invites_t *v);
/* Frees what is left and the tables (every session has ended by then). */
void rtmd_invites_destroy(rtmd_invites_t *v);

/* Frame handlers; c is logged in and open. INVITE_ACK gets no answer. */
void rtmd_invite_send(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_invite_cancel(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_invite_answer(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
void rtmd_invite_ack(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

/* c just logged in (its LOGIN RESULT and stored messages are queued): the invitations held for
 * its user are delivered to it, oldest first. */
void rtmd_invite_deliver_held(rtmd_server_t *srv, rtmd_conn_t *c);
/* c's session ended: the callees of its delivered invitations get FAILED PEER_OFFLINE, its
 * held ones are dropped silently, and the callers of the invitations delivered to it get FAILED
 * PEER_OFFLINE. Nothing is sent to c. */
void rtmd_invite_session_ended(rtmd_server_t *srv, rtmd_conn_t *c);

#endif
