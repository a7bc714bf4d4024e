/* The frames of one received WebSocket message: decoding each with the bounded decoder and
 * routing it to its handler, with the login gate in front. Answers malformed input with
 * ERROR frames; never trusts a byte. */
#ifndef RTMD_DISPATCH_H
#define RTMD_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_conn rtmd_conn_t;

/* Serves every frame in buf (len bytes, one complete binary WebSocket message) for c, counting
 * the counted ones of a logged-in session. Returns the session that now serves c's connection:
 * c, or the held session a LOGIN in buf resumed (c is then the caller's to free). */
rtmd_conn_t *rtmd_dispatch_message(rtmd_server_t *srv, rtmd_conn_t *c, const uint8_t *buf,
                                   size_t len);

#endif
