package io.agora.rtm;

import java.util.List;

/**
 * Channel events, called on the client's SDK thread, in order. Every method has an empty
 * default (implementations of the full upstream interface compile unchanged).
 */
public interface RtmChannelListener {
    default void onMemberCountUpdated(int memberCount) {}

    /** All attributes of the channel, after a write made with notification on. */
    default void onAttributesUpdated(List<RtmChannelAttribute> attributeList) {}

    /** A channel message from another member (never one's own). */
    default void onMessageReceived(RtmMessage message, RtmChannelMember fromMember) {}

    /** Never called: rtmd carries no image messages. */
    default void onImageMessageReceived(RtmImageMessage rtmImageMessage, RtmChannelMember rtmChannelMember) {}

    /** Never called: rtmd carries no file messages. */
    default void onFileMessageReceived(RtmFileMessage rtmFileMessage, RtmChannelMember rtmChannelMember) {}

    default void onMemberJoined(RtmChannelMember member) {}

    default void onMemberLeft(RtmChannelMember member) {}
}
