package io.rtm;

import java.util.Objects;

/**
 * One entry of an attribute list read from an event: key and value, and for channel
 * attributes who last updated it and when (null / 0 where the list has no such data).
 */
public final class Attribute {
    private final String key;
    private final String value;
    private final String updatedBy;
    private final long updatedTsMs;

    public Attribute(String key, String value, String updatedBy, long updatedTsMs) {
        this.key = key;
        this.value = value;
        this.updatedBy = updatedBy;
        this.updatedTsMs = updatedTsMs;
    }

    public String key() {
        return key;
    }

    public String value() {
        return value;
    }

    /** The user who last updated a channel attribute; null for user attributes. */
    public String updatedBy() {
        return updatedBy;
    }

    /** When a channel attribute was last updated, in ms since the epoch; 0 for user attributes. */
    public long updatedTsMs() {
        return updatedTsMs;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Attribute)) return false;
        Attribute a = (Attribute) o;
        return key.equals(a.key) && value.equals(a.value) && Objects.equals(updatedBy, a.updatedBy)
                && updatedTsMs == a.updatedTsMs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, value, updatedBy, updatedTsMs);
    }

    @Override
    public String toString() {
        return key + "=" + value + (updatedBy != null ? " (by " + updatedBy + " at " + updatedTsMs + ")" : "");
    }
}
