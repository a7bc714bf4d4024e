"""The example program bindings/python/examples/chat.py, driven the way the cross-language demo
drives it: two users in one channel exchange channel and peer messages through stdin/stdout."""

import os
import queue
import subprocess
import sys
import threading
import time
import unittest
from pathlib import Path

from rtmtest import ServerTestCase, unique

CHAT = Path(os.environ.get("RTM_PY_EXAMPLES", Path(__file__).resolve().parents[1] / "examples"))
CHAT = CHAT / "chat.py"


class Chat:
    """One chat.py process; its stdout and stderr lines are collected by reader threads."""

    def __init__(self, user: str, channel: str, url: str) -> None:
        env = dict(os.environ, RTM_SERVER_URL=url)
        self.proc = subprocess.Popen([sys.executable, str(CHAT), user, channel], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.readers = [threading.Thread(target=self._collect, args=(s, q), daemon=True)
                        for s, q in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self.readers:
            t.start()

    @staticmethod
    def _collect(stream, lines: queue.Queue) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))

    def wait_stderr(self, prefix: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                if self.err.get(timeout=left).startswith(prefix):
                    return
            except queue.Empty:
                break
        raise AssertionError(f"no stderr line starting with {prefix!r}")

    def read(self, timeout: float = 15) -> str:
        try:
            return self.out.get(timeout=timeout)
        except queue.Empty:
            return ""

    def say(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self) -> tuple[int, list[str]]:
        """Closes stdin; the exit status and what else came on stdout."""
        self.proc.stdin.close()
        code = self.proc.wait(15)
        self._close_streams()
        return code, list(self.out.queue)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_streams()

    def _close_streams(self) -> None:
        for t in self.readers:
            t.join(5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            stream.close()


class TestChatExample(ServerTestCase):
    def test_two_users_chat_in_a_channel_and_by_peer_message(self):
        room, alice, bob = unique("room"), unique("alice"), unique("bob")
        a, b = Chat(alice, room, self.server.url), Chat(bob, room, self.server.url)
        self.addCleanup(a.kill)
        self.addCleanup(b.kill)
        a.wait_stderr("# joined")
        b.wait_stderr("# joined")
        a.say("hello bob, ünïcode ✓")
        self.assertEqual(b.read(), f"{alice} {room} hello bob, ünïcode ✓")
        a.say(f"@{bob} just between us")
        self.assertEqual(b.read(), f"{alice} peer just between us")
        b.say("hi alice")
        self.assertEqual(a.read(), f"{bob} {room} hi alice")
        self.assertEqual(a.finish(), (0, []))
        self.assertEqual(b.finish(), (0, []))

    def test_usage_and_login_failure(self):
        proc = subprocess.run([sys.executable, str(CHAT)], capture_output=True, text=True,
                              timeout=30)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("usage", proc.stderr)
        proc = subprocess.run([sys.executable, str(CHAT), " bad user", "room", self.server.url],
                              capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("RTM_ERR_INVALID_USER_ID", proc.stderr)


if __name__ == "__main__":
    unittest.main()
