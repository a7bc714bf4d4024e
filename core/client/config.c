/* Client configuration keys, defaults and parsing (see config.h). Pure data; no I/O. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rtm_config_defaults(struct rtm_config *c)
{
    memset(c, 0, sizeof(*c));
    c->tls_verify_peer = true;
    c->login_timeout_ms = 12000;
    c->request_timeout_ms = 10000;
    c->backoff_min_ms = 500;
    c->backoff_max_ms = 20000;
    c->heartbeat_interval_ms = 5000;
    c->log_level = RTM_LOG_WARN;
    c->log_file_size_kb = 10240;
    c->event_queue_capacity = 65536;
}

static bool parse_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < min || x > max)
        return false;
    *out = x;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *out = false;
        return true;
    }
    return false;
}

static bool set_str(char **slot, const char *v)
{
    char *copy = NULL;
    if (*v && !(copy = strdup(v)))
        return false;
    free(*slot);
    *slot = copy;
    return true;
}

enum key_kind { K_URL, K_STR, K_BOOL, K_INT, K_LEVEL };

static const struct key_def {
    const char *name;
    enum key_kind kind;
    size_t offset;
    int64_t min, max;
    bool live;
} keys[] = {
    {"server.url", K_URL, offsetof(struct rtm_config, server_url), 0, 0, false},
    {"tls.ca_file", K_STR, offsetof(struct rtm_config, tls_ca_file), 0, 0, false},
    {"tls.verify_peer", K_BOOL, offsetof(struct rtm_config, tls_verify_peer), 0, 0, false},
    {"login.timeout_ms", K_INT, offsetof(struct rtm_config, login_timeout_ms), 1, 3600000, false},
    {"request.timeout_ms", K_INT, offsetof(struct rtm_config, request_timeout_ms), 1, 3600000,
     true},
    {"reconnect.backoff_min_ms", K_INT, offsetof(struct rtm_config, backoff_min_ms), 1, 3600000,
     false},
    {"reconnect.backoff_max_ms", K_INT, offsetof(struct rtm_config, backoff_max_ms), 1, 3600000,
     false},
    {"heartbeat.interval_ms", K_INT, offsetof(struct rtm_config, heartbeat_interval_ms), 100,
     3600000, false},
    {"log.level", K_LEVEL, offsetof(struct rtm_config, log_level), 0, 0, true},
    {"log.file", K_STR, offsetof(struct rtm_config, log_file), 0, 0, true},
    {"log.file_size_kb", K_INT, offsetof(struct rtm_config, log_file_size_kb), 1, 1048576, true},
    {"event_queue.capacity", K_INT, offsetof(struct rtm_config, event_queue_capacity), 16, 1 << 24,
     false},
    {"channel.member_list_on_join", K_BOOL, offsetof(struct rtm_config, member_list_on_join), 0, 0,
     false},
};

static const struct key_def *find_key(const char *key)
{
    for (size_t i = 0; key && i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i].name, key) == 0)
            return &keys[i];
    return NULL;
}

bool rtm_config_key_is_live(const char *key)
{
    const struct key_def *k = find_key(key);
    return k && k->live;
}

bool rtm_config_key_known(const char *key)
{
    return find_key(key) != NULL;
}

rtm_err_t rtm_config_apply(struct rtm_config *c, const char *key, const char *value,
                           const char **why)
{
    const struct key_def *k = find_key(key);
    char *slot = (char *)c + (k ? k->offset : 0);
    if (!k) {
        *why = "unknown configuration key";
        return RTM_ERR_INVALID_ARGUMENT;
    }
    switch (k->kind) {
    case K_URL: {
        rtm_url_t urls[RTM_CONFIG_MAX_URLS];
        if (rtm_url_list_parse(value, urls, RTM_CONFIG_MAX_URLS) < 1) {
            *why = "server.url must be ws://host[:port][/path] or wss://..., comma-separated, "
                   "at most 8";
            return RTM_ERR_INVALID_ARGUMENT;
        }
        if (!set_str((char **)slot, value)) {
            *why = "out of memory";
            return RTM_ERR_NO_MEMORY;
        }
        return RTM_OK;
    }
    case K_STR:
        if (!set_str((char **)slot, value)) {
            *why = "out of memory";
            return RTM_ERR_NO_MEMORY;
        }
        return RTM_OK;
    case K_BOOL:
        if (!parse_bool(value, (bool *)slot)) {
            *why = "the value must be true or false";
            return RTM_ERR_INVALID_ARGUMENT;
        }
        return RTM_OK;
    case K_INT: {
        int64_t v;
        if (!parse_int(value, k->min, k->max, &v)) {
            *why = "the value must be a whole number in the key's range";
            return RTM_ERR_INVALID_ARGUMENT;
        }
        if ((k->offset == offsetof(struct rtm_config, backoff_min_ms) && v > c->backoff_max_ms) ||
            (k->offset == offsetof(struct rtm_config, backoff_max_ms) && v < c->backoff_min_ms)) {
            *why = "reconnect.backoff_min_ms must not exceed reconnect.backoff_max_ms";
            return RTM_ERR_INVALID_ARGUMENT;
        }
        *(int64_t *)slot = v;
        return RTM_OK;
    }
    case K_LEVEL: {
        int level = rtm_log_level_parse(value);
        if (level < 0) {
            *why = "log.level must be off, error, warn, info or debug";
            return RTM_ERR_INVALID_ARGUMENT;
        }
        *(rtm_log_level_t *)slot = (rtm_log_level_t)level;
        return RTM_OK;
    }
    }
    return RTM_ERR_INVALID_ARGUMENT;
}

bool rtm_config_copy(struct rtm_config *dst, const struct rtm_config *src)
{
    *dst = *src;
    dst->server_url = src->server_url ? strdup(src->server_url) : NULL;
    dst->tls_ca_file = src->tls_ca_file ? strdup(src->tls_ca_file) : NULL;
    dst->log_file = src->log_file ? strdup(src->log_file) : NULL;
    if ((src->server_url && !dst->server_url) || (src->tls_ca_file && !dst->tls_ca_file) ||
        (src->log_file && !dst->log_file)) {
        rtm_config_release(dst);
        return false;
    }
    return true;
}

void rtm_config_release(struct rtm_config *c)
{
    free(c->server_url);
    free(c->tls_ca_file);
    free(c->log_file);
    c->server_url = c->tls_ca_file = c->log_file = NULL;
}

bool rtm_url_parse(const char *s, size_t len, rtm_url_t *out)
{
    memset(out, 0, sizeof(*out));
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len > 5 && strncmp(s, "ws://", 5) == 0) {
        s += 5, len -= 5;
        out->port = 80;
    } else if (len > 6 && strncmp(s, "wss://", 6) == 0) {
        s += 6, len -= 6;
        out->tls = true;
        out->port = 443;
    } else {
        return false;
    }
    const char *slash = memchr(s, '/', len);
    size_t hostport = slash ? (size_t)(slash - s) : len;
    size_t pathlen = len - hostport;
    if (pathlen >= sizeof(out->path))
        return false;
    if (pathlen)
        memcpy(out->path, slash, pathlen);
    else
        out->path[0] = '/';
    const char *colon = memchr(s, ':', hostport);
    size_t hostlen = colon ? (size_t)(colon - s) : hostport;
    if (hostlen == 0 || hostlen >= sizeof(out->host))
        return false;
    memcpy(out->host, s, hostlen);
    for (size_t i = 0; i < hostlen; i++)
        if (out->host[i] <= ' ' || out->host[i] == '@' || out->host[i] == '?')
            return false;
    if (colon) {
        size_t n = hostport - hostlen - 1;
        int port = 0;
        if (n == 0 || n > 5)
            return false;
        for (size_t i = 0; i < n; i++) {
            if (colon[1 + i] < '0' || colon[1 + i] > '9')
                return false;
            port = port * 10 + (colon[1 + i] - '0');
        }
        if (port < 1 || port > 65535)
            return false;
        out->port = port;
    }
    return true;
}

int rtm_url_list_parse(const char *s, rtm_url_t *out, int max)
{
    int n = 0;
    if (!s || !*s)
        return -1;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (n == max || !rtm_url_parse(s, len, &out[n]))
            return -1;
        n++;
        if (!comma)
            return n;
        s = comma + 1;
    }
}
