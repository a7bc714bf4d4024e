package io.rtm;

import static io.rtm.TestSupport.assertRtmError;
import static io.rtm.TestSupport.await;
import static io.rtm.TestSupport.awaitFailure;
import static io.rtm.TestSupport.client;
import static io.rtm.TestSupport.loggedIn;
import static io.rtm.TestSupport.uid;
import static io.rtm.TestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Login and logout, connection states, tokens, the error mapping and the poll contract. */
class SessionTest {
    @RegisterExtension
    static final RtmdExtension server = new RtmdExtension();

    @Test
    void loginAndLogoutThroughTheQueue() {
        try (Client c = client(server)) {
            assertEquals(ConnectionState.DISCONNECTED, c.connectionState());
            long id = c.login(null, uid("alice"));
            assertTrue(id > 0);
            try (Event e = c.poll(TestSupport.WAIT_MS)) {
                assertEquals(EventType.CONNECTION_STATE_CHANGED, e.type());
                assertEquals(ConnectionState.CONNECTING, e.connectionState());
                assertEquals(ConnectionChangeReason.LOGIN, e.connectionReason());
                assertEquals(0, e.requestId());
            }
            try (Event e = c.poll(TestSupport.WAIT_MS)) {
                assertEquals(ConnectionState.CONNECTED, e.connectionState());
                assertEquals(ConnectionChangeReason.LOGIN_SUCCESS, e.connectionReason());
            }
            try (Event e = c.poll(TestSupport.WAIT_MS)) {
                assertEquals(EventType.LOGIN_RESULT, e.type());
                assertEquals(id, e.requestId());
                assertEquals(ErrorCode.OK, e.error());
                assertNull(e.connectionState(), "a result carries no state");
                assertNull(e.channelId());
                assertNull(e.message());
            }
            assertEquals(ConnectionState.CONNECTED, c.connectionState());

            long out = c.logout();
            try (Event e = waitFor(c, EventType.CONNECTION_STATE_CHANGED)) {
                assertEquals(ConnectionState.DISCONNECTED, e.connectionState());
                assertEquals(ConnectionChangeReason.LOGOUT, e.connectionReason());
            }
            try (Event e = waitFor(c, EventType.LOGOUT_RESULT)) {
                assertEquals(out, e.requestId());
            }
            assertEquals(ConnectionState.DISCONNECTED, c.connectionState());
        }
    }

    @Test
    void loginAndLogoutWithFutures() {
        try (Client c = client(server)) {
            String user = uid("bob");
            await(c.loginAsync(null, user));
            assertEquals(ConnectionState.CONNECTED, c.connectionState());
            // the state changes stay in the queue for the application
            try (Event e = waitFor(c, EventType.CONNECTION_STATE_CHANGED)) {
                assertEquals(ConnectionState.CONNECTING, e.connectionState());
            }
            await(c.logoutAsync());
            assertEquals(ConnectionState.DISCONNECTED, c.connectionState());
            await(c.loginAsync("", user)); // an empty token is no token
            await(c.logoutAsync());
        }
    }

