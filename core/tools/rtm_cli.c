/* rtm-cli: an interactive and scriptable client built only on the public librtm ABI. Reads one
 * command a line from stdin and prints every event as one line prefixed with [label]; a single
 * thread, one poll() over stdin and the client's event fd, no other use of the library. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <rtm/rtm.h>

#define EXIT_USAGE              2
#define DEFAULT_APP_ID          "demo"
#define DEFAULT_LABEL           "rtm-cli"
#define DEFAULT_WAIT_MS         10000
#define MAX_WAIT_MS             86400000 /* one day: anything longer is a typo */
#define WAIT_ONLINE_INTERVAL_MS 100
#define QUIT_TIMEOUT_MS         5000 /* for the results still pending at quit */
#define BACKLOG_CAPACITY        1024 /* event types kept for a later expect */
#define MAX_LINE_BYTES          (256 * 1024)
#define READ_CHUNK_BYTES        4096

/* What a command tells the loop. */
typedef enum cmd_status {
    CMD_CONTINUE,
    CMD_QUIT, /* quit or EOF: log out, exit 0 */
    CMD_FAIL  /* expect or wait-online gave up: exit 1 */
} cmd_status_t;

/* A request whose result event has not come yet, with the words that describe it. */
typedef struct pending {
    struct pending *next;
    uint64_t request_id;
    char *what; /* "message to bob", "login as alice" */
} pending_t;

typedef struct cli {
    rtm_client_t *client;
    int event_fd;
    const char *name; /* --name; NULL: the user id of the latest login */
    char *user_id;
    pending_t *pending;
    uint64_t abandoned_query; /* wait-online's last query when it gave up; its answer is dropped */
    /* Types of the events printed since the last expect matched, oldest first: a script's
     * expect must not miss an event that arrived while an earlier command ran. */
    rtm_event_type_t backlog[BACKLOG_CAPACITY];
    size_t backlog_len;
    /* stdin bytes not yet run as commands: in[off..len). */
    char *in;
    size_t in_off, in_len, in_cap;
    bool in_discarding; /* inside a line longer than MAX_LINE_BYTES */
} cli_t;

/* ---------------------------------------------------------------------------------------- */
/* Output                                                                                    */
/* ---------------------------------------------------------------------------------------- */

static const char *label(const cli_t *cli)
{
    if (cli->name)
        return cli->name;
    return cli->user_id ? cli->user_id : DEFAULT_LABEL;
}

