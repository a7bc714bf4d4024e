package io.rtm;

import io.rtm.internal.rtm_native;

/** The type of an event taken from a client's queue (rtm_event_type_t; every value equals its C number). */
public enum EventType {
    CONNECTION_STATE_CHANGED(1),
    LOGIN_RESULT(2),
    LOGOUT_RESULT(3),
    RENEW_TOKEN_RESULT(4),
    TOKEN_EXPIRED(5),
    TOKEN_PRIVILEGE_WILL_EXPIRE(6),
    PEER_MESSAGE_RECEIVED(10),
    SEND_PEER_MESSAGE_RESULT(11),
    QUERY_PEERS_ONLINE_STATUS_RESULT(20),
    SUBSCRIPTION_RESULT(21),
    QUERY_PEERS_BY_SUBSCRIPTION_RESULT(22),
    PEERS_ONLINE_STATUS_CHANGED(23),
    USER_ATTRIBUTES_RESULT(30),
    GET_USER_ATTRIBUTES_RESULT(31),
    JOIN_CHANNEL_RESULT(40),
    LEAVE_CHANNEL_RESULT(41),
    CHANNEL_MEMBER_JOINED(42),
    CHANNEL_MEMBER_LEFT(43),
    CHANNEL_MESSAGE_RECEIVED(44),
    SEND_CHANNEL_MESSAGE_RESULT(45),
    GET_MEMBERS_RESULT(46),
    CHANNEL_MEMBER_COUNT_UPDATED(47),
    CHANNEL_ATTRIBUTES_UPDATED(48),
    CHANNEL_KICKED(49),
    CHANNEL_ATTRIBUTES_RESULT(50),
    GET_CHANNEL_ATTRIBUTES_RESULT(51),
    GET_CHANNEL_MEMBER_COUNT_RESULT(52),
    LOCAL_INVITATION_RECEIVED_BY_PEER(60),
    LOCAL_INVITATION_ACCEPTED(61),
    LOCAL_INVITATION_REFUSED(62),
    LOCAL_INVITATION_CANCELED(63),
    LOCAL_INVITATION_FAILURE(64),
    REMOTE_INVITATION_RECEIVED(65),
    REMOTE_INVITATION_ACCEPTED(66),
    REMOTE_INVITATION_REFUSED(67),
    REMOTE_INVITATION_CANCELED(68),
    REMOTE_INVITATION_FAILURE(69),
    INVITATION_RESULT(70);

    private static final EventType[] BY_CODE = Codes.index(values(), EventType::code);

    private final int code;

    EventType(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_EVENT_CONNECTION_STATE_CHANGED". */
    public String cName() {
        return "RTM_EVENT_" + name();
    }

    /** The name librtm gives the type (rtm_event_type_name); the same as cName(). */
    public String nativeName() {
        return rtm_native.rtm_event_type_name(code);
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static EventType of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_event_type_t");
    }
}
