package io.rtm;

import io.rtm.internal.rtm_native;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Everything of a client except the object the application holds: the native client, the
 * futures waiting for result events, and the dispatcher. It never refers to its Client
 * strongly (only weakly), so a forgotten Client becomes unreachable even while the dispatcher
 * thread runs; the Client's Cleaner action is this object's run(), which closes it all.
 *
 * <p>Routing: whoever takes an event off the native queue (the dispatcher, or an application
 * thread in Client.poll while no dispatcher runs) first offers it to the future registered for
 * its request id; every other event goes to the application (the return value of poll, the
 * queue, or the handler). A future is registered under routeLock together with the call that
 * produced its request id, and routing looks futures up under the same lock, so a result
 * can never overtake the registration of its future.
 */
final class ClientCore implements Runnable {
    /**
     * Events the dispatcher holds for Client.poll before it stops taking more: 65536 (librtm's
     * own default queue capacity), or the system property io.rtm.dispatcher.queueCapacity.
     */
    static int queueCapacity() {
        return Math.max(1, Integer.getInteger("io.rtm.dispatcher.queueCapacity", 65536));
    }

    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final System.Logger LOG = System.getLogger("io.rtm");

    /** A librtm call on this client (client is 0 for a child's call when the client is closed). */
    @FunctionalInterface
    interface Call {
        int invoke(long client, long[] requestId);
    }

    final NativeHandle handle;
    final EventQueue queue = new EventQueue(queueCapacity());
    private volatile WeakReference<Client> owner = new WeakReference<>(null);

    private final ReentrantLock routeLock = new ReentrantLock();
    private final Map<Long, Pending<?>> pending = new HashMap<>(); // guarded by routeLock
    private final ReentrantLock deliverLock = new ReentrantLock();
    private final AtomicInteger directPollers = new AtomicInteger();
    private volatile boolean dispatching;
    private volatile boolean closed;
    private volatile boolean closedByApplication;
    private volatile Thread closingThread;
    private final CountDownLatch closeDone = new CountDownLatch(1);
    private volatile Consumer<Event> handler;
    private Thread dispatcher; // guarded by this

    ClientCore(long ptr) {
        handle = NativeHandle.unregistered(ptr, rtm_native::rtm_client_free, p -> rtm_native.rtm_client_wakeup(p),
                "client");
    }

    void setOwner(Client c) {
        owner = new WeakReference<>(c);
    }

    /** The Client object, or null once the garbage collector took it (the core is closing then). */
    Client owner() {
        return owner.get();
    }

    boolean isClosed() {
        return closed;
    }

    boolean isDispatching() {
        return dispatching;
    }

    boolean hasHandler() {
        return handler != null;
    }

    // ---- calls ----------------------------------------------------------------------------

    /**
     * Runs a fallible librtm call and returns the request id it wrote. On failure throws
     * RtmException with the client's sentence for this failure (rtm_client_last_error when it
     * changed during the call, else the code's own sentence).
     *
     * @param requireOpen true for calls on the client itself (CLOSED at once once closed);
     *     false for calls on its channels and invitations, which go to librtm even then (it
     *     answers CLOSED) and get the client pointer 0
     */
    long call(boolean requireOpen, Call f) {
        long c = requireOpen ? handle.acquire() : handle.tryAcquire();
        try {
            String before = c != 0 ? rtm_native.rtm_client_last_error(c) : null;
            long[] id = new long[1];
            int rc = f.invoke(c, id);
            if (rc != 0) {
                ErrorCode code = ErrorCode.of(rc);
                String after = c != 0 ? rtm_native.rtm_client_last_error(c) : "";
                boolean fresh = after != null && !after.isEmpty() && !after.equals(before);
                throw new RtmException(code, fresh ? after : code.description());
            }
            return id[0];
        } finally {
            if (c != 0) handle.release();
        }
    }

    /** Like call, for a request whose result completes the returned future (see Client). */
    <T> CompletableFuture<T> callAsync(boolean requireOpen, Call f, Function<Event, T> extract) {
        return callAsync(requireOpen, f, extract, null);
    }