static void say(const cli_t *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const cli_t *cli, const char *fmt, ...)
{
    va_list ap;
    printf("[%s] ", label(cli));
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static void complain(const cli_t *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void complain(const cli_t *cli, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "[%s] error: ", label(cli));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* A call on the client refused synchronously: its code and the client's sentence. */
static void call_failed(const cli_t *cli, const char *what, rtm_err_t err)
{
    complain(cli, "%s failed: %s: %s", what, rtm_err_name(err), rtm_client_last_error(cli->client));
}

/* Bytes as they are, except that control characters and backslashes are escaped so that a
 * message always stays on its one line. */
static void put_escaped(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c == '\t')
            fputs("\\t", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c < 0x20 || c == 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

static void put_hex(const unsigned char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        printf("%02x", data[i]);
}

static char *format_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format_alloc(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---------------------------------------------------------------------------------------- */
/* Names                                                                                     */
/* ---------------------------------------------------------------------------------------- */

static const char *state_name(rtm_connection_state_t state)
{
    switch (state) {
    case RTM_CONNECTION_STATE_DISCONNECTED:
        return "DISCONNECTED";
    case RTM_CONNECTION_STATE_CONNECTING:
        return "CONNECTING";
    case RTM_CONNECTION_STATE_CONNECTED:
        return "CONNECTED";
    case RTM_CONNECTION_STATE_RECONNECTING:
        return "RECONNECTING";
    case RTM_CONNECTION_STATE_ABORTED:
        return "ABORTED";
    }
    return "UNKNOWN";
}

static const char *reason_name(rtm_connection_change_reason_t reason)
{
    switch (reason) {
    case RTM_CONNECTION_CHANGE_REASON_LOGIN:
        return "LOGIN";
    case RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS:
        return "LOGIN_SUCCESS";
    case RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE:
        return "LOGIN_FAILURE";
    case RTM_CONNECTION_CHANGE_REASON_LOGIN_TIMEOUT:
        return "LOGIN_TIMEOUT";
    case RTM_CONNECTION_CHANGE_REASON_INTERRUPTED:
        return "INTERRUPTED";
    case RTM_CONNECTION_CHANGE_REASON_LOGOUT:
        return "LOGOUT";
    case RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER:
        return "BANNED_BY_SERVER";
    case RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN:
        return "REMOTE_LOGIN";
    case RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED:
        return "TOKEN_EXPIRED";
    }
    return "UNKNOWN";
}

static const char *peer_state_name(rtm_peer_online_state_t state)
{
    switch (state) {
    case RTM_PEER_ONLINE_STATE_ONLINE:
        return "ONLINE";
    case RTM_PEER_ONLINE_STATE_UNREACHABLE:
        return "UNREACHABLE";
    case RTM_PEER_ONLINE_STATE_OFFLINE:
        return "OFFLINE";
    }
    return "UNKNOWN";
}

/* "PEER_MESSAGE_RECEIVED" for RTM_EVENT_PEER_MESSAGE_RECEIVED. */
static const char *event_short_name(rtm_event_type_t type)
{
    static const char prefix[] = "RTM_EVENT_";
    const char *name = rtm_event_type_name(type);
    return strncmp(name, prefix, sizeof(prefix) - 1) == 0 ? name + sizeof(prefix) - 1 : name;
}

/* Whether the name of type ends with suffix (case-insensitive), as expect matches events. */
static bool event_type_matches(rtm_event_type_t type, const char *suffix)
{
    const char *name = rtm_event_type_name(type);
    size_t n = strlen(name), s = strlen(suffix);
    return s > 0 && s <= n && strcasecmp(name + n - s, suffix) == 0 &&
           strcmp(name, "RTM_EVENT_UNKNOWN") != 0;
}

/* Whether any event type could ever match suffix: catches typos before a long wait. */
static bool event_suffix_known(const char *suffix)
{
    for (int t = 1; t < 128; t++)
        if (event_type_matches((rtm_event_type_t)t, suffix))
            return true;
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Pending requests and the expect backlog                                                   */
/* ---------------------------------------------------------------------------------------- */

/* Remembers what request_id was for; takes what (NULL when it could not be built). */
static void pending_add(cli_t *cli, uint64_t request_id, char *what)
{
    pending_t *p = what ? malloc(sizeof(*p)) : NULL;
    if (!p) {
        free(what);
        return; /* the result then prints with a generic description */
    }
    p->request_id = request_id;
    p->what = what;
    p->next = cli->pending;
    cli->pending = p;
}

/* The description of request_id, now the caller's; NULL when unknown. */
static char *pending_take(cli_t *cli, uint64_t request_id)
{
    for (pending_t **pp = &cli->pending; *pp; pp = &(*pp)->next) {
        pending_t *p = *pp;
        if (p->request_id == request_id) {
            char *what = p->what;
            *pp = p->next;
            free(p);
            return what;
        }
    }
    return NULL;
}

static void pending_clear(cli_t *cli)
{
    while (cli->pending) {
        pending_t *p = cli->pending;
        cli->pending = p->next;
        free(p->what);
        free(p);
    }
}

static void backlog_push(cli_t *cli, rtm_event_type_t type)
{
    if (cli->backlog_len == BACKLOG_CAPACITY) {
        memmove(cli->backlog, cli->backlog + 1, (BACKLOG_CAPACITY - 1) * sizeof(cli->backlog[0]));
        cli->backlog_len--;
    }
    cli->backlog[cli->backlog_len++] = type;
}

/* Finds the oldest backlog entry matching suffix and forgets it with every older entry, as
 * expect(1) consumes its buffer up to a match: events are matched in the order they came,
 * and one that a script skipped cannot satisfy a later expect by surprise. */
static bool backlog_take(cli_t *cli, const char *suffix)
{
    for (size_t i = 0; i < cli->backlog_len; i++) {
        if (event_type_matches(cli->backlog[i], suffix)) {
            memmove(cli->backlog, cli->backlog + i + 1,
                    (cli->backlog_len - i - 1) * sizeof(cli->backlog[0]));
            cli->backlog_len -= i + 1;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Events                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* "<what> <ok_word>" or "<what> failed: RTM_ERR_...". */
static void put_result(const char *what, const char *fallback, rtm_err_t err, const char *ok_word)
{
    fputs(what ? what : fallback, stdout);
    if (err == RTM_OK)
        printf(" %s", ok_word);
    else
        printf(" failed: %s", rtm_err_name(err));
}

/* "bob is ONLINE, carol is OFFLINE" (with "now" for changes). */
static void put_peer_states(const rtm_event_t *ev, const char *verb)
{
    size_t n = rtm_event_peer_count(ev);
    if (n == 0)
        fputs("no peers in the answer", stdout);
    for (size_t i = 0; i < n; i++) {
        const char *peer = rtm_event_peer_id(ev, i);
        printf("%s%s %s %s", i ? ", " : "", peer ? peer : "?", verb,
               peer_state_name(rtm_event_peer_state(ev, i)));
    }
}

static void put_received_message(const rtm_event_t *ev)
{
    const rtm_message_t *msg = rtm_event_message(ev);
    const char *from = rtm_event_user_id(ev);
    const char *offline = rtm_message_is_offline(msg) ? "offline " : "";
    size_t len = 0;
    const void *data = rtm_message_data(msg, &len);
    if (rtm_message_type(msg) == RTM_MESSAGE_TYPE_RAW) {
        const char *description = rtm_message_text(msg);
        printf("%sraw message from %s", offline, from ? from : "?");
        if (description && *description) {
            fputs(" (", stdout);
            put_escaped(description, strlen(description));
            putchar(')');
        }
        printf(": %zu byte%s ", len, len == 1 ? "" : "s");
        put_hex(data, len);
    } else {
        printf("%smessage from %s: ", offline, from ? from : "?");
        put_escaped(data, len);
    }
}

/* Prints one event as one line. */
static void print_event(cli_t *cli, const rtm_event_t *ev)
{
    rtm_event_type_t type = rtm_event_type(ev);
    rtm_err_t err = rtm_event_error(ev);
    uint64_t request_id = rtm_event_request_id(ev);
    char *what = request_id ? pending_take(cli, request_id) : NULL;

    printf("[%s] ", label(cli));
    switch (type) {
    case RTM_EVENT_CONNECTION_STATE_CHANGED:
        printf("state %s (%s)", state_name(rtm_event_connection_state(ev)),
               reason_name(rtm_event_connection_reason(ev)));
        break;
    case RTM_EVENT_LOGIN_RESULT:
        put_result(what, "login", err, "succeeded");
        break;
    case RTM_EVENT_LOGOUT_RESULT:
        put_result(what, "logout", err, "done");
        break;
    case RTM_EVENT_RENEW_TOKEN_RESULT:
        put_result(what, "token renewal", err, "accepted");
        break;
    case RTM_EVENT_TOKEN_EXPIRED:
        fputs("token expired: log in again with a new token", stdout);
        break;
    case RTM_EVENT_TOKEN_PRIVILEGE_WILL_EXPIRE:
        fputs("token will expire soon: renew it", stdout);
        break;
    case RTM_EVENT_PEER_MESSAGE_RECEIVED:
        put_received_message(ev);
        break;
    case RTM_EVENT_SEND_PEER_MESSAGE_RESULT:
        put_result(what, "message", err, "delivered");
        break;
    case RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT:
        if (err == RTM_OK)
            put_peer_states(ev, "is");
        else
            put_result(what, "query", err, "");
        break;
    case RTM_EVENT_PEERS_ONLINE_STATUS_CHANGED:
        put_peer_states(ev, "is now");
        break;
    default: {
        /* Events this tool cannot cause still print readably. */
        const char *channel = rtm_event_channel_id(ev);
        const char *user = rtm_event_user_id(ev);
        fputs(event_short_name(type), stdout);
        if (request_id)
            printf(" (request %llu)", (unsigned long long)request_id);
        if (channel)
            printf(" channel %s", channel);
        if (user)
            printf(" user %s", user);
        if (err != RTM_OK)
            printf(" failed: %s", rtm_err_name(err));
        break;
    }
    }
    putchar('\n');
    free(what);
}

/* A filter looks at each event before it is printed; its verdict is a set of these bits. */
enum {
    EV_HIDE = 1, /* do not print it (nor keep it for expect) */
    EV_DONE = 2  /* the wait is over; the event is consumed, not kept for expect */
};
typedef int (*event_filter_t)(cli_t *cli, const rtm_event_t *ev, void *arg);

/* Takes every queued event; true as soon as filter (may be NULL) says done. */
static bool drain_events(cli_t *cli, event_filter_t filter, void *arg)
{
    rtm_event_t *ev;
    while ((ev = rtm_client_poll(cli->client, 0)) != NULL) {
        if (cli->abandoned_query && rtm_event_request_id(ev) == cli->abandoned_query) {
            cli->abandoned_query = 0;
            rtm_event_free(ev);
            continue;
        }
        int verdict = filter ? filter(cli, ev, arg) : 0;
        if (!(verdict & EV_HIDE))
            print_event(cli, ev);
        if (!(verdict & (EV_HIDE | EV_DONE)))
            backlog_push(cli, rtm_event_type(ev));
        rtm_event_free(ev);
        if (verdict & EV_DONE)
            return true;
    }
    return false;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints events for up to timeout_ms; true as soon as filter says done, false at the end. */
static bool wait_events(cli_t *cli, int64_t timeout_ms, event_filter_t filter, void *arg)
{
    int64_t deadline_ms = now_ms() + timeout_ms;
    for (;;) {
        if (drain_events(cli, filter, arg))
            return true;
        int64_t left_ms = deadline_ms - now_ms();
        if (left_ms <= 0)
            return false;
        struct pollfd pfd = {.fd = cli->event_fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left_ms) < 0 && errno != EINTR) {
            complain(cli, "poll: %s", strerror(errno));
            return false;
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Commands                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* The next blank-separated word of *p, NUL-terminated in place; NULL at the end. */
static char *next_word(char **p)
{
    char *s = *p;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s) {
        *p = s;
        return NULL;
    }
    char *e = s;
    while (*e && !isspace((unsigned char)*e))
        e++;
    if (*e)
        *e++ = '\0';
    *p = e;
    return s;
}

/* The rest of the line after its leading blanks; NULL when nothing is left. */
static char *rest_of_line(char **p)
{
    char *s = *p;
    while (isspace((unsigned char)*s))
        s++;
    *p = s + strlen(s);
    return *s ? s : NULL;
}

/* A whole number of milliseconds in 0..MAX_WAIT_MS. */
static bool parse_ms(const char *s, int64_t *ms)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > MAX_WAIT_MS)
        return false;
    *ms = (int64_t)v;
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes an even number of hex digits into a new buffer; NULL when hex is not that. */
static unsigned char *parse_hex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 != 0)
        return NULL;
    unsigned char *out = malloc(n / 2);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

typedef struct command {
    const char *name;
    const char *args; /* usage after the name */
    const char *help;
    cmd_status_t (*run)(cli_t *cli, char *args);
} command_t;

static const command_t *find_command(const char *name);

static cmd_status_t usage_hint(const cli_t *cli, const char *name)
{
    const command_t *c = find_command(name);
    complain(cli, "usage: %s %s", name, c ? c->args : "");
    return CMD_CONTINUE;
}

static cmd_status_t cmd_login(cli_t *cli, char *args)
{
    char *user = next_word(&args);
    char *token = next_word(&args);
    if (!user || next_word(&args))
        return usage_hint(cli, "login");
    uint64_t request_id = 0;
    rtm_err_t err = rtm_client_login(cli->client, token, user, &request_id);
    if (err != RTM_OK) {
        call_failed(cli, "login", err);
        return CMD_CONTINUE;
    }
    char *copy = strdup(user);
    if (copy) {
        free(cli->user_id);
        cli->user_id = copy;
    }
    pending_add(cli, request_id, format_alloc("login as %s", user));
    return CMD_CONTINUE;
}

static cmd_status_t cmd_logout(cli_t *cli, char *args)
{
    if (next_word(&args))
        return usage_hint(cli, "logout");
    uint64_t request_id = 0;
    rtm_err_t err = rtm_client_logout(cli->client, &request_id);
    if (err != RTM_OK) {
        call_failed(cli, "logout", err);
        return CMD_CONTINUE;
    }
    pending_add(cli, request_id, format_alloc("logout"));
    return CMD_CONTINUE;
}

/* Sends msg (kept by the caller) to peer; what describes it in the result line. */
static void send_to_peer(cli_t *cli, const char *peer, const rtm_message_t *msg, const char *kind)
{
    uint64_t request_id = 0;
    rtm_err_t err = rtm_client_send_message_to_peer(cli->client, peer, msg, 0, &request_id);
    if (err != RTM_OK) {
        call_failed(cli, "send", err);
        return;
    }
    pending_add(cli, request_id, format_alloc("%s to %s", kind, peer));
}

static cmd_status_t cmd_send(cli_t *cli, char *args)
{
    char *peer = next_word(&args);
    char *text = rest_of_line(&args);
    if (!peer || !text)
        return usage_hint(cli, "send");
    rtm_err_t err = RTM_OK;
    rtm_message_t *msg = rtm_message_new_text(text, &err);
    if (!msg) {
        complain(cli, "message failed: %s: %s", rtm_err_name(err), rtm_err_str(err));
        return CMD_CONTINUE;
    }
    send_to_peer(cli, peer, msg, "message");
    rtm_message_free(msg);
    return CMD_CONTINUE;
}

static cmd_status_t cmd_sendraw(cli_t *cli, char *args)
{
    char *peer = next_word(&args);
    char *hex = next_word(&args);
    char *description = rest_of_line(&args);
    if (!peer || !hex)
        return usage_hint(cli, "sendraw");
    size_t len = 0;
    unsigned char *bytes = parse_hex(hex, &len);
    if (!bytes) {
        complain(cli, "sendraw: \"%s\" is not an even number of hexadecimal digits", hex);
        return CMD_CONTINUE;
    }
    rtm_err_t err = RTM_OK;
    rtm_message_t *msg = rtm_message_new_raw(bytes, len, description, &err);
    free(bytes);
    if (!msg) {
        complain(cli, "message failed: %s: %s", rtm_err_name(err), rtm_err_str(err));
        return CMD_CONTINUE;
    }
    send_to_peer(cli, peer, msg, "raw message");
    rtm_message_free(msg);
    return CMD_CONTINUE;
}

static cmd_status_t cmd_query(cli_t *cli, char *args)
{
    /* At most one peer per two characters of the line. */
    size_t cap = strlen(args) / 2 + 1, count = 0, what_len = sizeof("query of");
    const char **peers = malloc(cap * sizeof(*peers));
    if (!peers) {
        complain(cli, "query: out of memory");
        return CMD_CONTINUE;
    }
    for (char *w; count < cap && (w = next_word(&args)) != NULL;) {
        peers[count++] = w;
        what_len += strlen(w) + 2;
    }
    if (count == 0) {
        free(peers);
        return usage_hint(cli, "query");
    }
    uint64_t request_id = 0;
    rtm_err_t err = rtm_client_query_peers_online_status(cli->client, peers, count, &request_id);
    if (err != RTM_OK) {
        call_failed(cli, "query", err);
    } else {
        char *what = malloc(what_len);
        if (what) {
            char *end = what;
            for (size_t i = 0; i < count; i++) {
                const char *sep = i ? ", " : "query of ";
                size_t sep_len = strlen(sep), len = strlen(peers[i]);
                memcpy(end, sep, sep_len);
                memcpy(end + sep_len, peers[i], len);
                end += sep_len + len;
            }
            *end = '\0';
        }
        pending_add(cli, request_id, what);
    }
    free(peers);
    return CMD_CONTINUE;
}

static cmd_status_t cmd_renew(cli_t *cli, char *args)
{
    char *token = next_word(&args);
    if (!token || next_word(&args))
        return usage_hint(cli, "renew");
    uint64_t request_id = 0;
    rtm_err_t err = rtm_client_renew_token(cli->client, token, &request_id);
    if (err != RTM_OK) {
        call_failed(cli, "renew", err);
        return CMD_CONTINUE;
    }
    pending_add(cli, request_id, format_alloc("token renewal"));
    return CMD_CONTINUE;
}

static cmd_status_t cmd_state(cli_t *cli, char *args)
{
    if (next_word(&args))
        return usage_hint(cli, "state");
    say(cli, "state %s", state_name(rtm_client_connection_state(cli->client)));
    return CMD_CONTINUE;
}

static cmd_status_t cmd_wait(cli_t *cli, char *args)
{
    char *ms_text = next_word(&args);
    int64_t ms = 0;
    if (!ms_text || next_word(&args) || !parse_ms(ms_text, &ms))
        return usage_hint(cli, "wait");
    wait_events(cli, ms, NULL, NULL);
    return CMD_CONTINUE;
}

/* Ends an expect at its event; what was printed before it is forgotten (see backlog_take). */
static int expect_filter(cli_t *cli, const rtm_event_t *ev, void *arg)
{
    if (!event_type_matches(rtm_event_type(ev), arg))
        return 0;
    cli->backlog_len = 0;
    return EV_DONE;
}

static cmd_status_t cmd_expect(cli_t *cli, char *args)
{
    char *suffix = next_word(&args);
    char *ms_text = next_word(&args);
    int64_t ms = DEFAULT_WAIT_MS;
    if (!suffix || next_word(&args) || (ms_text && !parse_ms(ms_text, &ms)))
        return usage_hint(cli, "expect");
    if (!event_suffix_known(suffix)) {
        complain(cli, "expect: no event type name ends with %s (e.g. PEER_MESSAGE_RECEIVED)",
                 suffix);
        return CMD_FAIL;
    }
    /* An event that came in while an earlier command ran counts: it was printed then. */
    if (backlog_take(cli, suffix) || wait_events(cli, ms, expect_filter, suffix))
        return CMD_CONTINUE;
    complain(cli, "expect %s: no such event within %lld ms", suffix, (long long)ms);
    return CMD_FAIL;
}

/* The state of the query wait-online sent last. */
typedef struct online_wait {
    const char *peer;
    uint64_t request_id;
    bool online;
    rtm_err_t err;
    rtm_peer_online_state_t state;
} online_wait_t;

/* Consumes the answer to our own query without printing it; everything else prints. */
static int online_filter(cli_t *cli, const rtm_event_t *ev, void *arg)
{
    online_wait_t *w = arg;
    if (rtm_event_type(ev) != RTM_EVENT_QUERY_PEERS_ONLINE_STATUS_RESULT ||
        rtm_event_request_id(ev) != w->request_id)
        return 0;
    w->err = rtm_event_error(ev);
    for (size_t i = 0; w->err == RTM_OK && i < rtm_event_peer_count(ev); i++) {
        const char *peer = rtm_event_peer_id(ev, i);
        if (peer && strcmp(peer, w->peer) == 0)
            w->state = rtm_event_peer_state(ev, i);
    }
    w->online = w->err == RTM_OK && w->state == RTM_PEER_ONLINE_STATE_ONLINE;
    return EV_HIDE | EV_DONE;
}

static cmd_status_t cmd_wait_online(cli_t *cli, char *args)
{
    char *peer = next_word(&args);
    char *ms_text = next_word(&args);
    int64_t ms = DEFAULT_WAIT_MS;
    if (!peer || next_word(&args) || (ms_text && !parse_ms(ms_text, &ms)))
        return usage_hint(cli, "wait-online");
    online_wait_t w = {.peer = peer, .state = RTM_PEER_ONLINE_STATE_OFFLINE};
    const char *const peers[] = {peer};
    int64_t deadline_ms = now_ms() + ms;
    for (;;) {
        int64_t sent_ms = now_ms();
        rtm_err_t err = rtm_client_query_peers_online_status(cli->client, peers, 1, &w.request_id);
        if (err != RTM_OK) {
            call_failed(cli, "wait-online", err);
            return CMD_FAIL;
        }
        if (!wait_events(cli, deadline_ms - now_ms(), online_filter, &w)) {
            cli->abandoned_query = w.request_id;
            break;
        }
        if (w.online) {
            say(cli, "%s is ONLINE", peer);
            return CMD_CONTINUE;
        }
        int64_t next_ms = sent_ms + WAIT_ONLINE_INTERVAL_MS;
        if (next_ms >= deadline_ms)
            break;
        wait_events(cli, next_ms - now_ms(), NULL, NULL);
    }
    if (w.err != RTM_OK)
        complain(cli, "wait-online %s: not ONLINE within %lld ms (last query: %s)", peer,
                 (long long)ms, rtm_err_name(w.err));
    else
        complain(cli, "wait-online %s: not ONLINE within %lld ms (last seen %s)", peer,
                 (long long)ms, peer_state_name(w.state));
    return CMD_FAIL;
}

static cmd_status_t cmd_echo(cli_t *cli, char *args)
{
    char *text = rest_of_line(&args);
    say(cli, "%s", text ? text : "");
    return CMD_CONTINUE;
}

static cmd_status_t cmd_help(cli_t *cli, char *args);

static cmd_status_t cmd_quit(cli_t *cli, char *args)
{
    return CMD_QUIT;
}

static const command_t commands[] = {
    {"login", "USER [TOKEN]", "log in as USER (TOKEN: when the server needs one)", cmd_login},
    {"logout", "", "log out", cmd_logout},
    {"send", "PEER TEXT...", "send a text message to PEER", cmd_send},
    {"sendraw", "PEER HEXBYTES [DESCRIPTION]", "send raw bytes (hex digits) to PEER", cmd_sendraw},
    {"query", "PEER...", "ask whether each PEER is online", cmd_query},
    {"renew", "TOKEN", "give the server a new token for this session", cmd_renew},
    {"state", "", "print the connection state", cmd_state},
    {"wait", "MS", "print events for MS milliseconds", cmd_wait},
    {"expect", "EVENT [MS]",
     "wait up to MS ms (default 10000) for an event whose type name ends with EVENT\n"
     "      (PEER_MESSAGE_RECEIVED, LOGIN_RESULT...); exit 1 if none comes",
     cmd_expect},
    {"wait-online", "PEER [MS]",
     "query PEER every 100 ms until it is ONLINE; exit 1 if it is not after MS ms\n"
     "      (default 10000)",
     cmd_wait_online},
    {"echo", "TEXT...", "print TEXT", cmd_echo},
    {"help", "", "print this list", cmd_help},
    {"quit", "", "log out if logged in and exit (also at end of input)", cmd_quit},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const command_t *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static cmd_status_t cmd_help(cli_t *cli, char *args)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        printf("  %s%s%s\n      %s\n", commands[i].name, *commands[i].args ? " " : "",
               commands[i].args, commands[i].help);
    }
    puts("Events print as they come. expect matches them in that order: it also sees those that\n"
         "came while earlier commands ran, back to the event the previous expect matched.\n"
         "Blank lines and lines starting with # are ignored; end of input is quit.");
    return CMD_CONTINUE;
}

static cmd_status_t run_line(cli_t *cli, char *line)
{
    char *p = line;
    char *name = next_word(&p);
    if (!name || name[0] == '#')
        return CMD_CONTINUE;
    /* Trailing blanks (and a CR from a DOS script) are not part of any argument. */
    size_t n = strlen(p);
    while (n > 0 && isspace((unsigned char)p[n - 1]))
        p[--n] = '\0';
    const command_t *c = find_command(name);
    if (!c) {
        complain(cli, "unknown command \"%s\": type help for the list", name);
        return CMD_CONTINUE;
    }
    return c->run(cli, p);
}

/* ---------------------------------------------------------------------------------------- */
/* The loop                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/* Reads what stdin has into the buffer; false at end of input. */
static bool read_input(cli_t *cli)
{
    if (cli->in_cap - cli->in_len < READ_CHUNK_BYTES) {
        size_t cap = cli->in_cap ? cli->in_cap * 2 : 2 * READ_CHUNK_BYTES;
        char *in = realloc(cli->in, cap);
        if (!in) {
            complain(cli, "out of memory reading commands");
            return false;
        }
        cli->in = in;
        cli->in_cap = cap;
    }
    ssize_t n = read(STDIN_FILENO, cli->in + cli->in_len, cli->in_cap - cli->in_len - 1);
    if (n > 0) {
        cli->in_len += (size_t)n;
        return true;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n < 0)
        complain(cli, "reading commands: %s", strerror(errno));
    return false;
}

/* Runs every complete line of the buffer, in order. */
static cmd_status_t run_buffered_lines(cli_t *cli)
{
    cmd_status_t status = CMD_CONTINUE;
    while (status == CMD_CONTINUE) {
        char *start = cli->in + cli->in_off;
        char *nl = memchr(start, '\n', cli->in_len - cli->in_off);
        if (!nl)
            break;
        *nl = '\0';
        cli->in_off = (size_t)(nl + 1 - cli->in);
        if (cli->in_discarding)
            cli->in_discarding = false;
        else
            status = run_line(cli, start);
    }
    /* Keep only the unfinished line, at the front. */
    memmove(cli->in, cli->in + cli->in_off, cli->in_len - cli->in_off);
    cli->in_len -= cli->in_off;
    cli->in_off = 0;
    if (cli->in_len > MAX_LINE_BYTES) {
        if (!cli->in_discarding)
            complain(cli, "a line longer than %d bytes is ignored", MAX_LINE_BYTES);
        cli->in_len = 0;
        cli->in_discarding = true;
    }
    return status;
}

static cmd_status_t run(cli_t *cli)
{
    for (;;) {
        drain_events(cli, NULL, NULL);
        struct pollfd pfds[2] = {
            {.fd = STDIN_FILENO, .events = POLLIN},
            {.fd = cli->event_fd, .events = POLLIN},
        };
        if (poll(pfds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            complain(cli, "poll: %s", strerror(errno));
            return CMD_FAIL;
        }
        if (!pfds[0].revents)
            continue;
        if (!read_input(cli)) {
            /* End of input: a last line without its newline still runs. */
            if (cli->in_len > 0 && !cli->in_discarding) {
                cli->in[cli->in_len++] = '\n';
                cmd_status_t status = run_buffered_lines(cli);
                if (status != CMD_CONTINUE)
                    return status;
            }
            return CMD_QUIT;
        }
        cmd_status_t status = run_buffered_lines(cli);
        if (status != CMD_CONTINUE)
            return status;
    }
}

/* Stops when the last pending request has its result. */
static int pending_done_filter(cli_t *cli, const rtm_event_t *ev, void *arg)
{
    pending_t *p = cli->pending;
    return p && !p->next && p->request_id == rtm_event_request_id(ev) ? EV_DONE : 0;
}

/* quit: log out if needed and print the results still due (a logout completes every pending
 * request), within QUIT_TIMEOUT_MS. */
static void quit_gracefully(cli_t *cli)
{
    if (rtm_client_connection_state(cli->client) != RTM_CONNECTION_STATE_DISCONNECTED) {
        uint64_t request_id = 0;
        rtm_err_t err = rtm_client_logout(cli->client, &request_id);
        if (err == RTM_OK)
            pending_add(cli, request_id, format_alloc("logout"));
        else
            call_failed(cli, "logout", err);
    }
    drain_events(cli, NULL, NULL);
    if (cli->pending && !wait_events(cli, QUIT_TIMEOUT_MS, pending_done_filter, NULL))
        complain(cli, "quit: results still missing after %d ms", QUIT_TIMEOUT_MS);
}

static const char usage[] =
    "Usage: rtm-cli [--url URL] [--app-id ID] [--name LABEL] [--help]\n"
    "An RTM client driven by commands on stdin, typed or piped from a script; prints every\n"
    "event as one line prefixed with [LABEL].\n"
    "\n"
    "  --url URL      the server (default ws://127.0.0.1:9090; comma-separated list tried in "
    "turn)\n"
    "  --app-id ID    the app id to log in with (default \"demo\")\n"
    "  --name LABEL   prefix of the output lines (default the user id once logged in)\n"
    "  --help         print this help and exit\n"
    "\n"
    "Exit status: 0 after quit or end of input, 1 when expect or wait-online gives up,\n"
    "2 for bad options.\n"
    "\n"
    "Commands:\n";

static int usage_error(const char *message, const char *detail)
{
    fprintf(stderr, "rtm-cli: %s%s\nTry 'rtm-cli --help'.\n", message, detail ? detail : "");
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"url", required_argument, NULL, 'u'},
        {"app-id", required_argument, NULL, 'a'},
        {"name", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *app_id = DEFAULT_APP_ID;
    cli_t cli = {.event_fd = -1};
    opterr = 0; /* our own messages */
    int c;
    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (c) {
        case 'u':
            url = optarg;
            break;
        case 'a':
            app_id = optarg;
            break;
        case 'n':
            cli.name = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            cmd_help(&cli, NULL);
            return 0;
        case ':':
            return usage_error("missing value for ", argv[optind - 1]);
        default:
            return usage_error("unknown option ", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument ", argv[optind]);
    if (cli.name && !*cli.name)
        return usage_error("--name must not be empty", NULL);
    if (!app_id || !*app_id)
        return usage_error("--app-id must not be empty", NULL);

    /* Whole lines, written as they are made: two clients sharing a terminal or a pipe keep
     * their lines apart, and a script sees each event when it happens. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    setvbuf(stderr, NULL, _IOLBF, 0);

    rtm_config_t *config = rtm_config_new();
    if (!config) {
        fprintf(stderr, "rtm-cli: out of memory\n");
        return 1;
    }
    rtm_err_t err = url ? rtm_config_set(config, "server.url", url) : RTM_OK;
    if (err != RTM_OK) {
        rtm_config_free(config);
        return usage_error("invalid --url ", url);
    }
    cli.client = rtm_client_new(app_id, config, &err);
    rtm_config_free(config);
    if (!cli.client) {
        fprintf(stderr, "rtm-cli: cannot create the client: %s: %s\n", rtm_err_name(err),
                rtm_err_str(err));
        return 1;
    }
    int status = 1;
    cli.event_fd = rtm_client_event_fd(cli.client);
    if (cli.event_fd < 0) {
        fprintf(stderr, "rtm-cli: cannot get the client's event descriptor\n");
        goto out;
    }
    if (isatty(STDIN_FILENO))
        say(&cli, "rtm-cli %s, app id \"%s\": type help for the commands", rtm_version_string(),
            app_id);

    /* Even after a failed expect: a logout that the server sees lets our last acks reach it,
     * so a peer does not learn "unreachable" about a message this client printed. */
    status = run(&cli) == CMD_QUIT ? 0 : 1;
    quit_gracefully(&cli);
out:
    rtm_client_free(cli.client);
    pending_clear(&cli);
    free(cli.user_id);
    free(cli.in);
    return status;
}
