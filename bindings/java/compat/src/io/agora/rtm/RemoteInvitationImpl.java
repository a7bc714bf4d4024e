package io.agora.rtm;

import io.rtm.Invitation;
import io.rtm.RtmException;

/** RemoteInvitation on one io.rtm remote invitation; the response goes out with the answer. */
final class RemoteInvitationImpl implements RemoteInvitation {
    final Invitation invitation;
    private final String callerId;
    private final String content;
    private final String channelId;
    private volatile String response = "";
    private volatile int lastState = RtmStatusCode.RemoteInvitationState.REMOTE_INVITATION_STATE_INVITATION_RECEIVED;

    RemoteInvitationImpl(Invitation invitation) {
        this.invitation = invitation;
        this.callerId = invitation.callerId();
        this.content = orEmpty(invitation.content());
        this.channelId = orEmpty(invitation.channelId());
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    @Override
    public String getCallerId() {
        return callerId;
    }

    @Override
    public String getContent() {
        return content;
    }

    @Override
    public void setResponse(String response) {
        this.response = response;
    }

    @Override
    public String getResponse() {
        return response;
    }

    @Override
    public String getChannelId() {
        return channelId;
    }

    @Override
    public int getState() {
        try {
            lastState = invitation.remoteState().code();
        } catch (RtmException closed) {
            // the client was released: the last state read stays
        }
        return lastState;
    }

    /** Hands the response to librtm (RtmException for a bad one) before an answer. */
    void applyResponse() {
        if (response != null && !response.isEmpty()) invitation.setResponse(response);
    }

    @Override
    public String toString() {
        return "RemoteInvitation{callerId=" + callerId + ", content=" + content + ", channelId=" + channelId
                + ", state=" + getState() + "}";
    }
}
