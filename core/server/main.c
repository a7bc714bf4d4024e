/* rtmd's entry point: parse the options, prepare the process (SIGPIPE, descriptor limit),
 * run the server until SIGTERM/SIGINT, exit 0 (2 for bad options, 1 when it cannot start). */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

#include "options.h"
#include "server.h"

/* Each connection is a descriptor: make room for --max-connections if the hard limit allows. */
static void raise_fd_limit(uint32_t max_connections)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)max_connections + 256;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        fprintf(stderr,
                "rtmd: warning: open files limited to %llu, fewer than --max-connections %u "
                "needs\n",
                (unsigned long long)rl.rlim_cur, (unsigned)max_connections);
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
    raise_fd_limit(opt.max_connections);
    int rc = rtmd_server_run(&opt);
    rtmd_options_free(&opt);
    return rc;
}
