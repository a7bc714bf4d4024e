/* A client's event queue: FIFO, thread-safe, with an eventfd that is readable while the queue
 * is non-empty or a wakeup is pending (created on first request; with producers on other
 * threads it may stay readable until the poll after the one that emptied the queue), and a
 * wakeup that makes one blocked or next poll return NULL. Never drops an event: `capacity` only
 * tells the producer when to stop reading its connection. */
#ifndef RTM_CLIENT_EVENT_QUEUE_H
#define RTM_CLIENT_EVENT_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "event.h"

typedef struct rtm_event_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    rtm_event_t *head, *tail;
    size_t count;
    size_t capacity;
    bool wakeup;
    int efd;        /* -1 until rtm_eq_fd */
    bool fd_raised; /* efd's counter is 1 or its 1 is being written: lets a pop that finds
                       the queue empty skip the read that would only say EAGAIN */
} rtm_event_queue_t;

bool rtm_eq_init(rtm_event_queue_t *q, size_t capacity);
/* Frees every queued event and the fd. */
void rtm_eq_destroy(rtm_event_queue_t *q);
/* Appends e (taking ownership). Returns the count after the push. */
size_t rtm_eq_push(rtm_event_queue_t *q, rtm_event_t *e);
/* Appends the n events first..last, linked through their next fields, in one step: one lock
 * and at most one write to the fd for everything one network message brought. The write is
 * left to the caller: it passes *wake_fd to rtm_eq_wake once it holds no lock, so that the
 * application's thread, woken by it, does not run into locks still held. Returns the count
 * after the push. */
size_t rtm_eq_push_chain(rtm_event_queue_t *q, rtm_event_t *first, rtm_event_t *last, size_t n,
                         int *wake_fd);
void rtm_eq_wake(int wake_fd);
/* Takes the oldest event, waiting up to timeout_ms (-1 forever, 0 not at all). NULL on
 * timeout or wakeup. *below_capacity (may be NULL) is set when this pop took the queue from
 * capacity to below it. */
rtm_event_t *rtm_eq_pop(rtm_event_queue_t *q, int timeout_ms, bool *below_capacity);
/* Wakes one blocked pop, or makes the next pop return NULL at once. */
void rtm_eq_wakeup(rtm_event_queue_t *q);
/* The eventfd, created on the first call; -1 when it cannot be created. */
int rtm_eq_fd(rtm_event_queue_t *q);
size_t rtm_eq_count(rtm_event_queue_t *q);

#endif
