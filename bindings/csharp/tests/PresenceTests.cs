// Presence and user attributes through a real rtmd: one-off queries, subscriptions with their
// change events, the subscribed list, and every user attribute call.
using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;

namespace Rtm.Tests {

[TestFixture]
public class PresenceTests : ServerFixture {
    [Test]
    public void QueriesTellOnlineFromOffline() {
        string alice = Unique("alice"), ghost = Unique("ghost");
        Client a = LoggedIn(alice);
        Client b = LoggedIn(Unique("bob"));
        var states = Wait(b.QueryPeersOnlineStatusAsync(alice, ghost, alice));
        Assert.AreEqual(2, states.Count);
        Assert.AreEqual(PeerOnlineState.Online, states[alice]);
        Assert.AreEqual(PeerOnlineState.Offline, states[ghost]);

        ulong id = b.QueryPeersOnlineStatus(alice);
        using (Event ev = WaitFor(b, EventType.QueryPeersOnlineStatusResult)) {
            Assert.AreEqual(id, ev.RequestId);
            Assert.AreEqual(PeerOnlineState.Online, ev.PeerStates[alice]);
        }
        Raises(ErrorCode.ExceedLimit, () => b.QueryPeersOnlineStatus(Enumerable.Range(0, 257).Select(i => "p" + i).ToArray()));
        Raises(ErrorCode.InvalidArgument, () => b.QueryPeersOnlineStatus());
        Raises(ErrorCode.InvalidArgument, () => b.QueryPeersOnlineStatus(new string[] { "ok", null }));
        Raises(ErrorCode.InvalidUserId, () => b.QueryPeersOnlineStatus("ok", "null"));
        GC.KeepAlive(a);
    }

    [Test]
    public void SubscriptionsReportEveryChange() {
        string dave = Unique("dave"), watcher = Unique("watcher");
        Client w = LoggedIn(watcher);
        Wait(w.SubscribePeersOnlineStatusAsync(dave));
        using (Event ev = WaitFor(w, EventType.PeersOnlineStatusChanged))
            Assert.AreEqual(PeerOnlineState.Offline, ev.PeerStates[dave]);
        CollectionAssert.AreEqual(new[] { dave }, Wait(w.QueryPeersBySubscriptionOptionAsync()));

        Client d = LoggedIn(dave);
        using (Event ev = WaitFor(w, EventType.PeersOnlineStatusChanged))
            Assert.AreEqual(PeerOnlineState.Online, ev.PeerStates[dave]);
        Wait(d.LogoutAsync());
        using (Event ev = WaitFor(w, EventType.PeersOnlineStatusChanged))
            Assert.AreEqual(PeerOnlineState.Offline, ev.PeerStates[dave]);

        Wait(w.UnsubscribePeersOnlineStatusAsync(dave));
        CollectionAssert.IsEmpty(Wait(w.QueryPeersBySubscriptionOptionAsync()));

        ulong sub = w.SubscribePeersOnlineStatus(dave);
        using (Event ev = WaitFor(w, EventType.SubscriptionResult))
            Assert.AreEqual(sub, ev.RequestId);
        ulong list = w.QueryPeersBySubscriptionOption();
        using (Event ev = WaitFor(w, EventType.QueryPeersBySubscriptionResult)) {
            Assert.AreEqual(list, ev.RequestId);
            CollectionAssert.AreEqual(new[] { dave }, ev.Users);
        }
        ulong unsub = w.UnsubscribePeersOnlineStatus(dave);
        using (Event ev = WaitFor(w, EventType.SubscriptionResult))
            Assert.AreEqual(unsub, ev.RequestId);
        Raises(ErrorCode.InvalidArgument, () => w.QueryPeersBySubscriptionOption((SubscriptionOption)7));
        Raises(ErrorCode.ExceedLimit, () => w.SubscribePeersOnlineStatus(Enumerable.Range(0, 513).Select(i => "p" + i).ToArray()));
    }

