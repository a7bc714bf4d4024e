/* A minimal raw WebSocket client for tests that must speak the wire protocol themselves
 * (hostile input, a socket that just drops). Plain sockets; fails the test on errors. */
#ifndef RTM_TESTS_RAWWS_H
#define RTM_TESTS_RAWWS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec.h"

/* Connects to 127.0.0.1:port and upgrades with the given subprotocol. */
int ws_connect(int port, const char *subprotocol);
/* Sends one masked WebSocket message (opcode 2 binary, 1 text). */
void ws_send(int fd, int opcode, const void *data, size_t len);
/* Reads one binary message; its length, or -1 on close or timeout. */
ssize_t ws_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms);
/* Reads until a frame of type arrives (frames of one message are handed out in turn, also
 * across calls on the same fd); fills f, which borrows memory valid until the next call. buf
 * is scratch space. */
void expect_frame(int fd, uint8_t *buf, size_t cap, uint32_t type, rtm_frame_t *f);
void send_frame(int fd, const rtm_frame_t *f);
/* LOGIN with app id "test" and no token. */
void send_login(int fd, uint64_t id, const char *user);

#endif