    /** alsoOk: a result code that completes the future normally too (CACHED_BY_SERVER). */
    <T> CompletableFuture<T> callAsync(boolean requireOpen, Call f, Function<Event, T> extract, ErrorCode alsoOk) {
        startDispatcher();
        routeLock.lock();
        try {
            long id = call(requireOpen, f);
            Pending<T> p = new Pending<>(id, extract, false, alsoOk);
            pending.put(id, p);
            return p.future;
        } finally {
            routeLock.unlock();
        }
    }

    /** A future for the result event of a request made earlier (Client.result). */
    CompletableFuture<Event> result(long requestId) {
        if (requestId == 0) throw new RtmException(ErrorCode.INVALID_ARGUMENT, "0 never names a request");
        startDispatcher();
        Pending<Event> p = new Pending<>(requestId, e -> e, true, null);
        Event queued;
        routeLock.lock();
        try {
            if (pending.containsKey(requestId)) {
                throw new RtmException(ErrorCode.INVALID_STATE, "a future already waits for request " + requestId);
            }
            queued = queue.removeResult(requestId);
            if (queued == null) pending.put(requestId, p);
        } finally {
            routeLock.unlock();
        }
        if (queued != null) p.complete(queued);
        return p.future;
    }

    /** Completes the future waiting for ev's request id, if any; true when ev was consumed so. */
    boolean routeToFuture(Event ev) {
        long id = ev.requestId();
        if (id == 0) return false;
        Pending<?> p;
        routeLock.lock();
        try {
            p = pending.remove(id);
        } finally {
            routeLock.unlock();
        }
        if (p == null) return false;
        p.complete(ev);
        return true;
    }

    // ---- polling --------------------------------------------------------------------------

    /**
     * One rtm_client_poll by an application thread while no dispatcher runs: the native event
     * or 0 (timeout, wakeup, or the dispatcher started and took over the native queue).
     */
    long directPoll(int timeoutMs) {
        directPollers.incrementAndGet();
        try {
            if (dispatching) return 0;
            long c = handle.acquire();
            try {
                return rtm_native.rtm_client_poll(c, timeoutMs);
            } finally {
                handle.release();
            }
        } finally {
            directPollers.decrementAndGet();
        }
    }

    /** Wakes a poll blocked on whichever queue the application polls. */
    void wakeup() {
        if (dispatching) {
            queue.wakeup();
            return;
        }
        long c = handle.acquire();
        try {
            rtm_native.rtm_client_wakeup(c);
        } finally {
            handle.release();
        }
    }

    // ---- the dispatcher -------------------------------------------------------------------

