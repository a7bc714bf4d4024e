"""The package without a server: versions, enums, errors, messages, configuration, tokens, and
how the typemaps treat bad Python values."""

import pickle
import re
import unittest
from pathlib import Path

import rtm
from rtm import rtm_native
from rtmtest import ROOT

HEADER = ROOT / "abi" / "include" / "rtm" / "rtm.h"
PACKAGE = Path(rtm.__file__).parent


class TestLibrary(unittest.TestCase):
    def test_version_matches_the_native_library(self):
        self.assertEqual(rtm.version_string(), rtm_native.rtm_version_string())
        major, minor, patch = rtm.version()
        self.assertEqual(f"{major}.{minor}.{patch}", rtm.__version__)
        self.assertEqual(major, rtm_native.RTM_VERSION_MAJOR)

    def test_every_native_constant_has_its_enum_member(self):
        groups = {
            "RTM_ERR_": rtm.Err,
            "RTM_CONNECTION_STATE_": rtm.ConnectionState,
            "RTM_CONNECTION_CHANGE_REASON_": rtm.ConnectionChangeReason,
            "RTM_PEER_ONLINE_STATE_": rtm.PeerOnlineState,
            "RTM_SUBSCRIPTION_OPTION_": rtm.SubscriptionOption,
            "RTM_MESSAGE_TYPE_": rtm.MessageType,
            "RTM_INVITATION_KIND_": rtm.InvitationKind,
            "RTM_LOCAL_INVITATION_STATE_": rtm.LocalInvitationState,
            "RTM_REMOTE_INVITATION_STATE_": rtm.RemoteInvitationState,
            "RTM_EVENT_": rtm.EventType,
        }
        checked = 0
        for name in dir(rtm_native):
            for prefix, enum in groups.items():
                if name.startswith(prefix):
                    member = enum[name[len(prefix) :]]
                    self.assertEqual(int(member), getattr(rtm_native, name), name)
                    checked += 1
        self.assertEqual(rtm.Err.OK, rtm_native.RTM_OK)
        self.assertEqual(rtm.SendFlag.OFFLINE, rtm_native.RTM_SEND_OFFLINE)
        self.assertEqual(rtm.AttrFlag.NOTIFY_MEMBERS, rtm_native.RTM_ATTR_NOTIFY_MEMBERS)
        self.assertGreater(checked, 100)

    def test_unknown_enum_values_do_not_fail(self):
        self.assertEqual(rtm.EventType(250).name, "UNKNOWN_250")
        self.assertEqual(int(rtm.Err(99)), 99)

    def test_names_and_sentences(self):
        self.assertEqual(rtm.err_name(rtm.Err.TIMEOUT), "RTM_ERR_TIMEOUT")
        self.assertEqual(rtm.err_name(1000), "RTM_ERR_UNKNOWN")
        self.assertTrue(rtm.err_str(rtm.Err.CLOSED))
        self.assertEqual(rtm.event_type_name(rtm.EventType.LOGIN_RESULT), "RTM_EVENT_LOGIN_RESULT")
        self.assertEqual(rtm.event_type_name(9999), "RTM_EVENT_UNKNOWN")

    def test_live_handles_counts_native_objects(self):
        before = rtm.live_handles()
        cfg = rtm_native.rtm_config_new()
        self.assertEqual(rtm.live_handles(), before + 1)
        rtm_native.rtm_config_free(cfg)
        self.assertEqual(rtm.live_handles(), before)


class TestAbiCoverage(unittest.TestCase):
    def test_every_abi_function_is_wrapped_and_used_by_the_classes(self):
        functions = re.findall(r"^RTM_API [^(]*?\b(rtm_\w+)\(", HEADER.read_text(), re.M)
        self.assertGreater(len(functions), 90)
        sources = "".join(p.read_text() for p in PACKAGE.glob("*.py") if p.name != "rtm_native.py")
        # rtm_string_free frees what rtm_token_build returns, inside the wrapper itself
        for name in functions:
            if name == "rtm_string_free":
                continue
            with self.subTest(function=name):
                self.assertTrue(hasattr(rtm_native, name), "not in the native module")
                self.assertIn(f"_n.{name}", sources, "not used by the rtm package")


