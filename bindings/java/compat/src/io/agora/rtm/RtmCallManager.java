package io.agora.rtm;

/**
 * Call invitations of one client (RtmClient.getRtmCallManager). The calls' failures carry
 * RtmStatusCode.InvitationApiCallError values; what happens next arrives at the listener.
 */
public abstract class RtmCallManager {
    RtmCallManager() {}

    public abstract void sendLocalInvitation(LocalInvitation invitation, ResultCallback<Void> callback);

    public abstract void acceptRemoteInvitation(RemoteInvitation invitation, ResultCallback<Void> callback);

    public abstract void refuseRemoteInvitation(RemoteInvitation invitation, ResultCallback<Void> callback);

    public abstract void cancelLocalInvitation(LocalInvitation invitation, ResultCallback<Void> callback);

    /** A new invitation to calleeId; null for an invalid id or once the client was released. */
    public abstract LocalInvitation createLocalInvitation(String calleeId);

    /** Replaces the listener (null: none). */
    public abstract void setEventListener(RtmCallEventListener listener);
}
