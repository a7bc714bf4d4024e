"""Test support: an rtmd of its own on a free loopback port, and helpers to drive clients.

rtmd comes from $RTMD (ctest passes the build's binary), else from the default build dir.
"""

from __future__ import annotations

import itertools
import os
import re
import select
import signal
import subprocess
import time
import unittest
from pathlib import Path
from typing import Callable

import rtm

ROOT = Path(__file__).resolve().parents[3]
_ids = itertools.count(1)


def rtmd_path() -> str:
    path = os.environ.get("RTMD") or str(ROOT / "build" / "core" / "server" / "rtmd")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"rtmd not found at {path} (set RTMD)")
    return path


class Rtmd:
    """rtmd started with --listen 127.0.0.1:0 and extra arguments; stop() by pid."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [rtmd_path(), "--listen", "127.0.0.1:0", "--log-level", "error", *args],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        # stdout stays open until stop(), so a later write by rtmd never meets a closed pipe
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().decode() if ready else ""
        m = re.match(r"rtmd listening on (\S+):(\d+)", line)
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"rtmd did not report its port: {line!r}")
        self.port = int(m.group(2))
        self.url = f"ws://127.0.0.1:{self.port}"

    def stop(self) -> int:
        """SIGTERM, then waits up to 10 s; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        return self.proc.returncode


def unique(prefix: str) -> str:
    """An id no other test of the process uses."""
    return f"{prefix}-{next(_ids)}"


class ServerTestCase(unittest.TestCase):
    """One rtmd per test class (extra arguments in RTMD_ARGS); clients made with client() are
    closed after each test."""

    RTMD_ARGS: tuple[str, ...] = ()
    APP_ID = "test"

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Rtmd(*cls.RTMD_ARGS)

    @classmethod
    def tearDownClass(cls) -> None:
        status = cls.server.stop()
        if status != 0:
            raise AssertionError(f"rtmd exited with {status}")

    def client(self, url: str | None = None, **config: object) -> rtm.Client:
        settings = {"log.level": "error"}
        settings.update({k.replace("__", "."): v for k, v in config.items()})
        c = rtm.Client(self.APP_ID, url or self.server.url, config=settings)
        self.addCleanup(c.close)
        return c

    def logged_in(self, user: str | None = None, **config: object) -> rtm.Client:
        """A client logged in as user (a fresh id when None), its login events consumed."""
        c = self.client(**config)
        c.login(user or unique("u")).wait(timeout=10)
        self.expect(c, rtm.EventType.CONNECTION_STATE_CHANGED)  # CONNECTING
        ev = self.expect(c, rtm.EventType.CONNECTION_STATE_CHANGED)
        self.assertEqual(ev.connection_state, rtm.ConnectionState.CONNECTED)
        return c

    def expect(
        self,
        c: rtm.Client,
        event_type: rtm.EventType,
        timeout: float = 10,
        where: Callable[[rtm.Event], bool] | None = None,
        skip: tuple[rtm.EventType, ...] = (rtm.EventType.CHANNEL_MEMBER_COUNT_UPDATED,),
    ) -> rtm.Event:
        """The next application event of c, which must be of event_type (and satisfy where);
        events of the types in skip are passed over."""
        deadline = time.monotonic() + timeout
        while True:
            ev = c.poll(max(0.0, deadline - time.monotonic()))
            if ev is None:
                self.fail(f"no {event_type.name} within {timeout} s")
            if ev.type in skip and ev.type != event_type:
                continue
            self.assertEqual(ev.type, event_type, f"got {ev!r}")
            if where is not None:
                self.assertTrue(where(ev), f"unexpected {ev!r}")
            return ev

    def expect_nothing(self, c: rtm.Client, within: float = 0.3, skip=()) -> None:
        """No application event (but those of the types in skip) within `within` seconds."""
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            ev = c.poll(left)
            if ev is not None and ev.type not in skip:
                self.fail(f"unexpected {ev!r}")