class TestErrors(unittest.TestCase):
    def test_one_class_per_code_carrying_code_name_and_sentence(self):
        for code in rtm.Err:
            if code == rtm.Err.OK:
                continue
            cls = rtm.error_class(code)
            self.assertTrue(issubclass(cls, rtm.RtmError), code)
            self.assertEqual(cls.code, code)
            e = cls(code)
            self.assertEqual(e.code, code)
            self.assertEqual(e.name, "RTM_ERR_" + code.name)
            self.assertEqual(e.sentence, rtm.err_str(code))
            self.assertEqual(str(e), f"{e.name}: {e.sentence}")
        self.assertEqual(len({rtm.error_class(c) for c in rtm.Err if c}), len(rtm.Err) - 1)

    def test_bad_input_errors_are_value_errors(self):
        for cls in (rtm.InvalidArgumentError, rtm.InvalidUserIdError, rtm.InvalidChannelIdError,
                    rtm.InvalidMessageError, rtm.InvalidAppIdError):
            self.assertTrue(issubclass(cls, ValueError), cls)
        self.assertFalse(issubclass(rtm.ClosedError, ValueError))

    def test_errors_pickle(self):
        e = rtm.InvalidUserIdError(rtm.Err.INVALID_USER_ID, "bad id", request_id=7)
        back = pickle.loads(pickle.dumps(e))
        self.assertIs(type(back), rtm.InvalidUserIdError)
        self.assertEqual((back.code, back.sentence, back.request_id), (e.code, "bad id", 7))


class TestMessages(unittest.TestCase):
    def test_text_message(self):
        m = rtm.Message("héllo")
        self.assertEqual(m.type, rtm.MessageType.TEXT)
        self.assertEqual(m.text, "héllo")
        self.assertEqual(m.data, "héllo".encode())
        self.assertIsNone(m.description)
        self.assertEqual((m.id, m.server_ts_ms, m.is_offline), (0, 0, False))

    def test_raw_message_keeps_nul_bytes(self):
        payload = b"\x00head\x00\xff\xfe\x00"
        for data in (payload, bytearray(payload), memoryview(payload)):
            m = rtm.Message(data, "a description")
            self.assertEqual(m.type, rtm.MessageType.RAW)
            self.assertEqual(m.data, payload)
            self.assertEqual(m.description, "a description")
            self.assertEqual(m.text, "a description")
        self.assertEqual(rtm.Message(b"").data, b"")
        self.assertEqual(rtm.Message(b"x").text, "")

    def test_message_limits_and_types(self):
        rtm.Message("x" * 32768)
        with self.assertRaises(rtm.InvalidMessageError) as cm:
            rtm.Message("x" * 32769)
        self.assertEqual(cm.exception.code, rtm.Err.INVALID_MESSAGE)
        with self.assertRaises(rtm.InvalidMessageError):
            rtm.Message(b"x" * 32000, "d" * 1000)
        with self.assertRaises(TypeError):
            rtm.Message(42)
        with self.assertRaises(TypeError):
            rtm.Message("text", "a description belongs to raw messages")
        with self.assertRaises(ValueError):
            rtm.Message("nul\x00inside")
        with self.assertRaises(UnicodeEncodeError):
            rtm.Message("lone \ud800 surrogate")

    def test_messages_compare_by_content(self):
        self.assertEqual(rtm.Message("a"), rtm.Message("a"))
        self.assertNotEqual(rtm.Message("a"), rtm.Message(b"a"))
        self.assertEqual(len({rtm.Message(b"a", "d"), rtm.Message(b"a", "d")}), 1)

    def test_messages_hold_no_native_handle(self):
        before = rtm.live_handles()
        kept = [rtm.Message(b"\x00" * 10), rtm.Message("t")]
        self.assertEqual(rtm.live_handles(), before)
        self.assertEqual(len(kept), 2)


