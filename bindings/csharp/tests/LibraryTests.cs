// The library-wide surface without a server: versions, codes and their names, the generated
// enums, tokens, configs, messages and the refusals of bad input that never reach the network.
using System;
using System.Linq;
using System.Text;
using NUnit.Framework;

namespace Rtm.Tests {

[TestFixture]
public class LibraryTests {
    static string CName(string pascal) { // InvalidArgument -> INVALID_ARGUMENT
        var sb = new StringBuilder();
        foreach (char ch in pascal) {
            if (char.IsUpper(ch) && sb.Length > 0)
                sb.Append('_');
            sb.Append(char.ToUpperInvariant(ch));
        }
        return sb.ToString();
    }

    [Test]
    public void VersionOfTheLoadedLibraryMatchesTheHeader() {
        Assert.AreEqual((uint)((Library.VersionMajor << 16) | (Library.VersionMinor << 8) | Library.VersionPatch),
                        Library.Version);
        Assert.AreEqual(Library.VersionMajor + "." + Library.VersionMinor + "." + Library.VersionPatch,
                        Library.VersionString);
    }

    [Test]
    public void ErrorCodesHaveTheCValuesAndTheLibrarysNames() {
        Assert.AreEqual(0, (int)ErrorCode.Ok);
        Assert.AreEqual(5, (int)ErrorCode.Timeout);
        Assert.AreEqual(12, (int)ErrorCode.InvalidUserId);
        Assert.AreEqual(30, (int)ErrorCode.Closed);
        Assert.AreEqual(32, Enum.GetValues(typeof(ErrorCode)).Length);
        foreach (ErrorCode code in Enum.GetValues(typeof(ErrorCode))) {
            string expected = code == ErrorCode.Ok ? "RTM_OK" : "RTM_ERR_" + CName(code.ToString());
            Assert.AreEqual(expected, Library.ErrorName(code));
            Assert.IsNotEmpty(Library.ErrorDescription(code));
        }
        Assert.AreEqual("RTM_ERR_UNKNOWN", Library.ErrorName((ErrorCode)999));
    }

    [Test]
    public void EventTypesHaveTheCValuesAndTheLibrarysNames() {
        Assert.AreEqual(1, (int)EventType.ConnectionStateChanged);
        Assert.AreEqual(44, (int)EventType.ChannelMessageReceived);
        Assert.AreEqual(70, (int)EventType.InvitationResult);
        foreach (EventType type in Enum.GetValues(typeof(EventType)))
            Assert.AreEqual("RTM_EVENT_" + CName(type.ToString()), Library.EventTypeName(type));
    }

    [Test]
    public void EveryEnumItemHasACSharpName() {
        var enums = typeof(Client).Assembly.GetTypes().Where(t => t.IsEnum && t.IsPublic).ToList();
        Assert.GreaterOrEqual(enums.Count, 12);
        foreach (Type t in enums) {
            foreach (string name in Enum.GetNames(t)) {
                Assert.IsFalse(name.Contains("_"), t.Name + "." + name);
                Assert.IsTrue(char.IsUpper(name[0]), t.Name + "." + name);
                Assert.AreNotEqual(name.ToUpperInvariant(), name.Length > 2 ? name : "", t.Name + "." + name);
            }
        }
        Assert.AreEqual(5, (int)ConnectionState.Aborted);
        Assert.AreEqual(8, (int)ConnectionChangeReason.RemoteLogin);
        Assert.AreEqual(2, (int)PeerOnlineState.Offline);
        Assert.AreEqual(0, (int)SubscriptionOption.OnlineStatus);
        Assert.AreEqual(2, (int)MessageType.Raw);
        Assert.AreEqual(2, (int)InvitationKind.Remote);
        Assert.AreEqual(3, (int)LocalInvitationState.AcceptedByRemote);
        Assert.AreEqual(2, (int)RemoteInvitationState.AcceptSentToLocal);
        Assert.AreEqual(1u, (uint)SendFlags.Offline);
        Assert.AreEqual(1u, (uint)AttributeFlags.NotifyMembers);
    }

    const string AppId = "970CA35de60c44645bbae8a215061b33";
    const string Certificate = "5CFd2fd1755d40ecb72977518be15d3b";

    [Test]
    public void TokensAreBuiltInThe006Format() {
        string token = Library.BuildToken(AppId, Certificate, "alice", 0, 1, 1111111);
        StringAssert.StartsWith("006" + AppId, token);
        Assert.AreEqual(token, Library.BuildToken(AppId, Certificate, "alice", 0, 1, 1111111));
        Assert.AreNotEqual(token, Library.BuildToken(AppId, Certificate, "bob", 0, 1, 1111111));
    }

    [Test]
    public void TokenBuildRefusesBadInput() {
        var e = Assert.Throws<RtmException>(() => Library.BuildToken("short", Certificate, "alice"));
        Assert.AreEqual(ErrorCode.InvalidArgument, e.Code);
        e = Assert.Throws<RtmException>(() => Library.BuildToken(AppId, Certificate, " leading space"));
        Assert.AreEqual(ErrorCode.InvalidUserId, e.Code);
    }

