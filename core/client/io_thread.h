/* The shared I/O thread: one libuv loop and one thread for every client of the process,
 * created with the first client and destroyed with the last; it owns every connection (TCP,
 * TLS, WebSocket: docs/client.md "Transport"). Other threads reach it through io_kick /
 * io_detach, which queue the client on a dirty list and wake the loop (uv_async_send). */
#ifndef RTM_CLIENT_IO_THREAD_H
#define RTM_CLIENT_IO_THREAD_H

#include <stdbool.h>

#include "client.h"

/* Takes a reference on the I/O thread, starting it if this is the first; registers c with it.
 * False when the thread or its loop cannot be created. */
bool io_attach(rtm_client_t *c);
/* Asks the I/O thread to look at c: connect, write, close or resume reading. Any thread. */
void io_kick(rtm_client_t *c);
/* Unregisters c and closes its connection (sending a best-effort LOGOUT), waits until the
 * I/O thread holds no reference to c, then drops the reference taken by io_attach (the last
 * one stops the thread). Application threads only. */
void io_detach(rtm_client_t *c);

#endif
