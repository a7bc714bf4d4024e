// The chat example as a later cross-language demo drives it: a separate mono process with
// stdin and stdout, talking to a C# client of the test through rtmd.
using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using NUnit.Framework;

namespace Rtm.Tests {

[TestFixture]
public class ExampleTests : ServerFixture {
    [Test]
    public void TheChatExampleSendsAndPrintsChannelAndPeerMessages() {
        string exe = Environment.GetEnvironmentVariable("RTM_CHAT_EXE");
        Assert.IsNotNull(exe, "set RTM_CHAT_EXE to RtmChat.exe (ctest does)");
        string carol = Unique("carol"), dave = Unique("dave"), room = Unique("room");

        var psi = new ProcessStartInfo("mono", "\"" + exe + "\" " + carol + " " + room + " " + Server.Url) {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        using (Process chat = Process.Start(psi)) {
            var stdout = new BlockingCollection<string>();
            var stderr = new BlockingCollection<string>();
            chat.OutputDataReceived += (s, e) => { if (e.Data != null) stdout.Add(e.Data); };
            chat.ErrorDataReceived += (s, e) => { if (e.Data != null) stderr.Add(e.Data); };
            chat.BeginOutputReadLine();
            chat.BeginErrorReadLine();
            var stdin = new StreamWriter(chat.StandardInput.BaseStream, new UTF8Encoding(false)) { AutoFlush = true };
            try {
                string status;
                Assert.IsTrue(stderr.TryTake(out status, Deadline), "the example said nothing on stderr");
                Assert.AreEqual("joined " + room + " as " + carol, status);

                Client d = LoggedIn(dave);
                Channel ch = Own(d.CreateChannel(room));
                Wait(ch.JoinAsync());

                Wait(ch.SendMessageAsync("hello carol ✓"));
                string line;
                Assert.IsTrue(stdout.TryTake(out line, Deadline));
                Assert.AreEqual(dave + " " + room + " hello carol ✓", line);
                Assert.AreEqual(ErrorCode.Ok, Wait(d.SendMessageToPeerAsync(carol, "psst")));
                Assert.IsTrue(stdout.TryTake(out line, Deadline));
                Assert.AreEqual(dave + " peer psst", line);

                stdin.WriteLine("hi all");
                using (Event ev = WaitFor(d, EventType.ChannelMessageReceived)) {
                    Assert.AreEqual(carol, ev.UserId);
                    Assert.AreEqual("hi all", ev.Message.Text);
                }
                stdin.WriteLine("@" + dave + " just you");
                using (Event ev = WaitFor(d, EventType.PeerMessageReceived)) {
                    Assert.AreEqual(carol, ev.UserId);
                    Assert.AreEqual("just you", ev.Message.Text);
                }
                stdin.Close(); // end of input: the example logs out and exits 0
                Assert.IsTrue(chat.WaitForExit(Deadline), "the example did not exit at end of input");
                chat.WaitForExit();
                Assert.AreEqual(0, chat.ExitCode, string.Join("\n", stderr));
                using (Event ev = WaitFor(d, EventType.ChannelMemberLeft))
                    Assert.AreEqual(carol, ev.UserId);
            } finally {
                if (!chat.HasExited)
                    chat.Kill();
            }
        }
    }

    [Test]
    public void TheChatExampleExplainsItsUsage() {
        string exe = Environment.GetEnvironmentVariable("RTM_CHAT_EXE");
        var psi = new ProcessStartInfo("mono", "\"" + exe + "\"") {
            UseShellExecute = false,
            RedirectStandardError = true,
        };
        using (Process chat = Process.Start(psi)) {
            string err = chat.StandardError.ReadToEnd();
            Assert.IsTrue(chat.WaitForExit(Deadline));
            Assert.AreEqual(2, chat.ExitCode);
            StringAssert.StartsWith("usage: RtmChat.exe USER CHANNEL [URL]", err);
        }
    }
}

}
