"""Lifetimes: closing order, children keeping their client alive, idempotent close, the garbage
collector releasing forgotten handles (counted by rtm_live_handles), closing a client while
another thread waits on it, and interpreter exit with live clients."""

import gc
import socket
import subprocess
import sys
import threading
import time
import unittest
import weakref

import rtm
from rtmtest import ServerTestCase, unique

E = rtm.EventType


class TestLifetimes(ServerTestCase):
    def test_closing_the_client_before_its_channel_and_invitation(self):
        before = rtm.live_handles()
        c = self.logged_in()
        peer = self.logged_in()
        ch = c.create_channel(unique("room"))
        ch.join().wait(timeout=10)
        inv = c.create_local_invitation(peer.user_id, content="hi")
        c.close()
        self.assertTrue(c.closed)
        self.assertFalse(ch.closed)
        for call in (ch.join, ch.leave, ch.get_members, lambda: ch.send_message("x"), inv.send):
            with self.assertRaises(rtm.ClosedError) as cm:
                call()
            self.assertEqual(cm.exception.code, rtm.Err.CLOSED)
            self.assertIn("closed", cm.exception.sentence)
        self.assertEqual(inv.content, "hi")  # what the reference holds stays readable
        ch.close()
        ch.close()
        inv.close()
        inv.close()
        with self.assertRaises(rtm.ClosedError) as cm:
            ch.join()
        self.assertIn("channel", cm.exception.sentence)
        with self.assertRaises(rtm.ClosedError):
            inv.content
        peer.close()
        self.assertEqual(rtm.live_handles(), before)

    def test_closing_a_channel_first_leaves_it(self):
        cid = unique("room")
        a, b = self.logged_in(), self.logged_in()
        with a.create_channel(cid) as ca:
            ca.join().wait(timeout=10)
            cb = b.create_channel(cid)
            cb.join().wait(timeout=10)
            self.expect(a, E.CHANNEL_MEMBER_JOINED)
        self.assertTrue(ca.closed)
        self.assertEqual(self.expect(b, E.CHANNEL_MEMBER_LEFT).user_id, a.user_id)
        cb.close()

    def test_children_keep_their_client_alive(self):
        c = rtm.Client("test", self.server.url)
        ref = weakref.ref(c)
        ch = c.create_channel("kept")
        inv = c.create_local_invitation("someone")
        del c
        gc.collect()
        self.assertIsNotNone(ref())
        self.assertIs(ch.client, ref())
        del ch
        gc.collect()
        self.assertIsNotNone(ref())  # the invitation still holds it
        self.assertIs(inv.client, ref())
        del inv
        gc.collect()
        self.assertIsNone(ref())

    def test_forgotten_handles_are_released_by_the_garbage_collector(self):
        watcher = self.logged_in()
        gc.collect()
        before = rtm.live_handles()
        forgotten = unique("forgotten")

        def use_and_forget():
            c = rtm.Client("test", self.server.url, config={"log.level": "error"})
            c.login(forgotten).wait(timeout=10)
            ch = c.create_channel(unique("room"))
            ch.join().wait(timeout=10)
            inv = c.create_local_invitation(watcher.user_id, content="x")
            inv.send().wait(timeout=10)
            received = self.expect(watcher, E.REMOTE_INVITATION_RECEIVED)
            c.send_message_to_peer(watcher.user_id, b"\x00bye").wait(timeout=10)
            events = list(c.events(timeout=0.5))  # some carry invitation references
            self.assertTrue(any(ev.invitation is not None for ev in events))
            self.assertGreater(rtm.live_handles(), before + 3)
            return received  # the watcher's own reference outlives this client

        received = use_and_forget()
        gc.collect()
        self.assertEqual(rtm.live_handles(), before + 1)
        del received
        gc.collect()
        self.assertEqual(rtm.live_handles(), before)
        # the client was really freed: it logged out of the server
        res = watcher.query_peers_online_status([forgotten]).wait(timeout=10)
        self.assertEqual(res.peers[forgotten], rtm.PeerOnlineState.OFFLINE)

    def test_context_manager_closes(self):
        before = rtm.live_handles()
        with rtm.Client("test", self.server.url) as c:
            c.login(unique("ctx")).wait(timeout=10)
        self.assertTrue(c.closed)
        self.assertEqual(rtm.live_handles(), before)

    def test_close_ends_waits_in_other_threads(self):
        with socket.socket() as silent:  # accepts TCP, never answers: the login stays pending
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            c = self.client(f"ws://127.0.0.1:{silent.getsockname()[1]}",
                            login__timeout_ms=60000)
            req = c.login(unique("u"))
            self.assertEqual(c.poll(5).connection_state, rtm.ConnectionState.CONNECTING)
            outcome = {}

            def run(name, fn):
                try:
                    outcome[name] = fn()
                except BaseException as e:  # noqa: B902 - recorded for the assertions
                    outcome[name] = e

            threads = [
                threading.Thread(target=run, args=("poll", lambda: c.poll(timeout=60))),
                threading.Thread(target=run, args=("wait", lambda: req.wait(timeout=60))),
            ]
            for t in threads:
                t.start()
            time.sleep(0.3)  # one of them blocks in the native poll, the other behind it
            c.close()
            for t in threads:
                t.join(10)
                self.assertFalse(t.is_alive())
        self.assertIsInstance(outcome["wait"], rtm.ClosedError)
        self.assertIsInstance(outcome["poll"], rtm.ClosedError)

    def test_interpreter_exit_with_live_clients(self):
        # the finalizers free what is left at exit, also a client a daemon thread still polls
        code = (
            "import rtm, sys, threading\n"
            "c = rtm.Client('test', sys.argv[1], config={'log.level': 'error'})\n"
            "c.login(sys.argv[2]).wait(timeout=10)\n"
            "ch = c.create_channel('room')\n"
            "ch.join().wait(timeout=10)\n"
            "inv = c.create_local_invitation('nobody')\n"
            "polling = rtm.Client('test', sys.argv[1], config={'log.level': 'error'})\n"
            "polling.login(sys.argv[2] + '-2').wait(timeout=10)\n"
            "threading.Thread(target=lambda: list(polling.events()), daemon=True).start()\n"
            "print('ready', flush=True)\n"
        )
        for _ in range(3):
            proc = subprocess.run([sys.executable, "-c", code, self.server.url, unique("exit")],
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(proc.stdout, "ready\n")

if __name__ == "__main__":
    unittest.main()
