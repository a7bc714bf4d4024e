"""Presence and user attributes against a real rtmd: online queries, subscriptions and their
change events, the subscribed list, and the local user's attributes read by another user."""

import unittest

import rtm
from rtmtest import ServerTestCase, unique

E = rtm.EventType
ONLINE, OFFLINE = rtm.PeerOnlineState.ONLINE, rtm.PeerOnlineState.OFFLINE


class TestPresence(ServerTestCase):
    def test_query_online_status(self):
        a, b = self.logged_in(), self.logged_in()
        ghost = unique("ghost")
        res = a.query_peers_online_status([b.user_id, ghost, b.user_id]).wait(timeout=10)
        self.assertEqual(res.type, E.QUERY_PEERS_ONLINE_STATUS_RESULT)
        self.assertEqual(res.peers, {b.user_id: ONLINE, ghost: OFFLINE})
        self.assertIsInstance(res.peers[ghost], rtm.PeerOnlineState)

    def test_subscribe_changes_and_unsubscribe(self):
        a = self.logged_in()
        b_id = unique("b")
        res = a.subscribe_peers_online_status((p for p in [b_id])).wait(timeout=10)
        self.assertEqual(res.type, E.SUBSCRIPTION_RESULT)
        self.assertEqual(self.expect(a, E.PEERS_ONLINE_STATUS_CHANGED).peers, {b_id: OFFLINE})

        subscribed = a.query_peers_by_subscription().wait(timeout=10)
        self.assertEqual(subscribed.type, E.QUERY_PEERS_BY_SUBSCRIPTION_RESULT)
        self.assertEqual(subscribed.users, [b_id])

        b = self.logged_in(b_id)
        self.assertEqual(self.expect(a, E.PEERS_ONLINE_STATUS_CHANGED).peers, {b_id: ONLINE})
        b.logout().wait(timeout=10)
        self.assertEqual(self.expect(a, E.PEERS_ONLINE_STATUS_CHANGED).peers, {b_id: OFFLINE})

        a.unsubscribe_peers_online_status([b_id]).wait(timeout=10)
        self.assertEqual(a.query_peers_by_subscription().wait(timeout=10).users, [])
        b.login(b_id).wait(timeout=10)
        self.expect_nothing(a)

    def test_subscription_limits(self):
        a = self.logged_in()
        with self.assertRaises(rtm.ExceedLimitError):
            a.subscribe_peers_online_status([f"p{i}" for i in range(513)])
        with self.assertRaises(rtm.InvalidArgumentError):
            a.subscribe_peers_online_status([])


class TestUserAttributes(ServerTestCase):
    def test_write_and_read_user_attributes(self):
        a, b = self.logged_in(), self.logged_in()
        res = a.set_local_user_attributes({"status": "busy", "mood": "🙂"}).wait(timeout=10)
        self.assertEqual(res.type, E.USER_ATTRIBUTES_RESULT)
        got = b.get_user_attributes(a.user_id).wait(timeout=10)
        self.assertEqual(got.type, E.GET_USER_ATTRIBUTES_RESULT)
        self.assertEqual(got.user_id, a.user_id)
        self.assertEqual(got.attributes, {"status": "busy", "mood": "🙂"})

        a.add_or_update_local_user_attributes([("status", "free"), ("x", "1")]).wait(10)
        got = b.get_user_attributes(a.user_id, keys=["status", "x", "absent"]).wait(10)
        self.assertEqual(got.attributes, {"status": "free", "x": "1"})
        a.delete_local_user_attributes_by_keys(["x"]).wait(timeout=10)
        self.assertEqual(b.get_user_attributes(a.user_id).wait(10).attributes,
                         {"status": "free", "mood": "🙂"})
        a.clear_local_user_attributes().wait(timeout=10)
        self.assertEqual(b.get_user_attributes(a.user_id).wait(10).attributes, {})

    def test_attribute_errors(self):
        a = self.logged_in()
        with self.assertRaises(rtm.UserNotFoundError) as cm:
            a.get_user_attributes(unique("offline")).wait(timeout=10)
        self.assertEqual(cm.exception.event.type, E.GET_USER_ATTRIBUTES_RESULT)
        with self.assertRaises(rtm.SizeOverflowError):
            a.set_local_user_attributes({f"k{i}": "v" for i in range(33)})
        with self.assertRaises(rtm.SizeOverflowError):
            a.set_local_user_attributes({"k": "v" * 8193})
        with self.assertRaises(rtm.InvalidArgumentError):
            a.delete_local_user_attributes_by_keys([""])


if __name__ == "__main__":
    unittest.main()
