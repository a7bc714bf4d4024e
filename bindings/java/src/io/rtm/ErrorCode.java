package io.rtm;

import io.rtm.internal.rtm_native;

/** One error code space for every operation (rtm_err_t; every value equals its C number). */
public enum ErrorCode {
    OK(0),
    FAILURE(1),
    INVALID_ARGUMENT(2),
    NOT_LOGGED_IN(3),
    ALREADY_LOGGED_IN(4),
    TIMEOUT(5),
    TOO_OFTEN(6),
    REJECTED(7),
    INVALID_APP_ID(8),
    INVALID_TOKEN(9),
    TOKEN_EXPIRED(10),
    NOT_AUTHORIZED(11),
    INVALID_USER_ID(12),
    INVALID_CHANNEL_ID(13),
    INVALID_MESSAGE(14),
    SIZE_OVERFLOW(15),
    EXCEED_LIMIT(16),
    PEER_UNREACHABLE(17),
    CACHED_BY_SERVER(18),
    ALREADY_JOINED(19),
    NOT_IN_CHANNEL(20),
    USER_NOT_FOUND(21),
    PEER_OFFLINE(22),
    PEER_NO_RESPONSE(23),
    INVITATION_EXPIRED(24),
    INVALID_STATE(25),
    NO_MEMORY(26),
    NETWORK(27),
    TLS(28),
    PROTOCOL(29),
    CLOSED(30),
    NOT_SUPPORTED(31);

    private static final ErrorCode[] BY_CODE = Codes.index(values(), ErrorCode::code);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_ERR_TIMEOUT". */
    public String cName() {
        return this == OK ? "RTM_OK" : "RTM_ERR_" + name();
    }

    /** The name librtm gives the code (rtm_err_name); the same as cName(). */
    public String nativeName() {
        return rtm_native.rtm_err_name(code);
    }

    /** One English sentence describing the code (rtm_err_str). */
    public String description() {
        return rtm_native.rtm_err_str(code);
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static ErrorCode of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_err_t");
    }
}
