/* Intrusive doubly-linked lists with head and tail pointers, for structures that sit in
 * several lists at once through differently named links. The macros take the list's head and
 * tail lvalues and the names of the node's link fields, so one implementation serves every
 * such list. Not thread-safe; the caller's lock guards the list. */
#ifndef RTM_COMMON_DLIST_H
#define RTM_COMMON_DLIST_H

#include <stddef.h>

/* Appends node at the tail. */
#define RTM_DLIST_PUSH_BACK(head, tail, node, next, prev)                                          \
    do {                                                                                           \
        (node)->next = NULL;                                                                       \
        (node)->prev = (tail);                                                                     \
        if (tail)                                                                                  \
            (tail)->next = (node);                                                                 \
        else                                                                                       \
            (head) = (node);                                                                       \
        (tail) = (node);                                                                           \
    } while (0)

/* Removes node (which is in the list) and clears its links. */
#define RTM_DLIST_UNLINK(head, tail, node, next, prev)                                             \
    do {                                                                                           \
        if ((node)->prev)                                                                          \
            (node)->prev->next = (node)->next;                                                     \
        else                                                                                       \
            (head) = (node)->next;                                                                 \
        if ((node)->next)                                                                          \
            (node)->next->prev = (node)->prev;                                                     \
        else                                                                                       \
            (tail) = (node)->prev;                                                                 \
        (node)->next = (node)->prev = NULL;                                                        \
    } while (0)

#endif
