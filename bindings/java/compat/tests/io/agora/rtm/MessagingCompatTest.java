package io.agora.rtm;

import io.rtm.RtmdExtension;

import static io.agora.rtm.Support.Cb;
import static io.agora.rtm.Support.Seen;
import static io.agora.rtm.Support.client;
import static io.agora.rtm.Support.loggedIn;
import static io.agora.rtm.Support.uid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agora.rtm.RtmStatusCode.AttributeOperationError;
import io.agora.rtm.RtmStatusCode.PeerMessageError;
import io.agora.rtm.RtmStatusCode.PeerOnlineState;
import io.agora.rtm.RtmStatusCode.PeerSubscriptionStatusError;
import io.agora.rtm.RtmStatusCode.QueryPeersOnlineStatusError;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Peer messages and their error codes, online status and subscriptions, user attributes. */
class MessagingCompatTest {
    @RegisterExtension
    static final RtmdExtension server = Support.rtmd();

    @Test
    @SuppressWarnings("deprecation") // the deprecated send form too
    void textAndRawPeerMessagesArriveIntact() throws Exception {
        String alice = uid("alice");
        String bob = uid("bob");
        BlockingQueue<RtmMessage> got = new LinkedBlockingQueue<>();
        BlockingQueue<String> from = new LinkedBlockingQueue<>();
        RtmClient a = loggedIn(alice, new Seen());
        RtmClient b = RtmClient.createInstance("test", new RtmClientListener() {
            @Override
            public void onMessageReceived(RtmMessage message, String peerId) {
                got.add(message);
                from.add(peerId + "@" + Thread.currentThread().getName());
            }
        });
        try {
            Cb<Void> login = new Cb<>();
            b.login(null, bob, login);
            login.ok();

            Cb<Void> sent = new Cb<>();
            a.sendMessageToPeer(bob, a.createMessage("hello \ud83d\udc4b"), new SendMessageOptions(), sent);
            sent.ok();
            RtmMessage m = got.poll(Support.WAIT_S, TimeUnit.SECONDS);
            assertEquals(RtmMessageType.TEXT, m.getMessageType());
            assertEquals("hello \ud83d\udc4b", m.getText());
            assertTrue(m.getServerReceivedTs() > 0);
            assertTrue(!m.isOfflineMessage());
            String f = from.poll(Support.WAIT_S, TimeUnit.SECONDS);
            assertTrue(f.startsWith(alice + "@rtm-dispatcher-"), f);

            byte[] bytes = {0, 1, 2, (byte) 0xff, 0};
            Cb<Void> raw = new Cb<>();
            a.sendMessageToPeer(bob, a.createMessage(bytes, "five bytes"), raw); // the deprecated form
            raw.ok();
            m = got.poll(Support.WAIT_S, TimeUnit.SECONDS);
            assertEquals(RtmMessageType.RAW, m.getMessageType());
            assertArrayEquals(bytes, m.getRawMessage());
            assertEquals("five bytes", m.getText());

            RtmMessage changed = a.createMessage();
            changed.setText("first");
            changed.setRawMessage(new byte[] {7});
            assertEquals(RtmMessageType.RAW, changed.getMessageType());
            a.sendMessageToPeer(bob, changed, new SendMessageOptions(), null);
            m = got.poll(Support.WAIT_S, TimeUnit.SECONDS);
            assertArrayEquals(new byte[] {7}, m.getRawMessage());
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void peerMessageErrorsHaveTheirNumbers() throws Exception {
        String alice = uid("alice");
        RtmClient a = loggedIn(alice, new Seen());
        try {
            Cb<Void> offline = new Cb<>();
            a.sendMessageToPeer(uid("nobody"), a.createMessage("hi"), new SendMessageOptions(), offline);
            offline.failed(PeerMessageError.PEER_MESSAGE_ERR_PEER_UNREACHABLE);

            Cb<Void> badId = new Cb<>();
            a.sendMessageToPeer("no/slash", a.createMessage("hi"), new SendMessageOptions(), badId);
            badId.failed(PeerMessageError.PEER_MESSAGE_ERR_INVALID_USERID);

            Cb<Void> nullMessage = new Cb<>();
            a.sendMessageToPeer(uid("bob"), null, new SendMessageOptions(), nullMessage);
            nullMessage.failed(PeerMessageError.PEER_MESSAGE_ERR_INVALID_MESSAGE);

            Cb<Void> tooLong = new Cb<>();
            a.sendMessageToPeer(uid("bob"), a.createMessage("x".repeat(32 * 1024 + 1)), new SendMessageOptions(),
                    tooLong);
            tooLong.failed(PeerMessageError.PEER_MESSAGE_ERR_INVALID_MESSAGE);
        } finally {
            a.release();
        }
        RtmClient out = client(new Seen());
        try {
            Cb<Void> notIn = new Cb<>();
            out.sendMessageToPeer(alice, out.createMessage("hi"), new SendMessageOptions(), notIn);
            notIn.failed(PeerMessageError.PEER_MESSAGE_ERR_USER_NOT_LOGGED_IN);
        } finally {
            out.release();
        }
    }

    @Test
    void offlineMessagesAreCachedAndDeliveredAtLogin() throws Exception {
        String alice = uid("alice");
        String carol = uid("carol");
        RtmClient a = loggedIn(alice, new Seen());
        try {
            SendMessageOptions options = new SendMessageOptions();
            options.enableOfflineMessaging = true;
            Cb<Void> cached = new Cb<>();
            a.sendMessageToPeer(carol, a.createMessage("while you were out"), options, cached);
            cached.failed(PeerMessageError.PEER_MESSAGE_ERR_CACHED_BY_SERVER);

            Seen seen = new Seen();
            RtmClient c = loggedIn(carol, seen);
            try {
                seen.await("peer " + alice + " " + RtmMessageType.TEXT + " while you were out offline");
            } finally {
                c.release();
            }
        } finally {
            a.release();
        }
    }

    @Test
    void onlineStatusQueriesAndSubscriptions() throws Exception {
        String alice = uid("alice");
        String bob = uid("bob");
        String nobody = uid("nobody");
        Seen seen = new Seen();
        RtmClient a = loggedIn(alice, seen);
        RtmClient b = loggedIn(bob, new Seen());
        try {
            Cb<Map<String, Boolean>> q = new Cb<>();
            a.queryPeersOnlineStatus(Set.of(bob, nobody), q);
            assertEquals(Map.of(bob, true, nobody, false), q.ok());

            Cb<Map<String, Boolean>> bad = new Cb<>();
            a.queryPeersOnlineStatus(Set.of("no/slash"), bad);
            bad.failed(QueryPeersOnlineStatusError.QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT);
            Cb<Map<String, Boolean>> none = new Cb<>();
            a.queryPeersOnlineStatus(null, none);
            none.failed(QueryPeersOnlineStatusError.QUERY_PEERS_ONLINE_STATUS_ERR_INVALID_ARGUMENT);

            Cb<Void> sub = new Cb<>();
            a.subscribePeersOnlineStatus(Set.of(bob), sub);
            sub.ok();
            seen.await("presence " + bob + " " + PeerOnlineState.PEER_ONLINE_STATE_ONLINE);
            Cb<Set<String>> subscribed = new Cb<>();
            a.queryPeersBySubscriptionOption(
                    RtmStatusCode.PeerSubscriptionOption.PEER_SUBSCRIPTION_OPTION_ONLINE_STATUS, subscribed);
            assertEquals(Set.of(bob), subscribed.ok());
            Cb<Set<String>> unknown = new Cb<>();
            a.queryPeersBySubscriptionOption(9, unknown);
            unknown.failed(RtmStatusCode.QueryPeersBySubscriptionOptionError.QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_FAILURE);

            b.release();
            seen.await("presence " + bob + " " + PeerOnlineState.PEER_ONLINE_STATE_OFFLINE);

            Cb<Void> unsub = new Cb<>();
            a.unsubscribePeersOnlineStatus(Set.of(bob), unsub);
            unsub.ok();
            Cb<Set<String>> after = new Cb<>();
            a.queryPeersBySubscriptionOption(0, after);
            assertEquals(Set.of(), after.ok());

            Cb<Void> badSub = new Cb<>();
            a.subscribePeersOnlineStatus(Set.of("no/slash"), badSub);
            badSub.failed(PeerSubscriptionStatusError.PEER_SUBSCRIPTION_STATUS_ERR_INVALID_ARGUMENT);
            seen.allOnSdkThread();
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void userAttributesWrittenByTheirOwnerAndReadByOthers() throws Exception {
        String alice = uid("alice");
        RtmClient a = loggedIn(alice, new Seen());
        RtmClient b = loggedIn(uid("bob"), new Seen());
        try {
            Cb<Void> set = new Cb<>();
            a.setLocalUserAttributes(List.of(new RtmAttribute("mood", "happy"), new RtmAttribute("city", "Oslo")), set);
            set.ok();
            Cb<List<RtmAttribute>> all = new Cb<>();
            b.getUserAttributes(alice, all);
            assertEquals(Set.of(new RtmAttribute("mood", "happy"), new RtmAttribute("city", "Oslo")),
                    Set.copyOf(all.ok()));

            Cb<Void> add = new Cb<>();
            a.addOrUpdateLocalUserAttributes(List.of(new RtmAttribute("mood", "busy"), new RtmAttribute("k", "v")), add);
            add.ok();
            Cb<List<RtmAttribute>> some = new Cb<>();
            b.getUserAttributesByKeys(alice, List.of("mood", "k"), some);
            assertEquals(Set.of(new RtmAttribute("mood", "busy"), new RtmAttribute("k", "v")), Set.copyOf(some.ok()));

            Cb<Void> del = new Cb<>();
            a.deleteLocalUserAttributesByKeys(List.of("k", "absent"), del);
            del.ok();
            Cb<List<RtmAttribute>> left = new Cb<>();
            a.getUserAttributes(alice, left);
            assertEquals(Set.of(new RtmAttribute("mood", "busy"), new RtmAttribute("city", "Oslo")),
                    Set.copyOf(left.ok()));

            Cb<Void> clear = new Cb<>();
            a.clearLocalUserAttributes(clear);
            clear.ok();
            Cb<List<RtmAttribute>> empty = new Cb<>();
            b.getUserAttributes(alice, empty);
            assertEquals(List.of(), empty.ok());

            Cb<List<RtmAttribute>> offline = new Cb<>();
            b.getUserAttributes(uid("nobody"), offline);
            offline.failed(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND);
            Cb<Void> tooBig = new Cb<>();
            a.setLocalUserAttributes(List.of(new RtmAttribute("big", "x".repeat(8 * 1024 + 1))), tooBig);
            tooBig.failed(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW);
            Cb<Void> nullValue = new Cb<>();
            a.addOrUpdateLocalUserAttributes(List.of(new RtmAttribute("k", null)), nullValue);
            nullValue.failed(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT);
            Cb<Void> nullList = new Cb<>();
            a.setLocalUserAttributes(null, nullList);
            nullList.failed(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT);
        } finally {
            a.release();
            b.release();
        }
    }
}
