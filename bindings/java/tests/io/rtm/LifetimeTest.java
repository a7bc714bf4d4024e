package io.rtm;

import static io.rtm.TestSupport.assertRtmError;
import static io.rtm.TestSupport.await;
import static io.rtm.TestSupport.awaitFailure;
import static io.rtm.TestSupport.client;
import static io.rtm.TestSupport.loggedIn;
import static io.rtm.TestSupport.uid;
import static io.rtm.TestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Closing in any order, idempotent close, the dispatcher and the queue, many clients. */
class LifetimeTest {
    @RegisterExtension
    static final RtmdExtension server = new RtmdExtension();

    @Test
    void closeIsIdempotentForEveryHandle() {
        Config config = new Config();
        Client c = new Client("test", config);
        config.close();
        config.close();
        assertRtmError(ErrorCode.CLOSED, () -> config.set("log.level", "off"));
        Channel ch = c.createChannel(uid("room"));
        Invitation inv = c.createLocalInvitation("bob");
        Message m = Message.text("x");
        c.login(null, uid("alice"));
        Event e = c.poll(TestSupport.WAIT_MS);
        assertNotNull(e);
        for (AutoCloseable h : List.<AutoCloseable>of(e, m, inv, ch, c)) {
            try {
                h.close();
                h.close();
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        }
        assertTrue(e.isClosed() && inv.isClosed() && ch.isClosed() && c.isClosed());
        assertRtmError(ErrorCode.CLOSED, e::userId);
        assertRtmError(ErrorCode.CLOSED, m::text);
        assertRtmError(ErrorCode.CLOSED, inv::send);
        assertRtmError(ErrorCode.CLOSED, ch::join);
        assertRtmError(ErrorCode.CLOSED, c::connectionState);
    }

    /** The client goes first: its children raise CLOSED instead of crashing, and still close. */
    @Test
    void closingTheClientBeforeItsChannelAndInvitation() {
        String alice = uid("alice");
        Client a = loggedIn(server, alice);
        Channel room = a.createChannel(uid("room"));
        await(room.joinAsync());
        Invitation call = a.createLocalInvitation(uid("bob"));
        Event kept = waitFor(a, EventType.CONNECTION_STATE_CHANGED);
        Message m = Message.text("still mine");

        a.close();
        assertTrue(a.isClosed());
        RtmException e = assertRtmError(ErrorCode.CLOSED, room::join);
        assertFalse(e.sentence().isEmpty());
        assertRtmError(ErrorCode.CLOSED, room::leave);
        assertRtmError(ErrorCode.CLOSED, room::getMembers);
        assertRtmError(ErrorCode.CLOSED, () -> room.sendMessage(m));
        assertRtmError(ErrorCode.CLOSED, room::joinAsync);
        assertRtmError(ErrorCode.CLOSED, call::send);
        assertRtmError(ErrorCode.CLOSED, call::sendAsync);
        assertRtmError(ErrorCode.CLOSED, () -> call.setContent("late"));
        assertRtmError(ErrorCode.CLOSED, () -> a.login(null, alice));
        assertRtmError(ErrorCode.CLOSED, () -> a.poll(0));
        assertRtmError(ErrorCode.CLOSED, a::lastError);
        assertRtmError(ErrorCode.CLOSED, () -> a.createChannel("other"));
        // what does not need the client keeps working
        assertEquals(ConnectionState.CONNECTING, kept.connectionState());
        assertEquals("still mine", m.text());
        assertEquals(alice, call.callerId() == null ? alice : call.callerId());
        assertEquals(InvitationKind.LOCAL, call.kind());
        room.close();
        call.close();
        kept.close();
        m.close();
    }

    /** A request still waiting when the client closes fails with CLOSED. */
    @Test
    void futuresStillWaitingFailWithClosed() throws Exception {
        // accepts TCP connections (the kernel does, from the backlog) and never answers
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Client c = new Client("test", Map.of("server.url", "ws://127.0.0.1:" + silent.getLocalPort(),
                    "login.timeout_ms", "60000"));
            CompletableFuture<Void> login = c.loginAsync(null, uid("alice"));
            long plain = c.subscribePeersOnlineStatus("bob"); // queued until connected
            CompletableFuture<Event> result = c.result(plain);
            assertRtmError(ErrorCode.INVALID_STATE, () -> c.result(plain)); // one future per request
            Thread.sleep(100);
            assertFalse(login.isDone());
            assertFalse(result.isDone());
            c.close();
            RtmException e = awaitFailure(ErrorCode.CLOSED, login);
            assertTrue(e.sentence().contains("closed"), e.sentence());
            awaitFailure(ErrorCode.CLOSED, result);
        }
    }

