package io.rtm;

import static io.rtm.TestSupport.assertRtmError;
import static io.rtm.TestSupport.await;
import static io.rtm.TestSupport.client;
import static io.rtm.TestSupport.loggedIn;
import static io.rtm.TestSupport.noneWithin;
import static io.rtm.TestSupport.uid;
import static io.rtm.TestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Channels: join, member events, messages, members, leave, attributes, counts. */
class ChannelTest {
    @RegisterExtension
    static final RtmdExtension server = new RtmdExtension();

    @Test
    void membersJoinTalkListAndLeave() {
        String alice = uid("alice");
        String bob = uid("bob");
        String room = uid("room");
        try (Client a = loggedIn(server, alice); Client b = loggedIn(server, bob);
                Channel ca = a.createChannel(room); Channel cb = b.createChannel(room)) {
            assertEquals(room, ca.id());
            assertEquals(a, ca.client());
            assertEquals(List.of(), await(ca.joinAsync()), "no member list unless asked for");
            long join = cb.join();
            try (Event e = waitFor(b, EventType.JOIN_CHANNEL_RESULT)) {
                assertEquals(join, e.requestId());
                assertEquals(room, e.channelId());
            }
            try (Event e = waitFor(a, EventType.CHANNEL_MEMBER_JOINED)) {
                assertEquals(room, e.channelId());
                assertEquals(bob, e.userId());
            }

            try (Message m = Message.text("hi room \u2713")) {
                await(ca.sendMessageAsync(m));
            }
            try (Event e = waitFor(b, EventType.CHANNEL_MESSAGE_RECEIVED)) {
                assertEquals(room, e.channelId());
                assertEquals(alice, e.userId());
                assertEquals("hi room \u2713", e.message().text());
            }
            byte[] bytes = {0, 1, 0, 2, (byte) 0xff, 0};
            try (Message m = Message.raw(bytes, "raw")) {
                await(cb.sendMessageAsync(m));
            }
            try (Event e = waitFor(a, EventType.CHANNEL_MESSAGE_RECEIVED)) {
                assertArrayEquals(bytes, e.message().data());
                assertEquals(bob, e.userId());
            }
            assertTrue(noneWithin(a, e -> e.type() == EventType.CHANNEL_MESSAGE_RECEIVED, 300),
                    "a channel message never comes back to its sender");

            assertEquals(new TreeSet<>(List.of(alice, bob)), new TreeSet<>(await(ca.getMembersAsync())));
            long get = cb.getMembers();
            try (Event e = waitFor(b, ev -> ev.requestId() == get, "GET_MEMBERS_RESULT")) {
                assertEquals(EventType.GET_MEMBERS_RESULT, e.type());
                assertEquals(Set.of(alice, bob), Set.copyOf(e.users()));
            }

            await(cb.leaveAsync());
            try (Event e = waitFor(a, EventType.CHANNEL_MEMBER_LEFT)) {
                assertEquals(bob, e.userId());
            }
            try (Message m = Message.text("x")) {
                assertRtmError(ErrorCode.NOT_IN_CHANNEL, () -> cb.sendMessage(m));
            }
            assertRtmError(ErrorCode.NOT_IN_CHANNEL, cb::leave);
            assertRtmError(ErrorCode.ALREADY_JOINED, ca::join);
        }
    }

    @Test
    void theMemberListOnJoinWhenAskedFor() {
        String alice = uid("alice");
        String bob = uid("bob");
        String room = uid("room");
        try (Client a = loggedIn(server, alice); Channel ca = a.createChannel(room)) {
            await(ca.joinAsync());
            try (Client b = loggedIn(server, bob, "channel.member_list_on_join", "true");
                    Channel cb = b.createChannel(room)) {
                assertEquals(Set.of(alice, bob), Set.copyOf(await(cb.joinAsync())));
                try (Event e = waitFor(b, EventType.CHANNEL_MEMBER_COUNT_UPDATED)) {
                    assertEquals(room, e.channelId());
                    assertEquals(2, e.memberCount());
                }
            }
        }
    }

