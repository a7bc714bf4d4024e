"""Channels against a real rtmd: join, member events, messages (text and raw with NULs, never
echoed), members, leave, counts, sending from outside, and channel attributes."""

import unittest

import rtm
from rtmtest import ServerTestCase, unique

E = rtm.EventType


class TestChannels(ServerTestCase):
    def joined(self, c: rtm.Client, channel_id: str) -> rtm.Channel:
        ch = c.create_channel(channel_id)
        self.addCleanup(ch.close)
        res = ch.join().wait(timeout=10)
        self.assertEqual((res.type, res.channel_id), (E.JOIN_CHANNEL_RESULT, channel_id))
        return ch

    def test_join_members_messages_and_leave(self):
        cid = unique("room")
        a, b = self.logged_in(unique("a")), self.logged_in(unique("b"))
        ca = self.joined(a, cid)
        self.assertEqual(ca.id, cid)
        self.assertIs(ca.client, a)
        cb = self.joined(b, cid)
        ev = self.expect(a, E.CHANNEL_MEMBER_JOINED)
        self.assertEqual((ev.channel_id, ev.user_id), (cid, b.user_id))

        res = ca.send_message("hello room").wait(timeout=10)
        self.assertEqual((res.type, res.channel_id), (E.SEND_CHANNEL_MESSAGE_RESULT, cid))
        ev = self.expect(b, E.CHANNEL_MESSAGE_RECEIVED)
        self.assertEqual((ev.channel_id, ev.user_id), (cid, a.user_id))
        self.assertEqual(ev.message.text, "hello room")
        self.assertGreater(ev.message.id, 0)
        self.assertGreater(ev.message.server_ts_ms, 0)

        payload = b"\x00\x01raw\x00" * 50
        cb.send_message(rtm.Message(payload, "bin")).wait(timeout=10)
        m = self.expect(a, E.CHANNEL_MESSAGE_RECEIVED).message
        self.assertEqual((m.type, m.data, m.description), (rtm.MessageType.RAW, payload, "bin"))
        self.expect_nothing(a, skip=(E.CHANNEL_MEMBER_COUNT_UPDATED,))  # never echoed
        self.expect_nothing(b, skip=(E.CHANNEL_MEMBER_COUNT_UPDATED,))

        members = ca.get_members().wait(timeout=10)
        self.assertEqual(members.type, E.GET_MEMBERS_RESULT)
        self.assertEqual(sorted(members.users), sorted([a.user_id, b.user_id]))

        res = cb.leave().wait(timeout=10)
        self.assertEqual(res.type, E.LEAVE_CHANNEL_RESULT)
        ev = self.expect(a, E.CHANNEL_MEMBER_LEFT)
        self.assertEqual((ev.channel_id, ev.user_id), (cid, b.user_id))
        with self.assertRaises(rtm.NotInChannelError):
            cb.send_message("after leaving")
        with self.assertRaises(rtm.NotInChannelError):
            cb.leave()

    def test_member_count_events_and_queries(self):
        cid = unique("count")
        a, b = self.logged_in(), self.logged_in()
        self.joined(a, cid)
        self.joined(b, cid)
        ev = self.expect(b, E.CHANNEL_MEMBER_COUNT_UPDATED, timeout=5)
        self.assertEqual(ev.channel_id, cid)
        self.assertIn(ev.member_count, (1, 2))
        empty = unique("empty")
        res = a.get_channel_member_count([cid, empty]).wait(timeout=10)
        self.assertEqual(res.channel_member_counts, {cid: 2, empty: 0})

    def test_member_list_on_join(self):
        cid = unique("list")
        a = self.logged_in()
        self.joined(a, cid)
        b = self.logged_in(channel__member_list_on_join=True)
        ch = b.create_channel(cid)
        res = ch.join().wait(timeout=10)
        self.assertEqual(sorted(res.users), sorted([a.user_id, b.user_id]))
        ch.close()

    def test_join_errors(self):
        a = self.logged_in()
        ch = self.joined(a, unique("j"))
        with self.assertRaises(rtm.AlreadyJoinedError) as cm:
            ch.join()
        self.assertIn("already joined", cm.exception.sentence)
        with self.assertRaises(rtm.InvalidStateError):
            a.create_channel(ch.id)  # one handle per id
        fresh = self.client()
        early = fresh.create_channel(unique("early"))  # before login: fine
        with self.assertRaises(rtm.NotLoggedInError):
            early.join()
        early.close()

    def test_send_from_outside(self):
        cid = unique("outside")
        a, b = self.logged_in(), self.logged_in()
        self.joined(a, cid)
        b.send_message_to_channel(cid, "knock knock").wait(timeout=10)
        ev = self.expect(a, E.CHANNEL_MESSAGE_RECEIVED)
        self.assertEqual((ev.user_id, ev.message.text), (b.user_id, "knock knock"))

    def test_channel_attributes(self):
        cid = unique("attrs")
        a, b = self.logged_in(), self.logged_in()
        self.joined(a, cid)
        self.joined(b, cid)
        self.expect(a, E.CHANNEL_MEMBER_JOINED)

        res = a.set_channel_attributes(cid, {"topic": "news", "lang": "en"}).wait(timeout=10)
        self.assertEqual(res.type, E.CHANNEL_ATTRIBUTES_RESULT)
        got = b.get_channel_attributes(cid).wait(timeout=10)
        self.assertEqual(got.type, E.GET_CHANNEL_ATTRIBUTES_RESULT)
        self.assertEqual(got.attributes, {"topic": "news", "lang": "en"})
        for entry in got.attribute_entries:
            self.assertEqual(entry.updated_by, a.user_id)
            self.assertGreater(entry.updated_ts_ms, 0)

        a.add_or_update_channel_attributes(cid, [("topic", "sport"), ("x", "1")],
                                           notify_members=True).wait(timeout=10)
        ev = self.expect(b, E.CHANNEL_ATTRIBUTES_UPDATED)
        self.assertEqual(ev.channel_id, cid)
        self.assertEqual(ev.attributes, {"topic": "sport", "lang": "en", "x": "1"})
        self.expect_nothing(a, skip=(E.CHANNEL_MEMBER_COUNT_UPDATED,))  # not to the writer

        a.delete_channel_attributes_by_keys(cid, ["x", "absent"]).wait(timeout=10)
        got = a.get_channel_attributes(cid, keys=["topic", "x"]).wait(timeout=10)
        self.assertEqual(got.attributes, {"topic": "sport"})
        a.clear_channel_attributes(cid, notify_members=True).wait(timeout=10)
        self.assertEqual(self.expect(b, E.CHANNEL_ATTRIBUTES_UPDATED).attributes, {})
        self.assertEqual(a.get_channel_attributes(cid).wait(timeout=10).attributes, {})

        with self.assertRaises(rtm.InvalidArgumentError):
            a.set_channel_attributes(cid, {"k": ""})
        with self.assertRaises(rtm.SizeOverflowError):
            a.set_channel_attributes(cid, {"k": "v" * 8193})
        with self.assertRaises(rtm.InvalidChannelIdError):
            a.get_channel_attributes(" bad")


if __name__ == "__main__":
    unittest.main()
