/* One rtm.1 session and the connection it is attached to: the connection's state and
 * reassembly buffer, and the session's frame stream (docs/protocol.md, "Sessions and the frame
 * stream"): counted frames are numbered, kept after they are written until the client's rx
 * covers them, and written again after a resume. A rtmd_conn_t lives on the heap; lws's
 * per-connection memory (rtmd_wsi_t) points at it, so a session can leave its connection
 * (resume.c) and be re-attached to a new one. Loop thread only. */
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
    RTMD_CONN_NONE = 0,
    RTMD_CONN_OPEN,     /* attached to a live connection */
    RTMD_CONN_CLOSING,  /* no new frames are queued or served; closes once flushed (attached),
                           or ends at the next grace sweep (detached) */
    RTMD_CONN_DETACHED, /* its connection is gone; the session is held for a resume */
} rtmd_conn_state_t;

/* The session secret's size (LOGIN result `session`). */
#define RTMD_SECRET_BYTES 16

/* What few sessions use, allocated on first use (rtmd_conn_extra) and kept until the session
 * ends: an idle connection holds none of it. */
typedef struct rtmd_conn_extra {
    rtmd_sub_t *subs, *subs_tail;    /* presence subscriptions, oldest first (presence.c) */
    rtmd_attr_list_t attrs;          /* the session's user attributes (user_attrs.c) */
    rtmd_invite_list_t invites_sent; /* invitations this session sent (invitation.c) */
    rtmd_invite_list_t invites_recv; /* ... and those delivered to it */
    rtmd_rate_conn_t rate;           /* request rate windows (rate_limit.c) */
    uint16_t n_subs;                 /* presence subscriptions (at most RTM_SUBSCRIBE_PEERS_MAX) */
} rtmd_conn_extra_t;

/* Fields ordered by size, so that the struct has no holes (it is one per connection). */
typedef struct rtmd_conn {
    struct lws *wsi; /* NULL while detached */
    uint64_t id;     /* the connection's, for logs; never reused (a resume takes the new one) */
    const char *close_reason; /* static string */
    rtm_buf_t *rx;            /* reassembly of a fragmented message; NULL between messages */
    rtmd_conn_extra_t *extra; /* NULL until first needed */
    /* The frame stream. out holds, in order, the counted frames written and not acknowledged
     * yet, then every frame not written yet (uncounted ones too: an uncounted frame written
     * behind an unacknowledged one waits there until the acknowledgement passes it). */
    rtmd_outq_t out;
    uint64_t tx_seq;   /* counted frames queued in this session */
    uint64_t tx_acked; /* ... of which the client has acknowledged this many */
    uint64_t rx_seq;   /* counted client frames processed in this session */
    /* monotonic: when the connection last received anything (attached), or when the session
     * lost its connection (detached) */
    int64_t last_rx_ms;
    int64_t detached_ms;
    struct rtmd_conn *live_next, *live_prev; /* liveness list, or the held list when detached */
    rtmd_pending_t *awaiting_ack;            /* PEER_MESSAGEs pushed here, not acknowledged yet */
    rtmd_pending_t *sent;       /* this connection's SEND_PEERs waiting for their ack */
    rtmd_member_t *memberships; /* the channels joined (channel.c) */
    uint32_t out_sent;          /* entries of out already written to the current connection */
    uint32_t rx_unacked;        /* counted frames received since the last SERVER_ACK or PONG */
    uint32_t rx_total;          /* bytes of the current message so far */
    uint32_t token_expire_ts;   /* 0: no token */
    uint32_t token_slot;        /* 1 + position in the token timer heap; 0: none (token_expiry.c) */
    uint32_t flush_slot;        /* 1 + position in the server's flush list; 0: not in it */
    uint16_t close_status;
    uint16_t offline_inflight;         /* stored messages pushed here and not acknowledged yet */
    uint8_t secret[RTMD_SECRET_BYTES]; /* the resume secret (LOGIN result `session`) */
    uint8_t state;
    bool logged_in;
    bool rx_in_msg;  /* a WebSocket message is partly received */
    bool rx_text;    /* ... and it is a text message (refused) */
    bool in_live;    /* in the server's liveness list (heartbeat.c) */
    bool in_closing; /* in the server's list of connections closing after a flush (heartbeat.c) */
    uint8_t user_len;
    uint8_t n_channels;  /* channels joined (at most RTM_CHANNELS_JOINED_MAX) */
    bool offline_more;   /* stored messages wait for this session's next batch (offline.c) */
    bool token_warned;   /* TOKEN_WILL_EXPIRE went for the current token */
    bool want_writeable; /* WRITEABLE requested from lws: no direct writes until then */
    char user[RTM_ID_MAX_BYTES + 1];
} rtmd_conn_t;

