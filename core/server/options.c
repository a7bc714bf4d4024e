/* rtmd's settings (see options.h): the option table, the command line, the --config file.
 * Adding a setting is one table entry (plus its field); nothing here starts the server. */
#include "options.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rules.h"

typedef struct opt_def opt_def_t;

/* Applies value to the field of d; on failure returns false with a sentence in *why. */
typedef bool (*opt_setter_t)(rtmd_options_t *o, const opt_def_t *d, const char *value,
                             const char **why);

struct opt_def {
    const char *name; /* the long option without its dashes; also the config file name */
    const char *arg;  /* placeholder shown by --help; NULL: a flag (`--name` alone means on) */
    const char *def;  /* default, parsed by set at startup; NULL: unset */
    opt_setter_t set;
    size_t offset; /* of the field in rtmd_options_t */
    uint64_t min, max;
    const char *help;
};

static bool set_listen(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why);
static bool set_string(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why);
static bool set_hex32(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why);
static bool set_log_level(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why);
static bool set_u32(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why);
static bool set_flag(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why);
static bool set_secret(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why);
static bool set_ban(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why);

#define FIELD(f) offsetof(rtmd_options_t, f)

static const opt_def_t options[] = {
    {"listen", "HOST:PORT", "127.0.0.1:9090", set_listen, 0, 0, 0,
     "address to listen on ([ADDR]:PORT for IPv6); port 0 picks a free port"},
    {"app-id", "ID", NULL, set_string, FIELD(app_id), 1, RTM_APP_ID_MAX_BYTES,
     "logins with another app id fail with INVALID_APP_ID"},
    {"app-certificate", "CERT", NULL, set_hex32, FIELD(app_certificate), 0, 0,
     "32 hex characters; with it every login needs a valid \"006\" token"},
    {"log-level", "LEVEL", "info", set_log_level, FIELD(log_level), 0, 0,
     "error, warn, info or debug; one line per event on stderr"},
    {"max-connections", "N", "18000", set_u32, FIELD(max_connections), 1, 1000000,
     "connections beyond this are refused when accepted (HTTP 503, too many connections)"},
    {"heartbeat-timeout-ms", "N", "15000", set_u32, FIELD(heartbeat_timeout_ms), 100, 3600000,
     "a connection from which nothing arrived this long is dropped (clients PING in between)"},
    {"member-events-max", "N", "512", set_u32, FIELD(member_events_max), 0, 1000000,
     "above this many members a channel sends no MEMBER_JOINED / MEMBER_LEFT"},
    {"deny-outside-send", NULL, "off", set_flag, FIELD(deny_outside_send), 0, 0,
     "refuse channel messages from non-members (NOT_AUTHORIZED); =on|off, or alone for on"},
    {"data-dir", "DIR", NULL, set_string, FIELD(data_dir), 1, 4096,
     "offline messages on disk in DIR/offline.db (created if missing); none: in memory"},
    {"offline-max", "N", "200", set_u32, FIELD(offline_max), 1, 1000000,
     "offline messages kept per receiver; a newer one replaces the oldest beyond it"},
    {"offline-ttl-s", "N", "604800", set_u32, FIELD(offline_ttl_s), 1, 315360000,
     "how long an offline message is kept (seconds; 604800 = 7 days)"},
    {"invite-offline-timeout-ms", "N", "30000", set_u32, FIELD(invite_offline_timeout_ms), 100,
     3600000, "an invitation to an offline callee fails (PEER_OFFLINE) after this long"},
    {"invite-ack-timeout-ms", "N", "30000", set_u32, FIELD(invite_ack_timeout_ms), 100, 3600000,
     "a delivered invitation not acknowledged this long fails (PEER_NO_RESPONSE)"},
    {"invite-expire-ms", "N", "60000", set_u32, FIELD(invite_expire_ms), 100, 3600000,
     "an invitation not accepted, refused or cancelled this long fails (INVITATION_EXPIRED)"},
    {"session-grace-ms", "N", "10000", set_u32, FIELD(session_grace_ms), 0, 3600000,
     "a dropped connection's session is held this long for a resume; 0: it ends at once"},
    {"replay-max", "N", "32", set_u32, FIELD(replay_max), 0, 1024,
     "channel messages kept per channel for members that rejoin (JOIN with mid); 0: none"},
    {"replay-window-ms", "N", "30000", set_u32, FIELD(replay_window_ms), 0, 3600000,
     "channel messages older than this are not kept for replay; 0: none are"},
    {"drain-timeout-ms", "N", "5000", set_u32, FIELD(drain_timeout_ms), 0, 600000,
     "on SIGTERM/SIGINT: GOAWAY to every connection, flush, close; exit 0 within this"},
    {"rate-limits", "on|off", "on", set_flag, FIELD(rate_limits), 0, 0,
     "per-connection request limits (over a limit: TOO_OFTEN); off for benchmarks"},
    {"rate-messages", "N", "1500", set_u32, FIELD(rate_messages), 1, 65535,
     "peer and channel messages per connection in any 3 seconds"},
    {"rate-logins", "N", "2", set_u32, FIELD(rate_logins), 1, 65535,
     "logins per user id in any 1 second (counted server-wide)"},
    {"rate-joins", "N", "50", set_u32, FIELD(rate_joins), 1, 65535,
     "channel joins per connection in any 3 seconds"},
    {"rate-attribute-writes", "N", "100", set_u32, FIELD(rate_attribute_writes), 1, 65535,
     "user and channel attribute writes per connection in any 5 seconds"},
    {"token-warn-s", "N", "30", set_u32, FIELD(token_warn_s), 0, 86400,
     "TOKEN_WILL_EXPIRE goes this many seconds before a session's token ends (0: never)"},
    {"admin-token", "SECRET", NULL, set_secret, FIELD(admin_token), 16, 256,
     "the admin endpoint (/admin/) for `Authorization: Bearer SECRET`; none: 404"},
    {"ban", "ID", NULL, set_ban, 0, 0, 0,
     "a user id banned from the start (repeatable; in a config file one `ban = ID` per line)"},
    {"tls-cert", "FILE", NULL, set_string, FIELD(tls_cert), 1, 4096,
     "PEM certificate (chain) file: serve wss:// and https (needs --tls-key)"},
    {"tls-key", "FILE", NULL, set_string, FIELD(tls_key), 1, 4096,
     "PEM private key file of --tls-cert"},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static const opt_def_t *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(options[i].name) == len && memcmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

static char **str_field(rtmd_options_t *o, const opt_def_t *d)
{
    return (char **)((char *)o + d->offset);
}

static bool replace_string(char **field, const char *v, const char **why)
{
    char *copy = strdup(v);
    if (!copy) {
        *why = "out of memory";
        return false;
    }
    free(*field);
    *field = copy;
    return true;
}

static bool printable(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static bool set_string(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why)
{
    static char sentence[96];
    size_t n = strlen(v);
    if (n < d->min || n > d->max || !printable(v)) {
        snprintf(sentence, sizeof(sentence), "expected %llu to %llu printable characters",
                 (unsigned long long)d->min, (unsigned long long)d->max);
        *why = sentence;
        return false;
    }
    return replace_string(str_field(o, d), v, why);
}

static bool set_hex32(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why)
{
    size_t n = strlen(v);
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)v[i]))
            n = 0;
    if (n != 32) {
        *why = "expected 32 hexadecimal characters";
        return false;
    }
    return replace_string(str_field(o, d), v, why);
}