    [Test]
    public void UserAttributesAreSetReadChangedAndCleared() {
        string alice = Unique("alice"), bob = Unique("bob");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        Wait(a.SetLocalUserAttributesAsync(new Dictionary<string, string> { { "role", "admin" }, { "mood", "happy" } }));
        CollectionAssert.AreEquivalent(new Dictionary<string, string> { { "role", "admin" }, { "mood", "happy" } },
                                       Wait(b.GetUserAttributesAsync(alice)));
        CollectionAssert.AreEquivalent(new Dictionary<string, string> { { "role", "admin" } },
                                       Wait(b.GetUserAttributesByKeysAsync(alice, "role", "absent")));
        Wait(a.AddOrUpdateLocalUserAttributesAsync(new Dictionary<string, string> { { "mood", "sad" }, { "é", "ü" } }));
        Wait(a.DeleteLocalUserAttributesByKeysAsync("role"));
        CollectionAssert.AreEquivalent(new Dictionary<string, string> { { "mood", "sad" }, { "é", "ü" } },
                                       Wait(b.GetUserAttributesAsync(alice)));
        Wait(a.ClearLocalUserAttributesAsync());
        CollectionAssert.IsEmpty(Wait(b.GetUserAttributesAsync(alice)));

        RtmException e = Faulted(b.GetUserAttributesAsync(Unique("offline")));
        Assert.AreEqual(ErrorCode.UserNotFound, e.Code);

        var results = new List<ulong> {
            a.SetLocalUserAttributes(new Dictionary<string, string> { { "k", "v" } }),
            a.AddOrUpdateLocalUserAttributes(new Dictionary<string, string> { { "k2", "v2" } }),
            a.DeleteLocalUserAttributesByKeys("k"),
            a.ClearLocalUserAttributes(),
        };
        foreach (ulong id in results)
            using (Event ev = WaitFor(a, EventType.UserAttributesResult))
                Assert.AreEqual(id, ev.RequestId);
        // b reads over another connection: only once a has its result is the value stored
        ulong set = a.SetLocalUserAttributes(new Dictionary<string, string> { { "k", "v" } });
        using (Event ev = WaitFor(a, EventType.UserAttributesResult))
            Assert.AreEqual(set, ev.RequestId);
        ulong get = b.GetUserAttributes(alice), byKeys = b.GetUserAttributesByKeys(alice, "k");
        using (Event ev = WaitFor(b, EventType.GetUserAttributesResult)) {
            Assert.AreEqual(get, ev.RequestId);
            Assert.AreEqual(alice, ev.UserId);
            Assert.IsNull(ev.Attributes.Single().UpdatedBy);
        }
        using (Event ev = WaitFor(b, EventType.GetUserAttributesResult))
            Assert.AreEqual(byKeys, ev.RequestId);
    }

    [Test]
    public void UserAttributeListsAreCheckedAtOnce() {
        Client a = LoggedIn(Unique("alice"));
        Raises(ErrorCode.InvalidArgument, () => a.SetLocalUserAttributes(null));
        Raises(ErrorCode.InvalidArgument, () => a.SetLocalUserAttributes(new Dictionary<string, string> { { "k", "" } }));
        Raises(ErrorCode.SizeOverflow, () => a.AddOrUpdateLocalUserAttributes(
            Enumerable.Range(0, 33).ToDictionary(i => "k" + i, i => "v")));
        Raises(ErrorCode.SizeOverflow, () => a.SetLocalUserAttributes(
            Enumerable.Range(0, 3).ToDictionary(i => "k" + i, i => new string('v', 8000))));
        Raises(ErrorCode.InvalidArgument, () => a.DeleteLocalUserAttributesByKeys());
        Raises(ErrorCode.InvalidArgument, () => a.DeleteLocalUserAttributesByKeys(""));
        Raises(ErrorCode.InvalidUserId, () => a.GetUserAttributes("null"));
        Raises(ErrorCode.InvalidArgument, () => a.GetUserAttributesByKeys("bob", null));
    }
}

}
