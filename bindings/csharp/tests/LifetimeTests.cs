// Lifetimes: closing a client before its children, pending tasks when a client goes away,
// idempotent Dispose, forgotten objects released by the garbage collector (counted by
// rtm_live_handles), many clients in one process, and no event lost to the dispatcher.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Rtm.Tests {

[TestFixture]
public class LifetimeTests : ServerFixture {
    [Test]
    public void ClosingTheClientFirstMakesItsChildrenRaiseClosed() {
        string alice = Unique("alice"), room = Unique("room");
        Client a = LoggedIn(alice);
        Channel ch = a.CreateChannel(room);
        Wait(ch.JoinAsync());
        Invitation inv = a.CreateLocalInvitation(Unique("bob"));
        Event ev = a.Poll(Deadline);
        Assert.IsNotNull(ev);
        a.Dispose();
        a.Dispose(); // idempotent

        foreach (TestDelegate call in new TestDelegate[] {
                     () => ch.Join(), () => ch.Leave(), () => ch.SendMessage("x"), () => ch.GetMembers(),
                     () => ch.JoinAsync(), () => inv.Send(), () => inv.Content = "x",
                     () => a.Poll(0), () => a.Login(alice), () => a.LoginAsync(alice), () => a.CreateChannel("x"),
                     () => a.Wakeup(), () => { var s = a.ConnectionState; } }) {
            var e = Assert.Throws<RtmException>(call);
            Assert.AreEqual(ErrorCode.Closed, e.Code, e.Message);
        }
        // What needs no client still works: the handle itself, the event taken before.
        Assert.AreEqual(room, ch.Id);
        Assert.AreEqual(LocalInvitationState.Idle, inv.LocalState);
        Assert.AreEqual(EventType.ConnectionStateChanged, ev.Type);
        Assert.AreEqual(ConnectionState.Connecting, ev.ConnectionState);
        foreach (IDisposable d in new IDisposable[] { ch, inv, ev }) {
            d.Dispose();
            d.Dispose();
        }
        Assert.AreEqual(ErrorCode.Closed, Assert.Throws<RtmException>(() => { var s = inv.CallerId; }).Code);
        Assert.AreEqual(ErrorCode.Closed, Assert.Throws<RtmException>(() => { var s = ev.UserId; }).Code);
    }

    [Test]
    public void TasksStillPendingEndWithClosedWhenTheClientIsDisposed() {
        var frozen = new Rtmd();
        try {
            frozen.Pause(); // accepts TCP but never answers: the login stays pending
            var c = new Client("demo", new Dictionary<string, string> {
                { "server.url", frozen.Url }, { "login.timeout_ms", "60000" } });
            Task login = c.LoginAsync(Unique("zed"));
            Thread.Sleep(200);
            Assert.IsFalse(login.IsCompleted);
            c.Dispose();
            RtmException e = Faulted(login);
            Assert.AreEqual(ErrorCode.Closed, e.Code);
        } finally {
            frozen.Dispose();
        }
    }

    [Test]
    public void ALogoutEndsPendingTasksWithClosed() {
        var frozen = new Rtmd();
        try {
            frozen.Pause(); // the login stays CONNECTING, the query waits in the client's queue
            using (var c = new Client("demo", new Dictionary<string, string> {
                       { "server.url", frozen.Url }, { "login.timeout_ms", "60000" } })) {
                Task login = c.LoginAsync(Unique("yan"));
                Task query = c.QueryPeersOnlineStatusAsync(Unique("nobody"));
                Thread.Sleep(200);
                Assert.IsFalse(login.IsCompleted || query.IsCompleted);
                Wait(c.LogoutAsync());
                Assert.AreEqual(ErrorCode.Closed, Faulted(login).Code);
                Assert.AreEqual(ErrorCode.Closed, Faulted(query).Code);
                Assert.AreEqual(ConnectionState.Disconnected, c.ConnectionState);
            }
        } finally {
            frozen.Dispose();
        }
    }

