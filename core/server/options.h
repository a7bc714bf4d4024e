/* rtmd's settings: one table of long options, read from the command line and from
 * `--config FILE` (`name = value` lines; the command line wins). Parsing only: nothing here
 * touches the network or starts anything. */
#ifndef RTMD_OPTIONS_H
#define RTMD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct rtmd_options {
    /* --listen HOST:PORT. listen_host is the host as written (brackets stripped for IPv6),
     * "" for all interfaces; listen_ipv6 is true when it is an IPv6 literal. */
    char *listen_host;
    int listen_port;
    bool listen_ipv6;
    char *app_id;          /* --app-id, or NULL */
    char *app_certificate; /* --app-certificate, or NULL */
    int log_level;         /* rtm_log_level_t */
    uint32_t max_connections;
    uint32_t heartbeat_timeout_ms;
    uint32_t member_events_max; /* above this many members, no MEMBER_JOINED / MEMBER_LEFT */
    bool deny_outside_send;     /* SEND_CHANNEL from a non-member: NOT_AUTHORIZED */
    char *data_dir;             /* --data-dir: offline messages on disk there; NULL: memory */
    uint32_t offline_max;       /* offline messages kept per receiver */
    uint32_t offline_ttl_s;     /* ... and for how long */
    uint32_t invite_offline_timeout_ms; /* an invitation held for an offline callee */
    uint32_t invite_ack_timeout_ms;     /* from delivery to the callee's INVITE_ACK */
    uint32_t invite_expire_ms;          /* from INVITE to an answer or a cancel */
    /* Connection lifecycle (docs/rtmd.md, "Sessions, heartbeats and resume"). */
    uint32_t session_grace_ms; /* a dropped connection's session is held this long; 0: not */
    uint32_t replay_max;       /* channel messages kept per channel for JOIN {mid} */
    uint32_t replay_window_ms; /* ... at most this old */
    uint32_t drain_timeout_ms; /* SIGTERM: the process ends within this */
    /* Policy (docs/rtmd.md, "Rate limits", "Tokens", "Bans and the admin endpoint", "TLS"). */
    bool rate_limits;               /* --rate-limits on|off (rate_limit.h) */
    uint32_t rate_messages;         /* SEND_PEER + SEND_CHANNEL per connection per 3 s */
    uint32_t rate_logins;           /* LOGINs per user id per 1 s */
    uint32_t rate_joins;            /* JOINs per connection per 3 s */
    uint32_t rate_attribute_writes; /* attribute SET/ADD/DEL/CLEAR per connection per 5 s */
    uint32_t token_warn_s;          /* TOKEN_WILL_EXPIRE this long before the token ends */
    char *admin_token;              /* --admin-token: enables /admin/; NULL: 404 */
    char **bans;                    /* --ban ID (repeatable): users banned at startup */
    uint32_t n_bans;
    char *tls_cert; /* --tls-cert FILE (PEM, chain allowed): serve wss:// and https */
    char *tls_key;  /* --tls-key FILE (PEM) */
} rtmd_options_t;

typedef enum rtmd_options_status {
    RTMD_OPTIONS_RUN = 0,  /* options are valid: start the server */
    RTMD_OPTIONS_EXIT = 1, /* --help was printed: exit 0 */
    RTMD_OPTIONS_BAD = 2,  /* a sentence went to stderr: exit 2 */
} rtmd_options_status_t;

/* Fills o from the defaults, then the --config file (if any), then argv. On RTMD_OPTIONS_BAD
 * the sentence naming the problem has been written to stderr. Free o with rtmd_options_free
 * whatever the result. */
rtmd_options_status_t rtmd_options_parse(rtmd_options_t *o, int argc, char **argv);
void rtmd_options_free(rtmd_options_t *o);
/* The --help text: every option with its default. */
void rtmd_options_usage(FILE *out);

#endif
