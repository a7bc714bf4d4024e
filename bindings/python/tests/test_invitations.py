"""Call invitations against a real rtmd: send and receive, accept, refuse, cancel, their states
on both sides, wrong-state calls, and a failure from the server's offline timeout."""

import unittest

import rtm
from rtmtest import ServerTestCase, unique

E = rtm.EventType
L, R = rtm.LocalInvitationState, rtm.RemoteInvitationState


class TestInvitations(ServerTestCase):
    RTMD_ARGS = ("--invite-offline-timeout-ms", "500")

    def setUp(self):
        self.caller, self.callee = self.logged_in(unique("caller")), self.logged_in(unique("callee"))

    def send(self, **kw) -> tuple[rtm.Invitation, rtm.Invitation]:
        """A sent invitation and the callee's view of it, once both sides saw it arrive."""
        inv = self.caller.create_local_invitation(self.callee.user_id, **kw)
        self.assertEqual(inv.state, L.IDLE)
        res = inv.send().wait(timeout=10)
        self.assertEqual(res.type, E.INVITATION_RESULT)
        self.assertEqual(res.invitation, inv)
        ev = self.expect(self.callee, E.REMOTE_INVITATION_RECEIVED)
        remote = ev.invitation
        self.expect(self.caller, E.LOCAL_INVITATION_RECEIVED_BY_PEER)
        self.assertEqual(inv.state, L.RECEIVED_BY_REMOTE)
        return inv, remote

    def test_accept_with_content_channel_and_response(self):
        inv, remote = self.send(content="video call? ✓", channel_id="call-1")
        self.assertEqual(inv.kind, rtm.InvitationKind.LOCAL)
        self.assertEqual(remote.kind, rtm.InvitationKind.REMOTE)
        self.assertEqual(remote.state, R.INVITATION_RECEIVED)
        self.assertEqual(remote.caller_id, self.caller.user_id)
        self.assertEqual(remote.callee_id, self.callee.user_id)
        self.assertEqual((remote.content, remote.channel_id), ("video call? ✓", "call-1"))
        self.assertEqual(inv.caller_id, self.caller.user_id)

        res = remote.accept("coming").wait(timeout=10)
        self.assertEqual(res.type, E.INVITATION_RESULT)
        ev = self.expect(self.callee, E.REMOTE_INVITATION_ACCEPTED)
        self.assertEqual(ev.invitation, remote)
        self.assertEqual(remote.state, R.ACCEPTED)
        ev = self.expect(self.caller, E.LOCAL_INVITATION_ACCEPTED)
        self.assertEqual(ev.invitation.response, "coming")
        self.assertEqual(inv.state, L.ACCEPTED_BY_REMOTE)
        self.assertEqual(ev.invitation.id, inv.id)

    def test_refuse(self):
        inv, remote = self.send(content="lunch?")
        remote.response = "not now"
        remote.refuse().wait(timeout=10)
        self.assertEqual(remote.state, R.REFUSED)
        self.expect(self.callee, E.REMOTE_INVITATION_REFUSED)
        ev = self.expect(self.caller, E.LOCAL_INVITATION_REFUSED)
        self.assertEqual(ev.invitation.response, "not now")
        self.assertEqual(inv.state, L.REFUSED_BY_REMOTE)

    def test_cancel(self):
        inv, remote = self.send()
        inv.cancel().wait(timeout=10)
        self.assertEqual(inv.state, L.CANCELED)
        self.expect(self.caller, E.LOCAL_INVITATION_CANCELED)
        ev = self.expect(self.callee, E.REMOTE_INVITATION_CANCELED)
        self.assertEqual(ev.invitation, remote)
        self.assertEqual(remote.state, R.CANCELED)

    def test_wrong_state_calls(self):
        inv = self.caller.create_local_invitation(self.callee.user_id)
        with self.assertRaises(rtm.InvalidStateError):
            inv.cancel()  # not sent
        with self.assertRaises(rtm.InvalidStateError) as cm:
            inv.accept()  # local
        self.assertIn("remote", cm.exception.sentence)
        inv.send().wait(timeout=10)
        with self.assertRaises(rtm.InvalidStateError):
            inv.send()
        with self.assertRaises(rtm.InvalidStateError):
            inv.content = "too late"
        remote = self.expect(self.callee, E.REMOTE_INVITATION_RECEIVED).invitation
        with self.assertRaises(rtm.InvalidStateError):
            remote.cancel()
        remote.refuse().wait(timeout=10)
        with self.assertRaises(rtm.InvalidStateError):
            remote.accept()
        with self.assertRaises(rtm.InvalidStateError):
            remote.response = "after the answer"

    def test_bad_input(self):
        with self.assertRaises(rtm.InvalidUserIdError):
            self.caller.create_local_invitation("null")
        inv = self.caller.create_local_invitation(self.callee.user_id)
        with self.assertRaises(rtm.SizeOverflowError):
            inv.content = "x" * 8193
        with self.assertRaises(rtm.InvalidChannelIdError):
            inv.channel_id = " bad"
        with self.assertRaises(rtm.SizeOverflowError):  # and nothing is left behind
            self.caller.create_local_invitation(self.callee.user_id, content="x" * 9000)

    def test_offline_callee_fails_with_peer_offline(self):
        inv = self.caller.create_local_invitation(unique("away"))
        inv.send().wait(timeout=10)
        ev = self.expect(self.caller, E.LOCAL_INVITATION_FAILURE)
        self.assertEqual(ev.error, rtm.Err.PEER_OFFLINE)
        self.assertIsInstance(ev.exception(), rtm.PeerOfflineError)
        self.assertEqual(inv.state, L.FAILURE)


if __name__ == "__main__":
    unittest.main()