class TestConfigAndClient(unittest.TestCase):
    def test_bad_app_id(self):
        for app_id in ("", "x" * 129):
            with self.assertRaises(rtm.InvalidAppIdError) as cm:
                rtm.Client(app_id)
            self.assertIn("1-128 bytes", cm.exception.sentence)
        with self.assertRaises(rtm.InvalidAppIdError):  # None is NULL, as everywhere
            rtm.Client(None)
        with self.assertRaises(TypeError):
            rtm.Client(b"app")

    def test_bad_config(self):
        with self.assertRaises(rtm.InvalidArgumentError) as cm:
            rtm.Client("app", config={"no.such.key": "1"})
        self.assertIn("no.such.key", cm.exception.sentence)
        with self.assertRaises(rtm.InvalidArgumentError):
            rtm.Client("app", config={"login.timeout_ms": "soon"})
        with self.assertRaises(TypeError):
            rtm.Client("app", config={"login.timeout_ms": 1.5})
        with self.assertRaises(rtm.InvalidArgumentError):
            rtm.Client("app", "not a url")

    def test_config_values_of_python_types(self):
        with rtm.Client("app", config={"login.timeout_ms": 300, "tls.verify_peer": False,
                                       "channel.member_list_on_join": True}) as c:
            self.assertEqual(c.connection_state, rtm.ConnectionState.DISCONNECTED)

    def test_set_option(self):
        with rtm.Client("app") as c:
            c.set_option("request.timeout_ms", 500)
            c.set_option("log.level", "error")
            with self.assertRaises(rtm.InvalidStateError) as cm:
                c.set_option("server.url", "ws://127.0.0.1:1")
            self.assertIn("server.url", cm.exception.sentence)
            with self.assertRaises(rtm.InvalidArgumentError):
                c.set_option("bogus", "1")
            self.assertIn("bogus", c.last_error)

    def test_synchronous_errors_carry_librtm_sentence(self):
        with rtm.Client("app") as c:
            with self.assertRaises(rtm.InvalidUserIdError) as cm:
                c.login(" leading space")
            e = cm.exception
            self.assertEqual(e.code, rtm.Err.INVALID_USER_ID)
            self.assertEqual(e.name, "RTM_ERR_INVALID_USER_ID")
            self.assertIn("breaks the id rules", e.sentence)
            self.assertEqual(e.request_id, 0)
            with self.assertRaises(rtm.NotLoggedInError) as cm:
                c.send_message_to_peer("bob", "hi")
            self.assertIn("not logged in", cm.exception.sentence)
            with self.assertRaises(rtm.InvalidChannelIdError):
                c.create_channel("null")
            with self.assertRaises(rtm.InvalidUserIdError):
                c.create_local_invitation("x" * 65)

    def test_typemaps_refuse_bad_python_values(self):
        with rtm.Client("app") as c:
            with self.assertRaises(ValueError):
                c.login("nul\x00inside")
            with self.assertRaises(TypeError):
                c.login(42)
            with self.assertRaises(TypeError):
                c.query_peers_online_status("alice")  # a str is not a list of ids
            with self.assertRaises(TypeError):
                c.query_peers_online_status(["alice", 3])
            with self.assertRaises(TypeError):
                c.set_local_user_attributes([("k", "v", "extra")])
            with self.assertRaises(TypeError):
                c.set_local_user_attributes("kv")
            with self.assertRaises(TypeError):
                c.set_local_user_attributes({"k": 1})
            with self.assertRaises(TypeError):
                c.send_message_to_peer("bob", 3.5)
            # empty lists reach librtm, which refuses them
            with self.assertRaises(rtm.InvalidArgumentError):
                c.query_peers_online_status([])
            with self.assertRaises(rtm.InvalidArgumentError):
                c.set_local_user_attributes({})

    def test_list_limits_are_librtm_errors(self):
        with rtm.Client("app") as c:
            with self.assertRaises(rtm.ExceedLimitError) as cm:
                c.get_channel_member_count([f"c{i}" for i in range(33)])
            self.assertIn("33", cm.exception.sentence)
            with self.assertRaises(rtm.SizeOverflowError):
                c.set_channel_attributes("ch", {"k" * 33: "v"})

    def test_closed_client_raises_closed_everywhere(self):
        c = rtm.Client("app")
        c.close()
        c.close()  # idempotent
        self.assertTrue(c.closed)
        calls = [
            lambda: c.login("alice"),
            lambda: c.logout(),
            lambda: c.connection_state,
            lambda: c.last_error,
            lambda: c.event_fd,
            lambda: c.poll(0),
            lambda: c.create_channel("ch"),
            lambda: c.create_local_invitation("bob"),
            lambda: c.send_message_to_peer("bob", "hi"),
            lambda: c.get_user_attributes("bob"),
            lambda: c.wakeup(),
            lambda: c.wait(1),
        ]
        for call in calls:
            with self.assertRaises(rtm.ClosedError):
                call()
        self.assertEqual(list(c.events(timeout=0)), [])
        self.assertIn("closed", repr(c))


class TestTokens(unittest.TestCase):
    APP = "970CA35de60c44645bbae8a215061b33"
    CERT = "5CFd2fd1755d40ecb72977518be15d3b"

    def test_build_token(self):
        token = rtm.build_token(self.APP, self.CERT, "alice", expire_ts=2_000_000_000, salt=1,
                                issue_ts=1_700_000_000)
        self.assertTrue(token.startswith("006" + self.APP))
        again = rtm.build_token(self.APP, self.CERT, "alice", expire_ts=2_000_000_000, salt=1,
                                issue_ts=1_700_000_000)
        self.assertEqual(token, again)
        self.assertNotEqual(token, rtm.build_token(self.APP, self.CERT, "bob", salt=1,
                                                   issue_ts=1_700_000_000))

    def test_build_token_errors(self):
        with self.assertRaises(rtm.InvalidArgumentError):
            rtm.build_token("short", self.CERT, "alice")
        with self.assertRaises(rtm.InvalidUserIdError):
            rtm.build_token(self.APP, self.CERT, " alice")
        with self.assertRaises(OverflowError):
            rtm.build_token(self.APP, self.CERT, "alice", expire_ts=-1)


if __name__ == "__main__":
    unittest.main()