    [Test]
    public void ConfigRefusesUnknownKeysAndBadValues() {
        using (var config = new Config()) {
            config.Set("login.timeout_ms", "5000");
            var e = Assert.Throws<RtmException>(() => config.Set("no.such.key", "1"));
            Assert.AreEqual(ErrorCode.InvalidArgument, e.Code);
            StringAssert.Contains("no.such.key", e.Sentence);
            e = Assert.Throws<RtmException>(() => config.Set("login.timeout_ms", "soon"));
            Assert.AreEqual(ErrorCode.InvalidArgument, e.Code);
            e = Assert.Throws<RtmException>(() => config.Set(null, "1"));
            Assert.AreEqual(ErrorCode.InvalidArgument, e.Code);
            config.Dispose();
            config.Dispose(); // idempotent
            Assert.AreEqual(ErrorCode.Closed, Assert.Throws<RtmException>(() => config.Set("log.level", "off")).Code);
        }
    }

    [Test]
    public void AClientWithDefaultsStartsDisconnected() {
        using (var c = new Client("demo")) {
            Assert.AreEqual(ConnectionState.Disconnected, c.ConnectionState);
            Assert.AreEqual("", c.LastError);
            Assert.IsNull(c.Poll(0));
        }
        using (var config = new Config())
        using (var c = new Client("demo", config))
            Assert.AreEqual(ConnectionState.Disconnected, c.ConnectionState);
    }

    [Test]
    public void ClientRefusesABadAppIdAndABadSetting() {
        Assert.AreEqual(ErrorCode.InvalidAppId, Assert.Throws<RtmException>(() => new Client("")).Code);
        Assert.AreEqual(ErrorCode.InvalidAppId, Assert.Throws<RtmException>(() => new Client(null)).Code);
        Assert.AreEqual(ErrorCode.InvalidAppId,
                        Assert.Throws<RtmException>(() => new Client(new string('a', 129))).Code);
        var bad = new System.Collections.Generic.Dictionary<string, string> { { "event_queue.capacity", "lots" } };
        Assert.AreEqual(ErrorCode.InvalidArgument, Assert.Throws<RtmException>(() => new Client("demo", bad)).Code);
    }

    [Test]
    public void TextMessagesKeepUnicodeAndStopAt32KB() {
        const string text = "héllo ✓ 😀 — 日本語";
        using (var m = new Message(text)) {
            Assert.AreEqual(MessageType.Text, m.Type);
            Assert.AreEqual(text, m.Text);
            CollectionAssert.AreEqual(Encoding.UTF8.GetBytes(text), m.Data);
            Assert.AreEqual(0, m.Id);
            Assert.AreEqual(0, m.ServerTsMs);
            Assert.IsFalse(m.IsOffline);
        }
        using (var m = new Message(new string('x', 32768)))
            Assert.AreEqual(32768, m.Text.Length);
        Assert.AreEqual(ErrorCode.InvalidMessage,
                        Assert.Throws<RtmException>(() => new Message(new string('x', 32769))).Code);
        Assert.AreEqual(ErrorCode.InvalidMessage,
                        Assert.Throws<RtmException>(() => new Message(new string('é', 16385))).Code);
    }

    [Test]
    public void TextThatCannotCrossAsUtf8IsRefused() {
        var e = Assert.Throws<RtmException>(() => new Message("before\0after"));
        Assert.AreEqual(ErrorCode.InvalidArgument, e.Code);
        StringAssert.Contains("NUL", e.Sentence);
        e = Assert.Throws<RtmException>(() => new Message("lone \ud800 surrogate"));
        Assert.AreEqual(ErrorCode.InvalidArgument, e.Code);
        Assert.AreEqual(ErrorCode.InvalidArgument, Assert.Throws<RtmException>(() => new Message((string)null)).Code);
    }

    [Test]
    public void RawMessagesKeepEveryByteIncludingNuls() {
        var bytes = new byte[] { 0, 1, 0, 255, 0, 0x80, 10, 0 };
        using (var m = new Message(bytes, "bin")) {
            Assert.AreEqual(MessageType.Raw, m.Type);
            CollectionAssert.AreEqual(bytes, m.Data);
            Assert.AreEqual("bin", m.Text);
        }
        using (var m = new Message(new byte[0])) {
            Assert.AreEqual(0, m.Data.Length);
            Assert.AreEqual("", m.Text);
        }
        var all = Enumerable.Range(0, 32768).Select(i => (byte)(i * 7)).ToArray();
        using (var m = new Message(all))
            CollectionAssert.AreEqual(all, m.Data);
        Assert.AreEqual(ErrorCode.InvalidMessage,
                        Assert.Throws<RtmException>(() => new Message(new byte[32760], "123456789")).Code);
        Assert.AreEqual(ErrorCode.InvalidArgument, Assert.Throws<RtmException>(() => new Message((byte[])null)).Code);
    }

    [Test]
    public void ADisposedMessageRaisesClosed() {
        var m = new Message("x");
        m.Dispose();
        m.Dispose();
        var e = Assert.Throws<RtmException>(() => { var t = m.Text; });
        Assert.AreEqual(ErrorCode.Closed, e.Code);
        StringAssert.Contains("Message", e.Sentence);
    }
}

}
