/* rtm-bench: the load generator behind docs/benchmarks.md. Runs the workloads of issue #8 (W1
 * latency, W2 throughput, W3 fan-out, W4 idle connections) through the public librtm ABI only,
 * against an rtmd it starts itself or one given by URL, and prints one line per figure:
 *   peer=rtmd workload=W metric=NAME value=NUMBER unit=UNIT
 * One thread waits on every client's event fd with epoll; W4 forks helper processes so that no
 * process holds more than about 18,000 files. Every wait is bounded in time, every drain in
 * count: the tool always ends by itself. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rtm/rtm.h>

#define EXIT_USAGE        2
#define MAX_RTMD_ARGS     32
#define SEQ_PREFIX_BYTES  11 /* "%010ld " at the start of every message's text */
#define MIN_PAYLOAD_BYTES 16
#define MAX_PAYLOAD_BYTES 32768
#define EPOLL_BATCH       256
#define DRAIN_MAX         1024 /* events taken from one client per wake-up (fairness) */
#define MAX_FDS_PER_PROC  18000
#define FDS_PER_CLIENT    2 /* its connection and its event fd */
#define MAX_PER_PROC      ((MAX_FDS_PER_PROC - 200) / FDS_PER_CLIENT)
#define MAX_PROCS         64
#define MAX_DEST_ADDRS    16
#define SETUP_WINDOW      200  /* logins and joins in flight while setting up W1-W3 */
#define SETTLE_QUIET_MS   1500 /* MEMBER_COUNT comes at most once a second: wait past it */
#define RTMD_START_MS     10000
#define RTMD_STOP_MS      10000
#define NS_PER_MS         1000000LL
#define NS_PER_S          1000000000LL

/* ---- options ----------------------------------------------------------------------------- */

typedef struct opts {
    const char *rtmd_path; /* --rtmd: start our own */
    const char *url;       /* --url: use a running one */
    pid_t rtmd_pid;        /* --rtmd-pid: its pid, for W4's RSS with --url */
    const char *app_id;
    const char *rtmd_args[MAX_RTMD_ARGS];
    int n_rtmd_args;
    bool run[5]; /* run[1..4]: W1..W4 */
    long size;   /* payload bytes of every message */
    long round_trips, warmup;
    long messages, window;
    long members, channel_messages;
    long clients, clients_per_proc, connect_window, idle_s;
    long dest_addrs; /* W4: loopback addresses the helpers connect to */
    long timeout_s;
} opts_t;

static opts_t O = {
    .app_id = "bench",
    .size = 64,
    .round_trips = 20000,
    .warmup = 1000,
    .messages = 200000,
    .window = 1000,
    .members = 1000,
    .channel_messages = 1000,
    .clients = 10000,
    .clients_per_proc = 5000,
    .connect_window = 200,
    .idle_s = 15,
    .dest_addrs = 1,
    .timeout_s = 300,
};

static void usage(FILE *out)
{
    fprintf(
        out,
        "Usage: rtm-bench (--rtmd PATH | --url URL) [OPTION]...\n"
        "Load generator for rtmd through the public librtm ABI. Prints one line per figure:\n"
        "  peer=rtmd workload=W metric=NAME value=NUMBER unit=UNIT\n"
        "Progress and problems go to stderr. Exit status 0 when every selected workload ran\n"
        "and every message and round trip arrived, 1 otherwise, 2 for bad options.\n\n"
        "Server:\n"
        "  --rtmd PATH         start rtmd from PATH on a free loopback port for each workload\n"
        "                      (with --rate-limits off when its --help lists that option) and\n"
        "                      stop it by pid afterwards\n"
        "  --rtmd-arg ARG      one more argument for that rtmd (repeatable)\n"
        "  --url URL           use a running rtmd instead (ws://HOST:PORT); it must accept\n"
        "                      logins without a token and should run with --rate-limits off\n"
        "  --rtmd-pid PID      with --url: rtmd's pid, for W4's rss_per_conn\n"
        "  --app-id ID         app id of every login (default bench)\n\n"
        "Workloads (default: all):\n"
        "  --workload LIST     comma-separated W1,W2,W3,W4 or all\n"
        "  --size N            payload bytes of every message, %d to %d (default 64)\n"
        "  W1 latency: A sends a peer message to B, B answers, one in flight\n"
        "  --round-trips N     measured round trips (default 20000)\n"
        "  --warmup N          round trips before measuring (default 1000)\n"
        "  W2 throughput: A sends peer messages to B with a window of unacknowledged sends\n"
        "  --messages N        messages (default 200000)\n"
        "  --window N          sends awaiting their result, W2 and W3 (default 1000)\n"
        "  W3 fan-out: one sender outside the channel, every member gets every message\n"
        "  --members N         members of the channel (default 1000)\n"
        "  --channel-messages N  messages sent into the channel (default 1000)\n"
        "  W4 connections: idle logged-in clients, rtmd's memory per connection\n"
        "  --clients N         clients (default 10000)\n"
        "  --clients-per-proc N  clients per helper process, at most %d (default 5000)\n"
        "  --connect-window N  logins in flight over all helpers (default 200)\n"
        "  --idle-s N          seconds the clients stay idle before RSS is read (default 15)\n"
        "  --dest-addrs N      helpers connect to 127.0.0.1 ... 127.0.0.N, 1 to %d (default 1);\n"
        "                      above 1 rtmd listens on 0.0.0.0 (every interface) while it runs.\n"
        "                      Linux finds a source port for a connection slowly once about\n"
        "                      14,000 go to one address: use 2 for more than 12,000 clients\n\n"
        "  --timeout-s N       give up on a workload step after N seconds (default 300)\n"
        "  --help              this text\n",
        MIN_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES, MAX_PER_PROC, MAX_DEST_ADDRS);
}

static bool parse_long(const char *opt, const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "rtm-bench: --%s needs a whole number from %ld to %ld, not '%s'\n", opt,
                min, max, s);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_workloads(const char *list)
{
    memset(O.run, 0, sizeof(O.run));
    if (strcmp(list, "all") == 0) {
        for (int w = 1; w <= 4; w++)
            O.run[w] = true;
        return true;
    }
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 2 && (p[0] == 'W' || p[0] == 'w') && p[1] >= '1' && p[1] <= '4') {
            O.run[p[1] - '0'] = true;
        } else {
            fprintf(stderr, "rtm-bench: --workload takes W1, W2, W3, W4 or all, not '%.*s'\n",
                    (int)n, p);
            return false;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!O.run[1] && !O.run[2] && !O.run[3] && !O.run[4]) {
        fprintf(stderr, "rtm-bench: --workload names no workload\n");
        return false;
    }
    return true;
}

