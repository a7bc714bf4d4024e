/* The client: connection state machine, pending requests, outbound frames and the event
 * queue. API-side functions run on application threads; the client_io_* functions run only
 * on the I/O thread. Everything mutable is guarded by `lock`, except the fields marked
 * "I/O thread", which only the I/O thread touches. */
#ifndef RTM_CLIENT_CLIENT_H
#define RTM_CLIENT_CLIENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "codec.h"
#include "config.h"
#include "event_queue.h"
#include "hashmap.h"
#include "log.h"
#include "rules.h"
#include "send_queue.h"

struct rtm_conn;

#define RTM_REQUEST_FRAME_INLINE 160 /* bytes of a request's frame kept inside its record */

/* One request waiting for its result. */
typedef struct rtm_request {
    uint64_t id;
    rtm_event_type_t result_type; /* the event that completes it */
    int64_t deadline_ms;          /* monotonic */
    char *token;                  /* RENEW_TOKEN: the token, adopted once the server accepts it */
    char *channel;                /* channel requests: the channel id (NUL-terminated) */
    char *user;                   /* requests about a user: its id, for the result event */
    bool silent;                  /* the library's own request (a rejoin): no result event */
    bool via_handle;              /* made through a channel handle: ends when it is freed */
    struct rtm_invitation *inv;   /* invitation requests: its reference, handed to the result */
    int inv_op;                   /* rtm_inv_op_t */
    bool unsent;                  /* it timed out before its frame was written */
    bool restore;                 /* sent to restore a new session (rejoin, resubscribe) */
    uint8_t *frame;               /* its encoded frame, sent again in a new session */
    size_t frame_len;
    char *list;    /* SUBSCRIBE/UNSUBSCRIBE: the ids; user attribute writes: keys (and values),
                      each NUL-terminated; applied to the client's own copy on success */
    size_t list_n; /* entries in list (key-value pairs count as one) */
    uint32_t frame_type;
    struct rtm_request *prev, *next;
    /* frame points here when the encoded frame fits (a message of up to about 90 bytes):
       no allocation per request. Last: a recycled record is cleared up to here only. */
    uint8_t frame_small[RTM_REQUEST_FRAME_INLINE];
} rtm_request_t;

/* The client's view of one channel it has a handle for. Guarded by the client's lock. */
typedef enum rtm_chan_state {
    RTM_CHAN_IDLE,
    RTM_CHAN_JOINING,
    RTM_CHAN_JOINED,
    RTM_CHAN_LEAVING
} rtm_chan_state_t;

typedef struct rtm_chan_rec {
    char *id;
    size_t id_len;
    rtm_chan_state_t state;
    uint64_t last_mid; /* the newest channel message received, in the session's epoch */
} rtm_chan_rec_t;

#define RTM_SEEN_MAX 1024 /* messages remembered for de-duplication */

struct rtm_channel;

struct rtm_client {
    pthread_mutex_t lock;
    struct rtm_config cfg;
    rtm_url_t *urls; /* n_urls of them: most clients have one (a client is per connection,
                        and processes with thousands of them count every kilobyte) */
    int n_urls;
    char *app_id;
    rtm_logger_t log;
    FILE *log_fp;

    rtm_event_queue_t events;
    /* while the I/O thread handles one network message, the events it makes (every pusher
       holds the lock) are collected here and queued together at its end */
    bool batching;
    rtm_event_t *batch_head, *batch_tail;
    size_t batch_len;

    /* session */
    rtm_connection_state_t state;
    char *user_id;
    char *token;
    bool logging_out;    /* LOGOUT sent, waiting for its result */
    uint64_t logout_req; /* its request id */
    uint64_t login_req;  /* the pending login request id, 0 when none */
    bool login_sent;     /* LOGIN frame written on the current connection */
    bool session_live;   /* the server accepted LOGIN on the current connection */
    bool goaway;         /* the server is going down: reconnect at once when it closes */
    int url_index;       /* the URL of the current or next connection attempt */
    int urls_tried;      /* attempts of the current login round */
    int reconnect_attempt;
    int64_t reconnect_at_ms;  /* next attempt while RECONNECTING */
    int64_t attempt_start_ms; /* start of the current connection attempt */

