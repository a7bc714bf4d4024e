// Channels through a real rtmd: join, member events, messages (never echoed), members, leave;
// channel attributes with who and when; member counts; sending from outside; refusals.
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace Rtm.Tests {

[TestFixture]
public class ChannelsTests : ServerFixture {
    [Test]
    public void MembersJoinTalkListAndLeave() {
        string alice = Unique("alice"), bob = Unique("bob"), room = Unique("room");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        Channel ca = Own(a.CreateChannel(room)), cb = Own(b.CreateChannel(room));
        Assert.AreEqual(room, ca.Id);
        Assert.AreSame(a, ca.Client);
        CollectionAssert.IsEmpty(Wait(ca.JoinAsync())); // no member list unless asked for
        Wait(cb.JoinAsync());
        using (Event ev = WaitFor(a, EventType.ChannelMemberJoined)) {
            Assert.AreEqual(room, ev.ChannelId);
            Assert.AreEqual(bob, ev.UserId);
        }

        Wait(cb.SendMessageAsync("hello " + room));
        using (Event ev = WaitFor(a, EventType.ChannelMessageReceived)) {
            Assert.AreEqual(room, ev.ChannelId);
            Assert.AreEqual(bob, ev.UserId);
            Assert.AreEqual("hello " + room, ev.Message.Text);
            Assert.AreNotEqual(0, ev.Message.Id);
        }
        var bytes = new byte[] { 0, 42, 0, 7 };
        using (var m = new Message(bytes, "raw"))
            Wait(ca.SendMessageAsync(m));
        using (Event ev = WaitFor(b, EventType.ChannelMessageReceived)) {
            Assert.AreEqual(alice, ev.UserId);
            CollectionAssert.AreEqual(bytes, ev.Message.Data);
        }
        CollectionAssert.DoesNotContain(Drain(b, 300), EventType.ChannelMessageReceived,
                                        "a member got its own channel message back");

        CollectionAssert.AreEquivalent(new[] { alice, bob }, Wait(ca.GetMembersAsync()));
        Wait(cb.LeaveAsync());
        using (Event ev = WaitFor(a, EventType.ChannelMemberLeft))
            Assert.AreEqual(bob, ev.UserId);
        CollectionAssert.AreEqual(new[] { alice }, Wait(ca.GetMembersAsync()));
    }

    [Test]
    public void TheIdReturningCallsReportOnThePollLoop() {
        string room = Unique("room");
        Client a = NewClient();
        a.Login(Unique("alice"));
        WaitFor(a, EventType.LoginResult).Dispose();
        Channel ch = Own(a.CreateChannel(room));
        ulong join = ch.Join();
        using (Event ev = WaitFor(a, EventType.JoinChannelResult)) {
            Assert.AreEqual(join, ev.RequestId);
            Assert.AreEqual(room, ev.ChannelId);
        }
        using (Event ev = WaitFor(a, EventType.ChannelMemberCountUpdated)) {
            Assert.AreEqual(room, ev.ChannelId);
            Assert.AreEqual(1, ev.MemberCount);
        }
        ulong members = ch.GetMembers();
        using (Event ev = WaitFor(a, EventType.GetMembersResult)) {
            Assert.AreEqual(members, ev.RequestId);
            Assert.AreEqual(1, ev.Users.Length);
        }
        ulong send = ch.SendMessage("to nobody");
        using (Event ev = WaitFor(a, EventType.SendChannelMessageResult))
            Assert.AreEqual(send, ev.RequestId);
        ulong leave = ch.Leave();
        using (Event ev = WaitFor(a, EventType.LeaveChannelResult))
            Assert.AreEqual(leave, ev.RequestId);
    }

    [Test]
    public void TheJoinResultCarriesTheMemberListWhenAskedFor() {
        string alice = Unique("alice"), bob = Unique("bob"), room = Unique("room");
        Client a = LoggedIn(alice);
        Wait(Own(a.CreateChannel(room)).JoinAsync());
        Client b = LoggedIn(bob, "channel.member_list_on_join", "true");
        CollectionAssert.AreEquivalent(new[] { alice, bob }, Wait(Own(b.CreateChannel(room)).JoinAsync()));
    }

    [Test]
    public void ChannelAttributesRecordWhoAndWhenAndNotifyMembers() {
        string alice = Unique("alice"), bob = Unique("bob"), room = Unique("room");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        Wait(Own(b.CreateChannel(room)).JoinAsync());

        Wait(a.SetChannelAttributesAsync(room, new Dictionary<string, string> { { "topic", "news" }, { "lang", "fr" } },
                                         AttributeFlags.NotifyMembers));
        using (Event ev = WaitFor(b, EventType.ChannelAttributesUpdated)) {
            Assert.AreEqual(room, ev.ChannelId);
            CollectionAssert.AreEquivalent(new Dictionary<string, string> { { "topic", "news" }, { "lang", "fr" } },
                                           ev.AttributeValues);
        }
        IList<AttributeEntry> all = Wait(a.GetChannelAttributesAsync(room));
        Assert.AreEqual(2, all.Count);
        foreach (AttributeEntry e in all) {
            Assert.AreEqual(alice, e.UpdatedBy);
            Assert.Greater(e.UpdatedTsMs, 1500000000000L);
        }

        Wait(b.AddOrUpdateChannelAttributesAsync(room, new Dictionary<string, string> { { "lang", "de" }, { "mood", "calm" } }));
        var byKeys = Wait(a.GetChannelAttributesByKeysAsync(room, "lang", "absent"));
        Assert.AreEqual(1, byKeys.Count);
        Assert.AreEqual("de", byKeys[0].Value);
        Assert.AreEqual(bob, byKeys[0].UpdatedBy);

        Wait(a.DeleteChannelAttributesByKeysAsync(room, new[] { "topic" }));
        CollectionAssert.AreEquivalent(new[] { "lang", "mood" }, Wait(a.GetChannelAttributesAsync(room)).Select(e => e.Key));
        Wait(a.ClearChannelAttributesAsync(room));
        CollectionAssert.IsEmpty(Wait(a.GetChannelAttributesAsync(room)));

        ulong set = a.SetChannelAttributes(room, new Dictionary<string, string> { { "k", "v" } });
        using (Event ev = WaitFor(a, EventType.ChannelAttributesResult))
            Assert.AreEqual(set, ev.RequestId);
        ulong get = a.GetChannelAttributes(room);
        using (Event ev = WaitFor(a, EventType.GetChannelAttributesResult)) {
            Assert.AreEqual(get, ev.RequestId);
            Assert.AreEqual("k=v", ev.Attributes.Single().ToString());
        }
        a.AddOrUpdateChannelAttributes(room, new Dictionary<string, string> { { "k2", "v2" } });
        a.DeleteChannelAttributesByKeys(room, new[] { "k" });
        a.GetChannelAttributesByKeys(room, "k2");
        a.ClearChannelAttributes(room);
        var seen = new List<EventType>();
        for (int i = 0; i < 4; i++)
            using (Event ev = WaitFor(a, e => e.RequestId != 0, "a result"))
                seen.Add(ev.Type);
        CollectionAssert.AreEqual(new[] { EventType.ChannelAttributesResult, EventType.ChannelAttributesResult,
                                          EventType.GetChannelAttributesResult, EventType.ChannelAttributesResult },
                                  seen);
    }

    [Test]
    public void AttributeListsAreCheckedAtOnce() {
        Client a = LoggedIn(Unique("alice"));
        string room = Unique("room");
        Raises(ErrorCode.InvalidArgument, () => a.SetChannelAttributes(room, null));
        Raises(ErrorCode.InvalidArgument, () => a.SetChannelAttributes(room, new Dictionary<string, string>()));
        Raises(ErrorCode.InvalidArgument, () => a.SetChannelAttributes(room, new Dictionary<string, string> { { "k", "" } }));
        Raises(ErrorCode.InvalidArgument, () => a.SetChannelAttributes(room, new Dictionary<string, string> { { "k", null } }));
        Raises(ErrorCode.SizeOverflow, () => a.SetChannelAttributes(room, new Dictionary<string, string> { { new string('k', 33), "v" } }));
        Raises(ErrorCode.SizeOverflow, () => a.SetChannelAttributes(room, new Dictionary<string, string> { { "k", new string('v', 8193) } }));
        Raises(ErrorCode.InvalidArgument, () => a.SetChannelAttributes(room, new Dictionary<string, string> { { "k", "v" } }, (AttributeFlags)4));
        Raises(ErrorCode.InvalidChannelId, () => a.GetChannelAttributes(" bad"));
        Raises(ErrorCode.InvalidArgument, () => a.DeleteChannelAttributesByKeys(room, null));
        Raises(ErrorCode.InvalidArgument, () => a.GetChannelAttributesByKeys(room, new string[0]));
    }

    [Test]
    public void MemberCountsAndSendingFromOutside() {
        string alice = Unique("alice"), bob = Unique("bob"), carol = Unique("carol"), room = Unique("room");
        Client a = LoggedIn(alice), b = LoggedIn(bob), c = LoggedIn(carol);
        Wait(Own(a.CreateChannel(room)).JoinAsync());
        Wait(Own(b.CreateChannel(room)).JoinAsync());
        string empty = Unique("empty");
        var counts = Wait(c.GetChannelMemberCountAsync(room, empty));
        Assert.AreEqual(2, counts[room]);
        Assert.AreEqual(0, counts[empty]);

        using (var m = new Message("from outside"))
            Wait(c.SendMessageToChannelAsync(room, m));
        foreach (Client member in new[] { a, b })
            using (Event ev = WaitFor(member, EventType.ChannelMessageReceived)) {
                Assert.AreEqual(carol, ev.UserId);
                Assert.AreEqual("from outside", ev.Message.Text);
            }
        ulong count = c.GetChannelMemberCount(room);
        using (Event ev = WaitFor(c, EventType.GetChannelMemberCountResult)) {
            Assert.AreEqual(count, ev.RequestId);
            Assert.AreEqual(2, ev.ChannelMemberCounts[room]);
        }
        Raises(ErrorCode.ExceedLimit, () => c.GetChannelMemberCount(Enumerable.Range(0, 33).Select(i => "c" + i).ToArray()));
    }

    [Test]
    public void ChannelCallsRefuseWhatTheClientKnowsIsWrong() {
        Client a = NewClient();
        string room = Unique("room");
        Raises(ErrorCode.InvalidChannelId, () => a.CreateChannel(" leading space"));
        Raises(ErrorCode.InvalidArgument, () => a.CreateChannel(null));
        Channel ch = Own(a.CreateChannel(room)); // works before login
        var e = Raises(ErrorCode.InvalidState, () => a.CreateChannel(room));
        StringAssert.Contains("already has a live handle", e.Sentence);
        Raises(ErrorCode.NotLoggedIn, () => ch.Join());
        Wait(a.LoginAsync(Unique("alice")));
        Raises(ErrorCode.NotInChannel, () => ch.Leave());
        Raises(ErrorCode.NotInChannel, () => ch.SendMessage("x"));
        Raises(ErrorCode.InvalidArgument, () => ch.SendMessage((Message)null));
        Wait(ch.JoinAsync());
        Raises(ErrorCode.AlreadyJoined, () => ch.Join());
        ch.Dispose(); // leaves; a new handle for the id is allowed now
        Wait(Own(a.CreateChannel(room)).JoinAsync());
        Assert.AreEqual(ErrorCode.Closed, Assert.Throws<RtmException>(() => ch.Join()).Code);
    }
}

}
