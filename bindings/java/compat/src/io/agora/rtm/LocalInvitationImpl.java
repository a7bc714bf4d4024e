package io.agora.rtm;

import io.rtm.Invitation;
import io.rtm.RtmException;

/** LocalInvitation on one io.rtm local invitation; content and channel id go out with the send. */
final class LocalInvitationImpl implements LocalInvitation {
    final Invitation invitation;
    private final String calleeId;
    private volatile String content = "";
    private volatile String channelId = "";
    private volatile int lastState = RtmStatusCode.LocalInvitationState.LOCAL_INVITATION_STATE_IDLE;

    LocalInvitationImpl(Invitation invitation, String calleeId) {
        this.invitation = invitation;
        this.calleeId = calleeId;
    }

    @Override
    public String getCalleeId() {
        return calleeId;
    }

    @Override
    public void setContent(String content) {
        this.content = content;
    }

    @Override
    public String getContent() {
        return content;
    }

    @Override
    public void setChannelId(String channelId) {
        this.channelId = channelId;
    }

    @Override
    public String getChannelId() {
        return channelId;
    }

    @Override
    public String getResponse() {
        try {
            String r = invitation.response();
            return r == null ? "" : r;
        } catch (RtmException closed) {
            return "";
        }
    }

    @Override
    public int getState() {
        try {
            lastState = invitation.localState().code();
        } catch (RtmException closed) {
            // the client was released: the last state read stays
        }
        return lastState;
    }

    /** Hands content and channel id to librtm (RtmException for bad ones), then sends. */
    long send() {
        if (content != null && !content.isEmpty()) invitation.setContent(content);
        if (channelId != null && !channelId.isEmpty()) invitation.setChannelId(channelId);
        return invitation.send();
    }

    @Override
    public String toString() {
        return "LocalInvitation{calleeId=" + calleeId + ", content=" + content + ", channelId=" + channelId
                + ", state=" + getState() + "}";
    }
}
