/* rtmd reads what its plain ws:// connections send itself. libwebsockets 4.1.6 reads a
 * WebSocket connection at most rx_buffer_size bytes per system call (256 here, to keep idle
 * connections small), which cost rtmd 0.4 recvfrom and 0.4 epoll_wait per message under load.
 * Once a plain connection is established, libwebsockets stops reading it (rx flow control) and
 * rtmd reads it instead, in reads of up to 64 KB into one buffer shared by every connection,
 * through an epoll set of its own that libwebsockets watches as one raw descriptor; whole frames
 * are parsed in place (core/common/ws.c, the server's end). Writes and TLS connections stay with
 * libwebsockets. CLOSE frames rtmd writes itself when lws holds none of the connection's bytes
 * (the client's answered, rtmd's own then waiting for the client's answer), so that closing
 * costs no lws timer; a protocol error or the end of the stream hands reading back to lws,
 * which finishes the connection. docs/rtmd.md, "Reading". */
#ifndef RTMD_READER_H
#define RTMD_READER_H

#include <stdbool.h>

#include <libwebsockets.h>

typedef struct rtmd_server rtmd_server_t;
typedef struct rtmd_wsi rtmd_wsi_t;

/* Makes the epoll set and has libwebsockets watch it as a raw file descriptor of the vhost's
 * protocol named protocol, whose LWS_CALLBACK_RAW_RX_FILE calls rtmd_reader_ready. False
 * (logged) when it cannot: libwebsockets then reads every connection. */
bool rtmd_reader_start(rtmd_server_t *srv, const char *protocol);
/* Connections are ready to read (the epoll set is readable). */
void rtmd_reader_ready(rtmd_server_t *srv);
/* rtmd reads nothing more itself; call before the context is destroyed (which closes the set). */
void rtmd_reader_stop(rtmd_server_t *srv);
/* An established connection: rtmd reads it from now on, unless it is TLS. */
void rtmd_reader_take(rtmd_server_t *srv, struct lws *wsi, rtmd_wsi_t *w);
/* Writes rtmd's CLOSE (status, reason) on a connection rtmd reads and lws holds no bytes of,
 * and reads on until the client's CLOSE (then the connection ends) or the end of the stream;
 * one that never answers is cut by the closing list (heartbeat.c). True when the CLOSE went
 * (or had gone) that way; false: lws must send it. */
bool rtmd_reader_send_close(rtmd_server_t *srv, struct lws *wsi, uint16_t status,
                            const char *reason);
/* libwebsockets reads wsi again (it is closing); rtmd forgets it. Idempotent. */
void rtmd_reader_give_back(rtmd_server_t *srv, struct lws *wsi, rtmd_wsi_t *w);

#endif
