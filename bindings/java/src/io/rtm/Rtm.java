package io.rtm;

import io.rtm.internal.rtm_native;

/** Library-wide functions and flags of librtm. */
public final class Rtm {
    /** Send flag: store a peer message for an offline peer (RTM_SEND_OFFLINE). */
    public static final int SEND_OFFLINE = 1;
    /** Channel attribute flag: tell every member but the caller (RTM_ATTR_NOTIFY_MEMBERS). */
    public static final int ATTR_NOTIFY_MEMBERS = 1;

    private Rtm() {}

    /** (major << 16) | (minor << 8) | patch of the loaded librtm. */
    public static int version() {
        return (int) rtm_native.rtm_version();
    }

    /** "1.0.0". */
    public static String versionString() {
        return rtm_native.rtm_version_string();
    }

    /**
     * How many handles the process holds right now (configs, clients, channels, messages, polled
     * events, invitation references): for leak checks.
     */
    public static long liveHandles() {
        return rtm_native.rtm_live_handles();
    }

    /**
     * A login token in the "006" format for userId, valid until expireTs (seconds since the
     * epoch; 0: the token's own 24 hours) and never longer than 24 h after issueTs (0: now);
     * salt 0 means random. appId and appCertificate are 32 hexadecimal characters each. For
     * servers and tests: keep certificates off client devices.
     */
    public static String buildToken(String appId, String appCertificate, String userId, long expireTs, long salt,
            long issueTs) {
        checkU32("expireTs", expireTs);
        checkU32("salt", salt);
        checkU32("issueTs", issueTs);
        int[] err = new int[1];
        String token = rtm_native.rtm_token_build(appId, appCertificate, userId, expireTs, salt, issueTs, err);
        if (token == null) {
            ErrorCode code = err[0] != 0 ? ErrorCode.of(err[0]) : ErrorCode.FAILURE;
            String why = code == ErrorCode.INVALID_ARGUMENT
                    ? "app id and certificate must be 32 hexadecimal characters each"
                    : code == ErrorCode.INVALID_USER_ID ? "user id '" + userId + "' breaks the id rules" : code.description();
            throw new RtmException(code, "cannot build a token: " + why);
        }
        return token;
    }

    private static void checkU32(String name, long v) {
        if (v < 0 || v > 0xFFFFFFFFL) {
            throw new RtmException(ErrorCode.INVALID_ARGUMENT, name + " must be 0 to 4294967295, got " + v);
        }
    }
}
