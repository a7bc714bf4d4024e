package io.rtm;

/** The connection state of a client (rtm_connection_state_t; every value equals its C number). */
public enum ConnectionState {
    DISCONNECTED(1),
    CONNECTING(2),
    CONNECTED(3),
    RECONNECTING(4),
    ABORTED(5);

    private static final ConnectionState[] BY_CODE = Codes.index(values(), ConnectionState::code);

    private final int code;

    ConnectionState(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_CONNECTION_STATE_DISCONNECTED". */
    public String cName() {
        return "RTM_CONNECTION_STATE_" + name();
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static ConnectionState of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_connection_state_t");
    }
}
