"""asyncio: next_event() waits on the event fd (loop.add_reader), requests can be awaited,
several tasks share one client, timeouts and cancellation lose no event, closing the client
ends the waits."""

import asyncio
import unittest

import rtm
from rtmtest import ServerTestCase

E = rtm.EventType


class TestAsyncio(ServerTestCase):
    def run_async(self, coro):
        return asyncio.run(asyncio.wait_for(coro, 30))

    def test_await_requests_and_next_event(self):
        async def main():
            a, b = self.logged_in(), self.logged_in()
            res = await a.send_message_to_peer(b.user_id, b"\x00async\x00")
            self.assertEqual(res.type, E.SEND_PEER_MESSAGE_RESULT)
            ev = await b.next_event(timeout=10)
            self.assertEqual(ev.type, E.PEER_MESSAGE_RECEIVED)
            self.assertEqual(ev.message.data, b"\x00async\x00")
            res = await a.wait_async(a.query_peers_online_status([b.user_id]), timeout=10)
            self.assertEqual(res.peers, {b.user_id: rtm.PeerOnlineState.ONLINE})

        self.run_async(main())

    def test_failed_results_raise_when_awaited(self):
        async def main():
            a = self.logged_in()
            with self.assertRaises(rtm.PeerUnreachableError):
                await a.send_message_to_peer("nobody-here", "x")

        self.run_async(main())

    def test_login_with_await_and_async_for(self):
        async def main():
            c = self.client()
            await c.login("async-user")
            states = [ev.connection_state async for ev in c.aevents(timeout=0.3)]
            self.assertEqual(states, [rtm.ConnectionState.CONNECTING,
                                      rtm.ConnectionState.CONNECTED])

        self.run_async(main())

    def test_tasks_share_a_client(self):
        async def main():
            a, b = self.logged_in(), self.logged_in()
            n = 20

            async def receiver():
                texts = []
                while len(texts) < n:
                    ev = await a.next_event(timeout=10)
                    if ev.type == E.PEER_MESSAGE_RECEIVED:
                        texts.append(ev.message.text)
                return texts

            async def requester():
                for _ in range(n):
                    res = await a.query_peers_online_status([b.user_id])
                    self.assertEqual(res.type, E.QUERY_PEERS_ONLINE_STATUS_RESULT)

            async def sender():
                for i in range(n):
                    await b.send_message_to_peer(a.user_id, f"m{i}")

            texts, _, _ = await asyncio.gather(receiver(), requester(), sender())
            self.assertEqual(texts, [f"m{i}" for i in range(n)])

        self.run_async(main())

    def test_timeout_and_cancellation_lose_no_event(self):
        async def main():
            a, b = self.logged_in(), self.logged_in()
            with self.assertRaises(TimeoutError):
                await a.next_event(timeout=0.2)
            waiting = asyncio.ensure_future(a.next_event())
            await asyncio.sleep(0.1)
            waiting.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await waiting
            await b.send_message_to_peer(a.user_id, "kept")
            req = a.query_peers_online_status([b.user_id])
            with self.assertRaises(TimeoutError):
                await asyncio.wait_for(req, 0)  # cancelled at once: its result must survive
            self.assertEqual((await a.next_event(timeout=10)).message.text, "kept")
            self.assertEqual((await req).request_id, req)

        self.run_async(main())

    def test_closing_the_client_ends_waiting_tasks(self):
        async def main():
            a = self.logged_in()
            waiting = asyncio.ensure_future(a.next_event())
            await asyncio.sleep(0.1)
            a.close()
            with self.assertRaises(rtm.ClosedError):
                await waiting
            self.assertEqual([ev async for ev in a.aevents()], [])

        self.run_async(main())

    def test_loop_in_another_thread_than_the_waits(self):
        # an asyncio task and a thread both waiting on one client: whoever polls dispatches
        async def main():
            a, b = self.logged_in(), self.logged_in()
            loop = asyncio.get_running_loop()
            req = a.query_peers_online_status([b.user_id])
            threaded = loop.run_in_executor(None, lambda: req.wait(timeout=10))
            task = asyncio.ensure_future(a.next_event(timeout=10))
            await asyncio.sleep(0.05)
            await b.send_message_to_peer(a.user_id, "to the task")
            self.assertEqual((await task).message.text, "to the task")
            self.assertEqual((await threaded).request_id, req)

        self.run_async(main())


if __name__ == "__main__":
    unittest.main()
