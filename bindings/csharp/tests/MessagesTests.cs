// Peer messages through a real rtmd: text in any script, raw bytes with NULs in both
// directions, unreachable peers, offline storage, and received messages outliving their event.
using System.Linq;
using NUnit.Framework;

namespace Rtm.Tests {

[TestFixture]
public class MessagesTests : ServerFixture {
    [Test]
    public void ATextMessageReachesThePeerWithItsMetadata() {
        string alice = Unique("alice"), bob = Unique("bob");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        const string text = "héllo ✓ 😀 — 日本語";
        Assert.AreEqual(ErrorCode.Ok, Wait(a.SendMessageToPeerAsync(bob, text)));
        using (Event ev = WaitFor(b, EventType.PeerMessageReceived)) {
            Assert.AreEqual(alice, ev.UserId);
            Assert.IsNull(ev.ChannelId);
            Assert.AreEqual(0, ev.RequestId);
            Message m = ev.Message;
            Assert.AreSame(m, ev.Message);
            Assert.AreEqual(MessageType.Text, m.Type);
            Assert.AreEqual(text, m.Text);
            Assert.AreNotEqual(0, m.Id);
            Assert.Greater(m.ServerTsMs, 1500000000000L);
            Assert.IsFalse(m.IsOffline);
        }
    }

    [Test]
    public void RawMessagesKeepEveryByteInBothDirections() {
        string alice = Unique("alice"), bob = Unique("bob");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        var there = new byte[] { 0, 0, 1, 2, 0, 255, 254, 0, 10, 13, 0 };
        using (var m = new Message(there, "blob \u00e9"))
            Assert.AreEqual(ErrorCode.Ok, Wait(a.SendMessageToPeerAsync(bob, m)));
        using (Event ev = WaitFor(b, EventType.PeerMessageReceived)) {
            Assert.AreEqual(MessageType.Raw, ev.Message.Type);
            CollectionAssert.AreEqual(there, ev.Message.Data);
            Assert.AreEqual("blob \u00e9", ev.Message.Text);
        }
        var back = Enumerable.Range(0, 4096).Select(i => (byte)(i % 3 == 0 ? 0 : i)).ToArray();
        using (var m = new Message(back))
            Assert.AreEqual(ErrorCode.Ok, Wait(b.SendMessageToPeerAsync(alice, m)));
        using (Event ev = WaitFor(a, EventType.PeerMessageReceived)) {
            Assert.AreEqual(bob, ev.UserId);
            CollectionAssert.AreEqual(back, ev.Message.Data);
            Assert.AreEqual("", ev.Message.Text);
        }
    }

    [Test]
    public void TheIdReturningSendReportsItsResultOnThePollLoop() {
        string alice = Unique("alice"), bob = Unique("bob");
        Client a = NewClient();
        a.Login(alice);
        WaitFor(a, EventType.LoginResult).Dispose();
        Client b = LoggedIn(bob);
        ulong id;
        using (var m = new Message("polled"))
            id = a.SendMessageToPeer(bob, m);
        using (Event ev = WaitFor(a, EventType.SendPeerMessageResult)) {
            Assert.AreEqual(id, ev.RequestId);
            Assert.AreEqual(ErrorCode.Ok, ev.Error);
        }
        using (Event ev = WaitFor(b, EventType.PeerMessageReceived))
            Assert.AreEqual("polled", ev.Message.Text);
    }

    [Test]
    public void AnOfflinePeerIsUnreachableUnlessTheServerMayStoreTheMessage() {
        string alice = Unique("alice"), carol = Unique("carol");
        Client a = LoggedIn(alice);
        RtmException e = Faulted(a.SendMessageToPeerAsync(carol, "are you there?"));
        Assert.AreEqual(ErrorCode.PeerUnreachable, e.Code);
        Assert.AreNotEqual(0, e.RequestId);
        StringAssert.Contains("RTM_EVENT_SEND_PEER_MESSAGE_RESULT", e.Sentence);

        Assert.AreEqual(ErrorCode.CachedByServer,
                        Wait(a.SendMessageToPeerAsync(carol, "read this later", SendFlags.Offline)));
        Client c = NewClient();
        c.Login(carol);
        using (Event ev = WaitFor(c, EventType.PeerMessageReceived)) {
            Assert.AreEqual(alice, ev.UserId);
            Assert.AreEqual("read this later", ev.Message.Text);
            Assert.IsTrue(ev.Message.IsOffline);
        }
    }

    [Test]
    public void BadSendsAreRefusedAtOnce() {
        Client a = LoggedIn(Unique("alice"));
        Raises(ErrorCode.InvalidUserId, () => a.SendMessageToPeer("null", "x"));
        Raises(ErrorCode.InvalidArgument, () => a.SendMessageToPeer("bob", (Message)null));
        Raises(ErrorCode.InvalidArgument, () => a.SendMessageToPeer("bob", "x", (SendFlags)2));
        var m = new Message("gone");
        m.Dispose();
        var e = Raises(ErrorCode.Closed, () => a.SendMessageToPeer("bob", m));
        StringAssert.Contains("Message", e.Sentence);
    }

    [Test]
    public void AReceivedMessageOutlivesItsEvent() {
        string alice = Unique("alice"), bob = Unique("bob");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        Wait(a.SendMessageToPeerAsync(bob, new Message(new byte[] { 1, 0, 2 }, "kept")));
        Message m;
        using (Event ev = WaitFor(b, EventType.PeerMessageReceived))
            m = ev.Message;
        // The event is disposed; the message still holds its memory.
        Assert.AreEqual("kept", m.Text);
        CollectionAssert.AreEqual(new byte[] { 1, 0, 2 }, m.Data);
        m.Dispose();
        Assert.AreEqual(ErrorCode.Closed, Assert.Throws<RtmException>(() => { var d = m.Data; }).Code);
    }
}

}
