package io.agora.rtm;

import java.util.Objects;

/** A channel attribute: key, value, and (when read) who wrote it last and when. */
public class RtmChannelAttribute {
    private String key;
    private String value;
    private String lastUpdateUserId = "";
    private long lastUpdateTs;

    public RtmChannelAttribute() {}

    public RtmChannelAttribute(String key, String value) {
        this.key = key;
        this.value = value;
    }

    RtmChannelAttribute(String key, String value, String lastUpdateUserId, long lastUpdateTs) {
        this(key, value);
        this.lastUpdateUserId = lastUpdateUserId == null ? "" : lastUpdateUserId;
        this.lastUpdateTs = lastUpdateTs;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public String getKey() {
        return key;
    }

    public void setValue(String value) {
        this.value = value;
    }

    public String getValue() {
        return value;
    }

    /** The user who wrote this attribute last ("" for one made here). */
    public String getLastUpdateUserId() {
        return lastUpdateUserId;
    }

    /** When it was written last, ms since the epoch (0 for one made here). */
    public long getLastUpdateTs() {
        return lastUpdateTs;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RtmChannelAttribute)) return false;
        RtmChannelAttribute a = (RtmChannelAttribute) o;
        return Objects.equals(key, a.key) && Objects.equals(value, a.value)
                && Objects.equals(lastUpdateUserId, a.lastUpdateUserId) && lastUpdateTs == a.lastUpdateTs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, value, lastUpdateUserId, lastUpdateTs);
    }

    @Override
    public String toString() {
        return "RtmChannelAttribute{key=" + key + ", value=" + value + ", lastUpdateUserId=" + lastUpdateUserId
                + ", lastUpdateTs=" + lastUpdateTs + "}";
    }
}