static bool set_log_level(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why)
{
    int level = rtm_log_level_parse(v);
    if (level < RTM_LOG_ERROR) { /* "off" is for the library, not the server */
        *why = "expected error, warn, info or debug";
        return false;
    }
    *(int *)((char *)o + d->offset) = level;
    return true;
}

static bool parse_u64(const char *v, uint64_t *out)
{
    if (!isdigit((unsigned char)*v))
        return false;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || *end)
        return false;
    *out = n;
    return true;
}

static bool set_u32(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why)
{
    static char sentence[96];
    uint64_t n;
    if (!parse_u64(v, &n) || n < d->min || n > d->max) {
        snprintf(sentence, sizeof(sentence), "expected a whole number from %llu to %llu",
                 (unsigned long long)d->min, (unsigned long long)d->max);
        *why = sentence;
        return false;
    }
    *(uint32_t *)((char *)o + d->offset) = (uint32_t)n;
    return true;
}

static bool set_flag(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why)
{
    static const char *const on[] = {"on", "true", "yes", "1"}, *const off[] = {"off", "false",
                                                                                "no", "0"};
    for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
        bool is_on = strcmp(v, on[i]) == 0;
        if (is_on || strcmp(v, off[i]) == 0) {
            *(bool *)((char *)o + d->offset) = is_on;
            return true;
        }
    }
    *why = "expected on or off";
    return false;
}

