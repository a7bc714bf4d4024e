// A line chat over rtmd: logs in as USER, joins CHANNEL, prints every channel and peer message
// it receives as one line "FROM CHANNEL TEXT" (CHANNEL is "peer" for peer messages), and sends
// each line read from stdin to the channel ("@user text" sends text to that user as a peer
// message instead). Logs out and exits on end of input.
//
//   mono RtmChat.exe USER CHANNEL [URL]
//
// URL defaults to $RTM_SERVER_URL, then ws://127.0.0.1:9090; the app id is $RTM_APP_ID
// (default "demo") and the token $RTM_TOKEN (default none). Status lines ("joined CHANNEL as
// USER", failures) go to stderr, so stdout carries only messages.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Rtm;

static class Chat {
    static readonly object Console = new object();
    static TextWriter stdout, stderr;

    static int Main(string[] args) {
        var utf8 = new UTF8Encoding(false);
        stdout = new StreamWriter(System.Console.OpenStandardOutput(), utf8) { AutoFlush = true };
        stderr = new StreamWriter(System.Console.OpenStandardError(), utf8) { AutoFlush = true };
        if (args.Length < 2 || args.Length > 3) {
            stderr.WriteLine("usage: RtmChat.exe USER CHANNEL [URL]   (URL: $RTM_SERVER_URL or ws://127.0.0.1:9090)");
            return 2;
        }
        string user = args[0], channelId = args[1];
        string url = args.Length > 2 ? args[2] : Env("RTM_SERVER_URL", "ws://127.0.0.1:9090");

        try {
            var settings = new Dictionary<string, string> { { "server.url", url } };
            using (var client = new Client(Env("RTM_APP_ID", "demo"), settings))
            using (var channel = client.CreateChannel(channelId)) {
                client.LoginAsync(user, Environment.GetEnvironmentVariable("RTM_TOKEN")).Wait();
                channel.JoinAsync().Wait();
                Status("joined " + channelId + " as " + user);

                // Results go to the tasks; everything else (the messages) comes out of Poll.
                var printer = new Thread(() => {
                    foreach (Event ev in client.Events(-1))
                        using (ev)
                            Print(ev);
                });
                printer.Start();

                var sends = new List<Task>();
                var stdin = new StreamReader(System.Console.OpenStandardInput(), utf8);
                for (string line; (line = stdin.ReadLine()) != null;) {
                    if (line.Length == 0)
                        continue;
                    int space = line.IndexOf(' ');
                    try {
                        if (line.StartsWith("@") && space > 1) {
                            string peer = line.Substring(1, space - 1);
                            sends.Add(Report(client.SendMessageToPeerAsync(peer, line.Substring(space + 1)), "to " + peer));
                        } else {
                            sends.Add(Report(channel.SendMessageAsync(line), "to " + channelId));
                        }
                    } catch (RtmException e) {
                        Status("not sent: " + e.Message);
                    }
                }
                Task.WaitAll(sends.ToArray()); // everything typed is delivered (or reported) first
                client.LogoutAsync().Wait();
                client.Wakeup(); // ends the printer's Events(-1)
                printer.Join();
            }
            return 0;
        } catch (AggregateException e) {
            Status("failed: " + e.InnerException.Message);
        } catch (RtmException e) {
            Status("failed: " + e.Message);
        }
        return 1;
    }

    static void Print(Event ev) {
        bool peer = ev.Type == EventType.PeerMessageReceived;
        if (!peer && ev.Type != EventType.ChannelMessageReceived)
            return;
        Message m = ev.Message;
        string text = m.Type == MessageType.Text ? m.Text : "[" + m.Data.Length + " bytes]";
        lock (Console)
            stdout.WriteLine(ev.UserId + " " + (peer ? "peer" : ev.ChannelId) + " " + text);
    }

    static Task Report(Task send, string where) {
        return send.ContinueWith(t => {
            if (t.IsFaulted)
                Status("not delivered " + where + ": " + t.Exception.InnerException.Message);
        });
    }

    static void Status(string line) {
        lock (Console)
            stderr.WriteLine(line);
    }

    static string Env(string name, string fallback) {
        string v = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(v) ? fallback : v;
    }
}
