"""Many clients in one process: 50 clients log in at once, each sends a peer message to the
next and joins one channel, everything arrives, and closing them all returns every handle."""

import gc
import unittest

import rtm
from rtmtest import ServerTestCase, unique

E = rtm.EventType
N = 50


class TestManyClients(ServerTestCase):
    def test_fifty_clients_in_one_process(self):
        gc.collect()
        before = rtm.live_handles()
        clients = [self.client() for _ in range(N)]
        users = [unique("many") for _ in range(N)]
        logins = [c.login(u) for c, u in zip(clients, users)]  # all in flight together
        for req in logins:
            req.wait(timeout=20)

        sends = [c.send_message_to_peer(users[(i + 1) % N], f"from {users[i]}")
                 for i, c in enumerate(clients)]
        for req in sends:
            req.wait(timeout=20)
        for i, c in enumerate(clients):
            ev = self.expect(c, E.PEER_MESSAGE_RECEIVED, skip=(E.CONNECTION_STATE_CHANGED,))
            self.assertEqual(ev.message.text, f"from {users[i - 1]}")
            self.assertEqual(ev.user_id, users[i - 1])

        room = unique("crowd")
        channels = [c.create_channel(room) for c in clients]
        for req in [ch.join() for ch in channels]:
            req.wait(timeout=20)
        channels[0].send_message("to everyone").wait(timeout=20)
        for c in clients[1:]:
            ev = self.expect(c, E.CHANNEL_MESSAGE_RECEIVED,
                             skip=(E.CHANNEL_MEMBER_JOINED, E.CHANNEL_MEMBER_COUNT_UPDATED))
            self.assertEqual(ev.message.text, "to everyone")
        count = clients[0].get_channel_member_count([room]).wait(timeout=20)
        self.assertEqual(count.channel_member_counts, {room: N})

        for c in clients:
            c.close()
        del channels, sends, logins, ev, count
        gc.collect()
        self.assertEqual(rtm.live_handles(), before)


if __name__ == "__main__":
    unittest.main()
