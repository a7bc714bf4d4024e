package io.rtm;

import static io.rtm.TestSupport.assertRtmError;
import static io.rtm.TestSupport.client;
import static io.rtm.TestSupport.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Client.execute: tasks on the dispatcher thread, in order with the handler's events. */
class ExecuteTest {
    @RegisterExtension
    static final RtmdExtension server = new RtmdExtension();

    @Test
    void tasksRunOnTheDispatcherInOrderWithEvents() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        try (Client c = client(server)) {
            c.dispatchTo(e -> seen.add(e.type() + "@" + Thread.currentThread().getName()));
            for (int i = 0; i < 3; i++) {
                int n = i;
                c.execute(() -> seen.add("task" + n + "@" + Thread.currentThread().getName()));
            }
            c.login(null, uid("exec")); // CONNECTING arrives at once, then the result
            c.execute(() -> {
                seen.add("after-login-call@" + Thread.currentThread().getName());
            });
            // a task given from the handler runs after the event being handled
            c.dispatchTo(e -> {
                seen.add(e.type() + "@" + Thread.currentThread().getName());
                if (e.type() == EventType.LOGIN_RESULT) c.execute(done::countDown);
            });
            assertTrue(done.await(TestSupport.WAIT_MS, TimeUnit.MILLISECONDS), "seen: " + seen);
            String dispatcher = seen.get(0).substring(seen.get(0).indexOf('@') + 1);
            assertTrue(dispatcher.startsWith("rtm-dispatcher-"), seen.toString());
            for (String s : seen) assertTrue(s.endsWith("@" + dispatcher), "one thread: " + seen);
            assertEquals(List.of("task0", "task1", "task2"),
                    seen.subList(0, 3).stream().map(s -> s.substring(0, s.indexOf('@'))).toList());
            assertTrue(seen.stream().anyMatch(s -> s.startsWith("LOGIN_RESULT@")), seen.toString());
        }
    }

    @Test
    void refusedWhenNullOrClosed() {
        Client c = client(server);
        assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> c.execute(null));
        c.close();
        assertRtmError(ErrorCode.CLOSED, () -> c.execute(() -> {}));
    }
}
