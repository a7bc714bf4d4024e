package io.agora.rtm;

/**
 * Call invitation events, called on the client's SDK thread, in order. Every method has an
 * empty default. Failure codes: RtmStatusCode.LocalInvitationError / RemoteInvitationError.
 */
public interface RtmCallEventListener {
    default void onLocalInvitationReceivedByPeer(LocalInvitation localInvitation) {}

    default void onLocalInvitationAccepted(LocalInvitation localInvitation, String response) {}

    default void onLocalInvitationRefused(LocalInvitation localInvitation, String response) {}

    default void onLocalInvitationCanceled(LocalInvitation localInvitation) {}

    default void onLocalInvitationFailure(LocalInvitation localInvitation, int errorCode) {}

    default void onRemoteInvitationReceived(RemoteInvitation remoteInvitation) {}

    default void onRemoteInvitationAccepted(RemoteInvitation remoteInvitation) {}

    default void onRemoteInvitationRefused(RemoteInvitation remoteInvitation) {}

    default void onRemoteInvitationCanceled(RemoteInvitation remoteInvitation) {}

    default void onRemoteInvitationFailure(RemoteInvitation remoteInvitation, int errorCode) {}
}
