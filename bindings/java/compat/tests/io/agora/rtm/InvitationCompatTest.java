package io.agora.rtm;

import io.rtm.RtmdExtension;

import static io.agora.rtm.Support.Cb;
import static io.agora.rtm.Support.Seen;
import static io.agora.rtm.Support.loggedIn;
import static io.agora.rtm.Support.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.agora.rtm.RtmStatusCode.InvitationApiCallError;
import io.agora.rtm.RtmStatusCode.LocalInvitationError;
import io.agora.rtm.RtmStatusCode.LocalInvitationState;
import io.agora.rtm.RtmStatusCode.RemoteInvitationState;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Call invitations through RtmCallManager: accept, refuse, cancel, failure, wrong calls. */
class InvitationCompatTest {
    @RegisterExtension
    static final RtmdExtension server = Support.rtmd(
            "--invite-offline-timeout-ms", "800", "--invite-ack-timeout-ms", "800", "--invite-expire-ms", "3000");

    /** Records call events as lines; keeps the invitation objects it was given. */
    static final class Calls implements RtmCallEventListener {
        final Seen seen = new Seen();
        final BlockingQueue<RemoteInvitation> received = new LinkedBlockingQueue<>();
        volatile LocalInvitation lastLocal;
        volatile RemoteInvitation lastRemote;

        @Override
        public void onLocalInvitationReceivedByPeer(LocalInvitation li) {
            local(li, "local received " + li.getCalleeId());
        }

        @Override
        public void onLocalInvitationAccepted(LocalInvitation li, String response) {
            local(li, "local accepted " + response + " " + li.getState());
        }

        @Override
        public void onLocalInvitationRefused(LocalInvitation li, String response) {
            local(li, "local refused " + response + " " + li.getState());
        }

        @Override
        public void onLocalInvitationCanceled(LocalInvitation li) {
            local(li, "local canceled " + li.getState());
        }

        @Override
        public void onLocalInvitationFailure(LocalInvitation li, int code) {
            local(li, "local failure " + code + " " + li.getState());
        }

        @Override
        public void onRemoteInvitationReceived(RemoteInvitation ri) {
            received.add(ri);
            seen.add("remote received " + ri.getCallerId() + " " + ri.getContent() + " " + ri.getChannelId());
        }

        @Override
        public void onRemoteInvitationAccepted(RemoteInvitation ri) {
            remote(ri, "remote accepted " + ri.getState());
        }

        @Override
        public void onRemoteInvitationRefused(RemoteInvitation ri) {
            remote(ri, "remote refused " + ri.getState());
        }

        @Override
        public void onRemoteInvitationCanceled(RemoteInvitation ri) {
            remote(ri, "remote canceled " + ri.getState());
        }

        @Override
        public void onRemoteInvitationFailure(RemoteInvitation ri, int code) {
            remote(ri, "remote failure " + code);
        }

        private void local(LocalInvitation li, String line) {
            lastLocal = li;
            seen.add(line);
        }

        private void remote(RemoteInvitation ri, String line) {
            lastRemote = ri;
            seen.add(line);
        }

        RemoteInvitation next() throws InterruptedException {
            RemoteInvitation ri = received.poll(Support.WAIT_S, TimeUnit.SECONDS);
            assertNotNull(ri, "no invitation arrived");
            return ri;
        }
    }

    static Calls calls(RtmClient c) {
        Calls l = new Calls();
        c.getRtmCallManager().setEventListener(l);
        return l;
    }

