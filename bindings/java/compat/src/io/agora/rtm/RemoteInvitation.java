package io.agora.rtm;

/** An invitation this user received (onRemoteInvitationReceived). */
public interface RemoteInvitation {
    String getCallerId();

    String getContent();

    /** At most 8 KB of UTF-8, sent with the accept or refuse that follows. */
    void setResponse(String response);

    String getResponse();

    String getChannelId();

    /** An RtmStatusCode.RemoteInvitationState value. */
    int getState();
}
