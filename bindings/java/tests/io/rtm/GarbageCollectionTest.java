package io.rtm;

import static io.rtm.TestSupport.await;
import static io.rtm.TestSupport.client;
import static io.rtm.TestSupport.loggedIn;
import static io.rtm.TestSupport.uid;
import static io.rtm.TestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Handles the application forgets without closing are freed once the garbage collector finds
 * them: rtm_live_handles (the native count) comes back to where it was. Alone in its JVM, so
 * no other test's leftovers change the count.
 */
class GarbageCollectionTest {
    @RegisterExtension
    static final RtmdExtension server = new RtmdExtension();

    @Test
    void forgottenHandlesAreFreedByTheGarbageCollector() throws Exception {
        long baseline = Rtm.liveHandles();
        long held = forgetEverything();
        assertTrue(held >= baseline + 11, "the forgotten objects held native handles: " + held);

        long deadline = System.nanoTime() + 20_000_000_000L;
        while (Rtm.liveHandles() != baseline && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(baseline, Rtm.liveHandles(), "every forgotten handle was freed");
        while (dispatcherThreads() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(0, dispatcherThreads(), "the dispatchers of collected clients ended");
    }

    /** Creates handles of every kind, keeps no reference, returns how many were live. */
    private static long forgetEverything() {
        String alice = uid("alice");
        String bob = uid("bob");
        String room = uid("room");
        // a with futures (its dispatcher runs), b without; neither is closed
        Client a = loggedIn(server, alice);
        Client b = client(server);
        b.login(null, bob);
        waitFor(b, EventType.LOGIN_RESULT); // forgotten event
        new Config().set("log.level", "off"); // forgotten config

        Channel ca = a.createChannel(room);
        await(ca.joinAsync());
        b.createChannel(room).join(); // a channel is all that holds b now... until it goes too
        Message m = Message.raw(new byte[] {1, 0, 2}, "forgotten");
        await(a.sendMessageToPeerAsync(bob, m));
        Event received = waitFor(b, EventType.PEER_MESSAGE_RECEIVED);
        received.message().data();

        Invitation call = a.createLocalInvitation(bob);
        call.send();
        waitFor(b, EventType.REMOTE_INVITATION_RECEIVED).invitation(); // a second reference
        a.dispatchTo(ev -> ev.type()); // a handler that does not refer to its client
        a.queryPeersOnlineStatus(bob); // a result left in a's queue
        return Rtm.liveHandles();
    }

    private static int dispatcherThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("rtm-dispatcher-") && t.isAlive()) n++;
        }
        return n;
    }
}
