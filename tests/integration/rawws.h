/* A minimal raw WebSocket client for tests that must speak the wire protocol themselves
 * (hostile input, a socket that just drops, frames cut or fragmented anywhere). Plain
 * sockets; fails the test on errors. */
#ifndef RTM_TESTS_RAWWS_H
#define RTM_TESTS_RAWWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec.h"

/* A plain TCP connection to 127.0.0.1:port that has sent nothing yet. */
int ws_tcp_connect(int port);
/* Asks for a WebSocket upgrade to subprotocol on a new connection, reads the answer's head (and
 * what follows of it within the read) into resp and closes; the HTTP status, or -1 when the
 * server closed or said nothing within 5 s. */
int ws_upgrade_status(int port, const char *subprotocol, char *resp, size_t cap);
/* Connects to 127.0.0.1:port (TCP_NODELAY: each write goes out at once, as written) and
 * upgrades with the given subprotocol. */
int ws_connect(int port, const char *subprotocol);
/* Sends one masked WebSocket message (opcode 2 binary, 1 text). */
void ws_send(int fd, int opcode, const void *data, size_t len);
/* Reads one binary message; its length, or -1 on close or timeout. */
ssize_t ws_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms);
/* Reads until a frame of type arrives (frames of one message are handed out in turn, also
 * across calls on the same fd, for up to 8 connections read in turn); fills f, which borrows
 * memory valid until the next call on that fd. buf is scratch space. */
void expect_frame(int fd, uint8_t *buf, size_t cap, uint32_t type, rtm_frame_t *f);
void send_frame(int fd, const rtm_frame_t *f);
/* LOGIN with app id "test" and no token. */
void send_login(int fd, uint64_t id, const char *user);

/* ---- raw WebSocket frames: cut, fragmented, unmasked, control ---- */

/* Appends one client frame to out as given: the FIN bit, opcode (any 4-bit value), the
 * shortest length encoding, and the payload masked with a fixed key unless masked is false
 * (which a server must refuse). */
void ws_build_frame(rtm_buf_t *out, bool fin, int opcode, bool masked, const void *payload,
                    size_t len);
/* Appends f encoded as one final, masked binary WebSocket frame (one rtm frame per message). */
void ws_build_rtm(rtm_buf_t *out, const rtm_frame_t *f);
/* Writes the len bytes as they are; false when the connection broke first (no SIGPIPE). */
bool ws_send_raw(int fd, const void *data, size_t len);
/* The same, one byte per send() with a pause of pause_us after each byte (so the server's
 * reads see every cut); between(ud, i) runs after byte i when not NULL. */
bool ws_send_bytewise(int fd, const void *data, size_t len, int pause_us,
                      void (*between)(void *ud, size_t i), void *ud);

/* ws_recv_frame's results besides an opcode. */
enum { WS_RECV_EOF = -1, WS_RECV_TIMEOUT = -2 };
/* Reads the next WebSocket frame whatever its opcode: returns the opcode (*fin its FIN bit,
 * may be NULL) with the payload in buf (*len bytes); WS_RECV_EOF when the connection ended
 * (or broke, or the frame does not fit cap), WS_RECV_TIMEOUT when nothing came in timeout_ms. */
int ws_recv_frame(int fd, uint8_t *buf, size_t cap, size_t *len, bool *fin, int timeout_ms);
/* Reads frames until a CLOSE (others are skipped, at most 100): its status code, 1005 when it
 * carries none, with its reason in reason (NUL-terminated, cut to cap; may be NULL). Fails the
 * test when the connection ends or goes silent for timeout_ms first. */
int ws_expect_close(int fd, char *reason, size_t cap, int timeout_ms);
/* Fails the test unless the server ends the connection within timeout_ms with nothing more
 * sent (an orderly end or a reset: the closing handshake is over). */
void ws_expect_eof(int fd, int timeout_ms);

#endif
