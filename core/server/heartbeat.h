/* Liveness and acknowledgements on rtm.1 connections (docs/protocol.md, "Heartbeats" and
 * "Sessions and the frame stream"): PING answered by PONG, ACK, the count of counted frames
 * received with a SERVER_ACK every RTMD_ACK_EVERY of them, and the sweep that drops a
 * connection from which nothing arrived for --heartbeat-timeout-ms. Every attached connection
 * sits in one list ordered by when it last received something, so the sweep is one timer for
 * all of them and a receive costs O(1). lws's own WebSocket pings are off. Loop thread only. */
#ifndef RTMD_HEARTBEAT_H
#define RTMD_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

/* A SERVER_ACK goes after this many counted frames received since the last one (or PONG). */
#define RTMD_ACK_EVERY 128

/* c's connection starts being watched (as if something had just arrived). */
void rtmd_heartbeat_add(rtmd_server_t *srv, rtmd_conn_t *c);
/* Something arrived on c's connection. */
void rtmd_heartbeat_touch(rtmd_server_t *srv, rtmd_conn_t *c);
/* c's connection is no longer watched (closed, cut, or its session moved). */
void rtmd_heartbeat_remove(rtmd_server_t *srv, rtmd_conn_t *c);
/* c's connection closes once it has flushed (rtmd_conn_close_after_flush): it leaves the
 * liveness list and is cut RTMD_CLOSE_FLUSH_S from now unless it closed before. One timer for
 * all of them: lws_set_timeout with a delay inserts into lws's list of deadlines by walking it
 * from the earliest, which made closing N connections cost O(N^2) (18,000 took over 10 s). */
void rtmd_heartbeat_closing(rtmd_server_t *srv, rtmd_conn_t *c);
/* Cancels the sweep timers; call while the lws context is still alive. */
void rtmd_heartbeat_stop(rtmd_server_t *srv);

/* True for the frame types a client sends that count in the session's stream (all but LOGIN,
 * PING and ACK). */
bool rtmd_heartbeat_counted(uint32_t type);
/* A counted frame from logged-in c was read: counts it, and sends SERVER_ACK every
 * RTMD_ACK_EVERY. */
void rtmd_heartbeat_received(rtmd_server_t *srv, rtmd_conn_t *c);
/* PING (any time, also before login): its rx acknowledges, PONG answers with c's rx. */
void rtmd_heartbeat_ping(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);
/* ACK from logged-in c. */
void rtmd_heartbeat_ack(rtmd_server_t *srv, rtmd_conn_t *c, const rtm_frame_t *f);

#endif
