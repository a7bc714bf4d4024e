package io.rtm;

/** The state of a remote (received) call invitation (rtm_remote_invitation_state_t; every value equals its C number). */
public enum RemoteInvitationState {
    IDLE(0),
    INVITATION_RECEIVED(1),
    ACCEPT_SENT_TO_LOCAL(2),
    REFUSED(3),
    ACCEPTED(4),
    CANCELED(5),
    FAILURE(6);

    private static final RemoteInvitationState[] BY_CODE = Codes.index(values(), RemoteInvitationState::code);

    private final int code;

    RemoteInvitationState(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_REMOTE_INVITATION_STATE_IDLE". */
    public String cName() {
        return "RTM_REMOTE_INVITATION_STATE_" + name();
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static RemoteInvitationState of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_remote_invitation_state_t");
    }
}