    /** close() from a failed future's callback or from the handler returns instead of deadlocking. */
    @Test
    void closingFromCallbacks() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Client c = new Client("test", Map.of("server.url", "ws://127.0.0.1:" + silent.getLocalPort()));
            CompletableFuture<Void> login = c.loginAsync(null, uid("alice"));
            CompletableFuture<Void> closedAgain = login.handle((v, e) -> {
                c.close(); // runs inside the first close, on its thread
                return null;
            });
            c.close();
            awaitFailure(ErrorCode.CLOSED, login);
            await(closedAgain);
        }
        String alice = uid("alice");
        Client a = loggedIn(server, alice);
        try (Client b = loggedIn(server, uid("bob")); Message m = Message.text("close yourself")) {
            CompletableFuture<String> handled = new CompletableFuture<>();
            a.dispatchTo(ev -> {
                if (ev.type() == EventType.PEER_MESSAGE_RECEIVED) {
                    a.close(); // on the dispatcher thread
                    handled.complete(ev.message().text());
                }
            });
            await(b.sendMessageToPeerAsync(alice, m));
            assertEquals("close yourself", await(handled), "the event stays readable until the handler returns");
            assertTrue(a.isClosed());
        } finally {
            a.close();
        }
    }

    @Test
    void aBlockedPollReturnsNullWhenTheClientCloses() throws Exception {
        for (boolean dispatcher : new boolean[] {false, true}) {
            Client c = client(server);
            if (dispatcher) c.dispatchTo(null); // starts the dispatcher; events stay for poll
            CompletableFuture<Event> blocked = CompletableFuture.supplyAsync(() -> c.poll(-1));
            Thread.sleep(50);
            c.close();
            assertNull(blocked.get(TestSupport.WAIT_MS, TimeUnit.MILLISECONDS), "dispatcher " + dispatcher);
        }
    }

    @Test
    void aReceivedMessageLivesAsLongAsItsEvent() {
        String bob = uid("bob");
        try (Client a = loggedIn(server, uid("alice")); Client b = loggedIn(server, bob);
                Message m = Message.text("short-lived")) {
            await(a.sendMessageToPeerAsync(bob, m));
            Event e = waitFor(b, EventType.PEER_MESSAGE_RECEIVED);
            Message got = e.message();
            assertEquals("short-lived", got.text());
            e.close();
            assertRtmError(ErrorCode.CLOSED, got::text);
            assertRtmError(ErrorCode.CLOSED, e::message);
        }
    }

    /** With futures running, results of plain calls and all other events stay for poll. */
    @Test
    void plainResultsStayAvailableWhileFuturesRun() throws Exception {
        String bob = uid("bob");
        try (Client a = loggedIn(server, uid("alice")); Client b = loggedIn(server, bob)) {
            long plain = a.queryPeersOnlineStatus(bob);
            assertEquals(Map.of(bob, PeerOnlineState.ONLINE), await(a.queryPeersOnlineStatusAsync(bob)));
            try (Event e = waitFor(a, ev -> ev.requestId() == plain, "the plain call's result")) {
                assertEquals(Map.of(bob, PeerOnlineState.ONLINE), e.peerStates());
            }
            // result(): a future for a plain call, registered before or after the event came
            long early = a.queryPeersOnlineStatus(bob);
            CompletableFuture<Event> f1 = a.result(early);
            long late = a.getChannelMemberCount("x");
            Thread.sleep(200); // its result is most likely queued by now
            CompletableFuture<Event> f2 = a.result(late);
            try (Event e1 = await(f1); Event e2 = await(f2)) {
                assertEquals(EventType.QUERY_PEERS_ONLINE_STATUS_RESULT, e1.type());
                assertEquals(Map.of("x", 0), e2.channelMemberCounts());
            }
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.result(0));
        }
    }

    /** A poll blocked in librtm when the first future starts the dispatcher moves to its queue. */
    @Test
    void aPollBlockedBeforeTheDispatcherStartsGetsLaterEvents() throws Exception {
        String alice = uid("alice");
        String bob = uid("bob");
        try (Client a = client(server); Client b = loggedIn(server, bob)) {
            long login = a.login(null, alice);
            waitFor(a, ev -> ev.requestId() == login, "LOGIN_RESULT").close();
            CompletableFuture<Event> blocked = CompletableFuture.supplyAsync(() -> a.poll(-1));
            Thread.sleep(100);
            assertEquals(Map.of(bob, PeerOnlineState.ONLINE), await(a.queryPeersOnlineStatusAsync(bob)));
            assertFalse(blocked.isDone(), "the future's result went to the future, not to the poll");
            try (Message m = Message.text("for the blocked poll")) {
                await(b.sendMessageToPeerAsync(alice, m));
            }
            try (Event e = blocked.get(TestSupport.WAIT_MS, TimeUnit.MILLISECONDS)) {
                assertEquals(EventType.PEER_MESSAGE_RECEIVED, e.type());
                assertEquals("for the blocked poll", e.message().text());
            }
        }
    }

    @Test
    void aHandlerGetsEveryOtherEventOnTheDispatcherThread() throws Exception {
        String alice = uid("alice");
        String bob = uid("bob");
        Client a = loggedIn(server, alice);
        try (Client b = loggedIn(server, bob)) {
            a.dispatchTo(null);
            try (Message m = Message.text("queued before the handler")) {
                await(b.sendMessageToPeerAsync(alice, m));
            }
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            List<Event> seen = new CopyOnWriteArrayList<>();
            a.dispatchTo(ev -> {
                seen.add(ev);
                if (ev.type() == EventType.PEER_MESSAGE_RECEIVED) {
                    got.add(Thread.currentThread().getName() + " " + ev.message().text());
                }
            });
            for (int i = 0; i < 3; i++) {
                try (Message m = Message.text("m" + i)) {
                    await(b.sendMessageToPeerAsync(alice, m));
                }
            }
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String s = got.poll(TestSupport.WAIT_MS, TimeUnit.MILLISECONDS);
                assertNotNull(s, "message " + i);
                assertTrue(s.startsWith("rtm-dispatcher-"), s);
                texts.add(s.substring(s.indexOf(' ') + 1));
            }
            assertEquals(List.of("queued before the handler", "m0", "m1", "m2"), texts);
            for (Event ev : seen) assertTrue(ev.isClosed(), "closed after the handler returned");
            assertRtmError(ErrorCode.INVALID_STATE, () -> a.poll(0)); // the handler takes the events
            a.dispatchTo(null);
            try (Message m = Message.text("for poll again")) {
                await(b.sendMessageToPeerAsync(alice, m));
            }
            try (Event e = waitFor(a, EventType.PEER_MESSAGE_RECEIVED)) {
                assertEquals("for poll again", e.message().text());
            }
            a.dispatchTo(ev -> seen.add(ev));
            a.close();
            int after = seen.size();
            Thread.sleep(100);
            assertEquals(after, seen.size(), "no handler call after close returned");
        } finally {
            a.close();
        }
    }

    /**
     * The dispatcher's queue is bounded: when it is full the dispatcher stops taking events (so
     * librtm's own queue holds them and stops reading the connection), and nothing is lost or
     * reordered once the application polls again.
     */
    @Test
    void aFullQueueHoldsTheDispatcherBackWithoutLosingEvents() throws Exception {
        String alice = uid("alice");
        String bob = uid("bob");
        Client a;
        System.setProperty("io.rtm.dispatcher.queueCapacity", "3");
        try {
            a = loggedIn(server, alice);
        } finally {
            System.clearProperty("io.rtm.dispatcher.queueCapacity");
        }
        try (a; Client b = loggedIn(server, bob)) {
            while (a.poll(0) != null) {
                // the login's state changes
            }
            for (int i = 0; i < 10; i++) {
                try (Message m = Message.text("n" + i)) {
                    await(b.sendMessageToPeerAsync(alice, m)); // OK: a's client has it
                }
            }
            CompletableFuture<Map<String, PeerOnlineState>> behind = a.queryPeersOnlineStatusAsync(bob);
            Thread.sleep(200);
            assertFalse(behind.isDone(), "its result waits behind the events nobody polled");
            for (int i = 0; i < 10; i++) {
                try (Event e = a.poll(TestSupport.WAIT_MS)) {
                    assertNotNull(e, "message " + i);
                    assertEquals("n" + i, e.message().text());
                }
            }
            assertEquals(Map.of(bob, PeerOnlineState.ONLINE), await(behind));
        }
    }

    @Test
    void fiftyClientsInOneProcess() {
        int n = 50;
        List<Client> clients = new ArrayList<>();
        List<String> users = new ArrayList<>();
        try {
            List<CompletableFuture<Void>> logins = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                users.add(uid("u" + i));
                clients.add(client(server));
                logins.add(clients.get(i).loginAsync(null, users.get(i)));
            }
            await(CompletableFuture.allOf(logins.toArray(new CompletableFuture<?>[0])));
            List<CompletableFuture<ErrorCode>> sends = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                try (Message m = Message.text("from " + users.get(i))) {
                    sends.add(clients.get(i).sendMessageToPeerAsync(users.get((i + 1) % n), m));
                }
            }
            await(CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])));
            for (int i = 0; i < n; i++) {
                try (Event e = waitFor(clients.get(i), EventType.PEER_MESSAGE_RECEIVED)) {
                    String from = users.get((i + n - 1) % n);
                    assertEquals(from, e.userId());
                    assertEquals("from " + from, e.message().text());
                }
            }
        } finally {
            for (Client c : clients) c.close();
        }
    }
}
