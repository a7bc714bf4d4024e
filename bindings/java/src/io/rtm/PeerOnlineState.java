package io.rtm;

/** The online state of a peer (rtm_peer_online_state_t; every value equals its C number). */
public enum PeerOnlineState {
    ONLINE(0),
    UNREACHABLE(1),
    OFFLINE(2);

    private static final PeerOnlineState[] BY_CODE = Codes.index(values(), PeerOnlineState::code);

    private final int code;

    PeerOnlineState(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_PEER_ONLINE_STATE_ONLINE". */
    public String cName() {
        return "RTM_PEER_ONLINE_STATE_" + name();
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static PeerOnlineState of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_peer_online_state_t");
    }
}
