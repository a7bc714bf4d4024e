// Login and logout, both through tasks and through the application's own poll loop; the
// mapping of synchronous failures onto RtmException; options, wakeups and tokens.
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Rtm.Tests {

[TestFixture]
public class SessionTests : ServerFixture {
    [Test]
    public void LoginAndLogoutWithTasksLeaveStateEventsToThePollLoop() {
        Client c = NewClient();
        Assert.AreEqual(ConnectionState.Disconnected, c.ConnectionState);
        Wait(c.LoginAsync(Unique("alice")));
        Assert.AreEqual(ConnectionState.Connected, c.ConnectionState);
        // The task took LOGIN_RESULT; the state changes are still there for the application.
        using (Event ev = c.Poll(Deadline)) {
            Assert.AreEqual(EventType.ConnectionStateChanged, ev.Type);
            Assert.AreEqual(ConnectionState.Connecting, ev.ConnectionState);
            Assert.AreEqual(ConnectionChangeReason.Login, ev.ConnectionReason);
        }
        using (Event ev = c.Poll(Deadline)) {
            Assert.AreEqual(ConnectionState.Connected, ev.ConnectionState);
            Assert.AreEqual(ConnectionChangeReason.LoginSuccess, ev.ConnectionReason);
        }
        Wait(c.LogoutAsync());
        Assert.AreEqual(ConnectionState.Disconnected, c.ConnectionState);
        using (Event ev = c.Poll(Deadline)) {
            Assert.AreEqual(ConnectionState.Disconnected, ev.ConnectionState);
            Assert.AreEqual(ConnectionChangeReason.Logout, ev.ConnectionReason);
        }
        Assert.IsNull(c.Poll(0));
    }

    [Test]
    public void LoginAndLogoutThroughThePollLoop() {
        Client c = NewClient();
        ulong login = c.Login(Unique("bob"));
        Assert.AreNotEqual(0, login);
        using (Event ev = WaitFor(c, EventType.LoginResult)) {
            Assert.AreEqual(login, ev.RequestId);
            Assert.AreEqual(ErrorCode.Ok, ev.Error);
            Assert.AreEqual("RTM_EVENT_LOGIN_RESULT", ev.TypeName);
            ev.ThrowIfError();
        }
        ulong logout = c.Logout();
        Assert.Greater(logout, login);
        using (Event ev = WaitFor(c, EventType.LogoutResult))
            Assert.AreEqual(logout, ev.RequestId);
        Assert.AreEqual(ConnectionState.Disconnected, c.ConnectionState);
    }

    [Test]
    public void ABadUserIdRaisesInvalidUserIdWithTheLibrarysSentence() {
        Client c = NewClient();
        foreach (string bad in new[] { " leading", "null", "", new string('u', 65), "tab\tid" }) {
            var e = Raises(ErrorCode.InvalidUserId, () => c.Login(bad));
            Assert.AreEqual("RTM_ERR_INVALID_USER_ID", e.CodeName);
            StringAssert.Contains("breaks the id rules", e.Sentence);
            Assert.AreEqual(e.Sentence, c.LastError);
            Assert.AreEqual(0, e.RequestId);
        }
        // The task form refuses at once too; nothing was sent, the state never changed.
        Raises(ErrorCode.InvalidUserId, () => c.LoginAsync("null"));
        Raises(ErrorCode.InvalidArgument, () => c.Login(null));
        Assert.AreEqual(ConnectionState.Disconnected, c.ConnectionState);
        Assert.IsNull(c.Poll(0));
    }

    [Test]
    public void StateErrorsRaiseTheirCodes() {
        Client c = NewClient();
        var e = Raises(ErrorCode.NotLoggedIn, () => c.Logout());
        StringAssert.Contains("not logged in", e.Sentence);
        Raises(ErrorCode.NotLoggedIn, () => c.QueryPeersOnlineStatus("x"));
        Wait(c.LoginAsync(Unique("carol")));
        e = Raises(ErrorCode.AlreadyLoggedIn, () => c.Login(Unique("carol")));
        StringAssert.Contains("already logged in", e.Sentence);
    }

    [Test]
    public void ALoginThatTimesOutFaultsItsTask() {
        var frozen = new Rtmd();
        try {
            frozen.Pause(); // the TCP connection is accepted, the WebSocket handshake never answered
            using (var c = new Client("demo", new Dictionary<string, string> {
                       { "server.url", frozen.Url }, { "login.timeout_ms", "500" } })) {
                RtmException e = Faulted(c.LoginAsync(Unique("dave")));
                Assert.AreEqual(ErrorCode.Timeout, e.Code, e.Message);
                Assert.AreNotEqual(0, e.RequestId);
                Assert.AreEqual(ConnectionState.Disconnected, c.ConnectionState);
                WaitFor(c, ev => ev.ConnectionReason == ConnectionChangeReason.LoginTimeout, "LOGIN_TIMEOUT").Dispose();
            }
        } finally {
            frozen.Dispose();
        }
    }

    [Test]
    public void ASecondLoginOfTheSameUserAbortsTheFirst() {
        string user = Unique("erin");
        Client first = LoggedIn(user);
        Client second = LoggedIn(user);
        using (Event ev = WaitFor(first, e => e.Type == EventType.ConnectionStateChanged &&
                                              e.ConnectionState == ConnectionState.Aborted, "ABORTED")) {
            Assert.AreEqual(ConnectionChangeReason.RemoteLogin, ev.ConnectionReason);
        }
        Assert.AreEqual(ConnectionState.Aborted, first.ConnectionState);
        Raises(ErrorCode.AlreadyLoggedIn, () => first.Login(user));
        Assert.AreEqual(ConnectionState.Connected, second.ConnectionState);
    }

    [Test]
    public void OptionsChangeOnALiveClientWhereAllowed() {
        Client c = NewClient();
        c.SetOption("request.timeout_ms", "4000");
        c.SetOption("log.level", "error");
        Raises(ErrorCode.InvalidState, () => c.SetOption("server.url", "ws://127.0.0.1:1"));
        Raises(ErrorCode.InvalidArgument, () => c.SetOption("no.such.key", "1"));
        Raises(ErrorCode.InvalidArgument, () => c.SetOption("request.timeout_ms", "soon"));
    }

    [Test]
    public void PollTimesOutAndWakeupEndsABlockedPoll() {
        Client c = NewClient();
        Assert.IsNull(c.Poll(0));
        Assert.IsNull(c.Poll(30));
        Assert.GreaterOrEqual(c.EventFd, 0);
        // A wakeup with no poll blocked makes the next poll return at once.
        c.Wakeup();
        Assert.IsNull(c.Poll(Deadline * 10));
        // A blocked poll returns null on a wakeup from another thread.
        Event got = null;
        bool returned = false;
        var poller = new Thread(() => { got = c.Poll(-1); returned = true; });
        poller.Start();
        Thread.Sleep(100);
        c.Wakeup();
        Assert.IsTrue(poller.Join(Deadline), "the blocked poll did not return after Wakeup");
        Assert.IsTrue(returned);
        Assert.IsNull(got);
    }

    [Test]
    public void WakeupAlsoEndsAPollServedByTheDispatcher() {
        Client c = LoggedIn(Unique("fay"));
        Event got = null;
        var poller = new Thread(() => {
            Event ev;
            while ((ev = c.Poll(-1)) != null) // the two state changes, then the wakeup
                ev.Dispose();
            got = ev;
        });
        poller.Start();
        Thread.Sleep(100);
        c.Wakeup();
        Assert.IsTrue(poller.Join(Deadline), "the blocked poll did not return after Wakeup");
        Assert.IsNull(got);
    }

    [Test]
    public void APollBlockedBeforeTheFirstTaskCarriesOnWithTheDispatcher() {
        Client c = NewClient();
        var types = new List<EventType>();
        var poller = new Thread(() => {
            for (int i = 0; i < 2; i++)
                using (Event ev = c.Poll(Deadline))
                    if (ev != null)
                        types.Add(ev.Type);
        });
        poller.Start();
        Thread.Sleep(100); // the poller is blocked in the native poll
        Wait(c.LoginAsync(Unique("gus"))); // starts the dispatcher, which wakes the poller
        Assert.IsTrue(poller.Join(Deadline));
        CollectionAssert.AreEqual(new[] { EventType.ConnectionStateChanged, EventType.ConnectionStateChanged },
                                  types);
    }

    [Test]
    public void ResultAsyncWaitsForTheResultOfAnIdReturningCall() {
        Client c = NewClient();
        ulong login = c.Login(Unique("hal"));
        using (Event ev = Wait(c.ResultAsync(login))) {
            Assert.AreEqual(EventType.LoginResult, ev.Type);
            Assert.AreEqual(login, ev.RequestId);
        }
        // The result is already queued when the task is asked for: it is found there.
        ulong query = c.QueryPeersOnlineStatus("nobody");
        WaitFor(c, e => e.Type == EventType.ConnectionStateChanged && e.ConnectionState == ConnectionState.Connected,
                "CONNECTED").Dispose();
        Thread.Sleep(200);
        using (Event ev = Wait(c.ResultAsync(query)))
            Assert.AreEqual(PeerOnlineState.Offline, ev.PeerStates["nobody"]);
        Raises(ErrorCode.InvalidArgument, () => c.ResultAsync(0));
    }

    [Test]
    public void AnEventsEnumerationEndsWhenNothingComes() {
        Client c = NewClient();
        c.Login(Unique("ida"));
        var types = new List<EventType>();
        foreach (Event ev in c.Events(2000))
            using (ev) {
                types.Add(ev.Type);
                if (ev.Type == EventType.LoginResult)
                    break;
            }
        CollectionAssert.AreEqual(new[] { EventType.ConnectionStateChanged, EventType.ConnectionStateChanged,
                                          EventType.LoginResult }, types);
    }
}

[TestFixture]
public class SessionTokenTests : ServerFixture {
    const string AppId = "970CA35de60c44645bbae8a215061b33";
    const string Certificate = "5CFd2fd1755d40ecb72977518be15d3b";

    protected override string[] ServerArgs {
        get { return new[] { "--app-id", AppId, "--app-certificate", Certificate }; }
    }

    [Test]
    public void TokensLogInAndRenewAndBadOnesAreRefused() {
        string user = Unique("tok");
        Client c = Own(new Client(AppId, new Dictionary<string, string> { { "server.url", Server.Url } }));
        RtmException e = Faulted(c.LoginAsync(user, Library.BuildToken(AppId, Certificate, "someone-else")));
        Assert.AreEqual(ErrorCode.InvalidToken, e.Code);
        Wait(c.LoginAsync(user, Library.BuildToken(AppId, Certificate, user)));
        Wait(c.RenewTokenAsync(Library.BuildToken(AppId, Certificate, user)));
        Raises(ErrorCode.InvalidArgument, () => c.RenewToken(""));
        Raises(ErrorCode.InvalidToken, () => c.RenewToken(new string('t', 3000)));
        ulong renew = c.RenewToken(Library.BuildToken(AppId, Certificate, user));
        using (Event ev = WaitFor(c, EventType.RenewTokenResult))
            Assert.AreEqual(renew, ev.RequestId);
    }
}

}
