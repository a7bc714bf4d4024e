package io.agora.rtm;

import io.rtm.RtmdExtension;

import static io.agora.rtm.Support.Cb;
import static io.agora.rtm.Support.Seen;
import static io.agora.rtm.Support.loggedIn;
import static io.agora.rtm.Support.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agora.rtm.RtmStatusCode.AttributeOperationError;
import io.agora.rtm.RtmStatusCode.GetChannelMemberCountError;
import io.agora.rtm.RtmStatusCode.GetMembersError;
import io.agora.rtm.RtmStatusCode.JoinChannelError;
import io.agora.rtm.RtmStatusCode.LeaveChannelError;
import io.agora.rtm.RtmStatusCode.ChannelMessageError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Channels: join/leave, member events, messages, members, counts, channel attributes. */
class ChannelCompatTest {
    @RegisterExtension
    static final RtmdExtension server = Support.rtmd();

    /** A channel listener recording every callback as a line. */
    static RtmChannelListener recorder(Seen seen) {
        return new RtmChannelListener() {
            @Override
            public void onMemberCountUpdated(int n) {
                seen.add("count " + n);
            }

            @Override
            public void onAttributesUpdated(List<RtmChannelAttribute> list) {
                seen.add("attributes " + list.stream().map(a -> a.getKey() + "=" + a.getValue() + "/"
                        + a.getLastUpdateUserId()).sorted().collect(Collectors.joining(",")));
            }

            @Override
            public void onMessageReceived(RtmMessage m, RtmChannelMember from) {
                seen.add("message " + from.getUserId() + " " + from.getChannelId() + " " + m.getText());
            }

            @Override
            public void onMemberJoined(RtmChannelMember m) {
                seen.add("joined " + m.getUserId() + " " + m.getChannelId());
            }

            @Override
            public void onMemberLeft(RtmChannelMember m) {
                seen.add("left " + m.getUserId() + " " + m.getChannelId());
            }
        };
    }

