/* The admin endpoint on rtmd's HTTP port (docs/rtmd.md, "Admin endpoint"): POST
 * /admin/ban?user=ID, POST /admin/unban?user=ID and GET /admin/bans, authorised by
 * `Authorization: Bearer` and --admin-token. Decides the answer only: server.c writes it. Loop
 * thread only. */
#ifndef RTMD_ADMIN_H
#define RTMD_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include <libwebsockets.h>

typedef struct rtmd_server rtmd_server_t;

/* An HTTP answer: status and a JSON body. */
typedef struct rtmd_http_reply {
    unsigned status;
    char *body; /* malloc'd; NULL with status 500 when out of memory */
    size_t len;
    bool challenge; /* 401: add `WWW-Authenticate: Bearer` */
} rtmd_http_reply_t;

/* True for the paths this endpoint owns (/admin and below). */
bool rtmd_admin_path(const char *path);
/* Serves the request on wsi (during LWS_CALLBACK_HTTP, while its headers are readable) for
 * path: 404 without --admin-token or for an unknown path, 401 without the right bearer token,
 * 405 for another method, 400 for a missing or invalid user id, else 200 after doing it. */
void rtmd_admin_serve(rtmd_server_t *srv, struct lws *wsi, const char *path, rtmd_http_reply_t *r);

#endif