    @Test
    void badInputRaisesTheRightCodeWithASentence() {
        try (Client c = client(server)) {
            RtmException e = assertRtmError(ErrorCode.INVALID_USER_ID, () -> c.login(null, "no/slash"));
            assertEquals("RTM_ERR_INVALID_USER_ID", e.codeName());
            assertEquals(12, e.codeValue());
            assertTrue(e.sentence().contains("no/slash") && e.sentence().contains("id rules"), e.sentence());
            assertEquals(e.sentence(), c.lastError());
            assertRtmError(ErrorCode.INVALID_USER_ID, () -> c.login(null, ""));
            assertRtmError(ErrorCode.INVALID_USER_ID, () -> c.login(null, "null"));
            assertRtmError(ErrorCode.INVALID_USER_ID, () -> c.loginAsync(null, " leading space"));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> c.login(null, null));
            assertRtmError(ErrorCode.INVALID_TOKEN, () -> c.login("t".repeat(2049), "carol"));
            assertRtmError(ErrorCode.NOT_LOGGED_IN, () -> c.logout());
            assertRtmError(ErrorCode.NOT_LOGGED_IN, () -> c.queryPeersOnlineStatus("x"));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> c.poll(-2));
        }
    }

    @Test
    void aSecondLoginIsRefusedAndARemoteLoginAbortsTheFirst() {
        String user = uid("dora");
        try (Client first = loggedIn(server, user); Client second = client(server)) {
            assertRtmError(ErrorCode.ALREADY_LOGGED_IN, () -> first.login(null, user));
            await(second.loginAsync(null, user));
            try (Event e = waitFor(first, ev -> ev.type() == EventType.CONNECTION_STATE_CHANGED
                    && ev.connectionState() == ConnectionState.ABORTED, "ABORTED")) {
                assertEquals(ConnectionChangeReason.REMOTE_LOGIN, e.connectionReason());
            }
            assertEquals(ConnectionState.ABORTED, first.connectionState());
            assertRtmError(ErrorCode.NOT_LOGGED_IN, () -> first.queryPeersOnlineStatus(user));
        }
    }

    @Test
    void failedResultsFailTheirFutures() throws Exception {
        try (RtmdServer other = RtmdServer.start("--app-id", "another-app"); Client c = client(other)) {
            RtmException e = awaitFailure(ErrorCode.INVALID_APP_ID, c.loginAsync(null, uid("erin")));
            assertTrue(e.sentence().contains("LOGIN_RESULT"), e.sentence());
        }
    }

    @Test
    void tokensFromBuildTokenLogIn() throws Exception {
        String app = "970CA35de60c44645bbae8a215061b33";
        String cert = "5CFd2fd1755d40ecb72977518be15d3b";
        // three logins of one user id within a second: past rtmd's default rate limit (2 / s)
        try (RtmdServer secure = RtmdServer.start("--app-id", app, "--app-certificate", cert,
                "--rate-logins", "1000")) {
            String user = uid("fay");
            try (Client c = new Client(app, java.util.Map.of("server.url", secure.url))) {
                awaitFailure(ErrorCode.INVALID_TOKEN, c.loginAsync(null, user));
                awaitFailure(ErrorCode.INVALID_TOKEN,
                        c.loginAsync(Rtm.buildToken(app, cert, uid("someone-else"), 0, 0, 0), user));
                String token = Rtm.buildToken(app, cert, user, 0, 0, 0);
                await(c.loginAsync(token, user));
                await(c.renewTokenAsync(Rtm.buildToken(app, cert, user, 0, 0, 0)));
                assertTrue(c.renewToken(token) > 0);
                assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> c.renewToken(""));
            }
        }
    }

    @Test
    void pollTimesOutAndWakesUp() throws Exception {
        try (Client c = client(server)) {
            assertNull(c.poll(0));
            long t0 = System.nanoTime();
            assertNull(c.poll(50));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(45), "waited about 50 ms");
            c.wakeup(); // no poll blocked: the next one returns at once
            assertNull(c.poll(-1));
            CompletableFuture<Event> blocked = CompletableFuture.supplyAsync(() -> c.poll(-1));
            Thread.sleep(50);
            c.wakeup();
            assertNull(blocked.get(TestSupport.WAIT_MS, TimeUnit.MILLISECONDS));
            assertTrue(c.eventFd() >= 0);
        }
    }

    @Test
    void optionsChangeOnALiveClient() {
        try (Client c = client(server)) {
            c.setOption("request.timeout_ms", "5000");
            c.setOption("log.level", "error");
            assertRtmError(ErrorCode.INVALID_STATE, () -> c.setOption("server.url", "ws://127.0.0.1:1"));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> c.setOption("no.such.key", "1"));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> c.setOption("request.timeout_ms", "soon"));
        }
    }
}