    /* the server's session and its frame stream (docs/protocol.md, "Sessions") */
    uint8_t session[32]; /* resume secret; session_len 0: none */
    size_t session_len;
    uint64_t epoch;         /* the server's boot id for the session (0: none yet) */
    uint64_t rx_count;      /* counted server frames received in the session */
    uint64_t rx_acked;      /* the rx last reported to the server */
    uint64_t tx_seq;        /* counted frames written in the session */
    int64_t hb_interval_ms; /* PING interval of this session */
    uint32_t cmid_prefix;   /* random per client: cmid = prefix << 32 | counter */
    uint32_t cmid_counter;

    /* what a new session restores: subscriptions (id -> itself) and own user attributes */
    rtm_hashmap_t subscribed;
    char *attr_keys[RTM_ATTR_MAX_COUNT], *attr_values[RTM_ATTR_MAX_COUNT];
    size_t n_attrs;

    /* messages recently handed to the application: hashed (sender, cmid) and (epoch, mid)
       keys, the last RTM_SEEN_MAX of them; allocated with the first message, so an idle
       client (thousands in one process) pays nothing for it */
    rtm_recent_t seen;

    /* requests */
    uint64_t conn_gen;   /* bumped when the application ends a session: callbacks of older
                            connections are ignored */
    uint32_t rand_state; /* backoff jitter, independent of the application's rand() */
    uint64_t next_request_id;
    rtm_u64map_t pending; /* id -> rtm_request_t (ids are sequential: a flat table) */
    rtm_request_t *pending_head, *pending_tail;
    rtm_request_t *spare_requests; /* released ones, reused by the next requests */
    int n_spare_requests;

    rtm_outq_t outq;

    /* channels: id -> rtm_chan_rec_t (client lock); the handles are listed under the
       process-wide handle lock (channel.c) */
    rtm_hashmap_t channels;
    struct rtm_channel *handles;

    /* invitations (guarded by rtm_inv_lock, invitation.h): every live one, and the routing
       maps of those in progress: local by iid, remote by caller id + iid */
    uint64_t next_inv_id;
    struct rtm_invitation *invitations;
    rtm_hashmap_t inv_local, inv_remote;
    bool inv_closed;

    /* what the I/O thread should do next (set under lock, read by the I/O thread) */
    bool want_connect;
    bool want_close;
    bool want_rx_resume;
    bool freeing;
    /* set (under lock) while the client has a request deadline or a reconnect to time; the
       I/O thread's periodic tick reads it without the lock to skip idle clients */
    atomic_bool timers_due;

    /* I/O thread: dirty list and registration (guarded by the I/O thread's own lock) */
    struct rtm_client *io_next_dirty;
    bool io_dirty;
    bool io_detached;
    struct rtm_client *io_prev, *io_next;
    /* the established plain connection application threads may write to themselves (io_kick),
       NULL when none (guarded by the I/O thread's own lock) */
    struct rtm_conn *io_direct;

    /* I/O thread only */
    struct rtm_conn *conn;
    bool rx_paused;

    char last_error[256];
};

typedef struct rtm_client rtm_client_t;

/* ---- application side ---- */
rtm_client_t *client_create(const char *app_id, const struct rtm_config *cfg, rtm_err_t *err,
                            const char **why);