/* Returns 0 to go on, or the exit status (0 after --help). */
static int parse_args(int argc, char **argv, bool *stop)
{
    enum {
        OPT_RTMD = 256,
        OPT_RTMD_ARG,
        OPT_URL,
        OPT_RTMD_PID,
        OPT_APP_ID,
        OPT_WORKLOAD,
        OPT_SIZE,
        OPT_ROUND_TRIPS,
        OPT_WARMUP,
        OPT_MESSAGES,
        OPT_WINDOW,
        OPT_MEMBERS,
        OPT_CHANNEL_MESSAGES,
        OPT_CLIENTS,
        OPT_CLIENTS_PER_PROC,
        OPT_CONNECT_WINDOW,
        OPT_IDLE_S,
        OPT_DEST_ADDRS,
        OPT_TIMEOUT_S,
        OPT_HELP,
    };
    static const struct option longopts[] = {
        {"rtmd", required_argument, NULL, OPT_RTMD},
        {"rtmd-arg", required_argument, NULL, OPT_RTMD_ARG},
        {"url", required_argument, NULL, OPT_URL},
        {"rtmd-pid", required_argument, NULL, OPT_RTMD_PID},
        {"app-id", required_argument, NULL, OPT_APP_ID},
        {"workload", required_argument, NULL, OPT_WORKLOAD},
        {"size", required_argument, NULL, OPT_SIZE},
        {"round-trips", required_argument, NULL, OPT_ROUND_TRIPS},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"messages", required_argument, NULL, OPT_MESSAGES},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"members", required_argument, NULL, OPT_MEMBERS},
        {"channel-messages", required_argument, NULL, OPT_CHANNEL_MESSAGES},
        {"clients", required_argument, NULL, OPT_CLIENTS},
        {"clients-per-proc", required_argument, NULL, OPT_CLIENTS_PER_PROC},
        {"connect-window", required_argument, NULL, OPT_CONNECT_WINDOW},
        {"idle-s", required_argument, NULL, OPT_IDLE_S},
        {"dest-addrs", required_argument, NULL, OPT_DEST_ADDRS},
        {"timeout-s", required_argument, NULL, OPT_TIMEOUT_S},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    for (int w = 1; w <= 4; w++)
        O.run[w] = true;
    *stop = false;
    int opt;
    long pid = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        bool ok = true;
        switch (opt) {
        case OPT_RTMD:
            O.rtmd_path = optarg;
            break;
        case OPT_RTMD_ARG:
            if (O.n_rtmd_args == MAX_RTMD_ARGS) {
                fprintf(stderr, "rtm-bench: at most %d --rtmd-arg\n", MAX_RTMD_ARGS);
                return EXIT_USAGE;
            }
            O.rtmd_args[O.n_rtmd_args++] = optarg;
            break;
        case OPT_URL:
            O.url = optarg;
            break;
        case OPT_RTMD_PID:
            ok = parse_long("rtmd-pid", optarg, 1, INT32_MAX, &pid);
            O.rtmd_pid = (pid_t)pid;
            break;
        case OPT_APP_ID:
            O.app_id = optarg;
            break;
        case OPT_WORKLOAD:
            ok = parse_workloads(optarg);
            break;
        case OPT_SIZE:
            ok = parse_long("size", optarg, MIN_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES, &O.size);
            break;
        case OPT_ROUND_TRIPS:
            ok = parse_long("round-trips", optarg, 1, 100000000, &O.round_trips);
            break;
        case OPT_WARMUP:
            ok = parse_long("warmup", optarg, 0, 100000000, &O.warmup);
            break;
        case OPT_MESSAGES:
            ok = parse_long("messages", optarg, 1, 1000000000, &O.messages);
            break;
        case OPT_WINDOW:
            ok = parse_long("window", optarg, 1, 100000, &O.window);
            break;
        case OPT_MEMBERS:
            ok = parse_long("members", optarg, 1, MAX_PER_PROC - 1, &O.members);
            break;
        case OPT_CHANNEL_MESSAGES:
            ok = parse_long("channel-messages", optarg, 1, 10000000, &O.channel_messages);
            break;
        case OPT_CLIENTS:
            ok = parse_long("clients", optarg, 1, (long)MAX_PER_PROC * MAX_PROCS, &O.clients);
            break;
        case OPT_CLIENTS_PER_PROC:
            ok = parse_long("clients-per-proc", optarg, 1, MAX_PER_PROC, &O.clients_per_proc);
            break;
        case OPT_CONNECT_WINDOW:
            ok = parse_long("connect-window", optarg, 1, 100000, &O.connect_window);
            break;
        case OPT_IDLE_S:
            ok = parse_long("idle-s", optarg, 0, 3600, &O.idle_s);
            break;
        case OPT_DEST_ADDRS:
            ok = parse_long("dest-addrs", optarg, 1, MAX_DEST_ADDRS, &O.dest_addrs);
            break;
        case OPT_TIMEOUT_S:
            ok = parse_long("timeout-s", optarg, 1, 86400, &O.timeout_s);
            break;
        case OPT_HELP:
            usage(stdout);
            *stop = true;
            return 0;
        default:
            if (optopt)
                fprintf(stderr, "rtm-bench: option %s needs a value (see --help)\n",
                        argv[optind - 1]);
            else
                fprintf(stderr, "rtm-bench: unknown option %s (see --help)\n", argv[optind - 1]);
            return EXIT_USAGE;
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "rtm-bench: unexpected argument '%s' (see --help)\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (!O.rtmd_path == !O.url) {
        fprintf(stderr, "rtm-bench: give exactly one of --rtmd PATH and --url URL\n");
        return EXIT_USAGE;
    }
    if (O.rtmd_pid && !O.url) {
        fprintf(stderr, "rtm-bench: --rtmd-pid goes with --url (with --rtmd the pid is known)\n");
        return EXIT_USAGE;
    }
    if (O.n_rtmd_args && !O.rtmd_path) {
        fprintf(stderr, "rtm-bench: --rtmd-arg goes with --rtmd\n");
        return EXIT_USAGE;
    }
    if (O.dest_addrs > 1 && !O.rtmd_path) {
        fprintf(stderr, "rtm-bench: --dest-addrs goes with --rtmd (rtm-bench makes rtmd listen on "
                        "every interface for it)\n");
        return EXIT_USAGE;
    }
    if (!*O.app_id) {
        fprintf(stderr, "rtm-bench: --app-id must not be empty\n");
        return EXIT_USAGE;
    }
    return 0;
}

/* ---- small helpers ----------------------------------------------------------------------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int64_t deadline_after_s(long s)
{
    return now_ns() + (int64_t)s * NS_PER_S;
}

/* Milliseconds left until deadline, at least 1 while any is left, at most cap_ms; 0 once
 * passed. */
