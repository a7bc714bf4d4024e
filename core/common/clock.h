/* Time in the units the code uses: int64_t milliseconds. */
#ifndef RTM_COMMON_CLOCK_H
#define RTM_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic ms, for deadlines. */
static inline int64_t rtm_now_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall-clock ms since the epoch, for timestamps users see. */
static inline int64_t rtm_now_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
