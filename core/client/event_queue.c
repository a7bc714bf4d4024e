/* Event queue (see event_queue.h). The eventfd counter is 1 while the queue is non-empty or a
 * wakeup is pending, 0 otherwise. fd_raised (under the queue lock) says which of the two the
 * counter is or is about to be: a producer raises the flag under the lock and writes the 1
 * after unlocking, so for a moment the flag is ahead of the counter (readiness comes a little
 * late) or, when a pop emptied the queue before that write landed, the counter stays 1 until
 * the next pop lowers it (one early wake-up that finds nothing). */
#include "event_queue.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

bool rtm_eq_init(rtm_event_queue_t *q, size_t capacity)
{
    pthread_condattr_t ca;
    q->head = q->tail = NULL;
    q->count = 0;
    q->capacity = capacity;
    q->wakeup = false;
    q->efd = -1;
    q->fd_raised = false;
    if (pthread_mutex_init(&q->lock, NULL))
        return false;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&q->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc) {
        pthread_mutex_destroy(&q->lock);
        return false;
    }
    return true;
}

void rtm_eq_destroy(rtm_event_queue_t *q)
{
    rtm_event_t *e = q->head;
    while (e) {
        rtm_event_t *next = e->next;
        rtm_event_destroy(e);
        e = next;
    }
    if (q->efd >= 0)
        close(q->efd);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
}

static bool readable(const rtm_event_queue_t *q)
{
    return q->count > 0 || q->wakeup;
}

/* Under the lock: the counter is to be raised. Returns the fd to write the 1 to, or -1 when
 * it is raised already (or there is no fd). The write itself may come after the lock is
 * released (fd_raise_finish): the application's thread, woken by it, must not find the locks
 * still held. */
static int fd_raise_begin(rtm_event_queue_t *q)
{
    if (q->efd < 0 || q->fd_raised)
        return -1;
    q->fd_raised = true;
    return q->efd;
}

static void fd_raise_finish(int fd)
{
    uint64_t one = 1;
    if (fd >= 0 && write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
        /* the counter cannot overflow at 1; nothing else can fail here */
    }
}

/* Under the lock. Only a read that takes the 1 lowers the flag: one that finds 0 (EAGAIN) met
 * a raise whose write is still on its way, and the pop after that write lowers it. */
static void fd_lower(rtm_event_queue_t *q)
{
    uint64_t v;
    if (q->efd < 0 || !q->fd_raised)
        return; /* already 0: no read that would only say EAGAIN */
    if (read(q->efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
        q->fd_raised = false;
}

size_t rtm_eq_push(rtm_event_queue_t *q, rtm_event_t *e)
{
    int wake_fd;
    size_t n = rtm_eq_push_chain(q, e, e, 1, &wake_fd);
    rtm_eq_wake(wake_fd);
    return n;
}

size_t rtm_eq_push_chain(rtm_event_queue_t *q, rtm_event_t *first, rtm_event_t *last, size_t n,
                         int *wake_fd)
{
    last->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->tail)
        q->tail->next = first;
    else
        q->head = first;
    q->tail = last;
    q->count += n;
    size_t count = q->count;
    *wake_fd = fd_raise_begin(q);
    if (n == 1)
        pthread_cond_signal(&q->cond);
    else
        pthread_cond_broadcast(&q->cond); /* as many pollers as there are events */
    pthread_mutex_unlock(&q->lock);
    return count;
}

void rtm_eq_wake(int wake_fd)
{
    fd_raise_finish(wake_fd);
}

static void deadline_after(struct timespec *ts, int timeout_ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

rtm_event_t *rtm_eq_pop(rtm_event_queue_t *q, int timeout_ms, bool *below_capacity)
{
    struct timespec deadline;
    rtm_event_t *e = NULL;
    if (below_capacity)
        *below_capacity = false;
    if (timeout_ms > 0)
        deadline_after(&deadline, timeout_ms);
    pthread_mutex_lock(&q->lock);
    for (;;) {
        if (q->wakeup) {
            q->wakeup = false;
            break;
        }
        if (q->head) {
            e = q->head;
            q->head = e->next;
            if (!q->head)
                q->tail = NULL;
            if (below_capacity && q->count == q->capacity)
                *below_capacity = true;
            q->count--;
            e->next = NULL;
            break;
        }
        if (timeout_ms == 0)
            break;
        if (timeout_ms < 0) {
            pthread_cond_wait(&q->cond, &q->lock);
        } else if (pthread_cond_timedwait(&q->cond, &q->lock, &deadline) == ETIMEDOUT) {
            timeout_ms = 0; /* one last look, then give up */
        }
    }
    if (!readable(q))
        fd_lower(q);
    pthread_mutex_unlock(&q->lock);
    return e;
}

void rtm_eq_wakeup(rtm_event_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    fd_raise_finish(fd_raise_begin(q));
    q->wakeup = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

int rtm_eq_fd(rtm_event_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    if (q->efd < 0) {
        q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (q->efd >= 0 && readable(q))
            fd_raise_finish(fd_raise_begin(q));
    }
    int fd = q->efd;
    pthread_mutex_unlock(&q->lock);
    return fd;
}

size_t rtm_eq_count(rtm_event_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}
