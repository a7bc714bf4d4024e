package io.rtm;

import java.lang.ref.Cleaner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import java.util.function.LongToIntFunction;
import java.util.function.LongUnaryOperator;

/**
 * One native pointer and the function that frees it. Every use holds the read lock
 * (acquire/release), freeing takes the write lock, so no call ever runs on a freed pointer and
 * nothing is freed twice. Registered with the library's Cleaner on behalf of the Java object
 * that owns it: an object the application forgets is freed by the garbage collector; close()
 * frees it at once; both run the same action once.
 */
final class NativeHandle implements Runnable {
    /** One daemon thread frees forgotten handles for the whole library. */
    static final Cleaner CLEANER = Cleaner.create();

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final LongConsumer free;
    private final LongConsumer waker;
    private final long initial;
    private final String what;
    private long ptr; // guarded by lock; 0 once freed
    private volatile boolean closing;
    private final AtomicBoolean ran = new AtomicBoolean();
    private Cleaner.Cleanable cleanable;

    /**
     * @param waker when not null, called (with the pointer) while close waits for calls that
     *     may block to give up the handle (rtm_client_wakeup for a client's poll)
     */
    private NativeHandle(long ptr, LongConsumer free, LongConsumer waker, String what) {
        this.ptr = ptr;
        this.initial = ptr;
        this.free = free;
        this.waker = waker;
        this.what = what;
    }

    /** A handle for ptr owned by owner: freed by close() or once owner is unreachable. */
    static NativeHandle register(Object owner, long ptr, LongConsumer free, String what) {
        return register(owner, ptr, free, null, what);
    }

    static NativeHandle register(Object owner, long ptr, LongConsumer free, LongConsumer waker, String what) {
        NativeHandle h = new NativeHandle(ptr, free, waker, what);
        h.cleanable = CLEANER.register(owner, h);
        return h;
    }

    /** A handle whose cleaning action the caller registers itself (see ClientCore). */
    static NativeHandle unregistered(long ptr, LongConsumer free, LongConsumer waker, String what) {
        return new NativeHandle(ptr, free, waker, what);
    }

    /** The pointer, with the read lock held until release(); RtmException CLOSED once closed. */
    long acquire() {
        long p = tryAcquire();
        if (p == 0) throw RtmException.closed(what);
        return p;
    }

    /** Like acquire, but 0 (and no lock held) once closed. */
    long tryAcquire() {
        if (closing) return 0;
        lock.readLock().lock();
        if (ptr == 0) {
            lock.readLock().unlock();
            return 0;
        }
        return ptr;
    }

    void release() {
        lock.readLock().unlock();
    }

    /** read applied to the pointer under the read lock (no free meanwhile); RtmException CLOSED once closed. */
    <T> T read(LongFunction<T> read) {
        long p = acquire();
        try {
            return read.apply(p);
        } finally {
            release();
        }
    }

    /** read for an int (no boxing). */
    int readInt(LongToIntFunction read) {
        long p = acquire();
        try {
            return read.applyAsInt(p);
        } finally {
            release();
        }
    }

    /** read for a long (no boxing). */
    long readLong(LongUnaryOperator read) {
        long p = acquire();
        try {
            return read.applyAsLong(p);
        } finally {
            release();
        }
    }

    boolean isOpen() {
        return !closing;
    }

    String what() {
        return what;
    }

    /**
     * Frees the pointer now, once (the Cleaner's action too), and returns when it is freed,
     * also when another thread is freeing it at the same time.
     */
    void close() {
        if (cleanable != null) cleanable.clean();
        else run();
        lock.writeLock().lock(); // waits for a free in progress on another thread
        lock.writeLock().unlock();
    }

    @Override
    public void run() {
        if (!ran.compareAndSet(false, true)) return;
        closing = true;
        ReentrantReadWriteLock.WriteLock w = lock.writeLock();
        if (waker == null) {
            w.lock();
        } else {
            boolean interrupted = false;
            for (;;) {
                waker.accept(initial); // the pointer is valid until we free it below
                try {
                    if (w.tryLock(20, TimeUnit.MILLISECONDS)) break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
        try {
            if (ptr != 0) {
                long p = ptr;
                ptr = 0;
                free.accept(p);
            }
        } finally {
            w.unlock();
        }
    }
}
