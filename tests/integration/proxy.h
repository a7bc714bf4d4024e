/* A loopback TCP proxy for fault tests: listens on a free port and forwards every accepted
 * connection to a target port, in a thread of its own. A test can stop forwarding without
 * closing anything (a network that went silent), in one direction or both, or cut every
 * connection at once (a reset). */
#ifndef RTM_TESTS_PROXY_H
#define RTM_TESTS_PROXY_H

#include <stdbool.h>

typedef struct proxy proxy_t;

/* Starts a proxy to 127.0.0.1:target_port; fails the test when it cannot. */
proxy_t *proxy_start(int target_port);
/* Its port, and a ws:// URL to it. */
int proxy_port(const proxy_t *p);
const char *proxy_url(const proxy_t *p);
/* Stops (true) or resumes (false) forwarding client->server and server->client bytes; bytes
 * are held, not dropped, while stopped. */
void proxy_freeze(proxy_t *p, bool to_server, bool to_client);
/* Closes every connection it carries (new ones are still accepted). */
void proxy_cut(proxy_t *p);
/* Refuses (closes at once) new connections while true. */
void proxy_refuse(proxy_t *p, bool refuse);
/* Connections accepted so far. */
int proxy_accepted(proxy_t *p);
void proxy_stop(proxy_t *p);

#endif
