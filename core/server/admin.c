/* The admin endpoint (see admin.h): authorisation, the user argument, and the ban calls. The
 * secret is compared in constant time and never logged. */
#include "admin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "bans.h"
#include "rules.h"
#include "server.h"

#define AUTH_HEADER_MAX 512
/* One URL argument, "user=" and an id of 64 bytes with room to spare. */
#define ARG_MAX 256

static void reply(rtmd_http_reply_t *r, unsigned status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = NULL;
    int n = vasprintf(&body, fmt, ap);
    va_end(ap);
    r->status = n < 0 ? HTTP_STATUS_INTERNAL_SERVER_ERROR : status;
    r->body = n < 0 ? NULL : body;
    r->len = n < 0 ? 0 : (size_t)n;
}

bool rtmd_admin_path(const char *path)
{
    return strncmp(path, "/admin", 6) == 0 && (path[6] == '\0' || path[6] == '/');
}

static bool authorised(const rtmd_server_t *srv, struct lws *wsi)
{
    char hdr[AUTH_HEADER_MAX];
    int n = lws_hdr_copy(wsi, hdr, sizeof(hdr), WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n < 7 || strncasecmp(hdr, "Bearer ", 7) != 0)
        return false;
    const char *given = hdr + 7;
    while (*given == ' ')
        given++;
    size_t len = strlen(given);
    while (len && given[len - 1] == ' ')
        len--;
    const char *secret = srv->opt->admin_token;
    size_t secret_len = strlen(secret);
    return len == secret_len && CRYPTO_memcmp(given, secret, len) == 0;
}

/* The value of the one `user=` URL argument (URL-decoded by lws) in out: its length, or -1
 * when it is missing, given twice, or an argument is longer than a user id can be. */
static int user_arg(struct lws *wsi, char *out, size_t cap)
{
    int found = -1;
    char frag[ARG_MAX];
    for (int i = 0; lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            return -1; /* an argument this long is no user id, and hides its name */
        if (n < 5 || strncmp(frag, "user=", 5) != 0)
            continue;
        if (found >= 0 || (size_t)(n - 5) >= cap)
            return -1;
        memcpy(out, frag + 5, (size_t)(n - 5));
        out[n - 5] = '\0';
        found = n - 5;
    }
    return found;
}

static bool is_method(struct lws *wsi, enum lws_token_indexes t)
{
    return lws_hdr_total_length(wsi, t) > 0;
}

/* JSON for a user id: the id rules leave nothing to escape but '"' and '\' are refused by
 * them anyway; escaped all the same so the output stays JSON whatever the rules become. */
static void json_str(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

static void list_bans(const rtmd_server_t *srv, rtmd_http_reply_t *r)
{
    const rtmd_bans_t *b = &srv->bans;
    /* An escaped id takes at most 6 bytes per byte, plus quotes and a comma. */
    size_t cap = 64 + b->count * (RTM_ID_MAX_BYTES * 6 + 3);
    char *body = malloc(cap);
    if (!body) {
        reply(r, HTTP_STATUS_INTERNAL_SERVER_ERROR, "{\"error\":\"out of memory\"}\n");
        return;
    }
    size_t o = (size_t)snprintf(body, cap, "{\"count\":%zu,\"bans\":[", b->count);
    char esc[RTM_ID_MAX_BYTES * 6 + 1];
    for (const rtmd_ban_t *ban = rtmd_bans_first(b); ban; ban = rtmd_bans_next(ban)) {
        json_str(esc, sizeof(esc), rtmd_ban_user(ban));
        o += (size_t)snprintf(body + o, cap - o, "%s\"%s\"", ban == rtmd_bans_first(b) ? "" : ",",
                              esc);
    }
    o += (size_t)snprintf(body + o, cap - o, "]}\n");
    r->status = HTTP_STATUS_OK;
    r->body = body;
    r->len = o;
}

void rtmd_admin_serve(rtmd_server_t *srv, struct lws *wsi, const char *path, rtmd_http_reply_t *r)
{
    memset(r, 0, sizeof(*r));
    bool ban = strcmp(path, "/admin/ban") == 0, unban = strcmp(path, "/admin/unban") == 0,
         list = strcmp(path, "/admin/bans") == 0;
    if (!srv->opt->admin_token || !(ban || unban || list)) {
        reply(r, HTTP_STATUS_NOT_FOUND, "{\"error\":\"not found\"}\n");
        return;
    }
    if (!authorised(srv, wsi)) {
        rtm_log(&srv->log, RTM_LOG_WARN, "admin: %s refused: missing or wrong bearer token", path);
        reply(r, HTTP_STATUS_UNAUTHORIZED,
              "{\"error\":\"an Authorization: Bearer header with the admin token is needed\"}\n");
        r->challenge = true;
        return;
    }
    if (!is_method(wsi, list ? WSI_TOKEN_GET_URI : WSI_TOKEN_POST_URI)) {
        reply(r, HTTP_STATUS_METHOD_NOT_ALLOWED, "{\"error\":\"use %s\"}\n", list ? "GET" : "POST");
        return;
    }
    if (list) {
        list_bans(srv, r);
        return;
    }
    char user[RTM_ID_MAX_BYTES + 1];
    int len = user_arg(wsi, user, sizeof(user));
    if (len < 0 || !rtm_id_valid(user, (size_t)len)) {
        reply(r, HTTP_STATUS_BAD_REQUEST,
              "{\"error\":\"expected one user=ID argument with a valid user id\"}\n");
        return;
    }
    char esc[RTM_ID_MAX_BYTES * 6 + 1];
    json_str(esc, sizeof(esc), user);
    if (ban) {
        bool added;
        if (!rtmd_ban(srv, user, (size_t)len, &added)) {
            reply(r, HTTP_STATUS_INTERNAL_SERVER_ERROR, "{\"error\":\"out of memory\"}\n");
            return;
        }
        reply(r, HTTP_STATUS_OK, "{\"user\":\"%s\",\"banned\":true,\"changed\":%s}\n", esc,
              added ? "true" : "false");
    } else {
        bool lifted = rtmd_unban(srv, user, (size_t)len);
        reply(r, HTTP_STATUS_OK, "{\"user\":\"%s\",\"banned\":false,\"changed\":%s}\n", esc,
              lifted ? "true" : "false");
    }
}
