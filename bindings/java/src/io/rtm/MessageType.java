package io.rtm;

/** The kind of a message (rtm_message_type_t; every value equals its C number). */
public enum MessageType {
    UNDEFINED(0),
    TEXT(1),
    RAW(2);

    private static final MessageType[] BY_CODE = Codes.index(values(), MessageType::code);

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_MESSAGE_TYPE_UNDEFINED". */
    public String cName() {
        return "RTM_MESSAGE_TYPE_" + name();
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static MessageType of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_message_type_t");
    }
}
