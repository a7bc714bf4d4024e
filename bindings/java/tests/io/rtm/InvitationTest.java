package io.rtm;

import static io.rtm.TestSupport.assertRtmError;
import static io.rtm.TestSupport.await;
import static io.rtm.TestSupport.awaitFailure;
import static io.rtm.TestSupport.loggedIn;
import static io.rtm.TestSupport.uid;
import static io.rtm.TestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Call invitations: send and receive, accept, refuse, cancel, failures and wrong states. */
class InvitationTest {
    @RegisterExtension
    static final RtmdExtension server = new RtmdExtension(
            "--invite-offline-timeout-ms", "800", "--invite-ack-timeout-ms", "800", "--invite-expire-ms", "2000");

    /** The caller sends; the callee receives it, answers with a response and accepts. */
    @Test
    void sentReceivedAndAccepted() {
        String alice = uid("alice");
        String bob = uid("bob");
        try (Client a = loggedIn(server, alice); Client b = loggedIn(server, bob);
                Invitation call = a.createLocalInvitation(bob)) {
            assertEquals(InvitationKind.LOCAL, call.kind());
            assertEquals(LocalInvitationState.IDLE, call.localState());
            assertEquals(bob, call.calleeId());
            assertNull(call.content());
            call.setContent("video call? \ud83d\udcde").setChannelId("call-1");
            await(call.sendAsync());
            assertEquals(alice, call.callerId());
            assertEquals("call-1", call.channelId());

            Invitation incoming;
            try (Event e = waitFor(b, EventType.REMOTE_INVITATION_RECEIVED)) {
                incoming = e.invitation();
                assertSame(incoming, e.invitation(), "one reference per event");
            }
            try (Invitation in = incoming) {
                assertEquals(InvitationKind.REMOTE, in.kind());
                assertEquals(RemoteInvitationState.INVITATION_RECEIVED, in.remoteState());
                assertEquals(alice, in.callerId());
                assertEquals("video call? \ud83d\udcde", in.content());
                assertEquals("call-1", in.channelId());
                assertRtmError(ErrorCode.INVALID_STATE, in::localState);
                try (Event e = waitFor(a, EventType.LOCAL_INVITATION_RECEIVED_BY_PEER);
                        Invitation same = e.invitation()) {
                    assertEquals(call, same, "references to one invitation are equal");
                    assertNotSame(call, same);
                    assertEquals(call.id(), same.id());
                }
                in.setResponse("coming");
                long accept = in.accept();
                // ACCEPT_SENT_TO_LOCAL inside the call; ACCEPTED once the server passed it on
                assertTrue(in.remoteState() == RemoteInvitationState.ACCEPT_SENT_TO_LOCAL
                        || in.remoteState() == RemoteInvitationState.ACCEPTED, in.remoteState().toString());
                try (Event e = waitFor(b, EventType.INVITATION_RESULT)) {
                    assertEquals(accept, e.requestId());
                    assertEquals(ErrorCode.OK, e.error());
                }
                try (Event e = waitFor(b, EventType.REMOTE_INVITATION_ACCEPTED)) {
                    assertEquals(in, e.invitation());
                    e.invitation().close();
                }
                assertEquals(RemoteInvitationState.ACCEPTED, in.remoteState());
                assertRtmError(ErrorCode.INVALID_STATE, () -> in.setResponse("again"));
                assertRtmError(ErrorCode.INVALID_STATE, in::refuse);
            }
            try (Event e = waitFor(a, EventType.LOCAL_INVITATION_ACCEPTED); Invitation same = e.invitation()) {
                assertEquals("coming", same.response());
            }
            assertEquals(LocalInvitationState.ACCEPTED_BY_REMOTE, call.localState());
            assertEquals("coming", call.response());
        }
    }

    @Test
    void refusedWithAResponse() {
        String bob = uid("bob");
        try (Client a = loggedIn(server, uid("alice")); Client b = loggedIn(server, bob);
                Invitation call = a.createLocalInvitation(bob)) {
            call.send();
            try (Event e = waitFor(b, EventType.REMOTE_INVITATION_RECEIVED); Invitation in = e.invitation()) {
                await(in.setResponse("busy").refuseAsync());
                assertEquals(RemoteInvitationState.REFUSED, in.remoteState());
            }
            try (Event e = waitFor(a, EventType.LOCAL_INVITATION_REFUSED); Invitation same = e.invitation()) {
                assertEquals("busy", same.response());
            }
            assertEquals(LocalInvitationState.REFUSED_BY_REMOTE, call.localState());
        }
    }

    @Test
    void cancelledByTheCaller() {
        String bob = uid("bob");
        try (Client a = loggedIn(server, uid("alice")); Client b = loggedIn(server, bob);
                Invitation call = a.createLocalInvitation(bob)) {
            assertRtmError(ErrorCode.INVALID_STATE, call::cancel); // not sent yet
            await(call.sendAsync());
            try (Event e = waitFor(b, EventType.REMOTE_INVITATION_RECEIVED); Invitation in = e.invitation()) {
                await(call.cancelAsync());
                assertEquals(LocalInvitationState.CANCELED, call.localState());
                try (Event c = waitFor(b, EventType.REMOTE_INVITATION_CANCELED)) {
                    assertEquals(in, c.invitation());
                    c.invitation().close();
                }
                assertEquals(RemoteInvitationState.CANCELED, in.remoteState());
                assertRtmError(ErrorCode.INVALID_STATE, in::accept);
            }
            waitFor(a, EventType.LOCAL_INVITATION_CANCELED).close();
        }
    }

    @Test
    void anOfflineCalleeFailsTheInvitation() {
        try (Client a = loggedIn(server, uid("alice")); Invitation call = a.createLocalInvitation(uid("away"))) {
            call.send();
            try (Event e = waitFor(a, EventType.LOCAL_INVITATION_FAILURE)) {
                assertEquals(ErrorCode.PEER_OFFLINE, e.error());
                e.invitation().close();
            }
            assertEquals(LocalInvitationState.FAILURE, call.localState());
        }
    }

    @Test
    void wrongStatesAndBadInputAreRefused() {
        String alice = uid("alice");
        try (Client a = loggedIn(server, alice); Invitation call = a.createLocalInvitation(uid("bob"))) {
            assertRtmError(ErrorCode.INVALID_STATE, call::accept);
            assertRtmError(ErrorCode.INVALID_STATE, call::refuse);
            assertRtmError(ErrorCode.INVALID_STATE, () -> call.setResponse("no"));
            assertRtmError(ErrorCode.SIZE_OVERFLOW, () -> call.setContent("x".repeat(8193)));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> call.setContent(null));
            assertRtmError(ErrorCode.INVALID_CHANNEL_ID, () -> call.setChannelId("bad/channel"));
            call.send();
            assertRtmError(ErrorCode.INVALID_STATE, call::send);
            assertRtmError(ErrorCode.INVALID_STATE, () -> call.setContent("late"));
            assertRtmError(ErrorCode.INVALID_USER_ID, () -> a.createLocalInvitation("bad/id"));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> a.createLocalInvitation(null));
            try (Invitation self = a.createLocalInvitation(alice)) {
                awaitFailure(ErrorCode.INVALID_USER_ID, self.sendAsync());
            }
        }
    }
}
