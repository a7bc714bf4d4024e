/* rtm-token: prints a login token for a user, for scripts, tests and operators. A thin wrapper
 * over rtm_token_build; exits 2 with a sentence on stderr for bad arguments. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rtm/rtm.h"

#define DEFAULT_LIFETIME_S 86400u
#define EXIT_USAGE         2

static const char usage[] =
    "Usage: rtm-token --app-id ID --app-certificate CERT --user USER [--lifetime-s N]\n"
    "Prints an RTM login token (\"006\" AccessToken format) for USER on stdout.\n"
    "\n"
    "  --app-id ID             the app id, 32 hexadecimal characters\n"
    "  --app-certificate CERT  the app certificate, 32 hexadecimal characters\n"
    "  --user USER             the user id the token logs in as\n"
    "  --lifetime-s N          seconds the token stays valid (default 86400); a token\n"
    "                          never lasts more than 24 hours whatever N is\n"
    "  --help                  print this help and exit\n";

static int usage_error(const char *message, const char *detail)
{
    fprintf(stderr, "rtm-token: %s%s\n", message, detail ? detail : "");
    fprintf(stderr, "Try 'rtm-token --help'.\n");
    return EXIT_USAGE;
}

/* A whole decimal number in 1..UINT32_MAX, or 0. */
static uint32_t parse_seconds(const char *s)
{
    if (*s < '0' || *s > '9')
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > UINT32_MAX)
        return 0;
    return (uint32_t)v;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"app-id", required_argument, NULL, 'a'}, {"app-certificate", required_argument, NULL, 'c'},
        {"user", required_argument, NULL, 'u'},   {"lifetime-s", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *app_id = NULL, *app_certificate = NULL, *user = NULL, *lifetime = NULL;
    opterr = 0; /* our own messages */
    int c;
    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (c) {
        case 'a':
            app_id = optarg;
            break;
        case 'c':
            app_certificate = optarg;
            break;
        case 'u':
            user = optarg;
            break;
        case 'l':
            lifetime = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case ':':
            return usage_error("missing value for ", argv[optind - 1]);
        default:
            return usage_error("unknown option ", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument ", argv[optind]);
    if (!app_id)
        return usage_error("--app-id is required", NULL);
    if (!app_certificate)
        return usage_error("--app-certificate is required", NULL);
    if (!user)
        return usage_error("--user is required", NULL);

    time_t now = time(NULL);
    if (now <= 0 || (uint64_t)now >= UINT32_MAX - DEFAULT_LIFETIME_S) {
        fprintf(stderr, "rtm-token: the system clock is outside the token format's range\n");
        return 1;
    }
    uint32_t lifetime_s = DEFAULT_LIFETIME_S;
    if (lifetime) {
        lifetime_s = parse_seconds(lifetime);
        if (lifetime_s == 0)
            return usage_error("--lifetime-s must be a whole number of seconds from 1 to "
                               "4294967295: ",
                               lifetime);
    }
    /* The token ends 24 h after now anyway: a longer lifetime only needs to fit the field. */
    if (lifetime_s > UINT32_MAX - (uint32_t)now)
        lifetime_s = UINT32_MAX - (uint32_t)now;

    rtm_err_t err = RTM_OK;
    char *token = rtm_token_build(app_id, app_certificate, user, (uint32_t)now + lifetime_s, 0,
                                  (uint32_t)now, &err);
    if (!token) {
        if (err == RTM_ERR_INVALID_USER_ID)
            return usage_error("invalid --user (1 to 64 allowed characters, not \"null\"): ", user);
        if (err == RTM_ERR_INVALID_ARGUMENT)
            return usage_error("--app-id and --app-certificate must each be 32 hexadecimal "
                               "characters",
                               NULL);
        fprintf(stderr, "rtm-token: could not build the token (error %d)\n", (int)err);
        return 1;
    }
    puts(token);
    rtm_string_free(token);
    return 0;
}