void client_destroy(rtm_client_t *c);
void client_set_error(rtm_client_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
rtm_err_t client_set_option(rtm_client_t *c, const char *key, const char *value);
rtm_err_t client_login(rtm_client_t *c, const char *token, const char *user_id, uint64_t *req);
rtm_err_t client_logout(rtm_client_t *c, uint64_t *req);
rtm_err_t client_renew_token(rtm_client_t *c, const char *token, uint64_t *req);
rtm_err_t client_send_peer(rtm_client_t *c, const char *peer, const rtm_message_t *m,
                           uint32_t flags, uint64_t *req);
rtm_err_t client_query_online(rtm_client_t *c, const char *const *ids, size_t n, uint64_t *req);
rtm_err_t client_subscribe(rtm_client_t *c, bool subscribe, const char *const *ids, size_t n,
                           uint64_t *req);
rtm_err_t client_query_subscribed(rtm_client_t *c, uint64_t *req);
/* An attribute request (user or channel attributes): frame_type with channel and/or user when
 * given, attrs (set/add) or keys (delete/get by keys) of n entries, flags when non-zero;
 * completed by result. */
rtm_err_t client_attrs_request(rtm_client_t *c, uint32_t frame_type, rtm_event_type_t result,
                               const char *channel, const char *user, const rtm_attribute_t *attrs,
                               const char *const *keys, size_t n, uint32_t flags, uint64_t *req);
rtm_connection_state_t client_state(rtm_client_t *c);

/* Internal request plumbing for the other parts of the client (channel.c). With the lock held:
 * checks for a session, registers a request (channel copied when given) and queues f with its
 * id. Returns the error (sentence set) or OK with *out set; *kick tells the caller to call
 * io_kick after unlocking. */
rtm_err_t client_submit_locked(rtm_client_t *c, rtm_frame_t *f, rtm_event_type_t result_type,
                               const char *channel, rtm_request_t **out, bool *kick);
/* With the lock held: RTM_OK while there is a session to send requests on, else
 * RTM_ERR_NOT_LOGGED_IN with the sentence set. */
rtm_err_t client_check_session_locked(rtm_client_t *c);
/* With the lock held: queues f (given a fresh id) with no request behind it; its reply is
 * ignored. For fire-and-forget frames such as the LEAVE of a released channel. */
void client_send_untracked_locked(rtm_client_t *c, rtm_frame_t *f, bool *kick);
/* Unlocked wrapper: lock, submit, unlock, kick. */
rtm_err_t client_submit(rtm_client_t *c, rtm_frame_t *f, rtm_event_type_t result_type,
                        const char *channel, uint64_t *req_out);
/* With the lock held: completes every pending request made through the handle of channel
 * with err and drops its unsent frames. */
void client_fail_channel_requests_locked(rtm_client_t *c, const char *channel, rtm_err_t err);
/* Fills f as a message frame of type (SEND_PEER, SEND_CHANNEL) carrying m; m must outlive f. */
void client_message_frame(rtm_frame_t *f, uint32_t type, const rtm_message_t *m, uint32_t flags);
void client_set_error_locked(rtm_client_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* With the lock held: queues e for the application (NULL: logs that an event was lost). */
void client_push_event_locked(rtm_client_t *c, rtm_event_t *e);
rtm_event_t *client_poll(rtm_client_t *c, int timeout_ms);

/* ---- I/O thread side ----
 * Every callback names the connection generation it comes from (client_io_actions hands it
 * out with each connect): calls from a connection of an older generation are ignored. */
/* The connection is up (WebSocket established): the LOGIN frame goes out first. */
void client_io_established(rtm_client_t *c, uint64_t gen);
/* One complete WebSocket message arrived. Returns false when the connection must close. */
/* Heartbeat of the connection of generation gen: queues a PING while the session is live.
 * Returns the interval until the next one (ms). */
int64_t client_io_heartbeat(rtm_client_t *c, uint64_t gen);
bool client_io_message(rtm_client_t *c, uint64_t gen, const uint8_t *p, size_t len);
/* The connection is gone (error before or after the handshake, or closed). */
void client_io_lost(rtm_client_t *c, uint64_t gen, rtm_err_t why, const char *detail);
/* Copies whole frames (at most cap bytes unless one frame is bigger) into dst; returns the
 * bytes copied (0: nothing to send now). *more is set when frames remain. */
size_t client_io_take_output(rtm_client_t *c, uint64_t gen, uint8_t *dst, size_t cap, bool *more);
/* What the I/O thread should do for c now; the want_* flags it reports are cleared. */
typedef struct client_io_actions {
    bool close;   /* close the current connection (the state machine already moved on) */
    bool connect; /* open a connection to url, for connection generation gen */
    uint64_t gen;
    rtm_url_t url;
    bool writable;  /* write what is queued now */
    bool lazy;      /* only acks are queued: write them within RTM_ACK_DELAY_MS (io_thread.c) */
    bool rx_resume; /* the application drained its queue: read again */
} client_io_actions_t;
void client_io_actions(rtm_client_t *c, bool established, client_io_actions_t *a);
/* Periodic: request deadlines, login timeout, reconnect backoff. */
void client_io_tick(rtm_client_t *c, int64_t now_ms);
/* For a client being freed: moves its queued frames, then a LOGOUT, into out; false when there
 * is no session. */
bool client_io_farewell(rtm_client_t *c, rtm_buf_t *out);

#endif
