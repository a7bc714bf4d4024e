"""Sessions and peer messages against a real rtmd: login/logout and their events, tokens,
remote login, text and raw peer messages (bytes with NULs), offline messages, error mapping,
and the request/result helper next to the application's own event loop."""

import socket
import unittest

import rtm
from rtmtest import Rtmd, ServerTestCase, unique

E = rtm.EventType


class TestLogin(ServerTestCase):
    def test_login_and_logout_with_their_events(self):
        c = self.client()
        self.assertEqual(c.connection_state, rtm.ConnectionState.DISCONNECTED)
        user = unique("alice")
        req = c.login(user)
        self.assertIsInstance(req, rtm.Request)
        self.assertIsInstance(req, int)
        self.assertGreater(req, 0)
        ev = self.expect(c, E.CONNECTION_STATE_CHANGED)
        self.assertEqual(ev.connection_state, rtm.ConnectionState.CONNECTING)
        self.assertEqual(ev.connection_reason, rtm.ConnectionChangeReason.LOGIN)
        ev = self.expect(c, E.CONNECTION_STATE_CHANGED)
        self.assertEqual(ev.connection_state, rtm.ConnectionState.CONNECTED)
        self.assertEqual(ev.connection_reason, rtm.ConnectionChangeReason.LOGIN_SUCCESS)
        ev = self.expect(c, E.LOGIN_RESULT)
        self.assertEqual(ev.request_id, req)
        self.assertTrue(ev.ok)
        self.assertEqual(c.connection_state, rtm.ConnectionState.CONNECTED)
        self.assertEqual(c.user_id, user)

        out = c.logout()
        result = out.wait(timeout=10)
        self.assertEqual((result.type, result.request_id), (E.LOGOUT_RESULT, out))
        ev = self.expect(c, E.CONNECTION_STATE_CHANGED)
        self.assertEqual(ev.connection_state, rtm.ConnectionState.DISCONNECTED)
        self.assertEqual(ev.connection_reason, rtm.ConnectionChangeReason.LOGOUT)
        self.assertEqual(c.connection_state, rtm.ConnectionState.DISCONNECTED)
        with self.assertRaises(rtm.NotLoggedInError):
            c.logout()
        c.login(user).wait(timeout=10)  # and again

    def test_login_twice_is_refused_at_once(self):
        c = self.logged_in()
        with self.assertRaises(rtm.AlreadyLoggedInError) as cm:
            c.login(unique("again"))
        self.assertIn("already logged in", cm.exception.sentence)

    def test_wrong_app_id_fails_in_the_result(self):
        server = Rtmd("--app-id", "the-app")
        self.addCleanup(server.stop)
        c = self.client(server.url)
        with self.assertRaises(rtm.InvalidAppIdError) as cm:
            c.login(unique("u")).wait(timeout=10)
        self.assertEqual(cm.exception.event.type, E.LOGIN_RESULT)

    def test_remote_login_aborts_the_first_session(self):
        user = unique("twice")
        first = self.logged_in(user)
        second = self.logged_in(user)
        ev = self.expect(first, E.CONNECTION_STATE_CHANGED)
        self.assertEqual(ev.connection_state, rtm.ConnectionState.ABORTED)
        self.assertEqual(ev.connection_reason, rtm.ConnectionChangeReason.REMOTE_LOGIN)
        with self.assertRaises(rtm.NotLoggedInError):
            first.send_message_to_peer(user, "hi")
        with self.assertRaises(rtm.AlreadyLoggedInError) as cm:
            first.login(user)
        self.assertIn("log out", cm.exception.sentence)
        self.assertEqual(second.connection_state, rtm.ConnectionState.CONNECTED)

    def test_login_to_nowhere_fails_with_network_or_timeout(self):
        port = Rtmd()
        url = port.url
        port.stop()
        c = self.client(url, login__timeout_ms=2000)
        with self.assertRaises((rtm.NetworkError, rtm.TimedOutError)) as cm:
            c.login(unique("lost")).wait(timeout=10)
        self.assertEqual(cm.exception.event.type, E.LOGIN_RESULT)
        self.assertEqual(cm.exception.request_id, cm.exception.event.request_id)
        self.assertEqual(c.connection_state, rtm.ConnectionState.DISCONNECTED)


