package io.agora.rtm;

/** An invitation this user sends (RtmCallManager.createLocalInvitation). */
public interface LocalInvitation {
    String getCalleeId();

    /** At most 8 KB of UTF-8; set before sending (a longer one fails the send: INVALID_ARGUMENT). */
    void setContent(String content);

    String getContent();

    /** The channel of the call, passed on to the callee; set before sending. */
    void setChannelId(String channelId);

    String getChannelId();

    /** The callee's response once it accepted or refused ("" before). */
    String getResponse();

    /** An RtmStatusCode.LocalInvitationState value. */
    int getState();
}
