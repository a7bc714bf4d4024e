// Call invitations through a real rtmd: send, receive, accept, refuse, cancel, with both state
// machines seen from C#, and calls made in the wrong state.
using NUnit.Framework;

namespace Rtm.Tests {

[TestFixture]
public class InvitationsTests : ServerFixture {
    Invitation Received(Client callee, out Event ev) {
        ev = WaitFor(callee, EventType.RemoteInvitationReceived);
        return Own(ev.Invitation);
    }

    [Test]
    public void AnAcceptedInvitationCarriesContentChannelAndResponse() {
        string alice = Unique("alice"), bob = Unique("bob");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        Invitation local = Own(a.CreateLocalInvitation(bob));
        Assert.AreEqual(InvitationKind.Local, local.Kind);
        Assert.AreEqual(LocalInvitationState.Idle, local.LocalState);
        Assert.IsNull(local.RemoteState);
        Assert.AreEqual(bob, local.CalleeId);
        local.Content = "video call? ✓";
        local.ChannelId = "call-" + bob;
        Assert.AreEqual("video call? ✓", local.Content);
        Wait(local.SendAsync());
        Assert.AreNotEqual(LocalInvitationState.Idle, local.LocalState);

        Event got;
        Invitation remote = Received(b, out got);
        using (got) {
            Assert.AreSame(remote, got.Invitation);
            Assert.AreEqual(InvitationKind.Remote, remote.Kind);
            Assert.AreEqual(RemoteInvitationState.InvitationReceived, remote.RemoteState);
            Assert.AreEqual((int)RemoteInvitationState.InvitationReceived, remote.State);
            Assert.AreEqual(alice, remote.CallerId);
            Assert.AreEqual(bob, remote.CalleeId);
            Assert.AreEqual("video call? ✓", remote.Content);
            Assert.AreEqual("call-" + bob, remote.ChannelId);
        }
        remote.Response = "coming";
        Wait(remote.AcceptAsync());
        WaitFor(b, EventType.RemoteInvitationAccepted).Dispose();
        Assert.AreEqual(RemoteInvitationState.Accepted, remote.RemoteState);

        WaitFor(a, EventType.LocalInvitationReceivedByPeer).Dispose();
        using (Event ev = WaitFor(a, EventType.LocalInvitationAccepted)) {
            Invitation same = Own(ev.Invitation);
            Assert.AreEqual(local.Id, same.Id);
            Assert.AreEqual("coming", same.Response);
        }
        Assert.AreEqual(LocalInvitationState.AcceptedByRemote, local.LocalState);
        Assert.AreEqual("coming", local.Response);
    }

    [Test]
    public void ARefusedInvitationReachesTheCaller() {
        string alice = Unique("alice"), bob = Unique("bob");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        Invitation local = Own(a.CreateLocalInvitation(bob));
        ulong send = local.Send();
        using (Event ev = WaitFor(a, EventType.InvitationResult)) {
            Assert.AreEqual(send, ev.RequestId);
            Assert.AreEqual(local.Id, Own(ev.Invitation).Id);
        }
        Event got;
        Invitation remote = Received(b, out got);
        got.Dispose();
        remote.Response = "busy";
        ulong refuse = remote.Refuse();
        Assert.AreEqual(RemoteInvitationState.Refused, remote.RemoteState);
        using (Event ev = WaitFor(b, EventType.InvitationResult))
            Assert.AreEqual(refuse, ev.RequestId);
        WaitFor(b, EventType.RemoteInvitationRefused).Dispose();
        using (Event ev = WaitFor(a, EventType.LocalInvitationRefused))
            Assert.AreEqual("busy", Own(ev.Invitation).Response);
        Assert.AreEqual(LocalInvitationState.RefusedByRemote, local.LocalState);
    }

    [Test]
    public void ACancelledInvitationEndsOnBothSides() {
        string alice = Unique("alice"), bob = Unique("bob");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        Invitation local = Own(a.CreateLocalInvitation(bob));
        Wait(local.SendAsync());
        Event got;
        Invitation remote = Received(b, out got);
        got.Dispose();
        Wait(local.CancelAsync());
        Assert.AreEqual(LocalInvitationState.Canceled, local.LocalState);
        WaitFor(a, EventType.LocalInvitationCanceled).Dispose();
        WaitFor(b, EventType.RemoteInvitationCanceled).Dispose();
        Assert.AreEqual(RemoteInvitationState.Canceled, remote.RemoteState);
        Raises(ErrorCode.InvalidState, () => local.Cancel());
        Raises(ErrorCode.InvalidState, () => remote.Accept());
    }

    [Test]
    public void CallsInTheWrongStateOrWithBadInputAreRefused() {
        string bob = Unique("bob");
        Client a = LoggedIn(Unique("alice"));
        Raises(ErrorCode.InvalidUserId, () => a.CreateLocalInvitation("null"));
        Invitation local = Own(a.CreateLocalInvitation(bob));
        Raises(ErrorCode.SizeOverflow, () => local.Content = new string('c', 8193));
        Raises(ErrorCode.InvalidChannelId, () => local.ChannelId = " bad");
        Raises(ErrorCode.InvalidArgument, () => local.Content = null);
        var e = Raises(ErrorCode.InvalidState, () => local.Response = "no");
        StringAssert.Contains("received (remote) invitation", e.Sentence);
        Raises(ErrorCode.InvalidState, () => local.Accept());
        Raises(ErrorCode.InvalidState, () => local.Refuse());
        e = Raises(ErrorCode.InvalidState, () => local.Cancel());
        StringAssert.Contains("has not been sent", e.Sentence);
        local.Send();
        e = Raises(ErrorCode.InvalidState, () => local.Send());
        StringAssert.Contains("already sent", e.Sentence);
        Raises(ErrorCode.InvalidState, () => local.Content = "late");
        Client offline = NewClient();
        Raises(ErrorCode.NotLoggedIn, () => Own(offline.CreateLocalInvitation(bob)).Send());
    }
}

}
