package io.rtm;

/** The state of a local (outgoing) call invitation (rtm_local_invitation_state_t; every value equals its C number). */
public enum LocalInvitationState {
    IDLE(0),
    SENT_TO_REMOTE(1),
    RECEIVED_BY_REMOTE(2),
    ACCEPTED_BY_REMOTE(3),
    REFUSED_BY_REMOTE(4),
    CANCELED(5),
    FAILURE(6);

    private static final LocalInvitationState[] BY_CODE = Codes.index(values(), LocalInvitationState::code);

    private final int code;

    LocalInvitationState(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_LOCAL_INVITATION_STATE_IDLE". */
    public String cName() {
        return "RTM_LOCAL_INVITATION_STATE_" + name();
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static LocalInvitationState of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_local_invitation_state_t");
    }
}
