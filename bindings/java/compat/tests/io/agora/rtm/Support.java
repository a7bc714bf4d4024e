package io.agora.rtm;

import io.rtm.RtmdExtension;
import io.rtm.RtmdServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** Helpers of the compat tests: callbacks with latches, listeners that record, unique ids. */
final class Support {
    /** Generous bound for anything that happens on loopback. */
    static final long WAIT_S = 10;

    private static final AtomicInteger IDS = new AtomicInteger();

    private Support() {}

    static String uid(String base) {
        return base + "-" + ProcessHandle.current().pid() + "-" + IDS.incrementAndGet();
    }

    /** An rtmd for the test class (with these extra arguments) that new clients use once it runs. */
    static RtmdExtension rtmd(String... extraArgs) {
        return new RtmdExtension(extraArgs).onStart(Support::useServer);
    }

    /** Points new clients at server, as an application would with -Dio.agora.rtm.serverUrl. */
    static void useServer(RtmdServer server) {
        System.setProperty("io.agora.rtm.serverUrl", server.url);
    }

    /** A ResultCallback that records its outcome and the thread it ran on. */
    static final class Cb<T> implements ResultCallback<T> {
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        volatile T value;
        volatile ErrorInfo error;
        volatile String thread;

        @Override
        public void onSuccess(T v) {
            value = v;
            thread = Thread.currentThread().getName();
            calls.incrementAndGet();
            done.countDown();
        }

        @Override
        public void onFailure(ErrorInfo e) {
            error = e;
            thread = Thread.currentThread().getName();
            calls.incrementAndGet();
            done.countDown();
        }

        void await() {
            try {
                assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), "no callback within " + WAIT_S + " s");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertEquals(1, calls.get(), "exactly one callback");
            assertTrue(thread.startsWith("rtm-dispatcher-"), "callback on the SDK thread, not " + thread);
        }

        /** Waits for onSuccess and returns its value. */
        T ok() {
            await();
            if (error != null) fail("expected success, got " + error);
            return value;
        }

        /** Waits for onFailure and checks its code (and that it has a sentence). */
        ErrorInfo failed(int code) {
            await();
            assertNotNull(error, "expected a failure, got success with " + value);
            assertEquals(code, error.getErrorCode(), error.toString());
            assertTrue(!error.getErrorDescription().isEmpty(), "a sentence");
            return error;
        }
    }

    /** Things a listener saw, as strings, with the thread they came on. */
    static final class Seen {
        final BlockingQueue<String> items = new LinkedBlockingQueue<>();
        final BlockingQueue<String> threads = new LinkedBlockingQueue<>();

        void add(String s) {
            threads.add(Thread.currentThread().getName());
            items.add(s);
        }

        /** Waits for the first item matching what (dropping others). */
        String await(Predicate<String> what, String description) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            for (;;) {
                long left = deadline - System.nanoTime();
                String s;
                try {
                    s = left <= 0 ? null : items.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                if (s == null) fail("no " + description + " within " + WAIT_S + " s");
                if (what.test(s)) return s;
            }
        }

        String await(String exact) {
            return await(exact::equals, exact);
        }

        /** True when nothing matching what comes within ms. */
        boolean noneWithin(Predicate<String> what, long ms) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            for (;;) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return true;
                String s = items.poll(left, TimeUnit.NANOSECONDS);
                if (s != null && what.test(s)) return false;
            }
        }

        void allOnSdkThread() {
            for (String t : List.copyOf(threads)) {
                assertTrue(t.startsWith("rtm-dispatcher-"), "listener called on " + t);
            }
        }
    }

    /** A client listener recording every callback as a line. */
    static RtmClientListener recorder(Seen seen) {
        return new RtmClientListener() {
            @Override
            public void onConnectionStateChanged(int state, int reason) {
                seen.add("state " + state + " " + reason);
            }

            @Override
            public void onMessageReceived(RtmMessage m, String peerId) {
                seen.add("peer " + peerId + " " + m.getMessageType() + " " + m.getText()
                        + (m.isOfflineMessage() ? " offline" : ""));
            }

            @Override
            public void onPeersOnlineStatusChanged(java.util.Map<String, Integer> s) {
                for (java.util.Map.Entry<String, Integer> e : new java.util.TreeMap<>(s).entrySet()) {
                    seen.add("presence " + e.getKey() + " " + e.getValue());
                }
            }

            @Override
            public void onTokenExpired() {
                seen.add("token expired");
            }
        };
    }

    /** A new client whose listener records into seen. */
    static RtmClient client(Seen seen) throws Exception {
        return RtmClient.createInstance("test", recorder(seen));
    }

    /** A new client logged in as user. */
    static RtmClient loggedIn(String user, Seen seen) throws Exception {
        RtmClient c = client(seen);
        Cb<Void> cb = new Cb<>();
        c.login(null, user, cb);
        cb.ok();
        return c;
    }
}
