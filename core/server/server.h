/* rtmd's process-wide state and its libwebsockets side: the context and vhost, the protocol
 * callbacks (HTTP healthz, rtm.1 connections), and the drain on SIGTERM/SIGINT. Everything
 * runs on the one libuv loop thread. */
#ifndef RTMD_SERVER_H
#define RTMD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "bans.h"
#include "channel.h"
#include "hashmap.h"
#include "invitation.h"
#include "log.h"
#include "offline.h"
#include "options.h"
#include "peer.h"
#include "presence.h"
#include "rate_limit.h"
#include "token_expiry.h"

/* Slow consumer: a connection with more than this many bytes queued is dropped. */
#define RTMD_MAX_QUEUED_BYTES (8u * 1024 * 1024)
/* How long a connection that is closing may take to flush before it is cut. */
#define RTMD_CLOSE_FLUSH_S 5
/* Descriptors kept for the server's own files (the store, libwebsockets' pipes, the listener)
 * and HTTP requests beyond --max-connections. */
#define RTMD_RESERVED_FDS 64
#define RTMD_ACCEPT_SLACK 64  /* sockets in their handshake beyond --max-connections */
#define RTMD_FD_HEADROOM  256 /* open-file limit over --max-connections (main.c) */

typedef struct rtmd_conn rtmd_conn_t;
struct rtmd_reader;

typedef struct rtmd_server {
    const rtmd_options_t *opt;
    rtm_logger_t log;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    lws_retry_bo_t keepalive;   /* all zero: lws's own pings are off (heartbeat.c instead) */
    struct rtmd_reader *reader; /* reads plain ws:// connections (reader.c); NULL: lws does */
    uint64_t epoch;             /* random, not 0: names this run of the server (LOGIN result) */

    rtm_hashmap_t users;      /* user id -> rtmd_conn_t, sessions attached or held (session.c) */
    rtmd_peers_t peers;       /* peer message routing (peer.c) */
    rtmd_channels_t channels; /* channels, members and attributes (channel.c) */
    rtmd_presence_t presence; /* who follows whose online state (presence.c) */
    rtmd_offline_t offline;   /* stored messages for users without a session (offline.c) */
    rtmd_invites_t invites;   /* call invitations (invitation.c) */

    /* Attached connections, least recently heard from first (heartbeat.c). */
    rtmd_conn_t *live_head, *live_tail;
    lws_sorted_usec_list_t heartbeat_timer;
    /* Connections closing after a flush, oldest first, each cut RTMD_CLOSE_FLUSH_S after its
       close began (heartbeat.c; they are out of the liveness list, whose links they use). */
    rtmd_conn_t *closing_head, *closing_tail;
    lws_sorted_usec_list_t closing_timer;
    /* Sessions held for a resume, oldest drop first (resume.c). */
    rtmd_conn_t *held_head, *held_tail;
    size_t n_held;
    lws_sorted_usec_list_t grace_timer;

    /* Policy: rate limits, token ends, bans. */
    rtmd_rate_logins_t login_rates;   /* logins per user id (rate_limit.c) */
    rtmd_token_timers_t token_timers; /* token warnings and ends (token_expiry.c) */
    rtmd_bans_t bans;                 /* banned user ids (bans.c, admin.c) */

    /* Connections with frames to write before the loop waits again (conn.c), and the timer
     * (due at once) that writes them. */
    rtmd_conn_t **flush;
    uint32_t n_flush, flush_cap;
    lws_sorted_usec_list_t flush_timer;

    /* Accepted sockets are refused at once (HTTP 503) while n_conns is at --max-connections,
     * or when their descriptor number reaches this: descriptors are handed out lowest first,
     * so a number this high means that many are open (sockets still in their handshake are
     * not in n_conns). Set once listening: --max-connections plus RTMD_ACCEPT_SLACK above the
     * descriptors open then, within the open-file limit less RTMD_RESERVED_FDS. */
    int accept_fd_max;
    uint64_t n_refused; /* sockets refused at accept */

    uint64_t next_conn_id;
    size_t n_conns;  /* established rtm.1 connections */
    bool stopping;   /* SIGTERM seen: draining (GOAWAY sent, connections closing) */
    bool destroying; /* the context is going away: no more sends */
    lws_sorted_usec_list_t stop_timer;
} rtmd_server_t;

/* Runs the server until SIGTERM/SIGINT (then drains within --drain-timeout-ms). Prints
 * `rtmd listening on HOST:PORT` as the first line of stdout once listening. Returns the
 * process exit code (0 after a signal, 1 when it could not start). */
int rtmd_server_run(const rtmd_options_t *opt);

#endif
