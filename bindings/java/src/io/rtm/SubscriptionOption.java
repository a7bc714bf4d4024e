package io.rtm;

/** What a presence subscription is about (rtm_subscription_option_t; every value equals its C number). */
public enum SubscriptionOption {
    ONLINE_STATUS(0);

    private static final SubscriptionOption[] BY_CODE = Codes.index(values(), SubscriptionOption::code);

    private final int code;

    SubscriptionOption(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The C constant's name, e.g. "RTM_SUBSCRIPTION_OPTION_ONLINE_STATUS". */
    public String cName() {
        return "RTM_SUBSCRIPTION_OPTION_" + name();
    }

    /** The constant for a C value; IllegalArgumentException for a value librtm does not define. */
    public static SubscriptionOption of(int code) {
        return Codes.lookup(BY_CODE, code, "rtm_subscription_option_t");
    }
}