    @Test
    void oneLiveHandlePerChannelId() {
        String room = uid("room");
        try (Client a = client(server)) {
            Channel first = a.createChannel(room); // works before login
            assertRtmError(ErrorCode.INVALID_STATE, () -> a.createChannel(room));
            first.close();
            first.close(); // idempotent
            assertRtmError(ErrorCode.CLOSED, first::join);
            a.createChannel(room).close();
            assertRtmError(ErrorCode.INVALID_CHANNEL_ID, () -> a.createChannel("bad/channel"));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.createChannel(null));
            try (Channel c = a.createChannel(uid("room"))) {
                assertRtmError(ErrorCode.NOT_LOGGED_IN, c::join);
            }
        }
    }

    @Test
    void attributesAreSetReadUpdatedDeletedAndCleared() {
        String alice = uid("alice");
        String bob = uid("bob");
        String room = uid("room");
        try (Client a = loggedIn(server, alice); Client b = loggedIn(server, bob);
                Channel ca = a.createChannel(room); Channel cb = b.createChannel(room)) {
            await(ca.joinAsync());
            await(cb.joinAsync());
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("topic", "rust \u2192 c");
            attrs.put("mood", "calm");
            long before = System.currentTimeMillis();
            await(a.setChannelAttributesAsync(room, attrs, Rtm.ATTR_NOTIFY_MEMBERS));
            try (Event e = waitFor(b, EventType.CHANNEL_ATTRIBUTES_UPDATED)) {
                assertEquals(room, e.channelId());
                assertEquals(attrs, e.attributeMap());
            }
            List<Attribute> got = await(b.getChannelAttributesAsync(room));
            assertEquals(2, got.size());
            for (Attribute at : got) {
                assertEquals(attrs.get(at.key()), at.value());
                assertEquals(alice, at.updatedBy());
                assertTrue(at.updatedTsMs() >= before - 5000, "updated recently: " + at);
            }
            await(b.addOrUpdateChannelAttributesAsync(room, Map.of("mood", "busy", "size", "2"), 0));
            Map<String, String> now = new LinkedHashMap<>();
            for (Attribute at : await(a.getChannelAttributesAsync(room))) now.put(at.key(), at.value());
            assertEquals(Map.of("topic", "rust \u2192 c", "mood", "busy", "size", "2"), now);
            List<Attribute> some = await(a.getChannelAttributesByKeysAsync(room, "mood", "absent"));
            assertEquals(1, some.size());
            assertEquals(bob, some.get(0).updatedBy());
            await(a.deleteChannelAttributesByKeysAsync(room, 0, "mood", "absent"));
            assertEquals(2, await(a.getChannelAttributesAsync(room)).size());
            long clear = a.clearChannelAttributes(room, 0);
            try (Event e = waitFor(a, ev -> ev.requestId() == clear, "CHANNEL_ATTRIBUTES_RESULT")) {
                assertEquals(EventType.CHANNEL_ATTRIBUTES_RESULT, e.type());
                assertEquals(ErrorCode.OK, e.error());
            }
            assertEquals(List.of(), await(a.getChannelAttributesAsync(room)));

            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.setChannelAttributes(room, Map.of("k", ""), 0));
            assertRtmError(ErrorCode.SIZE_OVERFLOW,
                    () -> a.setChannelAttributes(room, Map.of("k".repeat(33), "v"), 0));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.setChannelAttributes(room, Map.of("k", "v"), 2));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.deleteChannelAttributesByKeys(room, 0));
            assertRtmError(ErrorCode.INVALID_CHANNEL_ID, () -> a.getChannelAttributes("bad/channel"));
        }
    }

    @Test
    void memberCountsAndSendingFromOutside() {
        String alice = uid("alice");
        String room = uid("room");
        String empty = uid("empty");
        try (Client a = loggedIn(server, alice); Client b = loggedIn(server, uid("bob"));
                Channel ca = a.createChannel(room)) {
            await(ca.joinAsync());
            Map<String, Integer> counts = await(b.getChannelMemberCountAsync(room, empty));
            assertEquals(List.of(room, empty), List.copyOf(counts.keySet()));
            assertEquals(1, counts.get(room));
            assertEquals(0, counts.get(empty));
            try (Message m = Message.text("from outside")) {
                await(b.sendMessageToChannelAsync(room, m)); // b never joined
            }
            try (Event e = waitFor(a, EventType.CHANNEL_MESSAGE_RECEIVED)) {
                assertEquals("from outside", e.message().text());
                assertEquals(room, e.channelId());
            }
            String[] tooMany = new String[33];
            for (int i = 0; i < tooMany.length; i++) tooMany[i] = "c" + i;
            assertRtmError(ErrorCode.EXCEED_LIMIT, () -> b.getChannelMemberCount(tooMany));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> b.getChannelMemberCount());
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> b.getChannelMemberCount((String[]) null));
        }
    }
}
