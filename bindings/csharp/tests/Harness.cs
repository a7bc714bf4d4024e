// Test plumbing: an rtmd of our own on a free loopback port (started from $RTMD, stopped by
// pid with SIGTERM and expected to exit 0), and helpers to wait for events and tasks with
// generous deadlines.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Rtm.Tests {

sealed class Rtmd : IDisposable {
    const string Banner = "rtmd listening on ";
    readonly Process process;
    readonly Thread drain;

    public string Url { get; private set; }
    public int Pid { get { return process.Id; } }
    public int ExitCode { get; private set; }

    public Rtmd(params string[] extraArgs) {
        string exe = Environment.GetEnvironmentVariable("RTMD");
        if (string.IsNullOrEmpty(exe))
            throw new InvalidOperationException("set RTMD to the rtmd binary (ctest does)");
        var args = new List<string> { "--listen", "127.0.0.1:0", "--log-level", "warn" };
        args.AddRange(extraArgs);
        var psi = new ProcessStartInfo(exe, string.Join(" ", args)) {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        process = Process.Start(psi);
        string line = process.StandardOutput.ReadLine();
        if (line == null || !line.StartsWith(Banner)) {
            process.Kill();
            throw new InvalidOperationException("rtmd did not start: first line '" + line + "'");
        }
        Url = "ws://" + line.Substring(Banner.Length).Trim();
        drain = new Thread(() => process.StandardOutput.ReadToEnd()) { IsBackground = true };
        drain.Start();
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
    const int SIGTERM = 15, SIGSTOP = 19, SIGCONT = 18;

    public void Pause() { kill(process.Id, SIGSTOP); }
    public void Resume() { kill(process.Id, SIGCONT); }

    // SIGTERM and wait: rtmd drains and exits 0.
    public void Dispose() {
        if (!process.HasExited) {
            kill(process.Id, SIGCONT);
            kill(process.Id, SIGTERM);
            if (!process.WaitForExit(20000)) {
                process.Kill();
                throw new InvalidOperationException("rtmd did not exit within 20 s of SIGTERM");
            }
        }
        process.WaitForExit();
        ExitCode = process.ExitCode;
    }
}

// A fixture with one rtmd for all its tests; user and channel ids are unique per test.
public abstract class ServerFixture {
    internal Rtmd Server;
    static int serial;
    protected const int Deadline = 15000; // ms: generous, never a speed assertion
    protected readonly List<IDisposable> Owned = new List<IDisposable>();

    protected virtual string[] ServerArgs {
        get { return new string[0]; }
    }

    [TestFixtureSetUp]
    public void StartServer() {
        Server = new Rtmd(ServerArgs);
    }

    [TestFixtureTearDown]
    public void StopServer() {
        Server.Dispose();
        Assert.AreEqual(0, Server.ExitCode, "rtmd's exit status after SIGTERM");
    }

    [TearDown]
    public void DisposeOwned() {
        for (int i = Owned.Count - 1; i >= 0; i--)
            Owned[i].Dispose();
        Owned.Clear();
    }

    protected T Own<T>(T item) where T : IDisposable {
        Owned.Add(item);
        return item;
    }

    protected static string Unique(string prefix) {
        return prefix + "-" + Interlocked.Increment(ref serial) + "-" + Environment.TickCount % 100000;
    }

    protected Client NewClient(params string[] settings) {
        var map = new Dictionary<string, string> { { "server.url", Server.Url } };
        for (int i = 0; i + 1 < settings.Length; i += 2)
            map[settings[i]] = settings[i + 1];
        return Own(new Client("demo", map));
    }

    protected Client LoggedIn(string user, params string[] settings) {
        Client c = NewClient(settings);
        Wait(c.LoginAsync(user));
        Assert.AreEqual(ConnectionState.Connected, c.ConnectionState);
        return c;
    }

    protected static void Wait(Task t) {
        try {
            Assert.IsTrue(t.Wait(Deadline), "the task did not complete within " + Deadline + " ms");
        } catch (AggregateException e) {
            throw e.InnerException;
        }
    }

    protected static T Wait<T>(Task<T> t) {
        Wait((Task)t);
        return t.Result;
    }

    // The exception a task faulted with.
    protected static RtmException Faulted(Task t) {
        try {
            t.Wait(Deadline);
        } catch (AggregateException e) {
            Assert.IsInstanceOf<RtmException>(e.InnerException);
            return (RtmException)e.InnerException;
        }
        Assert.Fail("the task " + (t.IsCompleted ? "succeeded" : "did not complete") + "; a failure was expected");
        return null;
    }

    // Polls until an event matches (the others are disposed); fails after the deadline.
    protected static Event WaitFor(Client c, Func<Event, bool> match, string what) {
        var seen = new List<string>();
        int start = Environment.TickCount;
        while (Environment.TickCount - start < Deadline) {
            Event ev = c.Poll(200);
            if (ev == null)
                continue;
            if (match(ev))
                return ev;
            seen.Add(ev.ToString());
            ev.Dispose();
        }
        Assert.Fail("no " + what + " within " + Deadline + " ms; saw: " + string.Join(", ", seen));
        return null;
    }

    protected static Event WaitFor(Client c, EventType type) {
        return WaitFor(c, e => e.Type == type, type.ToString());
    }

    // Events that arrive within ms (all disposed), for checks that something did not come.
    protected static List<EventType> Drain(Client c, int ms) {
        var types = new List<EventType>();
        int start = Environment.TickCount;
        while (Environment.TickCount - start < ms) {
            using (Event ev = c.Poll(50)) {
                if (ev != null)
                    types.Add(ev.Type);
            }
        }
        return types;
    }

    protected static RtmException Raises(ErrorCode code, TestDelegate call) {
        var e = Assert.Throws<RtmException>(call);
        Assert.AreEqual(code, e.Code, e.Message);
        Assert.AreEqual(Library.ErrorName(code), e.CodeName);
        Assert.IsNotEmpty(e.Sentence);
        return e;
    }
}

}
