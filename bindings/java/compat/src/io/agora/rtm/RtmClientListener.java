package io.agora.rtm;

import java.util.Map;

/**
 * Client events, called on the client's SDK thread (its dispatcher), one at a time in the
 * order they happened. Every method has an empty default, so an application overrides only
 * what it needs (implementations of the full upstream interface compile unchanged).
 */
public interface RtmClientListener {
    /** state: RtmStatusCode.ConnectionState; reason: RtmStatusCode.ConnectionChangeReason. */
    default void onConnectionStateChanged(int state, int reason) {}

    /** A peer message (a copy the application may keep). */
    default void onMessageReceived(RtmMessage message, String peerId) {}

    /** Never called: rtmd carries no image messages. */
    default void onImageMessageReceivedFromPeer(RtmImageMessage rtmImageMessage, String peerId) {}

    /** Never called: rtmd carries no file messages. */
    default void onFileMessageReceivedFromPeer(RtmFileMessage rtmFileMessage, String peerId) {}

    /** Never called: rtmd has no media uploads. */
    default void onMediaUploadingProgress(RtmMediaOperationProgress progress, long requestId) {}

    /** Never called: rtmd has no media downloads. */
    default void onMediaDownloadingProgress(RtmMediaOperationProgress progress, long requestId) {}

    /** The token ended; the client is ABORTED (TOKEN_EXPIRED): log out, then in with a new one. */
    default void onTokenExpired() {}

    /** The token ends soon (rtmd --token-warn-s before): call renewToken. */
    default void onTokenPrivilegeWillExpire() {}

    /** Subscribed peers' states: user id to RtmStatusCode.PeerOnlineState. */
    default void onPeersOnlineStatusChanged(Map<String, Integer> peersStatus) {}
}
