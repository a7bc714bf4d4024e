package io.agora.rtm;

import io.agora.rtm.ErrorMapping.Op;
import io.rtm.Event;
import io.rtm.Invitation;
import io.rtm.RtmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RtmCallManager of one client. Invitations in progress are kept by their librtm id, so every
 * event about one reaches the application as the same LocalInvitation / RemoteInvitation
 * object; they are dropped from here when they end.
 */
final class RtmCallManagerImpl extends RtmCallManager {
    private final RtmClientImpl owner;
    private final Map<Long, LocalInvitationImpl> local = new ConcurrentHashMap<>();
    private final Map<Long, RemoteInvitationImpl> remote = new ConcurrentHashMap<>();
    private volatile RtmCallEventListener listener;

    RtmCallManagerImpl(RtmClientImpl owner) {
        this.owner = owner;
    }

    @Override
    public void setEventListener(RtmCallEventListener listener) {
        this.listener = listener;
    }

    @Override
    public LocalInvitation createLocalInvitation(String calleeId) {
        if (owner.isReleased()) return null;
        try {
            return new LocalInvitationImpl(owner.client.createLocalInvitation(calleeId), calleeId);
        } catch (RtmException e) {
            return null; // an invalid callee id
        }
    }

    private LocalInvitationImpl mine(LocalInvitation li) {
        return li instanceof LocalInvitationImpl && ((LocalInvitationImpl) li).invitation.client() == owner.client
                ? (LocalInvitationImpl) li : null;
    }

    private RemoteInvitationImpl mine(RemoteInvitation ri) {
        return ri instanceof RemoteInvitationImpl && ((RemoteInvitationImpl) ri).invitation.client() == owner.client
                ? (RemoteInvitationImpl) ri : null;
    }

    private void notMine(ResultCallback<Void> cb) {
        owner.fail(cb, RtmStatusCode.InvitationApiCallError.INVITATION_API_CALL_ERR_INVALID_ARGUMENT,
                "the invitation is null or belongs to another client");
    }

    /** A call on inv; its failures become InvitationApiCallError values by inv's state then. */
    private void call(Invitation inv, boolean isLocal, ResultCallback<Void> cb, RtmClientImpl.Request r) {
        owner.request(cb, r, e -> null, err -> ErrorMapping.invitationApiCall(err, isLocal, state(inv)),
                Op.INVITATION_API_CALL);
    }

    private static int state(Invitation inv) {
        try {
            return inv.stateCode();
        } catch (RtmException closed) {
            return RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_FAILURE; // ended
        }
    }

    @Override
    public void sendLocalInvitation(LocalInvitation invitation, ResultCallback<Void> callback) {
        LocalInvitationImpl li = mine(invitation);
        if (li == null) {
            notMine(callback);
            return;
        }
        // known before the send, so that events racing its result find it (a second send fails)
        boolean fresh = state(li.invitation) == RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_IDLE;
        if (fresh) local.put(li.invitation.id(), li);
        call(li.invitation, true, new ResultCallback<Void>() {
            @Override
            public void onSuccess(Void v) {
                if (callback != null) callback.onSuccess(v);
            }

            @Override
            public void onFailure(ErrorInfo e) {
                int now = state(li.invitation);
                if (fresh && (now == RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_IDLE
                        || now == RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_FAILURE)) {
                    local.remove(li.invitation.id(), li); // the send did not happen: no events follow
                }
                if (callback != null) callback.onFailure(e);
            }
        }, li::send);
    }

    @Override
    public void cancelLocalInvitation(LocalInvitation invitation, ResultCallback<Void> callback) {
        LocalInvitationImpl li = mine(invitation);
        if (li == null) {
            notMine(callback);
            return;
        }
        call(li.invitation, true, callback, li.invitation::cancel);
    }

    @Override
    public void acceptRemoteInvitation(RemoteInvitation invitation, ResultCallback<Void> callback) {
        answer(invitation, true, callback);
    }

    @Override
    public void refuseRemoteInvitation(RemoteInvitation invitation, ResultCallback<Void> callback) {
        answer(invitation, false, callback);
    }

    /** Accepts or refuses invitation (with the response the application set on it). */
    private void answer(RemoteInvitation invitation, boolean accept, ResultCallback<Void> callback) {
        RemoteInvitationImpl ri = mine(invitation);
        if (ri == null) {
            notMine(callback);
            return;
        }
        call(ri.invitation, false, callback, () -> {
            ri.applyResponse();
            return accept ? ri.invitation.accept() : ri.invitation.refuse();
        });
    }

    /** One invitation event (on the SDK thread). */
    void onEvent(Event e) {
        Invitation ref = e.invitation();
        if (ref == null) return;
        long id = ref.id();
        RtmCallEventListener l = listener;
        switch (e.type()) {
        case REMOTE_INVITATION_RECEIVED: {
            RemoteInvitationImpl ri = new RemoteInvitationImpl(ref); // keeps this reference
            remote.put(id, ri);
            if (l != null) l.onRemoteInvitationReceived(ri);
            return;
        }
        case REMOTE_INVITATION_ACCEPTED:
        case REMOTE_INVITATION_REFUSED:
        case REMOTE_INVITATION_CANCELED:
        case REMOTE_INVITATION_FAILURE: {
            ref.close();
            RemoteInvitationImpl ri = remote.remove(id);
            if (ri == null || l == null) return;
            if (e.type() == io.rtm.EventType.REMOTE_INVITATION_ACCEPTED) l.onRemoteInvitationAccepted(ri);
            else if (e.type() == io.rtm.EventType.REMOTE_INVITATION_REFUSED) l.onRemoteInvitationRefused(ri);
            else if (e.type() == io.rtm.EventType.REMOTE_INVITATION_CANCELED) l.onRemoteInvitationCanceled(ri);
            else l.onRemoteInvitationFailure(ri, ErrorMapping.code(Op.REMOTE_INVITATION, e.error()));
            return;
        }
        default:
            break;
        }
        ref.close();
        LocalInvitationImpl li = e.type() == io.rtm.EventType.LOCAL_INVITATION_RECEIVED_BY_PEER ? local.get(id)
                                                                                             : local.remove(id);
        if (li == null || l == null) return;
        switch (e.type()) {
        case LOCAL_INVITATION_RECEIVED_BY_PEER:
            l.onLocalInvitationReceivedByPeer(li);
            break;
        case LOCAL_INVITATION_ACCEPTED:
            l.onLocalInvitationAccepted(li, li.getResponse());
            break;
        case LOCAL_INVITATION_REFUSED:
            l.onLocalInvitationRefused(li, li.getResponse());
            break;
        case LOCAL_INVITATION_CANCELED:
            l.onLocalInvitationCanceled(li);
            break;
        case LOCAL_INVITATION_FAILURE:
            l.onLocalInvitationFailure(li, ErrorMapping.code(Op.LOCAL_INVITATION, e.error()));
            break;
        default:
            break;
        }
    }
}
