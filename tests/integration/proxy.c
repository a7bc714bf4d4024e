/* Loopback TCP proxy for fault tests (see proxy.h). One thread, poll(), at most 16 links. */
#include "proxy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINKS 16
#define BUF_BYTES 65536

typedef struct link {
    int fd[2];              /* 0: the client side, 1: the server side; -1 when closed */
    char buf[2][BUF_BYTES]; /* buf[d]: bytes read from fd[d], not yet written to fd[!d] */
    size_t len[2];
} link_t;

struct proxy {
    pthread_t thread;
    pthread_mutex_t lock;
    int listen_fd, wake[2], port, target_port, accepted;
    bool stop, frozen[2], cut, refuse; /* frozen[0]: to the server; [1]: to the client */
    char url[64];
    link_t links[MAX_LINKS];
};

static void link_close(link_t *l)
{
    for (int d = 0; d < 2; d++) {
        if (l->fd[d] >= 0)
            close(l->fd[d]);
        l->fd[d] = -1;
        l->len[d] = 0;
    }
}

static int connect_target(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void accept_one(proxy_t *p)
{
    int fd = accept(p->listen_fd, NULL, NULL);
    if (fd < 0)
        return;
    pthread_mutex_lock(&p->lock);
    bool refuse = p->refuse;
    p->accepted++;
    pthread_mutex_unlock(&p->lock);
    int up = refuse ? -1 : connect_target(p->target_port);
    for (int i = 0; up >= 0 && i < MAX_LINKS; i++) {
        if (p->links[i].fd[0] < 0) {
            p->links[i].fd[0] = fd;
            p->links[i].fd[1] = up;
            return;
        }
    }
    close(fd);
    if (up >= 0)
        close(up);
}

static void *run(void *arg)
{
    proxy_t *p = arg;
    for (;;) {
        struct pollfd pf[2 + 2 * MAX_LINKS];
        int n = 0;
        pthread_mutex_lock(&p->lock);
        bool stop = p->stop, frozen[2] = {p->frozen[0], p->frozen[1]}, cut = p->cut;
        p->cut = false;
        pthread_mutex_unlock(&p->lock);
        if (stop)
            break;
        if (cut)
            for (int i = 0; i < MAX_LINKS; i++)
                link_close(&p->links[i]);
        pf[n++] = (struct pollfd){p->listen_fd, POLLIN, 0};
        pf[n++] = (struct pollfd){p->wake[0], POLLIN, 0};
        for (int i = 0; i < MAX_LINKS; i++) {
            link_t *l = &p->links[i];
            for (int d = 0; d < 2; d++) {
                short ev = 0;
                if (l->fd[d] >= 0 && l->len[d] < BUF_BYTES)
                    ev |= POLLIN;
                /* fd[d] takes what was read from the other side, unless that way is frozen */
                if (l->fd[d] >= 0 && l->len[!d] && !frozen[!d])
                    ev |= POLLOUT;
                pf[n++] = (struct pollfd){l->fd[d], ev, 0};
            }
        }
        if (poll(pf, (nfds_t)n, 200) < 0)
            continue;
        if (pf[0].revents & POLLIN)
            accept_one(p);
        if (pf[1].revents & POLLIN) {
            char b[64];
            (void)!read(p->wake[0], b, sizeof(b));
        }
        for (int i = 0; i < MAX_LINKS; i++) {
            link_t *l = &p->links[i];
            for (int d = 0; d < 2 && l->fd[0] >= 0; d++) {
                short re = pf[2 + 2 * i + d].revents;
                if (re & POLLOUT) {
                    ssize_t w = write(l->fd[d], l->buf[!d], l->len[!d]);
                    if (w > 0) {
                        memmove(l->buf[!d], l->buf[!d] + w, l->len[!d] - (size_t)w);
                        l->len[!d] -= (size_t)w;
                    }
                }
                if (re & (POLLIN | POLLHUP | POLLERR)) {
                    ssize_t r = read(l->fd[d], l->buf[d] + l->len[d], BUF_BYTES - l->len[d]);
                    if (r <= 0) {
                        link_close(l); /* one side closed: close the other */
                        break;
                    }
                    l->len[d] += (size_t)r;
                }
            }
        }
    }
    for (int i = 0; i < MAX_LINKS; i++)
        link_close(&p->links[i]);
    return NULL;
}

static void poke(proxy_t *p)
{
    (void)!write(p->wake[1], "x", 1);
}

proxy_t *proxy_start(int target_port)
{
    proxy_t *p = calloc(1, sizeof(*p));
    assert_non_null(p);
    pthread_mutex_init(&p->lock, NULL);
    for (int i = 0; i < MAX_LINKS; i++)
        p->links[i].fd[0] = p->links[i].fd[1] = -1;
    p->target_port = target_port;
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(p->listen_fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    assert_int_equal(bind(p->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(p->listen_fd, 16), 0);
    assert_int_equal(getsockname(p->listen_fd, (struct sockaddr *)&a, &alen), 0);
    p->port = ntohs(a.sin_port);
    snprintf(p->url, sizeof(p->url), "ws://127.0.0.1:%d", p->port);
    assert_int_equal(pipe(p->wake), 0);
    assert_int_equal(pthread_create(&p->thread, NULL, run, p), 0);
    return p;
}

int proxy_port(const proxy_t *p)
{
    return p->port;
}

const char *proxy_url(const proxy_t *p)
{
    return p->url;
}

void proxy_freeze(proxy_t *p, bool to_server, bool to_client)
{
    pthread_mutex_lock(&p->lock);
    p->frozen[0] = to_server;
    p->frozen[1] = to_client;
    pthread_mutex_unlock(&p->lock);
    poke(p);
}

void proxy_cut(proxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    p->cut = true;
    pthread_mutex_unlock(&p->lock);
    poke(p);
}

void proxy_refuse(proxy_t *p, bool refuse)
{
    pthread_mutex_lock(&p->lock);
    p->refuse = refuse;
    pthread_mutex_unlock(&p->lock);
}

int proxy_accepted(proxy_t *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->accepted;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void proxy_stop(proxy_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_mutex_unlock(&p->lock);
    poke(p);
    pthread_join(p->thread, NULL);
    close(p->listen_fd);
    close(p->wake[0]);
    close(p->wake[1]);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
