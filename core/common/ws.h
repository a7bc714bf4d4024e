/* The RFC 6455 pieces that do not touch the network: the upgrade request and the check of its
 * reply, client frame headers and masking, and a frame parser that works on whole buffers, for
 * either end. librtm's io_thread.c drives them over libuv (and OpenSSL for wss://); rtmd's
 * reader.c parses with them what its plain ws:// connections send. */
#ifndef RTM_COMMON_WS_H
#define RTM_COMMON_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define WS_MAX_HEADER 14 /* a client frame header: 2 + 8 (length) + 4 (masking key) */
#define WS_KEY_LEN    24 /* a Sec-WebSocket-Key: base64 of 16 bytes */

enum {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA
};

/* Close codes we send. */
#define WS_CLOSE_NORMAL    1000
#define WS_CLOSE_PROTOCOL  1002
#define WS_CLOSE_TOO_BIG   1009
#define WS_CLOSE_INTERNAL  1011 /* out of memory */
#define WS_CLOSE_NO_STATUS 1005 /* reported for a CLOSE without a code; never sent */

/* ---- receiving ---- */

/* Parser state of one connection. Idle (no frame cut, no fragmented message: ws_rx_idle) it
 * holds no memory. */
typedef struct ws_rx {
    rtm_buf_t cut;       /* the bytes so far of a frame cut by the end of a read */
    rtm_buf_t msg;       /* the fragments so far of a fragmented message */
    uint8_t msg_op;      /* its opcode (WS_OP_TEXT or WS_OP_BINARY); 0: none in progress */
    bool from_client;    /* the server's end: frames must be masked, and are unmasked */
    size_t max_message;  /* a longer message is a protocol error */
    uint16_t error_code; /* after WS_RX_ERROR: the close code to send (1002 or 1009) */
    char why[96];        /* after WS_RX_ERROR: what was wrong */
} ws_rx_t;

/* What ws_rx_feed hands out, one call each: a whole message (WS_OP_TEXT or WS_OP_BINARY,
 * fragments joined) or a control frame (WS_OP_CLOSE, WS_OP_PING, WS_OP_PONG). payload is
 * writable and valid only during the call (it may point into the caller's input). Returns
 * WS_RX_OK to go on, WS_RX_STOPPED to stop after this one (the caller feeds the rest later), or
 * WS_RX_ABORTED to drop the rest (the connection is going away). */
typedef int (*ws_on_frame_fn)(void *ud, uint8_t opcode, uint8_t *payload, size_t len);

enum { WS_RX_OK = 0, WS_RX_STOPPED = 1, WS_RX_ERROR = -1, WS_RX_ABORTED = -2 };

/* The client's end: frames from a server, never masked. */
void ws_rx_init(ws_rx_t *rx, size_t max_message);
/* The server's end: frames from a client, always masked (unmasked in place before they are
 * handed out). */
void ws_rx_init_server(ws_rx_t *rx, size_t max_message);
void ws_rx_free(ws_rx_t *rx);
/* True when code may be sent in a CLOSE frame (RFC 6455 7.4). */
bool ws_close_code_valid(uint16_t code);
/* True when rx holds no frame cut and no fragmented message. */
bool ws_rx_idle(const ws_rx_t *rx);
/* Parses len bytes of in (decoding whole frames in place; only a frame cut by the end of in is
 * copied into rx). Returns WS_RX_OK when all of in was taken, WS_RX_STOPPED or WS_RX_ABORTED
 * when the handler said so (*used: the bytes taken, up to the end of that frame), or
 * WS_RX_ERROR for a protocol error (rx->why, rx->error_code; the connection must close). */
int ws_rx_feed(ws_rx_t *rx, uint8_t *in, size_t len, size_t *used, ws_on_frame_fn fn, void *ud);

/* ---- sending ---- */

/* A fast PRNG for masking keys (xoshiro256**), seeded from getrandom. Not for secrets. */
typedef struct ws_rng {
    uint64_t s[4];
} ws_rng_t;
void ws_rng_seed(ws_rng_t *r);
uint64_t ws_rng_next(ws_rng_t *r);

/* The length of the header of a masked client frame with a payload of len bytes. */
size_t ws_header_len(size_t len);
/* Writes the header of a final, masked client frame of opcode with len payload bytes into dst
 * (ws_header_len(len) bytes) and masks the payload (which follows at dst + that length) in
 * place with key. Returns the header length. */
size_t ws_frame_finish(uint8_t *dst, uint8_t opcode, size_t len, uint32_t key);
/* XORs p with the 4-byte masking key (as it appears on the wire), 8 bytes at a time. */
void ws_mask(uint8_t *p, size_t len, uint32_t key);

/* ---- the opening handshake ---- */

/* A random Sec-WebSocket-Key (WS_KEY_LEN characters and a NUL); false when the system has no
 * randomness to give. */
bool ws_make_key(char key[WS_KEY_LEN + 1]);
/* The upgrade request for host:port/path (path starts with '/', may hold a query) asking for
 * subprotocol, with the port in Host unless it is the default one of the scheme. Returns its
 * length, 0 when it does not fit cap. */
size_t ws_upgrade_request(char *dst, size_t cap, const char *host, int port, bool tls,
                          const char *path, const char *key, const char *subprotocol);
/* The length of the HTTP reply head in p (through the empty line), 0 while incomplete. */
size_t ws_reply_head_len(const uint8_t *p, size_t len);
/* Checks the reply head (head_len bytes, from ws_reply_head_len) to an upgrade sent with key:
 * 101, Upgrade: websocket, Connection: Upgrade, the right Sec-WebSocket-Accept and the
 * subprotocol. False with a sentence in why when any is wrong. */
bool ws_check_reply(const uint8_t *head, size_t head_len, const char *key, const char *subprotocol,
                    char *why, size_t cap);

#endif