static int ms_left(int64_t deadline, int cap_ms)
{
    int64_t left = deadline - now_ns();
    if (left <= 0)
        return 0;
    int64_t ms = left / NS_PER_MS + 1;
    return ms > cap_ms ? cap_ms : (int)ms;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    fputs("rtm-bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void metric(const char *workload, const char *name, double value, int decimals,
                   const char *unit)
{
    printf("peer=rtmd workload=%s metric=%s value=%.*f unit=%s\n", workload, name, decimals, value,
           unit);
    fflush(stdout);
}

/* The 1-minute load average as /proc/loadavg has it ("?" when unreadable). */
static void load_average(char *out, size_t cap)
{
    snprintf(out, cap, "?");
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return;
    char line[128];
    if (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        /* keep the three averages, drop the task counts */
        char *p = line;
        for (int fields = 0; *p && fields < 3; p++)
            if (*p == ' ' && ++fields == 3)
                *p = 0;
        snprintf(out, cap, "%s", line);
    }
    fclose(f);
}

/* Resident memory of pid in bytes from /proc/PID/status; -1 when it cannot be read. */
static long long rss_bytes(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long long kb = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %lld kB", &kb) == 1)
            break;
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

/* CPU seconds (user + system, every thread) this process has used; *sys_s gets the system
 * part. */
static double self_cpu_s(double *sys_s)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        *sys_s = 0;
        return 0;
    }
    *sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + *sys_s;
}

/* CPU seconds pid has used (from /proc/PID/stat, clock-tick resolution); -1 when unknown. */
static double pid_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long utime, stime;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                     &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU use of this process and of rtmd over a timed phase. */
typedef struct cpu_mark {
    double self_s, self_sys_s, rtmd_s;
} cpu_mark_t;

static cpu_mark_t cpu_mark(pid_t rtmd)
{
    cpu_mark_t m;
    m.self_s = self_cpu_s(&m.self_sys_s);
    m.rtmd_s = rtmd > 0 ? pid_cpu_s(rtmd) : -1;
    return m;
}

/* Prints the CPU microseconds per unit that the client process (and the system part of it) and
 * rtmd spent since start. */
static void cpu_metrics(const char *workload, const char *per, cpu_mark_t start, pid_t rtmd,
                        uint64_t units)
{
    if (units == 0)
        return;
    cpu_mark_t end = cpu_mark(rtmd);
    char name[64];
    snprintf(name, sizeof(name), "client_cpu_us_per_%s", per);
    metric(workload, name, (end.self_s - start.self_s) * 1e6 / (double)units, 2, "us");
    snprintf(name, sizeof(name), "client_sys_us_per_%s", per); /* the kernel's part of it */
    metric(workload, name, (end.self_sys_s - start.self_sys_s) * 1e6 / (double)units, 2, "us");
    if (start.rtmd_s >= 0 && end.rtmd_s >= 0) {
        snprintf(name, sizeof(name), "rtmd_cpu_us_per_%s", per);
        metric(workload, name, (end.rtmd_s - start.rtmd_s) * 1e6 / (double)units, 2, "us");
    }
}

/* Text of exactly O.size bytes that starts with the sequence number. */
static void payload(char *buf, long seq)
{
    /* by hand, not snprintf: the sender formats one per message and should cost little */
    for (int i = SEQ_PREFIX_BYTES - 2; i >= 0; i--, seq /= 10)
        buf[i] = (char)('0' + seq % 10);
    buf[SEQ_PREFIX_BYTES - 1] = ' ';
    memset(buf + SEQ_PREFIX_BYTES, 'x', (size_t)O.size - SEQ_PREFIX_BYTES);
    buf[O.size] = 0;
}

/* The sequence number at the start of a message's text; -1 when there is none. */
static long payload_seq(const rtm_message_t *m)
{
    const char *t = m ? rtm_message_text(m) : NULL;
    if (!t || strlen(t) < SEQ_PREFIX_BYTES || t[SEQ_PREFIX_BYTES - 1] != ' ')
        return -1;
    long v = 0;
    for (int i = 0; i < SEQ_PREFIX_BYTES - 1; i++) {
        if (t[i] < '0' || t[i] > '9')
            return -1;
        v = v * 10 + (t[i] - '0');
    }
    return v;
}

/* ---- rtmd -------------------------------------------------------------------------------- */

typedef struct server {
    pid_t pid;  /* ours, or --rtmd-pid, or 0 */
    bool ours;  /* started (and to be stopped) by us */
    int out_fd; /* its stdout, kept open so that later writes never hit a closed pipe */
    int port;   /* ours: the port it listens on */
    char url[128];
} server_t;

