/* Client configuration: the keys of docs/abi.md with their defaults, parsed and validated.
 * A plain value type; the client keeps its own copy. */
#ifndef RTM_CLIENT_CONFIG_H
#define RTM_CLIENT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "rtm/rtm.h"

#define RTM_CONFIG_MAX_URLS 8

struct rtm_config {
    char *server_url; /* as given; parsed into urls at client creation */
    char *tls_ca_file;
    bool tls_verify_peer;
    int64_t login_timeout_ms;
    int64_t request_timeout_ms;
    int64_t backoff_min_ms;
    int64_t backoff_max_ms;
    int64_t heartbeat_interval_ms;
    rtm_log_level_t log_level;
    char *log_file;
    int64_t log_file_size_kb;
    int64_t event_queue_capacity;
    bool member_list_on_join;
};

/* Every default. */
void rtm_config_defaults(struct rtm_config *c);
/* Sets key to value; RTM_ERR_INVALID_ARGUMENT for an unknown key or bad value (c unchanged).
 * *why receives a static sentence on failure. */
rtm_err_t rtm_config_apply(struct rtm_config *c, const char *key, const char *value,
                           const char **why);
/* True for the keys a live client may change (log.*, request.timeout_ms). */
bool rtm_config_key_is_live(const char *key);
/* True for every known key. */
bool rtm_config_key_known(const char *key);
/* Deep copy into dst (dst's strings are allocated); false when out of memory. */
bool rtm_config_copy(struct rtm_config *dst, const struct rtm_config *src);
/* Frees the strings (not c itself). */
void rtm_config_release(struct rtm_config *c);

/* One parsed server URL. */
typedef struct rtm_url {
    bool tls;
    char host[256];
    int port;
    char path[256];
} rtm_url_t;

/* Parses "ws://host[:port][/path]" or "wss://..."; false when malformed. */
bool rtm_url_parse(const char *s, size_t len, rtm_url_t *out);
/* Parses a comma-separated list into up to RTM_CONFIG_MAX_URLS URLs; returns how many, or
 * -1 when one is malformed or the list is empty. */
int rtm_url_list_parse(const char *s, rtm_url_t *out, int max);

#endif
