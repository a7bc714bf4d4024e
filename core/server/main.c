/* rtmd's entry point: parse the options, prepare the process (SIGPIPE, descriptor limit),
 * run the server until SIGTERM/SIGINT, exit 0 (2 for bad options, 1 when it cannot start). */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

#include "options.h"
#include "server.h"

/* Each connection is a descriptor. The soft limit is set to --max-connections plus
 * RTMD_FD_HEADROOM (within the hard limit), so that a burst of connections (a reconnect storm
 * next to connections still closing) finds room; the server refuses at accept time what is
 * over --max-connections (server.c). libwebsockets sizes its descriptor table by this limit
 * and finds a connection by indexing it: asking it for a table of another size instead
 * (fd_limit_per_thread) makes it search the table linearly on every accept and close, which
 * made connecting and closing 18,000 clients quadratic. Warns when even the hard limit is
 * short of --max-connections and some room for the server's own files. */
static void set_fd_limit(uint32_t max_connections)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t target = (rlim_t)max_connections + RTMD_FD_HEADROOM;
    if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max)
        target = rl.rlim_max;
    if (rl.rlim_cur != target) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = target;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = was;
    }
    rlim_t want = (rlim_t)max_connections + RTMD_RESERVED_FDS;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
        fprintf(
            stderr,
            "rtmd: warning: open files limited to %llu: fewer than --max-connections %u "
            "and %u for the server itself; connections beyond %llu are refused\n",
            (unsigned long long)rl.rlim_cur, (unsigned)max_connections, (unsigned)RTMD_RESERVED_FDS,
            (unsigned long long)(rl.rlim_cur > RTMD_RESERVED_FDS ? rl.rlim_cur - RTMD_RESERVED_FDS
                                                                 : 0));
}

int main(int argc, char **argv)
{
    rtmd_options_t opt;
    rtmd_options_status_t st = rtmd_options_parse(&opt, argc, argv);
    if (st != RTMD_OPTIONS_RUN) {
        rtmd_options_free(&opt);
        return st == RTMD_OPTIONS_EXIT ? 0 : 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a peer that vanished is an error code, not a signal */
    set_fd_limit(opt.max_connections);
    int rc = rtmd_server_run(&opt);
    rtmd_options_free(&opt);
    return rc;
}
