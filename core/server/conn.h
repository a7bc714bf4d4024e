/* One rtm.1 connection: its state, its reassembly buffer, its send queue, and the helpers that
 * queue frames to it and close it. Nothing here frees a connection: lws owns the memory and
 * server.c releases what it holds on LWS_CALLBACK_CLOSED. */
#ifndef RTMD_CONN_H
#define RTMD_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "attr_list.h"
#include "buf.h"
#include "codec.h"
#include "invitation.h"
#include "outq.h"
#include "rate_limit.h"
#include "rtm/rtm.h"
#include "rules.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_pending rtmd_pending_t;
typedef struct rtmd_member rtmd_member_t;
typedef struct rtmd_sub rtmd_sub_t;

typedef enum rtmd_conn_state {
    RTMD_CONN_NONE = 0, /* lws zeroes the memory; ESTABLISHED never ran */
    RTMD_CONN_OPEN,
    RTMD_CONN_CLOSING, /* no new frames are queued or served; closes once flushed */
} rtmd_conn_state_t;

typedef struct rtmd_conn {
    struct lws *wsi;
    uint64_t id; /* for logs; never reused */
    uint8_t state;
    bool logged_in;
    bool rx_in_msg; /* a WebSocket message is partly received */
    bool rx_text;   /* ... and it is a text message (refused) */
    uint8_t user_len;
    uint8_t n_channels; /* channels joined (at most RTM_CHANNELS_JOINED_MAX) */
    bool offline_more;  /* stored messages wait for this session's next batch (offline.c) */
    uint16_t close_status;
    uint16_t n_subs;           /* presence subscriptions (at most RTM_SUBSCRIBE_PEERS_MAX) */
    uint16_t offline_inflight; /* stored messages pushed here and not acknowledged yet */
    const char *close_reason;  /* static string */
    uint32_t rx_total;         /* bytes of the current message so far */
    uint32_t token_expire_ts;  /* 0: no token */
    uint32_t token_slot;       /* 1 + position in the token timer heap; 0: none (token_expiry.c) */
    bool token_warned;         /* TOKEN_WILL_EXPIRE went for the current token */
    char user[RTM_ID_MAX_BYTES + 1];
    rtm_buf_t rx; /* reassembly of a fragmented message; empty between messages */
    rtmd_outq_t out;
    rtmd_pending_t *awaiting_ack;    /* PEER_MESSAGEs pushed here, not acknowledged yet */
    rtmd_pending_t *sent;            /* this connection's SEND_PEERs waiting for their ack */
    rtmd_member_t *memberships;      /* the channels joined (channel.c) */
    rtmd_sub_t *subs, *subs_tail;    /* presence subscriptions, oldest first (presence.c) */
    rtmd_attr_list_t attrs;          /* the session's user attributes (user_attrs.c) */
    rtmd_invite_list_t invites_sent; /* invitations this session sent (invitation.c) */
    rtmd_invite_list_t invites_recv; /* ... and those delivered to it */
    rtmd_rate_conn_t rate;           /* request rate windows (rate_limit.c) */
} rtmd_conn_t;

/* Queues a new reference to m. False when c is closing, or when the queue passed
 * RTMD_MAX_QUEUED_BYTES (c is then dropped) or memory ran out. */
bool rtmd_conn_send_msg(rtmd_server_t *srv, rtmd_conn_t *c, rtmd_msg_t *m);
/* Encodes f and queues it; false as above. */
bool rtmd_conn_send(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
/* RESULT for request id with err (and errmsg when not NULL). */
void rtmd_conn_result(rtmd_server_t *srv, rtmd_conn_t *c, uint64_t id, rtm_err_t err,
                      const char *errmsg);
/* ERROR echoing id (0 when unknown). */
void rtmd_conn_error(rtmd_server_t *srv, rtmd_conn_t *c, uint64_t id, rtm_err_t err,
                     const char *errmsg);

/* Stops serving c: what is queued is still written, then a WebSocket close with status and
 * reason (a static string) is sent. Cut after RTMD_CLOSE_FLUSH_S if the peer does not read. */
void rtmd_conn_close_after_flush(rtmd_server_t *srv, rtmd_conn_t *c, uint16_t status,
                                 const char *reason);
/* Drops c at once, discarding its queue (slow consumer, out of memory). */
void rtmd_conn_abort(rtmd_server_t *srv, rtmd_conn_t *c, const char *why);

/* LWS_CALLBACK_SERVER_WRITEABLE: packs queued frames into one write. -1: close now. */
int rtmd_conn_on_writeable(rtmd_server_t *srv, rtmd_conn_t *c);
/* LWS_CALLBACK_TIMER: sends the close that rtmd_conn_on_writeable scheduled. -1: close. */
int rtmd_conn_on_timer(rtmd_conn_t *c);
/* Frees the buffers c holds (on close). */
void rtmd_conn_release(rtmd_conn_t *c);

/* "alice" for logs: the user id once logged in, else "-". */
static inline const char *rtmd_conn_user(const rtmd_conn_t *c)
{
    return c->user_len ? c->user : "-";
}

#endif