    // Creates one of everything on a thread of its own and drops it all without Dispose, so
    // that nothing on the test's stack keeps a reference.
    // Returns the live-handle count while all of it still exists.
    [MethodImpl(MethodImplOptions.NoInlining)]
    ulong LeakOneOfEverything(string url, string user, string peer) {
        ulong live = 0;
        Exception failed = null;
        var t = new Thread(() => {
          try {
            var settings = new Dictionary<string, string> { { "server.url", url } };
            var polling = new Client("demo", settings); // no dispatcher: a plain SafeHandle
            polling.Login(peer);
            for (Event e; (e = polling.Poll(Deadline)) != null && e.Type != EventType.LoginResult;) {
            } // the events stay undisposed: the collector must free them as well
            var withTasks = new Client("demo", settings);
            withTasks.LoginAsync(user).Wait(Deadline); // starts its dispatcher thread
            var ch = withTasks.CreateChannel(Unique("leak"));
            ch.JoinAsync().Wait(Deadline);
            var inv = withTasks.CreateLocalInvitation(peer);
            var msg = new Message(new byte[] { 0, 1, 2 });
            withTasks.SendMessageToPeerAsync(peer, msg).Wait(Deadline);
            Event ev = withTasks.Poll(Deadline);
            Message received = null;
            for (Event e; received == null && (e = polling.Poll(Deadline)) != null;)
                if (e.Type == EventType.PeerMessageReceived)
                    received = e.Message; // keeps its event's memory: both must go
            var cfg = new Config();
            Assert.IsNotNull(ev);
            Assert.IsNotNull(received);
            live = Library.LiveHandles;
            GC.KeepAlive(new object[] { ch, inv, msg, ev, received, cfg });
          } catch (Exception e) {
            failed = e;
          }
        });
        t.Start();
        t.Join();
        if (failed != null)
            throw new Exception("creating the objects failed", failed);
        return live;
    }

    static ulong Settle(ulong target) {
        int start = Environment.TickCount;
        ulong live;
        do {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            live = Library.LiveHandles;
            if (live <= target)
                break;
            Thread.Sleep(50); // a dispatcher thread frees its client on its way out
        } while (Environment.TickCount - start < 20000);
        return live;
    }

    [Test]
    public void ForgottenObjectsAreReleasedByTheGarbageCollector() {
        DisposeOwned();
        Settle(0);
        // The probe lives through the leak, so the forgotten clients are not the process's last
        // ones: their logouts are not cut short by the I/O thread's stop deadline (under load
        // they were, and the server rightly reported them Unreachable for its grace period).
        Client probe = LoggedIn(Unique("probe"));
        ulong before = Settle(Library.LiveHandles);
        string user = Unique("leaky"), peer = Unique("peer");
        // Two clients, a channel, an invitation, a message, a config, two events (at least).
        ulong peak = LeakOneOfEverything(Server.Url, user, peer);
        Assert.GreaterOrEqual(peak, before + 8, "the leaked objects were never counted");
        ulong after = Settle(before);
        Assert.AreEqual(before, after, "native handles left after the garbage collector ran");
        // The forgotten clients really are gone: the server sees both users offline, once their
        // logouts (written after the free, on connections of their own) have reached it.
        Dictionary<string, PeerOnlineState> states;
        int start = Environment.TickCount;
        do {
            states = Wait(probe.QueryPeersOnlineStatusAsync(user, peer));
            if (states.Values.All(s => s == PeerOnlineState.Offline))
                break;
            Thread.Sleep(50);
        } while (Environment.TickCount - start < Deadline);
        Assert.AreEqual(PeerOnlineState.Offline, states[user]);
        Assert.AreEqual(PeerOnlineState.Offline, states[peer]);
    }