/* Reads one line from fd into buf until the deadline; false on EOF, error or timeout. */
static bool read_line(int fd, char *buf, size_t cap, int64_t deadline)
{
    size_t n = 0;
    while (n + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        int ms = ms_left(deadline, 1000);
        if (ms == 0)
            return false;
        int r = poll(&p, 1, ms);
        if (r < 0 && errno != EINTR)
            return false;
        if (r <= 0)
            continue;
        ssize_t got = read(fd, buf + n, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        if (buf[n] == '\n') {
            buf[n] = 0;
            return true;
        }
        n++;
    }
    buf[n] = 0;
    return true;
}

/* Runs argv (argv[0] a path) with stdout on a pipe; returns the pid and the pipe's read end in
 * *out_fd, or -1. The child dies with us. */
static pid_t spawn(const char *const *argv, int *out_fd)
{
    int p[2];
    if (pipe(p) != 0) {
        note("pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        note("fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "rtm-bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(p[1]);
    *out_fd = p[0];
    return pid;
}

/* Waits for pid to end until the deadline; its exit status, -1 if it did not end. */
static int wait_exit(pid_t pid, int64_t deadline)
{
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_ns() >= deadline)
            return -1;
        struct timespec ts = {0, 20 * NS_PER_MS};
        nanosleep(&ts, NULL);
    }
}

/* Whether `rtmd --help` lists option (e.g. "--rate-limits"). Asked once. */
static bool rtmd_has_option(const char *option)
{
    const char *argv[] = {O.rtmd_path, "--help", NULL};
    int fd;
    pid_t pid = spawn(argv, &fd);
    if (pid < 0)
        return false;
    bool found = false;
    char line[512];
    int64_t deadline = now_ns() + RTMD_START_MS * NS_PER_MS;
    size_t optlen = strlen(option);
    while (!found && read_line(fd, line, sizeof(line), deadline)) {
        const char *at = strstr(line, option);
        found = at && (at[optlen] == ' ' || at[optlen] == '=' || at[optlen] == 0);
    }
    close(fd);
    if (wait_exit(pid, deadline) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return found;
}

static bool server_up(server_t *s)
{
    memset(s, 0, sizeof(*s));
    s->out_fd = -1;
    if (O.url) {
        snprintf(s->url, sizeof(s->url), "%s", O.url);
        s->pid = O.rtmd_pid;
        return true;
    }
    static int rate_limits = -1; /* unknown yet */
    if (rate_limits < 0) {
        rate_limits = rtmd_has_option("--rate-limits");
        if (!rate_limits)
            note("%s --help lists no --rate-limits: started without it", O.rtmd_path);
    }
    const char *argv[8 + MAX_RTMD_ARGS + 1];
    int argc = 0;
    argv[argc++] = O.rtmd_path;
    argv[argc++] = "--listen";
    argv[argc++] = O.dest_addrs > 1 ? "0.0.0.0:0" : "127.0.0.1:0";
    argv[argc++] = "--log-level";
    argv[argc++] = "warn";
    if (rate_limits) {
        argv[argc++] = "--rate-limits";
        argv[argc++] = "off";
    }
    for (int i = 0; i < O.n_rtmd_args; i++)
        argv[argc++] = O.rtmd_args[i];
    argv[argc] = NULL;
    s->pid = spawn(argv, &s->out_fd);
    if (s->pid < 0)
        return false;
    s->ours = true;
    char line[256], host[64];
    int port;
    if (!read_line(s->out_fd, line, sizeof(line), now_ns() + RTMD_START_MS * NS_PER_MS) ||
        sscanf(line, "rtmd listening on %63[^:]:%d", host, &port) != 2) {
        note("%s did not report its port (see its messages above)", O.rtmd_path);
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        close(s->out_fd);
        return false;
    }
    s->port = port;
    snprintf(s->url, sizeof(s->url), "ws://127.0.0.1:%d", port);
    return true;
}

/* Stops our rtmd with SIGTERM (SIGKILL after RTMD_STOP_MS); false when it did not exit 0. */
static bool server_down(server_t *s)
{
    if (!s->ours)
        return true;
    kill(s->pid, SIGTERM);
    int status = wait_exit(s->pid, now_ns() + RTMD_STOP_MS * NS_PER_MS);
    if (status < 0) {
        note("rtmd (pid %ld) ignored SIGTERM for %d ms: killed", (long)s->pid, RTMD_STOP_MS);
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    } else if (status != 0) {
        note("rtmd (pid %ld) exited with status %d", (long)s->pid, status);
    }
    close(s->out_fd);
    s->ours = false;
    return status == 0;
}

/* ---- clients and the event loop ---------------------------------------------------------- */

typedef struct bc {
    rtm_client_t *client;
    rtm_channel_t *channel;
    char user[64];
    int fd;
    int8_t login; /* 0: pending, 1: logged in, -1: failed */
    int8_t join;  /* the same for W3's channel */
    bool warned;  /* an unexpected state change was reported */
    uint64_t received, dups;
    uint8_t *seen; /* bitmap of sequence numbers received */
} bc_t;

#define NOTES_MAX 5 /* problems of one kind shown per workload; the rest are counted */

static unsigned long state_changes; /* clients that left CONNECTED, this workload */

typedef struct fleet {
    int epfd;
    bc_t *c;
    size_t n, cap;
} fleet_t;

static bool fleet_init(fleet_t *f, size_t cap)
{
    memset(f, 0, sizeof(*f));
    f->epfd = epoll_create1(EPOLL_CLOEXEC);
    f->c = calloc(cap ? cap : 1, sizeof(*f->c));
    f->cap = cap;
    if (f->epfd < 0 || !f->c) {
        note("cannot set up %zu clients: %s", cap, strerror(errno));
        if (f->epfd >= 0)
            close(f->epfd);
        free(f->c);
        return false;
    }
    return true;
}

/* Adds a client for url named user (printf-style); NULL when it cannot be made. */
static bc_t *fleet_add(fleet_t *f, const char *url, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bc_t *fleet_add(fleet_t *f, const char *url, const char *fmt, ...)
{
    if (f->n == f->cap)
        return NULL;
    bc_t *bc = &f->c[f->n];
    memset(bc, 0, sizeof(*bc));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(bc->user, sizeof(bc->user), fmt, ap);
    va_end(ap);
    rtm_err_t err;
    rtm_config_t *cfg = rtm_config_new();
    if (!cfg || rtm_config_set(cfg, "server.url", url) != RTM_OK) {
        note("cannot configure a client for %s", url);
        rtm_config_free(cfg);
        return NULL;
    }
    bc->client = rtm_client_new(O.app_id, cfg, &err);
    rtm_config_free(cfg);
    if (!bc->client) {
        note("rtm_client_new: %s", rtm_err_name(err));
        return NULL;
    }
    bc->fd = rtm_client_event_fd(bc->client);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)f->n};
    if (bc->fd < 0 || epoll_ctl(f->epfd, EPOLL_CTL_ADD, bc->fd, &ev) != 0) {
        note("cannot watch a client's event fd: %s", strerror(errno));
        rtm_client_free(bc->client);
        return NULL;
    }
    f->n++;
    return bc;
}

static void fleet_free(fleet_t *f)
{
    if (state_changes > NOTES_MAX)
        note("... %lu clients in all left the CONNECTED state", state_changes);
    state_changes = 0;
    for (size_t i = 0; i < f->n; i++) {
        rtm_channel_free(f->c[i].channel);
        rtm_client_free(f->c[i].client);
        free(f->c[i].seen);
    }
    if (f->epfd >= 0)
        close(f->epfd);
    free(f->c);
    memset(f, 0, sizeof(*f));
    f->epfd = -1;
}

typedef void (*on_event_fn)(void *ctx, bc_t *bc, rtm_event_t *e);

/* Reports a client that left CONNECTED (once per client; the first few by name). */
static void watch_state(bc_t *bc, rtm_event_t *e)
{
    if (rtm_event_type(e) != RTM_EVENT_CONNECTION_STATE_CHANGED || bc->warned)
        return;
    rtm_connection_state_t s = rtm_event_connection_state(e);
    if (s == RTM_CONNECTION_STATE_CONNECTING || s == RTM_CONNECTION_STATE_CONNECTED)
        return;
    if (s == RTM_CONNECTION_STATE_DISCONNECTED && bc->login != 1)
        return; /* a failed login, reported with its result */
    bc->warned = true;
    if (++state_changes <= NOTES_MAX)
        note("client %s: connection state %d (reason %d)", bc->user, (int)s,
             (int)rtm_event_connection_reason(e));
}

/* Waits up to wait_ms for events and hands each to on_event. Returns the number handled, or
 * -1 when epoll fails. An fd registered with data.u32 == UINT32_MAX (a control pipe) sets
 * *ctl_ready instead. */
static long fleet_step(fleet_t *f, int wait_ms, on_event_fn on_event, void *ctx, bool *ctl_ready)
{
    struct epoll_event evs[EPOLL_BATCH];
    int n = epoll_wait(f->epfd, evs, EPOLL_BATCH, wait_ms);
    if (n < 0) {
        if (errno == EINTR)
            return 0;
        note("epoll_wait: %s", strerror(errno));
        return -1;
    }
    long handled = 0;
    for (int i = 0; i < n; i++) {
        if (evs[i].data.u32 == UINT32_MAX) {
            if (ctl_ready)
                *ctl_ready = true;
            continue;
        }
        bc_t *bc = &f->c[evs[i].data.u32];
        for (int k = 0; k < DRAIN_MAX; k++) {
            rtm_event_t *e = rtm_client_poll(bc->client, 0);
            if (!e)
                break;
            watch_state(bc, e);
            if (on_event)
                on_event(ctx, bc, e);
            rtm_event_free(e);
            handled++;
        }
    }
    return handled;
}

/* Runs the loop until done(ctx) or the deadline; false (with a note naming what) on timeout. */
static bool fleet_run(fleet_t *f, on_event_fn on_event, bool (*done)(void *), void *ctx,
                      int64_t deadline, const char *what)
{
    while (!done(ctx)) {
        int ms = ms_left(deadline, 1000);
        if (ms == 0) {
            note("timed out after %ld s %s", O.timeout_s, what);
            return false;
        }
        if (fleet_step(f, ms, on_event, ctx, NULL) < 0)
            return false;
    }
    return true;
}

/* Handles events until none came for quiet_ms (at most until the deadline). */
static void fleet_settle(fleet_t *f, on_event_fn on_event, void *ctx, int quiet_ms,
                         int64_t deadline)
{
    int64_t quiet_since = now_ns();
    while (now_ns() - quiet_since < (int64_t)quiet_ms * NS_PER_MS) {
        int ms = ms_left(deadline, quiet_ms);
        if (ms == 0)
            return;
        long got = fleet_step(f, ms, on_event, ctx, NULL);
        if (got < 0)
            return;
        if (got > 0)
            quiet_since = now_ns();
    }
}

/* ---- paced setup: logins and joins ------------------------------------------------------- */

typedef struct setup {
    fleet_t *f;
    size_t next, done, failed;
    long window;
    bool joining;
    const char *channel;
} setup_t;

static void setup_on_event(void *ctx, bc_t *bc, rtm_event_t *e)
{
    setup_t *s = ctx;
    rtm_event_type_t t = rtm_event_type(e);
    int8_t *slot = NULL;
    if (t == RTM_EVENT_LOGIN_RESULT && bc->login == 0)
        slot = &bc->login;
    else if (t == RTM_EVENT_JOIN_CHANNEL_RESULT && bc->join == 0)
        slot = &bc->join;
    if (!slot)
        return;
    rtm_err_t err = rtm_event_error(e);
    *slot = err == RTM_OK ? 1 : -1;
    s->done++;
    if (err != RTM_OK && s->failed++ < NOTES_MAX)
        note("client %s: %s failed: %s", bc->user, s->joining ? "join" : "login",
             rtm_err_name(err));
}

static bool setup_done(void *ctx)
{
    setup_t *s = ctx;
    return s->done == s->f->n;
}

/* Starts requests while fewer than window are in flight; false when a call is refused. */
static bool setup_issue(setup_t *s)
{
    while (s->next < s->f->n && (long)(s->next - s->done) < s->window) {
        bc_t *bc = &s->f->c[s->next++];
        rtm_err_t err;
        if (s->joining) {
            bc->channel = rtm_client_create_channel(bc->client, s->channel, &err);
            if (bc->channel)
                err = rtm_channel_join(bc->channel, NULL);
        } else {
            err = rtm_client_login(bc->client, NULL, bc->user, NULL);
        }
        if (err != RTM_OK) {
            note("client %s: %s refused: %s: %s", bc->user, s->joining ? "join" : "login",
                 rtm_err_name(err), rtm_client_last_error(bc->client));
            return false;
        }
    }
    return true;
}

/* Logs every client of f in (or joins every one to channel), window requests in flight at a
 * time. True when all succeeded; *failed (may be NULL) counts those that did not. */
static bool setup_all(fleet_t *f, const char *channel, long window, int64_t deadline,
                      size_t *failed)
{
    setup_t s = {.f = f, .window = window, .joining = channel != NULL, .channel = channel};
    bool ok = true;
    while (ok && !setup_done(&s)) {
        int ms = ms_left(deadline, 1000);
        if (ms == 0) {
            note("timed out after %ld s: %zu of %zu %s unanswered", O.timeout_s, s.f->n - s.done,
                 s.f->n, channel ? "joins" : "logins");
            ok = false;
        } else {
            ok = setup_issue(&s) && fleet_step(f, ms, setup_on_event, &s, NULL) >= 0;
        }
    }
    if (failed)
        *failed = s.failed + (f->n - s.done);
    return ok && s.failed == 0;
}

static bool send_text(bc_t *from, const char *to, long seq)
{
    char text[MAX_PAYLOAD_BYTES + 1];
    payload(text, seq);
    rtm_err_t err;
    rtm_message_t *m = rtm_message_new_text(text, &err);
    if (!m) {
        note("rtm_message_new_text: %s", rtm_err_name(err));
        return false;
    }
    err = rtm_client_send_message_to_peer(from->client, to, m, 0, NULL);
    rtm_message_free(m);
    if (err != RTM_OK)
        note("client %s: send refused: %s: %s", from->user, rtm_err_name(err),
             rtm_client_last_error(from->client));
    return err == RTM_OK;
}

/* ---- W1: latency ------------------------------------------------------------------------- */

typedef struct w1 {
    bc_t *a, *b;
    long total, answered; /* round trips, warm-up included */
    int64_t sent_at;
    int64_t *rtt_ns; /* the measured ones */
    bool failed;
} w1_t;

static void w1_on_event(void *ctx, bc_t *bc, rtm_event_t *e)
{
    w1_t *w = ctx;
    rtm_event_type_t t = rtm_event_type(e);
    if (t == RTM_EVENT_SEND_PEER_MESSAGE_RESULT && rtm_event_error(e) != RTM_OK) {
        note("W1: a message from %s failed: %s", bc->user, rtm_err_name(rtm_event_error(e)));
        w->failed = true;
        return;
    }
    if (t != RTM_EVENT_PEER_MESSAGE_RECEIVED || w->failed)
        return;
    const rtm_message_t *m = rtm_event_message(e);
    if (bc == w->b) { /* echo it: the received message is a valid message to send */
        rtm_err_t err = rtm_client_send_message_to_peer(w->b->client, w->a->user, m, 0, NULL);
        if (err != RTM_OK) {
            note("W1: the answer was refused: %s", rtm_err_name(err));
            w->failed = true;
        }
        return;
    }
    int64_t rtt = now_ns() - w->sent_at;
    if (payload_seq(m) != w->answered) {
        note("W1: round trip %ld came back as %ld", w->answered, payload_seq(m));
        w->failed = true;
        return;
    }
    if (w->answered >= O.warmup)
        w->rtt_ns[w->answered - O.warmup] = rtt;
    if (++w->answered < w->total) {
        w->sent_at = now_ns();
        w->failed = !send_text(w->a, w->b->user, w->answered);
    }
}

static bool w1_done(void *ctx)
{
    w1_t *w = ctx;
    return w->failed || w->answered == w->total;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values, in microseconds. */
static double pct_us(const int64_t *sorted, size_t n, double p)
{
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)sorted[rank - 1] / 1000.0;
}

static bool run_w1(const server_t *s)
{
    fleet_t f;
    if (!fleet_init(&f, 2))
        return false;
    bool ok = false;
    w1_t w = {.total = O.warmup + O.round_trips};
    w.rtt_ns = calloc((size_t)O.round_trips, sizeof(*w.rtt_ns));
    int64_t deadline = deadline_after_s(O.timeout_s);
    if (!w.rtt_ns || !(w.a = fleet_add(&f, s->url, "bench-%ld-w1-a", (long)getpid())) ||
        !(w.b = fleet_add(&f, s->url, "bench-%ld-w1-b", (long)getpid())) ||
        !setup_all(&f, NULL, SETUP_WINDOW, deadline, NULL))
        goto out;
    note("W1: %ld round trips of %ld bytes after %ld warm-up", O.round_trips, O.size, O.warmup);
    deadline = deadline_after_s(O.timeout_s);
    w.sent_at = now_ns();
    if (!send_text(w.a, w.b->user, 0))
        goto out;
    fleet_run(&f, w1_on_event, w1_done, &w, deadline, "waiting for W1's round trips");
    long measured = w.answered > O.warmup ? w.answered - O.warmup : 0;
    metric("W1", "answered_ratio", (double)measured / (double)O.round_trips, 4, "ratio");
    if (measured > 0) {
        qsort(w.rtt_ns, (size_t)measured, sizeof(*w.rtt_ns), cmp_i64);
        double sum = 0;
        for (long i = 0; i < measured; i++)
            sum += (double)w.rtt_ns[i];
        metric("W1", "rtt_p50_us", pct_us(w.rtt_ns, (size_t)measured, 50), 1, "us");
        metric("W1", "rtt_p90_us", pct_us(w.rtt_ns, (size_t)measured, 90), 1, "us");
        metric("W1", "rtt_p99_us", pct_us(w.rtt_ns, (size_t)measured, 99), 1, "us");
        metric("W1", "rtt_p999_us", pct_us(w.rtt_ns, (size_t)measured, 99.9), 1, "us");
        metric("W1", "rtt_max_us", (double)w.rtt_ns[measured - 1] / 1000.0, 1, "us");
        metric("W1", "rtt_mean_us", sum / (double)measured / 1000.0, 1, "us");
    }
    ok = !w.failed && measured == O.round_trips;
out:
    fleet_free(&f);
    free(w.rtt_ns);
    return ok;
}

/* ---- W2: throughput ---------------------------------------------------------------------- */

typedef struct w2 {
    bc_t *a, *b;
    long sent, results, ok, failed;
    int64_t t0, t_last;
    bool broken; /* a send was refused */
} w2_t;

/* Marks seq received by bc; false for a duplicate or a number out of range. */
static bool mark_seen(bc_t *bc, long seq, long n)
{
    if (seq < 0 || seq >= n || (bc->seen[seq / 8] & (1u << (seq % 8)))) {
        bc->dups++;
        return false;
    }
    bc->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
    bc->received++;
    return true;
}

static void w2_fill(w2_t *w)
{
    while (!w->broken && w->sent < O.messages && w->sent - w->results < O.window)
        w->broken = !send_text(w->a, w->b->user, w->sent++);
}

static void w2_on_event(void *ctx, bc_t *bc, rtm_event_t *e)
{
    w2_t *w = ctx;
    rtm_event_type_t t = rtm_event_type(e);
    if (bc == w->a && t == RTM_EVENT_SEND_PEER_MESSAGE_RESULT) {
        w->results++;
        if (rtm_event_error(e) == RTM_OK)
            w->ok++;
        else if (w->failed++ < NOTES_MAX)
            note("W2: a message failed: %s", rtm_err_name(rtm_event_error(e)));
        w2_fill(w);
    } else if (bc == w->b && t == RTM_EVENT_PEER_MESSAGE_RECEIVED) {
        if (mark_seen(bc, payload_seq(rtm_event_message(e)), O.messages))
            w->t_last = now_ns();
    }
}

static bool w2_done(void *ctx)
{
    w2_t *w = ctx;
    return w->broken ||
           (w->results == w->sent && w->sent == O.messages && (long)w->b->received >= w->ok);
}

static bool run_w2(const server_t *s)
{
    fleet_t f;
    if (!fleet_init(&f, 2))
        return false;
    bool ok = false;
    w2_t w = {0};
    int64_t deadline = deadline_after_s(O.timeout_s);
    if (!(w.a = fleet_add(&f, s->url, "bench-%ld-w2-a", (long)getpid())) ||
        !(w.b = fleet_add(&f, s->url, "bench-%ld-w2-b", (long)getpid())) ||
        !(w.b->seen = calloc((size_t)O.messages / 8 + 1, 1)) ||
        !setup_all(&f, NULL, SETUP_WINDOW, deadline, NULL))
        goto out;
    note("W2: %ld messages of %ld bytes, window %ld", O.messages, O.size, O.window);
    deadline = deadline_after_s(O.timeout_s);
    cpu_mark_t cpu = cpu_mark(s->pid);
    w.t0 = now_ns();
    w2_fill(&w);
    bool done = fleet_run(&f, w2_on_event, w2_done, &w, deadline, "waiting for W2's messages");
    cpu_metrics("W2", "msg", cpu, s->pid, w.b->received);
    double ratio = (double)w.b->received / (double)O.messages;
    if (w.b->received > 0)
        metric("W2", "msgs_per_s",
               (double)w.b->received * (double)NS_PER_S / (double)(w.t_last - w.t0), 0, "msgs/s");
    metric("W2", "delivered_ratio", ratio, 4, "ratio");
    if (w.b->dups)
        note("W2: %" PRIu64 " duplicate or unknown messages at the receiver", w.b->dups);
    ok = done && !w.broken && w.failed == 0 && w.b->received == (uint64_t)O.messages;
out:
    fleet_free(&f);
    return ok;
}

/* ---- W3: fan-out ------------------------------------------------------------------------- */

typedef struct w3 {
    bc_t *sender;
    char channel[64];
    long sent, results, ok, failed;
    uint64_t delivered, expected_per_msg;
    int64_t t0, t_last;
    bool broken;
} w3_t;

static void w3_fill(w3_t *w)
{
    char text[MAX_PAYLOAD_BYTES + 1];
    while (!w->broken && w->sent < O.channel_messages && w->sent - w->results < O.window) {
        payload(text, w->sent++);
        rtm_err_t err;
        rtm_message_t *m = rtm_message_new_text(text, &err);
        if (m)
            err = rtm_client_send_message_to_channel(w->sender->client, w->channel, m, 0, NULL);
        rtm_message_free(m);
        if (err != RTM_OK) {
            note("W3: a send was refused: %s: %s", rtm_err_name(err),
                 rtm_client_last_error(w->sender->client));
            w->broken = true;
        }
    }
}

static void w3_on_event(void *ctx, bc_t *bc, rtm_event_t *e)
{
    w3_t *w = ctx;
    rtm_event_type_t t = rtm_event_type(e);
    if (bc == w->sender && t == RTM_EVENT_SEND_CHANNEL_MESSAGE_RESULT) {
        w->results++;
        if (rtm_event_error(e) == RTM_OK)
            w->ok++;
        else if (w->failed++ < NOTES_MAX)
            note("W3: a channel message failed: %s", rtm_err_name(rtm_event_error(e)));
        w3_fill(w);
    } else if (bc != w->sender && t == RTM_EVENT_CHANNEL_MESSAGE_RECEIVED && bc->seen) {
        if (mark_seen(bc, payload_seq(rtm_event_message(e)), O.channel_messages)) {
            w->delivered++;
            w->t_last = now_ns();
        }
    }
}

static bool w3_done(void *ctx)
{
    w3_t *w = ctx;
    return w->broken || (w->results == w->sent && w->sent == O.channel_messages &&
                         w->delivered >= (uint64_t)w->ok * w->expected_per_msg);
}

static bool run_w3(const server_t *s)
{
    fleet_t f;
    if (!fleet_init(&f, (size_t)O.members + 1))
        return false;
    bool ok = false;
    w3_t w = {.expected_per_msg = (uint64_t)O.members};
    snprintf(w.channel, sizeof(w.channel), "bench-%ld-w3", (long)getpid());
    int64_t deadline = deadline_after_s(O.timeout_s);
    for (long i = 0; i < O.members; i++) {
        bc_t *bc = fleet_add(&f, s->url, "bench-%ld-w3-m%ld", (long)getpid(), i);
        if (!bc || !(bc->seen = calloc((size_t)O.channel_messages / 8 + 1, 1)))
            goto out;
    }
    if (!(w.sender = fleet_add(&f, s->url, "bench-%ld-w3-sender", (long)getpid())) ||
        !setup_all(&f, NULL, SETUP_WINDOW, deadline, NULL))
        goto out;
    /* the sender stays outside: the channel has exactly --members members */
    f.n--;
    bool joined = setup_all(&f, w.channel, SETUP_WINDOW, deadline, NULL);
    f.n++;
    if (!joined)
        goto out;
    /* member-joined events and the last member count: out of the way before timing */
    fleet_settle(&f, NULL, NULL, SETTLE_QUIET_MS, deadline);
    note("W3: %ld messages of %ld bytes to %ld members, window %ld", O.channel_messages, O.size,
         O.members, O.window);
    deadline = deadline_after_s(O.timeout_s);
    cpu_mark_t cpu = cpu_mark(s->pid);
    w.t0 = now_ns();
    w3_fill(&w);
    bool done = fleet_run(&f, w3_on_event, w3_done, &w, deadline, "waiting for W3's deliveries");
    cpu_metrics("W3", "delivery", cpu, s->pid, w.delivered);
    uint64_t expected = (uint64_t)O.channel_messages * (uint64_t)O.members;
    if (w.delivered > 0)
        metric("W3", "deliveries_per_s",
               (double)w.delivered * (double)NS_PER_S / (double)(w.t_last - w.t0), 0,
               "deliveries/s");
    metric("W3", "delivered_ratio", (double)w.delivered / (double)expected, 4, "ratio");
    ok = done && !w.broken && w.failed == 0 && w.delivered == expected;
out:
    fleet_free(&f);
    return ok;
}

/* ---- W4: idle connections ---------------------------------------------------------------- */

/* One helper process: logs n clients in (window in flight), says "ready OK FAILED RSS0", waits
 * for "measure", says "rss RSS CONNECTED", frees its clients and exits. RSS0 is taken after
 * the first client (and with it librtm's I/O thread and context) exists. */
static int w4_child(int idx, const char *url, long first, long n, long window, int to_parent,
                    int from_parent)
{
    fleet_t f;
    if (!fleet_init(&f, (size_t)n))
        return 1;
    int status = 1;
    long long rss0 = -1;
    size_t failed = 0;
    int64_t deadline = deadline_after_s(O.timeout_s);
    for (long i = 0; i < n; i++) {
        if (!fleet_add(&f, url, "bench-%ld-w4-%ld", (long)getppid(), first + i))
            goto out;
        if (i == 0)
            rss0 = rss_bytes(getpid());
    }
    setup_all(&f, NULL, window, deadline, &failed);
    dprintf(to_parent, "ready %ld %zu %lld\n", n - (long)failed, failed, rss0);

    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    if (epoll_ctl(f.epfd, EPOLL_CTL_ADD, from_parent, &ev) != 0)
        goto out;
    deadline = deadline_after_s(O.idle_s + O.timeout_s);
    bool measure = false;
    while (!measure) {
        int ms = ms_left(deadline, 1000);
        if (ms == 0 || fleet_step(&f, ms, NULL, NULL, &measure) < 0) {
            note("W4 helper %d: no word from the parent", idx);
            goto out;
        }
    }
    char line[32];
    if (!read_line(from_parent, line, sizeof(line), deadline) || strcmp(line, "measure") != 0)
        goto out;
    long connected = 0;
    for (size_t i = 0; i < f.n; i++)
        connected += rtm_client_connection_state(f.c[i].client) == RTM_CONNECTION_STATE_CONNECTED;
    dprintf(to_parent, "rss %lld %ld\n", rss_bytes(getpid()), connected);
    status = 0;
out:
    fleet_free(&f);
    return status;
}

typedef struct helper {
    pid_t pid;
    int to, from; /* pipes: to the helper, from it */
    long n;
    long ok, failed, connected;
    long long rss0, rss1;
} helper_t;

static bool run_w4(const server_t *s)
{
    long procs = (O.clients + O.clients_per_proc - 1) / O.clients_per_proc;
    if (procs > MAX_PROCS) {
        note("W4: %ld clients need %ld helper processes, more than %d: raise --clients-per-proc",
             O.clients, procs, MAX_PROCS);
        return false;
    }
    long long rtmd_rss0 = s->pid ? rss_bytes(s->pid) : -1;
    if (rtmd_rss0 < 0)
        note("W4: rtmd's memory cannot be read%s: no rss_per_conn",
             s->pid ? "" : " (give --rtmd-pid with --url)");
    note("W4: %ld idle clients in %ld processes, %ld logins in flight, idle %ld s", O.clients,
         procs, O.connect_window, O.idle_s);
    helper_t h[MAX_PROCS];
    memset(h, 0, sizeof(h));
    long started = 0, first = 0;
    bool ok = true;
    for (long i = 0; i < procs; i++) {
        int down[2], up[2];
        h[i].n = O.clients / procs + (i < O.clients % procs);
        if (pipe(down) != 0 || pipe(up) != 0) {
            note("pipe: %s", strerror(errno));
            ok = false;
            break;
        }
        fflush(stdout);
        fflush(stderr);
        h[i].pid = fork();
        if (h[i].pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(down[1]);
            close(up[0]);
            for (long k = 0; k < i; k++) {
                close(h[k].to);
                close(h[k].from);
            }
            long window = O.connect_window / procs;
            char url[sizeof(s->url)];
            if (O.dest_addrs > 1) /* each helper to its own loopback address */
                snprintf(url, sizeof(url), "ws://127.0.0.%ld:%d", 1 + i % O.dest_addrs, s->port);
            else
                snprintf(url, sizeof(url), "%s", s->url);
            _exit(w4_child((int)i, url, first, h[i].n, window > 0 ? window : 1, up[1], down[0]));
        }
        close(down[0]);
        close(up[1]);
        h[i].to = down[1];
        h[i].from = up[0];
        if (h[i].pid < 0) {
            note("fork: %s", strerror(errno));
            close(h[i].to);
            close(h[i].from);
            ok = false;
            break;
        }
        started++;
        first += h[i].n;
    }
    int64_t deadline = deadline_after_s(O.timeout_s);
    long logged_in = 0;
    for (long i = 0; ok && i < started; i++) {
        char line[128];
        if (!read_line(h[i].from, line, sizeof(line), deadline) ||
            sscanf(line, "ready %ld %ld %lld", &h[i].ok, &h[i].failed, &h[i].rss0) != 3) {
            note("W4: helper %ld did not get ready", i);
            ok = false;
        }
        logged_in += h[i].ok;
    }
    if (ok) {
        note("W4: %ld of %ld clients logged in; idle for %ld s", logged_in, O.clients, O.idle_s);
        struct timespec idle = {O.idle_s, 0};
        while (nanosleep(&idle, &idle) != 0 && errno == EINTR)
            ;
        long long rtmd_rss1 = rtmd_rss0 >= 0 ? rss_bytes(s->pid) : -1;
        for (long i = 0; i < started; i++)
            dprintf(h[i].to, "measure\n");
        long connected = 0;
        long long client_growth = 0;
        deadline = deadline_after_s(O.timeout_s);
        for (long i = 0; i < started; i++) {
            char line[128];
            if (!read_line(h[i].from, line, sizeof(line), deadline) ||
                sscanf(line, "rss %lld %ld", &h[i].rss1, &h[i].connected) != 2) {
                note("W4: helper %ld did not measure", i);
                ok = false;
                continue;
            }
            connected += h[i].connected;
            client_growth += h[i].rss1 - h[i].rss0;
        }
        metric("W4", "logged_in_ratio", (double)logged_in / (double)O.clients, 4, "ratio");
        metric("W4", "connected", (double)connected, 0, "clients");
        if (rtmd_rss1 >= 0 && connected > 0)
            metric("W4", "rss_per_conn", (double)(rtmd_rss1 - rtmd_rss0) / (double)connected, 0,
                   "bytes");
        if (ok && connected > 0)
            metric("W4", "client_rss_per_client", (double)client_growth / (double)O.clients, 0,
                   "bytes");
        ok = ok && logged_in == O.clients && connected == O.clients;
    }
    /* helpers free their clients (each logs out) and exit */
    deadline = deadline_after_s(O.timeout_s);
    for (long i = 0; i < started; i++) {
        close(h[i].to);
        close(h[i].from);
        int st = wait_exit(h[i].pid, deadline);
        if (st != 0) {
            if (st < 0) {
                kill(h[i].pid, SIGKILL);
                waitpid(h[i].pid, NULL, 0);
            }
            note("W4: helper %ld ended with status %d", i, st);
            ok = false;
        }
    }
    return ok;
}

/* ---- main -------------------------------------------------------------------------------- */

/* As many files as the hard limit allows: W4's helpers hold two per client. */
static void raise_file_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    bool stop;
    int rc = parse_args(argc, argv, &stop);
    if (rc || stop)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    raise_file_limit();
    struct rlimit rl;
    long need = O.run[4] ? (O.clients < O.clients_per_proc ? O.clients : O.clients_per_proc)
                         : (O.run[3] ? O.members + 1 : 2);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (rlim_t)(need * FDS_PER_CLIENT + 100) > rl.rlim_cur) {
        fprintf(stderr,
                "rtm-bench: %ld clients in one process need about %ld files; the limit is %llu "
                "(lower --members or --clients-per-proc)\n",
                need, need * FDS_PER_CLIENT + 100, (unsigned long long)rl.rlim_cur);
        return EXIT_USAGE;
    }

    static bool (*const runs[5])(const server_t *) = {NULL, run_w1, run_w2, run_w3, run_w4};
    bool all_ok = true;
    for (int w = 1; w <= 4; w++) {
        if (!O.run[w])
            continue;
        char load[128];
        load_average(load, sizeof(load));
        note("W%d: load average %s", w, load);
        server_t s;
        if (!server_up(&s)) {
            all_ok = false;
            continue;
        }
        int64_t t0 = now_ns();
        bool ok = runs[w](&s);
        if (!server_down(&s))
            ok = false;
        load_average(load, sizeof(load));
        note("W%d: %s in %.1f s; load average %s", w, ok ? "done" : "FAILED",
             (double)(now_ns() - t0) / NS_PER_S, load);
        all_ok = all_ok && ok;
    }
    return all_ok ? 0 : 1;
}