class TestTokens(ServerTestCase):
    APP_ID = "970CA35de60c44645bbae8a215061b33"
    CERT = "5CFd2fd1755d40ecb72977518be15d3b"
    RTMD_ARGS = ("--app-id", APP_ID, "--app-certificate", CERT)

    def test_token_login(self):
        user = unique("tok")
        c = self.client()
        c.login(user, rtm.build_token(self.APP_ID, self.CERT, user)).wait(timeout=10)
        self.assertEqual(c.connection_state, rtm.ConnectionState.CONNECTED)
        renew = c.renew_token(rtm.build_token(self.APP_ID, self.CERT, user))
        self.assertEqual(renew.wait(timeout=10).type, E.RENEW_TOKEN_RESULT)

    def test_bad_tokens_raise_from_the_result(self):
        user = unique("tok")
        c = self.client()
        with self.assertRaises(rtm.InvalidTokenError) as cm:
            c.login(user, rtm.build_token(self.APP_ID, self.CERT, "someone-else")).wait(10)
        self.assertEqual(cm.exception.code, rtm.Err.INVALID_TOKEN)
        self.assertIn("LOGIN_RESULT", cm.exception.sentence)
        with self.assertRaises(rtm.InvalidTokenError):
            c.login(user, "x" * 3000)  # too long: refused by the call itself

    def test_result_without_check_returns_the_failed_event(self):
        c = self.client()
        ev = c.login(unique("tok")).wait(timeout=10, check=False)
        self.assertFalse(ev.ok)
        self.assertEqual(ev.error, rtm.Err.INVALID_TOKEN)
        self.assertIsInstance(ev.exception(), rtm.InvalidTokenError)
        with self.assertRaises(rtm.InvalidTokenError):
            ev.check()

    def test_other_app_id_is_refused(self):
        c = rtm.Client("0" * 32, self.server.url)
        self.addCleanup(c.close)
        with self.assertRaises(rtm.RtmError) as cm:
            c.login("u", rtm.build_token("0" * 32, self.CERT, "u")).wait(timeout=10)
        self.assertIn(cm.exception.code, (rtm.Err.INVALID_APP_ID, rtm.Err.INVALID_TOKEN))


class TestPeerMessages(ServerTestCase):
    def test_text_message_both_ways(self):
        a, b = self.logged_in(unique("a")), self.logged_in(unique("b"))
        res = a.send_message_to_peer(b.user_id, "hello b, ünïcode ✓").wait(timeout=10)
        self.assertEqual(res.type, E.SEND_PEER_MESSAGE_RESULT)
        ev = self.expect(b, E.PEER_MESSAGE_RECEIVED)
        self.assertEqual(ev.user_id, a.user_id)
        m = ev.message
        self.assertEqual(m.type, rtm.MessageType.TEXT)
        self.assertEqual(m.text, "hello b, ünïcode ✓")
        self.assertGreater(m.id, 0)
        self.assertGreater(m.server_ts_ms, 1_600_000_000_000)
        self.assertFalse(m.is_offline)
        b.send_message_to_peer(a.user_id, rtm.Message("back")).wait(timeout=10)
        self.assertEqual(self.expect(a, E.PEER_MESSAGE_RECEIVED).message.text, "back")

    def test_raw_message_with_nul_bytes_both_ways(self):
        a, b = self.logged_in(), self.logged_in()
        payload = bytes(range(256)) + b"\x00\x00end\x00"
        a.send_message_to_peer(b.user_id, rtm.Message(payload, "binary")).wait(timeout=10)
        m = self.expect(b, E.PEER_MESSAGE_RECEIVED).message
        self.assertEqual(m.type, rtm.MessageType.RAW)
        self.assertEqual(m.data, payload)
        self.assertEqual(m.description, "binary")
        b.send_message_to_peer(a.user_id, b"\x00").wait(timeout=10)
        self.assertEqual(self.expect(a, E.PEER_MESSAGE_RECEIVED).message.data, b"\x00")
        # a received message can be sent on as it is
        a.send_message_to_peer(b.user_id, m).wait(timeout=10)
        self.assertEqual(self.expect(b, E.PEER_MESSAGE_RECEIVED).message, m)

    def test_offline_peer(self):
        a = self.logged_in()
        nobody = unique("nobody")
        with self.assertRaises(rtm.PeerUnreachableError) as cm:
            a.send_message_to_peer(nobody, "anyone?").wait(timeout=10)
        self.assertEqual(cm.exception.event.type, E.SEND_PEER_MESSAGE_RESULT)
        with self.assertRaises(rtm.CachedByServerError):
            a.send_message_to_peer(nobody, b"\x00stored", offline=True).wait(timeout=10)
        later = self.client()
        later.login(nobody).wait(timeout=10)
        ev = self.expect(later, E.PEER_MESSAGE_RECEIVED, skip=(E.CONNECTION_STATE_CHANGED,))
        self.assertEqual(ev.user_id, a.user_id)
        self.assertTrue(ev.message.is_offline)
        self.assertEqual(ev.message.data, b"\x00stored")

    def test_error_mapping_of_synchronous_failures(self):
        a = self.logged_in()
        with self.assertRaises(rtm.InvalidUserIdError) as cm:
            a.send_message_to_peer("bad id!\x7f", "x")
        self.assertEqual(cm.exception.code, rtm.Err.INVALID_USER_ID)
        self.assertEqual(cm.exception.name, "RTM_ERR_INVALID_USER_ID")
        self.assertIn("breaks the id rules", cm.exception.sentence)
        self.assertIsInstance(cm.exception, ValueError)
        with self.assertRaises(rtm.InvalidUserIdError):
            a.query_peers_online_status(["ok", "null"])
        with self.assertRaises(rtm.ExceedLimitError):
            a.query_peers_online_status([f"p{i}" for i in range(257)])