/* What lws's per-connection memory holds. */
typedef struct rtmd_wsi {
    rtmd_conn_t *conn; /* NULL before ESTABLISHED and once its session moved elsewhere */
    struct ws_rx *rx;  /* rtmd's parser of it, while it holds a cut frame (reader.c) */
    bool established;  /* counted in the server's connections */
    bool own_rx;       /* rtmd reads it, not lws (reader.c) */
    bool close_asked;  /* reader.c asked lws to close it: LWS_CALLBACK_TIMER returns -1 */
    bool close_sent;   /* rtmd wrote its CLOSE itself and waits for the client's (reader.c) */
} rtmd_wsi_t;

/* A new connection object (not logged in, not attached); NULL when out of memory. */
rtmd_conn_t *rtmd_conn_new(void);
/* Frees c and what it holds (and takes it off the flush list); nothing else may point at it
 * any more. */
void rtmd_conn_free(rtmd_server_t *srv, rtmd_conn_t *c);
/* c's rarely used parts, allocated (zeroed) on first use; NULL when out of memory. */
rtmd_conn_extra_t *rtmd_conn_extra(rtmd_conn_t *c);
/* Appends to c's reassembly buffer (allocated on first use); false when out of memory. */
bool rtmd_conn_rx_append(rtmd_conn_t *c, const uint8_t *in, size_t len);
/* Frees c's reassembly buffer: idle connections hold none. */
void rtmd_conn_rx_free(rtmd_conn_t *c);
/* Points wsi's per-connection memory at c (NULL: at nothing). */
void rtmd_conn_bind(struct lws *wsi, rtmd_conn_t *c);

/* Queues a new reference to m: counted when c is logged in. Queued while c is detached too
 * (for its resume). False when c is closing, or when what c keeps passed
 * RTMD_MAX_QUEUED_BYTES (c is then dropped, its session ends) or memory ran out. Never frees
 * or closes anything synchronously. */
bool rtmd_conn_send_msg(rtmd_server_t *srv, rtmd_conn_t *c, rtmd_msg_t *m);
/* Encodes f and queues it; false as above. */
bool rtmd_conn_send(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
/* Encodes f and queues it uncounted (LOGIN result, PONG, SERVER_ACK, GOAWAY, SESSION_END);
 * not queued while detached (false). */
bool rtmd_conn_send_uncounted(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
/* The client has received rx counted frames: those are forgotten (rx beyond what was written
 * counts as what was written; an older rx changes nothing). */
void rtmd_conn_acked(rtmd_conn_t *c, uint64_t rx);
/* Prepares c's queue for a resume on a new connection whose client has received rx counted
 * frames (tx_acked <= rx <= tx_seq): forgets what rx covers and every uncounted frame, then
 * puts first the unwritten frames of from (the new connection's queue before its login: all
 * uncounted) and login_result (one reference taken over; uncounted); everything else is written
 * again from the start. Returns how many counted frames will be written again; false in *ok
 * when out of memory (c is unusable then). */
uint64_t rtmd_conn_rewind(rtmd_conn_t *c, uint64_t rx, rtmd_outq_t *from, rtmd_msg_t *login_result,
                          bool *ok);
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
/* c's connection ends now (lws closes it on its next pass, without a WebSocket CLOSE) and
 * nothing more is written to it; the queue stays for a resume. */
void rtmd_conn_cut(rtmd_conn_t *c);
/* Drops c at once, discarding its queue (slow consumer, out of memory); its session ends
 * without a grace period (a detached one at the next grace sweep). */
void rtmd_conn_abort(rtmd_server_t *srv, rtmd_conn_t *c, const char *why);

/* Writing. Queuing a frame only puts c on the server's flush list (rtmd_conn_wake); the list
 * is written by rtmd_conn_flush_all from a timer that is due at once, which libuv runs at the
 * start of the next loop iteration, before it waits for I/O again: every connection's frames of
 * one iteration go out packed, written directly while lws holds nothing of it buffered, and
 * lws is asked for WRITEABLE only when the kernel did not take everything. No POLLOUT round
 * trip (epoll_ctl) per send. */
void rtmd_conn_wake(rtmd_server_t *srv, rtmd_conn_t *c);
void rtmd_conn_flush_all(rtmd_server_t *srv);
/* Frees the flush list (at exit). */
void rtmd_conn_flush_cleanup(rtmd_server_t *srv);

/* LWS_CALLBACK_SERVER_WRITEABLE: writes what is queued, packed. -1: close now. */
int rtmd_conn_on_writeable(rtmd_server_t *srv, rtmd_conn_t *c);
/* LWS_CALLBACK_TIMER: sends the close that rtmd_conn_on_writeable scheduled. -1: close. */
int rtmd_conn_on_timer(rtmd_conn_t *c);

/* c's presence subscriptions. */
static inline unsigned rtmd_conn_n_subs(const rtmd_conn_t *c)
{
    return c->extra ? c->extra->n_subs : 0;
}

/* "alice" for logs: the user id once logged in, else "-". */
static inline const char *rtmd_conn_user(const rtmd_conn_t *c)
{
    return c->user_len ? c->user : "-";
}

#endif
