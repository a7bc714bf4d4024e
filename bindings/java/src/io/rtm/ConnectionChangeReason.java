package io.rtm;

/** Why the connection state changed (rtm_connection_change_reason_t; every value equals its C number). */
public enum ConnectionChangeReason {
    LOGIN(1),
    LOGIN_SUCCESS(2),
    LOGIN_FAILURE(3),
    LOGIN_TIMEOUT(4),
    INTERRUPTED(5),
    LOGOUT(6),
    BANNED_BY_SERVER(7),
    REMOTE_LOGIN(8),
    TOKEN_EXPIRED(9);

    private static final ConnectionChangeReason[] BY_CODE = Codes.index(values(), ConnectionChangeReason::code);

    private final int code;

    ConnectionChangeReason(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_CONNECTION_CHANGE_REASON_LOGIN". */
    public String cName() {
        return "RTM_CONNECTION_CHANGE_REASON_" + name();
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static ConnectionChangeReason of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_connection_change_reason_t");
    }
}