class TestRequestHelper(ServerTestCase):
    def test_waiting_for_a_result_leaves_other_events_to_the_application(self):
        a, b = self.logged_in(), self.logged_in()
        for i in range(3):
            b.send_message_to_peer(a.user_id, f"m{i}").wait(timeout=10)
        # a's queue now holds three messages; a's own request result is picked out of it
        q = a.query_peers_online_status([b.user_id])
        res = q.wait(timeout=10)
        self.assertEqual(res.peers, {b.user_id: rtm.PeerOnlineState.ONLINE})
        texts = [self.expect(a, E.PEER_MESSAGE_RECEIVED).message.text for _ in range(3)]
        self.assertEqual(texts, ["m0", "m1", "m2"])
        self.expect_nothing(a)

    def test_results_nobody_waits_for_go_to_the_event_stream(self):
        a, b = self.logged_in(), self.logged_in()
        req = a.send_message_to_peer(b.user_id, "fire and forget")
        ev = self.expect(a, E.SEND_PEER_MESSAGE_RESULT)
        self.assertEqual(ev.request_id, req)
        self.assertIs(req.wait(timeout=1), ev)  # the Request kept it as well
        rid = int(a.send_message_to_peer(b.user_id, "dropped"))  # the Request is gone
        self.assertEqual(self.expect(a, E.SEND_PEER_MESSAGE_RESULT).request_id, rid)
        with self.assertRaises(ValueError):  # its result was already taken
            a.wait(rid, timeout=1)
        with self.assertRaises(ValueError):  # not b's request
            b.wait(req, timeout=1)

    def test_a_result_already_polled_but_not_taken_is_found(self):
        a, b = self.logged_in(), self.logged_in()
        req = a.send_message_to_peer(b.user_id, "x")
        self.expect(b, E.PEER_MESSAGE_RECEIVED)
        # b's receipt means a's result is on its way; let a's dispatcher move it into a's
        # application queue by waiting for something else first
        other = a.query_peers_online_status([b.user_id])
        other.wait(timeout=10)
        self.assertEqual(req.wait(timeout=10).request_id, req)

    def test_wait_timeout_is_the_builtin_timeout_error_and_the_wait_can_resume(self):
        with socket.socket() as silent:  # accepts TCP, never answers the WebSocket handshake
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            c = self.client(f"ws://127.0.0.1:{silent.getsockname()[1]}",
                            login__timeout_ms=1500)
            req = c.login(unique("u"))
            with self.assertRaises(TimeoutError) as cm:
                req.wait(timeout=0.2)
            self.assertNotIsInstance(cm.exception, rtm.RtmError)
            with self.assertRaises(rtm.TimedOutError):  # librtm's own deadline, later
                req.wait(timeout=10)
        with self.assertRaises(ValueError):
            c.wait(req + 1000, timeout=0.1)  # never issued


if __name__ == "__main__":
    unittest.main()
