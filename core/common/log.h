/* Leveled one-line logging for rtmd and librtm: "<time> <level> <component>: message".
 * A logger writes to a FILE (stderr by default); thread-safe (one fprintf per line). */
#ifndef RTM_COMMON_LOG_H
#define RTM_COMMON_LOG_H

#include <stdio.h>

typedef enum rtm_log_level {
    RTM_LOG_OFF = 0,
    RTM_LOG_ERROR = 1,
    RTM_LOG_WARN = 2,
    RTM_LOG_INFO = 3,
    RTM_LOG_DEBUG = 4,
} rtm_log_level_t;

typedef struct rtm_logger {
    rtm_log_level_t level;
    FILE *out; /* NULL: stderr */
    const char *component;
} rtm_logger_t;

/* Parses "off|error|warn|info|debug"; returns -1 for anything else. */
int rtm_log_level_parse(const char *s);
void rtm_log(const rtm_logger_t *lg, rtm_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define RTM_LOG_ENABLED(lg, lvl) ((lg) && (lg)->level >= (lvl))

#endif