    @Test
    void acceptedWithContentChannelAndResponse() throws Exception {
        String alice = uid("alice");
        String bob = uid("bob");
        RtmClient a = loggedIn(alice, new Seen());
        RtmClient b = loggedIn(bob, new Seen());
        try {
            Calls ac = calls(a);
            Calls bc = calls(b);
            RtmCallManager am = a.getRtmCallManager();
            assertSame(am, a.getRtmCallManager());
            LocalInvitation li = am.createLocalInvitation(bob);
            assertEquals(bob, li.getCalleeId());
            assertEquals(LocalInvitationState.LOCAL_INVITATION_STATE_IDLE, li.getState());
            li.setContent("video call?");
            li.setChannelId("call-1");
            Cb<Void> send = new Cb<>();
            am.sendLocalInvitation(li, send);
            send.ok();

            RemoteInvitation ri = bc.next();
            bc.seen.await("remote received " + alice + " video call? call-1");
            assertEquals(RemoteInvitationState.REMOTE_INVITATION_STATE_INVITATION_RECEIVED, ri.getState());
            ac.seen.await("local received " + bob);
            assertSame(li, ac.lastLocal, "the application's own object");

            ri.setResponse("coming");
            Cb<Void> accept = new Cb<>();
            b.getRtmCallManager().acceptRemoteInvitation(ri, accept);
            accept.ok();
            ac.seen.await("local accepted coming " + LocalInvitationState.LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE);
            bc.seen.await("remote accepted " + RemoteInvitationState.REMOTE_INVITATION_STATE_ACCEPTED);
            assertSame(ri, bc.lastRemote);
            assertEquals("coming", li.getResponse());

            Cb<Void> again = new Cb<>();
            b.getRtmCallManager().acceptRemoteInvitation(ri, again);
            again.failed(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT);
            Cb<Void> resend = new Cb<>();
            am.sendLocalInvitation(li, resend);
            resend.failed(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_ACCEPT);
            ac.seen.allOnSdkThread();
            bc.seen.allOnSdkThread();
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void refusedAndCanceled() throws Exception {
        String alice = uid("alice");
        String bob = uid("bob");
        RtmClient a = loggedIn(alice, new Seen());
        RtmClient b = loggedIn(bob, new Seen());
        try {
            Calls ac = calls(a);
            Calls bc = calls(b);
            RtmCallManager am = a.getRtmCallManager();

            LocalInvitation first = am.createLocalInvitation(bob);
            am.sendLocalInvitation(first, null); // a null callback: the events still come
            RemoteInvitation r1 = bc.next();
            r1.setResponse("busy");
            Cb<Void> refuse = new Cb<>();
            b.getRtmCallManager().refuseRemoteInvitation(r1, refuse);
            refuse.ok();
            ac.seen.await("local refused busy " + LocalInvitationState.LOCAL_INVITATION_STATE_REFUSED_BY_REMOTE);
            bc.seen.await("remote refused " + RemoteInvitationState.REMOTE_INVITATION_STATE_REFUSED);
            Cb<Void> acceptLate = new Cb<>();
            b.getRtmCallManager().acceptRemoteInvitation(r1, acceptLate);
            acceptLate.failed(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END);

            LocalInvitation second = am.createLocalInvitation(bob);
            Cb<Void> early = new Cb<>();
            am.cancelLocalInvitation(second, early);
            early.failed(InvitationApiCallError.INVITATION_API_CALL_ERR_NOT_STARTED);
            Cb<Void> send = new Cb<>();
            am.sendLocalInvitation(second, send);
            send.ok();
            Cb<Void> twice = new Cb<>();
            am.sendLocalInvitation(second, twice);
            twice.failed(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_SENT);
            bc.next();
            Cb<Void> cancel = new Cb<>();
            am.cancelLocalInvitation(second, cancel);
            cancel.ok();
            ac.seen.await("local canceled " + LocalInvitationState.LOCAL_INVITATION_STATE_CANCELED);
            bc.seen.await("remote canceled " + RemoteInvitationState.REMOTE_INVITATION_STATE_CANCELED);
            Cb<Void> cancelAgain = new Cb<>();
            am.cancelLocalInvitation(second, cancelAgain);
            cancelAgain.failed(InvitationApiCallError.INVITATION_API_CALL_ERR_ALREADY_END);
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void anOfflineCalleeFailsTheInvitation() throws Exception {
        RtmClient a = loggedIn(uid("alice"), new Seen());
        try {
            Calls ac = calls(a);
            LocalInvitation li = a.getRtmCallManager().createLocalInvitation(uid("nobody"));
            Cb<Void> send = new Cb<>();
            a.getRtmCallManager().sendLocalInvitation(li, send);
            send.ok();
            ac.seen.await("local failure " + LocalInvitationError.LOCAL_INVITATION_ERR_PEER_OFFLINE + " "
                    + LocalInvitationState.LOCAL_INVITATION_STATE_FAILURE);
        } finally {
            a.release();
        }
    }

    @Test
    void badInput() throws Exception {
        RtmClient a = loggedIn(uid("alice"), new Seen());
        RtmClient b = loggedIn(uid("bob"), new Seen());
        try {
            RtmCallManager am = a.getRtmCallManager();
            assertNull(am.createLocalInvitation("bad/id"));
            LocalInvitation big = am.createLocalInvitation(uid("carol"));
            big.setContent("x".repeat(8 * 1024 + 1));
            Cb<Void> tooBig = new Cb<>();
            am.sendLocalInvitation(big, tooBig);
            tooBig.failed(InvitationApiCallError.INVITATION_API_CALL_ERR_INVALID_ARGUMENT);
            Cb<Void> none = new Cb<>();
            am.sendLocalInvitation(null, none);
            none.failed(InvitationApiCallError.INVITATION_API_CALL_ERR_INVALID_ARGUMENT);
            LocalInvitation others = b.getRtmCallManager().createLocalInvitation(uid("carol"));
            Cb<Void> foreign = new Cb<>();
            am.sendLocalInvitation(others, foreign);
            foreign.failed(InvitationApiCallError.INVITATION_API_CALL_ERR_INVALID_ARGUMENT);
        } finally {
            a.release();
            b.release();
        }
    }
}
