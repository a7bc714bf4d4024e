"""Threads and signals: the GIL is released while a poll blocks, Ctrl-C interrupts a blocked
poll or wait, a wait in one thread and the application's event loop in another share one
client without losing or stealing events, and wakeup() ends a blocked poll."""

import os
import signal
import subprocess
import sys
import threading
import time
import unittest

import rtm
from rtmtest import ServerTestCase

E = rtm.EventType

_CHILD = """
import signal, socket, sys, rtm
mode, url = sys.argv[1], sys.argv[2]
# what an interactive Python has; a child of a background job may inherit SIGINT ignored
signal.signal(signal.SIGINT, signal.default_int_handler)
silent = socket.socket(); silent.bind(("127.0.0.1", 0)); silent.listen()
c = rtm.Client("test", url, config={"log.level": "error"})
c.login("sigint-" + mode).wait(timeout=10)
pending = rtm.Client("test", "ws://127.0.0.1:%d" % silent.getsockname()[1],
                     config={"login.timeout_ms": 60000}).login("never")
print("ready", flush=True)
try:
    if mode == "poll":
        while True:
            c.poll()  # no timeout: only Ctrl-C ends this
    elif mode == "events":
        for ev in c.events():
            pass
    else:
        pending.wait()
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


class TestThreads(ServerTestCase):
    def test_the_gil_is_released_while_a_poll_blocks(self):
        a, b = self.logged_in(), self.logged_in()
        got = {}
        # outside the main thread the poll is one native call of up to 30 s: if it held the
        # GIL, this thread could not run until it returned empty-handed
        t = threading.Thread(target=lambda: got.update(ev=a.poll(timeout=30)))
        t.start()
        time.sleep(0.3)
        b.send_message_to_peer(a.user_id, "while you wait").wait(timeout=10)
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(got["ev"].type, E.PEER_MESSAGE_RECEIVED)
        self.assertEqual(got["ev"].message.text, "while you wait")

    def test_ctrl_c_interrupts_a_blocked_poll_events_loop_and_wait(self):
        for mode in ("poll", "events", "wait"):
            with self.subTest(mode=mode):
                proc = subprocess.Popen([sys.executable, "-c", _CHILD, mode, self.server.url],
                                        stdout=subprocess.PIPE, text=True, env=dict(os.environ))
                try:
                    self.assertEqual(proc.stdout.readline(), "ready\n")
                    time.sleep(0.3)  # let it block
                    proc.send_signal(signal.SIGINT)
                    self.assertEqual(proc.wait(timeout=10), 0)
                    self.assertEqual(proc.stdout.read(), "interrupted\n")
                finally:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
                    proc.stdout.close()

    def test_waits_and_the_application_loop_in_other_threads_share_a_client(self):
        a, b = self.logged_in(), self.logged_in()
        n = 30
        texts = []
        results = []
        done = threading.Event()

        def application_loop():
            for ev in a.events(timeout=20):
                if ev.type == E.PEER_MESSAGE_RECEIVED:
                    texts.append(ev.message.text)
                    if len(texts) == n:
                        break
            done.set()

        def requester():
            for _ in range(n):
                req = a.query_peers_online_status([b.user_id])
                ev = req.wait(timeout=10)
                self.assertEqual(ev.request_id, req)
                results.append(ev.peers[b.user_id])

        threads = [threading.Thread(target=application_loop), threading.Thread(target=requester)]
        for t in threads:
            t.start()
        for i in range(n):
            b.send_message_to_peer(a.user_id, f"m{i}")
        for t in threads:
            t.join(30)
            self.assertFalse(t.is_alive())
        self.assertTrue(done.is_set())
        self.assertEqual(texts, [f"m{i}" for i in range(n)])  # none lost, none reordered
        self.assertEqual(results, [rtm.PeerOnlineState.ONLINE] * n)

    def test_many_threads_wait_on_one_client(self):
        a, b = self.logged_in(), self.logged_in()
        errors = []

        def worker(k):
            try:
                for i in range(5):
                    req = a.send_message_to_peer(b.user_id, f"{k}-{i}")
                    self.assertEqual(req.wait(timeout=10).request_id, req)
            except BaseException as e:  # noqa: B902 - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        got = sorted(self.expect(b, E.PEER_MESSAGE_RECEIVED).message.text for _ in range(40))
        self.assertEqual(got, sorted(f"{k}-{i}" for k in range(8) for i in range(5)))

    def test_wakeup_ends_a_blocked_poll_and_an_events_loop(self):
        a = self.logged_in()
        out = {}

        def blocked():
            out["poll"] = a.poll(timeout=30)
            out["events"] = list(a.events())

        t = threading.Thread(target=blocked)
        t.start()
        time.sleep(0.3)
        a.wakeup()
        time.sleep(0.3)
        a.wakeup()
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(out, {"poll": None, "events": []})
        a.wakeup()  # with nobody blocked, the next poll returns None at once
        self.assertIsNone(a.poll(timeout=30))

    def test_the_process_keeps_its_signal_handlers(self):
        # the I/O thread must leave the application's handlers alone while clients come and
        # go (libwebsockets' libuv backend, which librtm once used, took INT, TERM, HUP, SEGV
        # and FPE and reset them to SIG_DFL)
        got = []
        old = signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))
        try:
            c = rtm.Client("test", self.server.url)  # the first client starts the I/O thread
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            c.close()  # the last one stops it
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
        finally:
            signal.signal(signal.SIGTERM, old)
        self.assertEqual(got, [signal.SIGTERM, signal.SIGTERM])

    def test_event_fd_is_readable_while_events_are_queued(self):
        import select

        a, b = self.logged_in(), self.logged_in()
        fd = a.event_fd
        self.assertEqual(select.select([fd], [], [], 0)[0], [])
        b.send_message_to_peer(a.user_id, "ping").wait(timeout=10)
        self.assertEqual(select.select([fd], [], [], 10)[0], [fd])
        self.assertEqual(a.poll(0).message.text, "ping")
        self.assertEqual(select.select([fd], [], [], 0)[0], [])


if __name__ == "__main__":
    unittest.main()
