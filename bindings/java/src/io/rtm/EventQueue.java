package io.rtm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The application's side of a client whose dispatcher runs: events that completed no future,
 * in arrival order, for Client.poll. Bounded: a full queue makes the dispatcher wait, so the
 * native queue fills and librtm stops reading the connection, as without a dispatcher. Has the
 * native queue's wakeup semantics (wakes one blocked poll, or the next poll returns null).
 */
final class EventQueue {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Event> items = new ArrayDeque<>();
    private final int capacity;
    private boolean wakeup;
    private boolean closed;

    EventQueue(int capacity) {
        this.capacity = capacity;
    }

    /** Appends e unless the queue is full or closed (then false: e is still the caller's). */
    boolean offer(Event e) {
        lock.lock();
        try {
            if (closed || items.size() >= capacity) return false;
            items.addLast(e);
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the queue has room, is closed, or giveUp turns true (checked on kick()). */
    void awaitSpace(BooleanSupplier giveUp) {
        boolean interrupted = false;
        lock.lock();
        try {
            while (!closed && items.size() >= capacity && !giveUp.getAsBoolean()) {
                try {
                    notFull.await();
                } catch (InterruptedException ie) {
                    interrupted = true;
                }
            }
        } finally {
            lock.unlock();
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** The oldest event, waiting up to timeoutMs (-1: no limit); null on timeout, wakeup or close. */
    Event poll(long timeoutMs) throws InterruptedException {
        long deadline = timeoutMs < 0 ? 0 : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lockInterruptibly();
        try {
            for (;;) {
                if (wakeup) {
                    wakeup = false;
                    return null;
                }
                Event e = items.pollFirst();
                if (e != null) {
                    notFull.signal();
                    return e;
                }
                if (closed) return null;
                if (timeoutMs < 0) {
                    notEmpty.await();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return null;
                    notEmpty.awaitNanos(left);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes one blocked poll, or makes the next poll return null at once. */
    void wakeup() {
        lock.lock();
        try {
            wakeup = true;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Makes awaitSpace re-check its giveUp condition. */
    void kick() {
        lock.lock();
        try {
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns the queued result event of requestId, or null. */
    Event removeResult(long requestId) {
        lock.lock();
        try {
            for (Iterator<Event> it = items.iterator(); it.hasNext(); ) {
                Event e = it.next();
                if (e.requestId() == requestId) {
                    it.remove();
                    notFull.signal();
                    return e;
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Takes every queued event. */
    List<Event> drain() {
        lock.lock();
        try {
            List<Event> all = new ArrayList<>(items);
            items.clear();
            notFull.signalAll();
            return all;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return items.size();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the queue: frees what it holds, wakes every waiter; later puts fail. */
    void close() {
        List<Event> left;
        lock.lock();
        try {
            closed = true;
            left = new ArrayList<>(items);
            items.clear();
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        for (Event e : left) e.close();
    }
}
