package io.rtm;

import static io.rtm.TestSupport.assertRtmError;
import static io.rtm.TestSupport.await;
import static io.rtm.TestSupport.awaitFailure;
import static io.rtm.TestSupport.client;
import static io.rtm.TestSupport.loggedIn;
import static io.rtm.TestSupport.uid;
import static io.rtm.TestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Peer messages between two clients: text, raw bytes with NULs, offline delivery, errors. */
class PeerMessageTest {
    @RegisterExtension
    static final RtmdExtension server = new RtmdExtension();

    @Test
    void textArrivesIntactWithSenderIdAndTimestamp() {
        String alice = uid("alice");
        String bob = uid("bob");
        String text = "h\u00e9llo \u4e16\u754c \ud83d\ude80 \"quotes\" \\ tab\t";
        try (Client a = loggedIn(server, alice); Client b = loggedIn(server, bob); Message m = Message.text(text)) {
            long before = System.currentTimeMillis();
            assertEquals(ErrorCode.OK, await(a.sendMessageToPeerAsync(bob, m)));
            try (Event e = waitFor(b, EventType.PEER_MESSAGE_RECEIVED)) {
                assertEquals(alice, e.userId());
                Message got = e.message();
                assertTrue(got.isReceived());
                assertEquals(MessageType.TEXT, got.type());
                assertEquals(text, got.text());
                assertNotEquals(0, got.id());
                assertTrue(got.serverTimestampMs() >= before - 5000, "server timestamp near now");
                assertFalse(got.isOffline());
                got.close(); // a received message belongs to its event: nothing happens
                assertEquals(text, got.text());
            }
        }
    }

    @Test
    void rawBytesWithNulsArriveIntactBothWays() {
        String alice = uid("alice");
        String bob = uid("bob");
        byte[] all = new byte[512];
        for (int i = 0; i < all.length; i++) all[i] = (byte) (i * 7);
        all[0] = 0;
        all[511] = 0;
        try (Client a = loggedIn(server, alice); Client b = loggedIn(server, bob)) {
            try (Message m = Message.raw(all, "bytes")) {
                long id = a.sendMessageToPeer(bob, m); // the plain form: the result comes through poll
                try (Event r = waitFor(a, EventType.SEND_PEER_MESSAGE_RESULT)) {
                    assertEquals(id, r.requestId());
                    assertEquals(ErrorCode.OK, r.error());
                }
            }
            byte[] back;
            try (Event e = waitFor(b, EventType.PEER_MESSAGE_RECEIVED)) {
                assertEquals(MessageType.RAW, e.message().type());
                assertArrayEquals(all, e.message().data());
                assertEquals("bytes", e.message().text());
                back = e.message().data();
                // a received message can be sent on as it is
                await(b.sendMessageToPeerAsync(alice, e.message()));
            }
            try (Event e = waitFor(a, EventType.PEER_MESSAGE_RECEIVED)) {
                assertArrayEquals(back, e.message().data());
                assertEquals(bob, e.userId());
            }
            try (Message empty = Message.raw(new byte[0])) {
                await(a.sendMessageToPeerAsync(bob, empty));
            }
            try (Event e = waitFor(b, EventType.PEER_MESSAGE_RECEIVED)) {
                assertArrayEquals(new byte[0], e.message().data());
            }
        }
    }

    @Test
    void anOfflinePeerIsUnreachableOrGetsItLater() {
        String alice = uid("alice");
        String carol = uid("carol");
        try (Client a = loggedIn(server, alice); Message m = Message.text("while you were out")) {
            awaitFailure(ErrorCode.PEER_UNREACHABLE, a.sendMessageToPeerAsync(carol, m));
            assertEquals(ErrorCode.CACHED_BY_SERVER, await(a.sendMessageToPeerAsync(carol, m, Rtm.SEND_OFFLINE)));
            try (Client c = loggedIn(server, carol); Event e = waitFor(c, EventType.PEER_MESSAGE_RECEIVED)) {
                assertEquals(alice, e.userId());
                assertEquals("while you were out", e.message().text());
                assertTrue(e.message().isOffline());
            }
        }
    }

    @Test
    void badSendsAreRefusedAtOnce() {
        try (Client a = loggedIn(server, uid("alice")); Message m = Message.text("x")) {
            assertRtmError(ErrorCode.INVALID_USER_ID, () -> a.sendMessageToPeer("bad/id", m));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.sendMessageToPeer("bob", null));
            RtmException e = assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.sendMessageToPeer("bob", m, 4));
            assertTrue(e.sentence().contains("flag"), e.sentence());
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.sendMessageToPeerAsync("bob", m, 1 << 31));
            Message closed = Message.text("closed");
            closed.close();
            assertRtmError(ErrorCode.CLOSED, () -> a.sendMessageToPeer("bob", closed));
        }
        try (Client d = client(server); Message m = Message.text("x")) {
            assertRtmError(ErrorCode.NOT_LOGGED_IN, () -> d.sendMessageToPeer("bob", m));
        }
    }
}
