package io.rtm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.function.Executable;

/** Helpers shared by the tests: clients, bounded waits, unique ids. */
final class TestSupport {
    /** Generous bound for anything that happens on loopback. */
    static final long WAIT_MS = 10_000;

    private static final AtomicInteger IDS = new AtomicInteger();

    private TestSupport() {}

    /** A user or channel id no other test uses (a second login of one id would abort the first). */
    static String uid(String base) {
        return base + "-" + ProcessHandle.current().pid() + "-" + IDS.incrementAndGet();
    }

    /** A client of app "test" for server with extra "key", "value" settings. */
    static Client client(RtmdServer server, String... settings) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("server.url", server.url);
        for (int i = 0; i + 1 < settings.length; i += 2) s.put(settings[i], settings[i + 1]);
        return new Client("test", s);
    }

    /** A client logged in as user (through the future form). */
    static Client loggedIn(RtmdServer server, String user, String... settings) {
        Client c = client(server, settings);
        await(c.loginAsync(null, user));
        return c;
    }

    /** client() for the test class's server. */
    static Client client(RtmdExtension server, String... settings) {
        return client(server.server(), settings);
    }

    /** loggedIn() on the test class's server. */
    static Client loggedIn(RtmdExtension server, String user, String... settings) {
        return loggedIn(server.server(), user, settings);
    }

    /** The future's value within WAIT_MS; its failure's cause is rethrown as it is. */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) throw (RuntimeException) e.getCause();
            throw new AssertionError(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + WAIT_MS + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The RtmException the future fails with (its code is checked). */
    static RtmException awaitFailure(ErrorCode code, CompletableFuture<?> f) {
        RtmException e = assertThrows(RtmException.class, () -> await(f));
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    /** The RtmException the call throws at once, with its code checked. */
    static RtmException assertRtmError(ErrorCode code, Executable call) {
        RtmException e = assertThrows(RtmException.class, call);
        assertEquals(code, e.code(), e.getMessage());
        assertEquals(code.code(), e.codeValue());
        return e;
    }

    /** Polls until an event of type comes (closing the others); fails after WAIT_MS. */
    static Event waitFor(Client c, EventType type) {
        return waitFor(c, e -> e.type() == type, type.toString());
    }

    /** Polls until an event matching what comes (closing the others); fails after WAIT_MS. */
    static Event waitFor(Client c, Predicate<Event> what, String description) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        for (;;) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) fail("no " + description + " within " + WAIT_MS + " ms");
            Event e = c.poll(left);
            if (e == null) continue;
            if (what.test(e)) return e;
            e.close();
        }
    }

    /** True when no event matching what comes within ms (others are closed). */
    static boolean noneWithin(Client c, Predicate<Event> what, long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        for (;;) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) return true;
            try (Event e = c.poll(left)) {
                if (e != null && what.test(e)) return false;
            }
        }
    }
}