    @Test
    @SuppressWarnings("deprecation") // the deprecated send form too
    void membersMessagesAndCounts() throws Exception {
        String alice = uid("alice");
        String bob = uid("bob");
        String room = uid("room");
        Seen aSeen = new Seen();
        Seen bSeen = new Seen();
        RtmClient a = RtmClient.createInstance("test", new RtmClientListener() {});
        RtmChannel ac = a.createChannel(room, recorder(aSeen)); // before login, as upstream allows
        assertNotNull(ac);
        assertEquals(room, ac.getId());
        assertNull(a.createChannel(room, recorder(aSeen)), "one handle per channel id");
        assertNull(a.createChannel("bad/id", null));
        RtmClient b = loggedIn(bob, new Seen());
        try {
            Cb<Void> login = new Cb<>();
            a.login(null, alice, login);
            login.ok();
            Cb<Void> join = new Cb<>();
            ac.join(join);
            join.ok();
            aSeen.await("count 1");

            RtmChannel bc = b.createChannel(room, recorder(bSeen));
            Cb<Void> bJoin = new Cb<>();
            bc.join(bJoin);
            bJoin.ok();
            aSeen.await("joined " + bob + " " + room);
            aSeen.await("count 2");

            Cb<Void> twice = new Cb<>();
            bc.join(twice);
            twice.failed(JoinChannelError.JOIN_CHANNEL_ERR_ALREADY_JOINED);

            Cb<Void> sent = new Cb<>();
            ac.sendMessage(a.createMessage("hi all"), new SendMessageOptions(), sent);
            sent.ok();
            bSeen.await("message " + alice + " " + room + " hi all");
            Cb<Void> back = new Cb<>();
            bc.sendMessage(b.createMessage("hi alice"), back); // the deprecated form
            back.ok();
            aSeen.await("message " + bob + " " + room + " hi alice");
            assertTrue(bSeen.noneWithin(s -> s.startsWith("message " + bob), 300), "never echoed");

            Cb<List<RtmChannelMember>> members = new Cb<>();
            ac.getMembers(members);
            assertEquals(Set.of(alice, bob),
                    members.ok().stream().map(RtmChannelMember::getUserId).collect(Collectors.toSet()));
            assertTrue(members.value.stream().allMatch(m -> m.getChannelId().equals(room)));

            Cb<List<RtmChannelMemberCount>> counts = new Cb<>();
            String empty = uid("empty");
            a.getChannelMemberCount(List.of(room, empty), counts);
            List<RtmChannelMemberCount> c = counts.ok();
            assertEquals(2, c.size());
            assertEquals(room, c.get(0).getChannelID());
            assertEquals(2, c.get(0).getMemberCount());
            assertEquals(empty, c.get(1).getChannelID());
            assertEquals(0, c.get(1).getMemberCount());
            Cb<List<RtmChannelMemberCount>> badCount = new Cb<>();
            a.getChannelMemberCount(List.of("bad/id"), badCount);
            badCount.failed(GetChannelMemberCountError.GET_CHANNEL_MEMBER_COUNT_ERR_INVALID_ARGUMENT);
            List<String> many = new ArrayList<>();
            for (int i = 0; i < 33; i++) many.add(uid("c"));
            Cb<List<RtmChannelMemberCount>> tooMany = new Cb<>();
            a.getChannelMemberCount(many, tooMany);
            tooMany.failed(GetChannelMemberCountError.GET_CHANNEL_MEMBER_COUNT_ERR_EXCEED_LIMIT);

            Cb<Void> leave = new Cb<>();
            bc.leave(leave);
            leave.ok();
            aSeen.await("left " + bob + " " + room);
            Cb<Void> leaveAgain = new Cb<>();
            bc.leave(leaveAgain);
            leaveAgain.failed(LeaveChannelError.LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL);
            Cb<List<RtmChannelMember>> notIn = new Cb<>();
            bc.getMembers(notIn);
            notIn.failed(GetMembersError.GET_MEMBERS_ERR_NOT_IN_CHANNEL);
            Cb<Void> sendOut = new Cb<>();
            bc.sendMessage(b.createMessage("x"), new SendMessageOptions(), sendOut);
            sendOut.failed(ChannelMessageError.CHANNEL_MESSAGE_ERR_FAILURE);

            bc.release();
            Cb<Void> released = new Cb<>();
            bc.join(released);
            assertEquals(JoinChannelError.JOIN_CHANNEL_ERR_NOT_INITIALIZED, released.error.getErrorCode());
            assertNotNull(b.createChannel(room, null), "a released handle frees its id");
            aSeen.allOnSdkThread();
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void channelAttributes() throws Exception {
        String alice = uid("alice");
        String room = uid("room");
        Seen bSeen = new Seen();
        RtmClient a = loggedIn(alice, new Seen());
        RtmClient b = loggedIn(uid("bob"), new Seen());
        try {
            RtmChannel bc = b.createChannel(room, recorder(bSeen));
            Cb<Void> join = new Cb<>();
            bc.join(join);
            join.ok();

            Cb<Void> set = new Cb<>();
            long before = System.currentTimeMillis();
            a.setChannelAttributes(room, List.of(new RtmChannelAttribute("topic", "news"),
                    new RtmChannelAttribute("mode", "open")), new ChannelAttributeOptions(true), set);
            set.ok();
            bSeen.await("attributes mode=open/" + alice + ",topic=news/" + alice);

            Cb<List<RtmChannelAttribute>> all = new Cb<>();
            b.getChannelAttributes(room, all);
            List<RtmChannelAttribute> attrs = all.ok();
            assertEquals(2, attrs.size());
            for (RtmChannelAttribute at : attrs) {
                assertEquals(alice, at.getLastUpdateUserId());
                assertTrue(at.getLastUpdateTs() >= before - 5_000, "timestamp " + at.getLastUpdateTs());
            }

            Cb<Void> quiet = new Cb<>();
            a.addOrUpdateChannelAttributes(room, List.of(new RtmChannelAttribute("topic", "sport")),
                    new ChannelAttributeOptions(), quiet);
            quiet.ok();
            Cb<List<RtmChannelAttribute>> some = new Cb<>();
            b.getChannelAttributesByKeys(room, List.of("topic"), some);
            assertEquals("sport", some.ok().get(0).getValue());
            assertEquals(1, some.value.size());

            Cb<Void> del = new Cb<>();
            ChannelAttributeOptions notify = new ChannelAttributeOptions();
            notify.setEnableNotificationToChannelMembers(true);
            assertTrue(notify.getEnableNotificationToChannelMembers());
            a.deleteChannelAttributesByKeys(room, List.of("mode"), notify, del);
            del.ok();
            bSeen.await("attributes topic=sport/" + alice);
            assertTrue(bSeen.items.stream().noneMatch(s -> s.contains("topic=sport") && s.contains("mode")),
                    "the quiet update notified nobody");

            Cb<Void> clear = new Cb<>();
            a.clearChannelAttributes(room, notify, clear);
            clear.ok();
            bSeen.await("attributes ");
            Cb<List<RtmChannelAttribute>> none = new Cb<>();
            a.getChannelAttributes(room, none);
            assertEquals(List.of(), none.ok());

            Cb<Void> empty = new Cb<>();
            a.setChannelAttributes(room, List.of(new RtmChannelAttribute("k", "")), null, empty);
            empty.failed(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT);
            Cb<Void> big = new Cb<>();
            a.addOrUpdateChannelAttributes(room, List.of(new RtmChannelAttribute("k", "v".repeat(8193))), null, big);
            big.failed(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW);
            Cb<Void> badId = new Cb<>();
            a.clearChannelAttributes("bad/id", null, badId);
            badId.failed(AttributeOperationError.ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT);
        } finally {
            a.release();
            b.release();
        }
    }
}