    [Test]
    public void FiftyClientsInOneProcessTalkToEachOther() {
        const int n = 50;
        string room = Unique("crowd");
        var users = Enumerable.Range(0, n).Select(i => Unique("u" + i)).ToArray();
        var clients = users.Select(u => NewClient()).ToArray();
        Task.WaitAll(clients.Select((c, i) => c.LoginAsync(users[i])).ToArray(), Deadline * 2);
        var channels = clients.Select(c => Own(c.CreateChannel(room))).ToArray();
        Task.WaitAll(channels.Select(ch => (Task)ch.JoinAsync()).ToArray(), Deadline * 2);

        var sends = clients.Select((c, i) => c.SendMessageToPeerAsync(users[(i + 1) % n], "from " + users[i])).ToArray();
        Assert.IsTrue(Task.WaitAll(sends, Deadline * 2));
        Assert.IsTrue(sends.All(s => s.Result == ErrorCode.Ok));
        for (int i = 0; i < n; i++)
            using (Event ev = WaitFor(clients[i], EventType.PeerMessageReceived)) {
                Assert.AreEqual(users[(i + n - 1) % n], ev.UserId);
                Assert.AreEqual("from " + users[(i + n - 1) % n], ev.Message.Text);
            }

        Wait(channels[0].SendMessageAsync("to everyone"));
        for (int i = 1; i < n; i++)
            using (Event ev = WaitFor(clients[i], EventType.ChannelMessageReceived))
                Assert.AreEqual(users[0], ev.UserId);
        Assert.AreEqual(n, Wait(clients[1].GetChannelMemberCountAsync(room))[room]);
        Task.WaitAll(clients.Select(c => c.LogoutAsync()).ToArray(), Deadline * 2);
    }

    [Test]
    public void TheDispatcherLosesNoEventOfThePollLoop() {
        string alice = Unique("alice"), bob = Unique("bob");
        Client a = LoggedIn(alice), b = LoggedIn(bob);
        const int count = 100;
        // Bob sends while Alice runs tasks of her own: every message still reaches her poll, in order.
        var sender = Task.Run(() => {
            for (int i = 0; i < count; i++)
                Wait(b.SendMessageToPeerAsync(alice, "m" + i));
        });
        for (int i = 0; i < 20; i++)
            Wait(a.QueryPeersOnlineStatusAsync(bob));
        Wait(sender);
        var got = new List<string>();
        while (got.Count < count)
            using (Event ev = WaitFor(a, EventType.PeerMessageReceived))
                got.Add(ev.Message.Text);
        CollectionAssert.AreEqual(Enumerable.Range(0, count).Select(i => "m" + i), got);
    }

    [Test]
    public void AChannelKeepsItsClientAlive() {
        string room = Unique("room");
        Channel ch = MakeChannelOfForgottenClient(room);
        for (int i = 0; i < 3; i++) {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.AreEqual(ConnectionState.Connected, ch.Client.ConnectionState);
        Wait(ch.JoinAsync());
        Assert.AreEqual(1, Wait(ch.GetMembersAsync()).Length);
        ch.Client.Dispose();
        ch.Dispose();
    }

    // Mono's marshaller, meeting a disposed handle after taking the reference of an earlier one,
    // kept that reference: the client (or channel) could then never be freed.
    [Test]
    public void ASendRefusedForADisposedMessageLeavesTheClientFreeable() {
        var c = new Client("demo", new Dictionary<string, string> { { "server.url", Server.Url } });
        Channel ch = c.CreateChannel(Unique("room"));
        var m = new Message("gone");
        m.Dispose();
        Raises(ErrorCode.Closed, () => c.SendMessageToPeer("bob", m));
        Raises(ErrorCode.Closed, () => ch.SendMessage(m));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ulong live = Library.LiveHandles;
        ch.Dispose();
        c.Dispose();
        Assert.LessOrEqual(Library.LiveHandles, live - 2, "the channel and the client were freed");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    Channel MakeChannelOfForgottenClient(string room) {
        var c = new Client("demo", new Dictionary<string, string> { { "server.url", Server.Url } });
        c.LoginAsync(Unique("kept")).Wait(Deadline);
        return c.CreateChannel(room);
    }
}

}
