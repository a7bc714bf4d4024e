package io.rtm.internal;

import io.rtm.ErrorCode;
import io.rtm.RtmException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Strings cross JNI as UTF-8 byte arrays (JNI's own "modified UTF-8" would turn NUL into two
 * bytes and characters outside the BMP into surrogate pairs). Used by the generated code.
 */
public final class Utf8 {
    private Utf8() {}

    /**
     * The UTF-8 bytes of s, or null for null. A C string cannot hold a NUL character, and an
     * unpaired surrogate has no UTF-8 form: both are refused with INVALID_ARGUMENT instead of
     * being cut off or replaced silently.
     */
    public static byte[] encode(String s) {
        if (s == null) return null;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                throw new RtmException(ErrorCode.INVALID_ARGUMENT,
                        "a string passed to librtm contains a NUL character (at index " + i + ")");
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new RtmException(ErrorCode.INVALID_ARGUMENT,
                        "a string passed to librtm contains an unpaired surrogate (at index " + i
                                + "), which has no UTF-8 form");
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A String from UTF-8 bytes, or null for null. */
    public static String decode(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** Each string encoded (null elements stay null); null for null. */
    public static byte[][] encodeAll(String[] strings) {
        if (strings == null) return null;
        byte[][] out = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++) out[i] = encode(strings[i]);
        return out;
    }

    /** key, value, key, value, ... in the map's iteration order; null for null. */
    public static byte[][] encodePairs(Map<String, String> map) {
        if (map == null) return null;
        byte[][] out = new byte[map.size() * 2][];
        int i = 0;
        for (Map.Entry<String, String> e : map.entrySet()) {
            out[i++] = encode(e.getKey());
            out[i++] = encode(e.getValue());
        }
        return out;
    }
}
