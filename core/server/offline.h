/* Offline messages, the server's side of the store (offline_store.c keeps the rows): opening it
 * from --data-dir / --offline-max / --offline-ttl-s, SEND_PEER with RTM_SEND_OFFLINE to a user
 * without a session (stored, then CACHED_BY_SERVER), pushing a user's stored messages after its
 * login, deleting each when its DELIVERY_ACK comes, and the expiry timer. Loop thread only. */
#ifndef RTMD_OFFLINE_H
#define RTMD_OFFLINE_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "codec.h"
#include "offline_store.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

/* How often expired messages are deleted. */
#define RTMD_OFFLINE_EXPIRE_EVERY_MS 60000

typedef struct rtmd_offline {
    rtmd_offline_store_t *store;
    lws_sorted_usec_list_t expire_timer;
} rtmd_offline_t;

/* Opens the store from srv->opt and starts the message id counter above every stored id.
 * False (with a sentence on stderr) when it cannot be opened. */
bool rtmd_offline_open(rtmd_server_t *srv);
/* Starts the expiry timer (the lws context exists). */
void rtmd_offline_start(rtmd_server_t *srv);
/* Cancels the timer; call while the lws context is still alive. */
void rtmd_offline_stop(rtmd_server_t *srv);
/* Closes the store (at exit). */
void rtmd_offline_close(rtmd_server_t *srv);

/* SEND_PEER f from c with RTM_SEND_OFFLINE to a user without a session: stored and answered
 * CACHED_BY_SERVER with its mid and ts once the store has it, FAILURE when it could not. The
 * same message sent again (same sender and cmid, still stored) is not stored twice: it is
 * answered CACHED_BY_SERVER with the first one's mid and ts. */
void rtmd_offline_put(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
/* c just logged in (its LOGIN RESULT is queued): pushes its stored messages as PEER_MESSAGE
 * with offline true, oldest first. Pushes stop while c's queue holds half the slow-consumer
 * limit; the rest follow once every pushed one is acknowledged. */
void rtmd_offline_deliver(rtmd_server_t *srv, rtmd_conn_t *c);
/* c acknowledged stored message mid: it is deleted from the store. */
void rtmd_offline_acked(rtmd_server_t *srv, rtmd_conn_t *c, uint64_t mid);

#endif