    /** Starts the dispatcher thread once; from then on it alone polls the native queue. */
    void startDispatcher() {
        synchronized (this) {
            if (dispatcher != null) return;
            if (closed) throw RtmException.closed("client");
            dispatching = true;
            Thread t = new Thread(this::dispatchLoop, "rtm-dispatcher-" + THREAD_IDS.incrementAndGet());
            t.setDaemon(true);
            dispatcher = t;
            t.start();
        }
        // Application threads blocked in the native poll move over to the queue: wake them
        // until none is left there (each wakeup releases one, which then sees `dispatching`).
        while (directPollers.get() > 0) {
            long c = handle.tryAcquire();
            if (c == 0) return;
            try {
                rtm_native.rtm_client_wakeup(c);
            } finally {
                handle.release();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * Hands every event that completes no future to h on the dispatcher thread (then closes
     * it), starting with those already queued; null queues them for poll again.
     */
    void setHandler(Consumer<Event> h) {
        handler = h;
        startDispatcher();
        queue.kick();
        long c = handle.tryAcquire(); // let the dispatcher drain the queue to h now
        if (c != 0) {
            try {
                rtm_native.rtm_client_wakeup(c);
            } finally {
                handle.release();
            }
        }
    }

    private void dispatchLoop() {
        for (;;) {
            Consumer<Event> h = handler;
            if (h != null) {
                for (Event e : queue.drain()) handTo(h, e);
            }
            long c = handle.tryAcquire();
            if (c == 0) return; // closed
            long p;
            try {
                p = rtm_native.rtm_client_poll(c, -1);
            } finally {
                handle.release();
            }
            if (p == 0) continue; // a wakeup: re-check the handler and whether we are closed
            try {
                dispatch(new Event(p, this));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "the rtm dispatcher could not handle an event", e);
            }
        }
    }

    /**
     * Routes one event taken by the dispatcher: to the future waiting for its request id, else
     * to the handler, else to the queue. Looking up the future and queueing happen under
     * routeLock, the lock result() registers under, so an event is always either found in the
     * queue or routed to a future registered for it.
     */
    private void dispatch(Event ev) {
        long id = ev.requestId();
        for (;;) {
            Consumer<Event> h = handler;
            Pending<?> p = null;
            boolean queued = false;
            routeLock.lock();
            try {
                if (id != 0) p = pending.remove(id);
                if (p == null && h == null) queued = queue.offer(ev);
            } finally {
                routeLock.unlock();
            }
            if (p != null) {
                p.complete(ev);
                return;
            }
            if (h != null) {
                handTo(h, ev);
                return;
            }
            if (queued) return;
            if (closed) {
                ev.close();
                return;
            }
            queue.awaitSpace(() -> handler != null); // full: wait for the application to poll
        }
    }

    private void handTo(Consumer<Event> h, Event ev) {
        deliverLock.lock();
        try {
            if (!closed) h.accept(ev);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "an rtm event handler threw on " + ev, t);
        } finally {
            deliverLock.unlock();
            ev.close();
        }
    }

    // ---- closing --------------------------------------------------------------------------

    /**
     * Client.close: closes (once) and returns when closing is complete, also when another
     * thread is closing it; except on the dispatcher thread (a handler closing its client) and
     * inside the closing itself (a failed future's callback closing the client again).
     */
    void closeAndWait(Runnable clean) {
        closedByApplication = true;
        clean.run();
        Thread me = Thread.currentThread();
        if (me == dispatcherThread() || me == closingThread) return;
        boolean interrupted = false;
        for (;;) {
            try {
                closeDone.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private synchronized Thread dispatcherThread() {
        return dispatcher;
    }

    /**
     * Closes the client (the Cleaner's action, run once by Client.close or the garbage
     * collector): wakes every poll, waits for calls in progress, frees the native client, fails
     * the futures still waiting, frees the queued events and, when the application closed it,
     * waits for a handler call in progress (unless called from it). The Cleaner thread never
     * waits for a handler: nobody can see the client any more, and a stuck handler must not
     * stop the freeing of every other forgotten handle.
     */
    @Override
    public void run() {
        closingThread = Thread.currentThread();
        closed = true;
        try {
            handle.close();
            queue.close();
            List<Pending<?>> left;
            routeLock.lock();
            try {
                left = new ArrayList<>(pending.values());
                pending.clear();
            } finally {
                routeLock.unlock();
            }
            for (Pending<?> p : left) {
                p.future.completeExceptionally(new RtmException(ErrorCode.CLOSED,
                        "the client was closed before the result of request " + p.id + " arrived"));
            }
            Thread t = dispatcherThread();
            if (closedByApplication && t != null && t != Thread.currentThread()) {
                deliverLock.lock(); // a handler call in progress ends before close returns
                deliverLock.unlock();
            }
        } finally {
            closeDone.countDown();
        }
    }

    /** A future waiting for the result event of one request. */
    static final class Pending<T> {
        final long id;
        final CompletableFuture<T> future = new CompletableFuture<>();
        private final Function<Event, T> extract;
        private final boolean keepEvent;
        private final ErrorCode alsoOk;

        Pending(long id, Function<Event, T> extract, boolean keepEvent, ErrorCode alsoOk) {
            this.id = id;
            this.extract = extract;
            this.keepEvent = keepEvent;
            this.alsoOk = alsoOk;
        }

        /** Completes the future from ev: the extracted value, or RtmException for a failed result. */
        void complete(Event ev) {
            ErrorCode err = ev.error();
            if (err != ErrorCode.OK && err != alsoOk) {
                ev.close();
                future.completeExceptionally(new RtmException(err,
                        err.description() + " (" + ev.type().cName() + " of request " + id + ")"));
                return;
            }
            T value;
            try {
                value = extract.apply(ev);
            } catch (RuntimeException e) {
                ev.close();
                future.completeExceptionally(e);
                return;
            }
            if (!keepEvent) ev.close();
            future.complete(value);
        }
    }
}
