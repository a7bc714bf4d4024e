package io.rtm;

import static io.rtm.TestSupport.assertRtmError;
import static io.rtm.TestSupport.await;
import static io.rtm.TestSupport.awaitFailure;
import static io.rtm.TestSupport.client;
import static io.rtm.TestSupport.loggedIn;
import static io.rtm.TestSupport.uid;
import static io.rtm.TestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Online status queries, subscriptions and their change events, user attributes. */
class PresenceTest {
    @RegisterExtension
    static final RtmdExtension server = new RtmdExtension();

    @Test
    void queryTellsOnlineFromOffline() {
        String alice = uid("alice");
        String ghost = uid("ghost");
        try (Client a = loggedIn(server, alice)) {
            Map<String, PeerOnlineState> states = await(a.queryPeersOnlineStatusAsync(alice, ghost, alice));
            assertEquals(Map.of(alice, PeerOnlineState.ONLINE, ghost, PeerOnlineState.OFFLINE), states);
            long id = a.queryPeersOnlineStatus(ghost);
            try (Event e = waitFor(a, ev -> ev.requestId() == id, "QUERY_PEERS_ONLINE_STATUS_RESULT")) {
                assertEquals(EventType.QUERY_PEERS_ONLINE_STATUS_RESULT, e.type());
                assertEquals(Map.of(ghost, PeerOnlineState.OFFLINE), e.peerStates());
            }
            String[] tooMany = new String[257];
            for (int i = 0; i < tooMany.length; i++) tooMany[i] = "p" + i;
            assertRtmError(ErrorCode.EXCEED_LIMIT, () -> a.queryPeersOnlineStatus(tooMany));
            assertRtmError(ErrorCode.INVALID_USER_ID, () -> a.queryPeersOnlineStatus("ok", "bad/id"));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.queryPeersOnlineStatus());
        }
    }

    @Test
    void subscriptionsReportEveryChange() {
        String alice = uid("alice");
        String bob = uid("bob");
        try (Client a = loggedIn(server, alice)) {
            await(a.subscribePeersOnlineStatusAsync(bob));
            try (Event e = waitFor(a, EventType.PEERS_ONLINE_STATUS_CHANGED)) {
                assertEquals(Map.of(bob, PeerOnlineState.OFFLINE), e.peerStates());
            }
            assertEquals(List.of(bob), await(a.queryPeersBySubscriptionOptionAsync(SubscriptionOption.ONLINE_STATUS)));
            try (Client b = loggedIn(server, bob)) {
                try (Event e = waitFor(a, EventType.PEERS_ONLINE_STATUS_CHANGED)) {
                    assertEquals(Map.of(bob, PeerOnlineState.ONLINE), e.peerStates());
                }
                await(b.logoutAsync());
                try (Event e = waitFor(a, EventType.PEERS_ONLINE_STATUS_CHANGED)) {
                    assertEquals(Map.of(bob, PeerOnlineState.OFFLINE), e.peerStates());
                }
            }
            long unsub = a.unsubscribePeersOnlineStatus(bob);
            try (Event e = waitFor(a, EventType.SUBSCRIPTION_RESULT)) {
                assertEquals(unsub, e.requestId());
            }
            assertEquals(List.of(), await(a.queryPeersBySubscriptionOptionAsync(SubscriptionOption.ONLINE_STATUS)));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.queryPeersBySubscriptionOption(null));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.subscribePeersOnlineStatus((String[]) null));
        }
    }

    @Test
    void userAttributesAreWrittenByTheirOwnerAndReadByAnyone() {
        String alice = uid("alice");
        try (Client a = loggedIn(server, alice); Client b = loggedIn(server, uid("bob"))) {
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("status", "\u263a here");
            attrs.put("lang", "java");
            await(a.setLocalUserAttributesAsync(attrs));
            assertEquals(attrs, await(b.getUserAttributesAsync(alice)));
            await(a.addOrUpdateLocalUserAttributesAsync(Map.of("lang", "c", "tz", "UTC")));
            assertEquals(Map.of("status", "\u263a here", "lang", "c", "tz", "UTC"), await(b.getUserAttributesAsync(alice)));
            assertEquals(Map.of("tz", "UTC"), await(b.getUserAttributesByKeysAsync(alice, "tz", "absent")));
            await(a.deleteLocalUserAttributesByKeysAsync("tz"));
            long get = b.getUserAttributes(alice);
            try (Event e = waitFor(b, ev -> ev.requestId() == get, "GET_USER_ATTRIBUTES_RESULT")) {
                assertEquals(EventType.GET_USER_ATTRIBUTES_RESULT, e.type());
                assertEquals(alice, e.userId());
                assertEquals(Map.of("status", "\u263a here", "lang", "c"), e.attributeMap());
                assertEquals(null, e.attributes().get(0).updatedBy());
            }
            await(a.clearLocalUserAttributesAsync());
            assertEquals(Map.of(), await(b.getUserAttributesAsync(alice)));
            awaitFailure(ErrorCode.USER_NOT_FOUND, b.getUserAttributesAsync(uid("nobody")));

            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.setLocalUserAttributes(Map.of("k", "")));
            assertRtmError(ErrorCode.SIZE_OVERFLOW, () -> a.setLocalUserAttributes(Map.of("k", "v".repeat(8193))));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.setLocalUserAttributes(null));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.deleteLocalUserAttributesByKeys());
        }
        try (Client c = client(server)) {
            assertRtmError(ErrorCode.NOT_LOGGED_IN, () -> c.setLocalUserAttributes(Map.of("k", "v")));
        }
    }
}
