package io.rtm;

/** Which side of a call invitation a handle is: LOCAL (sent by this client) or REMOTE (received) (rtm_invitation_kind_t; every value equals its C number). */
public enum InvitationKind {
    LOCAL(1),
    REMOTE(2);

    private static final InvitationKind[] BY_CODE = Codes.index(values(), InvitationKind::code);

    private final int code;

    InvitationKind(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_INVITATION_KIND_LOCAL". */
    public String cName() {
        return "RTM_INVITATION_KIND_" + name();
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static InvitationKind of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_invitation_kind_t");
    }
}
