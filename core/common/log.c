/* Leveled logging (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

int rtm_log_level_parse(const char *s)
{
    static const char *names[] = {"off", "error", "warn", "info", "debug"};
    for (int i = 0; s && i < 5; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

void rtm_log(const rtm_logger_t *lg, rtm_log_level_t level, const char *fmt, ...)
{
    static const char *tags[] = {"", "error", "warn", "info", "debug"};
    if (!RTM_LOG_ENABLED(lg, level) || level == RTM_LOG_OFF)
        return;
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %s %s: ", tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, tags[level],
                     lg->component ? lg->component : "rtm");
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    FILE *out = lg->out ? lg->out : stderr;
    fprintf(out, "%s\n", line);
    fflush(out);
}