/* A secret for an HTTP header: d->min to d->max visible ASCII characters (no blanks). */
static bool set_secret(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why)
{
    static char sentence[96];
    size_t n = strlen(v);
    bool visible = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
            visible = false;
    if (n < d->min || n > d->max || !visible) {
        snprintf(sentence, sizeof(sentence),
                 "expected %llu to %llu visible ASCII characters without blanks",
                 (unsigned long long)d->min, (unsigned long long)d->max);
        *why = sentence;
        return false;
    }
    return replace_string(str_field(o, d), v, why);
}

/* Each --ban (or `ban =` line) adds one user id to the list. */
static bool set_ban(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why)
{
    (void)d;
    if (!rtm_id_valid_cstr(v)) {
        *why = "not a valid user id";
        return false;
    }
    char **grown = realloc(o->bans, (o->n_bans + 1) * sizeof(*grown));
    if (!grown) {
        *why = "out of memory";
        return false;
    }
    o->bans = grown;
    o->bans[o->n_bans] = NULL;
    if (!replace_string(&o->bans[o->n_bans], v, why))
        return false;
    o->n_bans++;
    return true;
}

/* HOST:PORT, [IPV6]:PORT, or :PORT (all interfaces). Names are resolved by the server. */
static bool set_listen(rtmd_options_t *o, const opt_def_t *d, const char *v, const char **why)
{
    const char *colon = strrchr(v, ':');
    uint64_t port;
    if (!colon || !parse_u64(colon + 1, &port) || port > 65535) {
        *why = "expected HOST:PORT with a port from 0 to 65535";
        return false;
    }
    const char *host = v;
    size_t host_len = (size_t)(colon - v);
    bool ipv6 = false;
    if (host_len && host[0] == '[') {
        if (host_len < 3 || host[host_len - 1] != ']') {
            *why = "expected [ADDRESS]:PORT for an IPv6 address";
            return false;
        }
        host++;
        host_len -= 2;
        ipv6 = true;
    }
    if (host_len > 255 || (!ipv6 && memchr(host, ':', host_len) != NULL)) {
        *why = ipv6 ? "IPv6 address too long" : "write an IPv6 address as [ADDRESS]:PORT";
        return false;
    }
    char buf[256];
    memcpy(buf, host, host_len);
    buf[host_len] = '\0';
    if (!printable(buf) || memchr(buf, ' ', host_len)) {
        *why = "the host contains a space or a control character";
        return false;
    }
    if (ipv6) {
        struct in6_addr a6;
        if (inet_pton(AF_INET6, buf, &a6) != 1) {
            *why = "not an IPv6 address";
            return false;
        }
    }
    if (!replace_string(&o->listen_host, buf, why))
        return false;
    o->listen_port = (int)port;
    o->listen_ipv6 = ipv6;
    (void)d;
    return true;
}

static bool apply(rtmd_options_t *o, const opt_def_t *d, const char *value, const char *where)
{
    const char *why = "invalid value";
    if (d->set(o, d, value, &why))
        return true;
    fprintf(stderr, "rtmd: %s: invalid value '%s' for %s: %s\n", where, value, d->name, why);
    return false;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* `name = value` lines; `#` starts a comment at the start of a line or after a blank. */
static bool read_config(rtmd_options_t *o, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "rtmd: cannot read config file %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = true;
    char *line = NULL;
    size_t cap = 0;
    unsigned lineno = 0;
    char where[512];
    while (ok && getline(&line, &cap, f) >= 0) {
        lineno++;
        snprintf(where, sizeof(where), "%s:%u", path, lineno);
        for (char *p = line; *p; p++)
            if (*p == '#' && (p == line || isspace((unsigned char)p[-1]))) {
                *p = '\0';
                break;
            }
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "rtmd: %s: expected `name = value`\n", where);
            ok = false;
            break;
        }
        *eq = '\0';
        char *name = trim(s), *value = trim(eq + 1);
        const opt_def_t *d = find_option(name, strlen(name));
        if (!d) {
            fprintf(stderr, "rtmd: %s: unknown setting '%s' (see rtmd --help)\n", where, name);
            ok = false;
            break;
        }
        ok = apply(o, d, value, where);
    }
    free(line);
    fclose(f);
    return ok;
}

void rtmd_options_usage(FILE *out)
{
    fprintf(out, "Usage: rtmd [OPTION]...\n"
                 "The rtm real-time messaging server (WebSocket subprotocol rtm.1).\n\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const opt_def_t *d = &options[i];
        fprintf(out, "  --%s%s%s  (default: %s)\n      %s\n", d->name, d->arg ? " " : "",
                d->arg ? d->arg : "", d->def ? d->def : "none", d->help);
    }
    fprintf(out,
            "  --config FILE  (default: none)\n"
            "      read the settings above from FILE as `name = value` lines (option names\n"
            "      without dashes, # comments); the command line wins\n"
            "  --help\n"
            "      print this help and exit\n\n"
            "GET /healthz on the same port answers 200 \"ok\"; with --admin-token, POST\n"
            "/admin/ban?user=ID, POST /admin/unban?user=ID and GET /admin/bans are served there\n"
            "too. SIGTERM or SIGINT drains: no new connections, GOAWAY to every client, queued\n"
            "frames written, WebSocket close 1001, exit 0 within --drain-timeout-ms.\n");
}

/* Splits argv[*i] into a name and a value ("--name value" or "--name=value"). */
static bool next_arg(int argc, char **argv, int *i, const char **name, size_t *name_len,
                     const char **value)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0 || !a[2]) {
        fprintf(stderr, "rtmd: unexpected argument '%s' (see rtmd --help)\n", a);
        return false;
    }
    *name = a + 2;
    const char *eq = strchr(*name, '=');
    if (eq) {
        *name_len = (size_t)(eq - *name);
        *value = eq + 1;
        return true;
    }
    *name_len = strlen(*name);
    *value = NULL;
    if (*name_len == 4 && memcmp(*name, "help", 4) == 0)
        return true;
    const opt_def_t *d = find_option(*name, *name_len);
    if (!(*name_len == 6 && memcmp(*name, "config", 6) == 0) && !d) {
        fprintf(stderr, "rtmd: unknown option '%s' (see rtmd --help)\n", a);
        return false;
    }
    if (d && !d->arg) { /* a flag alone turns it on */
        *value = "on";
        return true;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "rtmd: option --%s needs a value (see rtmd --help)\n", *name);
        return false;
    }
    *value = argv[++*i];
    return true;
}

static bool check(const rtmd_options_t *o)
{
    if (!o->tls_cert != !o->tls_key) {
        fprintf(stderr, "rtmd: --tls-cert and --tls-key go together\n");
        return false;
    }
    if (o->app_certificate && !o->app_id) {
        fprintf(stderr, "rtmd: --app-certificate needs --app-id\n");
        return false;
    }
    if (o->app_certificate) {
        size_t n = strlen(o->app_id);
        for (size_t i = 0; i < n; i++)
            if (!isxdigit((unsigned char)o->app_id[i]))
                n = 0;
        if (n != 32) {
            fprintf(stderr, "rtmd: with --app-certificate, --app-id must be 32 hexadecimal "
                            "characters (tokens are signed for it)\n");
            return false;
        }
    }
    return true;
}

rtmd_options_status_t rtmd_options_parse(rtmd_options_t *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (options[i].def && !apply(o, &options[i], options[i].def, "default"))
            return RTMD_OPTIONS_BAD;

    /* First pass: syntax, --help and --config; the file is read before the command line so
     * that the command line wins. */
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        const char *name, *value;
        size_t len;
        if (!next_arg(argc, argv, &i, &name, &len, &value))
            return RTMD_OPTIONS_BAD;
        if (len == 4 && memcmp(name, "help", 4) == 0) {
            rtmd_options_usage(stdout);
            return RTMD_OPTIONS_EXIT;
        }
        if (len == 6 && memcmp(name, "config", 6) == 0) {
            config = value;
        } else if (!find_option(name, len)) {
            fprintf(stderr, "rtmd: unknown option '--%.*s' (see rtmd --help)\n", (int)len, name);
            return RTMD_OPTIONS_BAD;
        }
    }
    if (config && !read_config(o, config))
        return RTMD_OPTIONS_BAD;
    for (int i = 1; i < argc; i++) {
        const char *name, *value;
        size_t len;
        next_arg(argc, argv, &i, &name, &len, &value);
        const opt_def_t *d = find_option(name, len);
        if (d && !apply(o, d, value, "command line"))
            return RTMD_OPTIONS_BAD;
    }
    return check(o) ? RTMD_OPTIONS_RUN : RTMD_OPTIONS_BAD;
}

void rtmd_options_free(rtmd_options_t *o)
{
    free(o->listen_host);
    free(o->app_id);
    free(o->app_certificate);
    free(o->data_dir);
    free(o->admin_token);
    for (uint32_t i = 0; i < o->n_bans; i++)
        free(o->bans[i]);
    free(o->bans);
    free(o->tls_cert);
    free(o->tls_key);
    memset(o, 0, sizeof(*o));
}
