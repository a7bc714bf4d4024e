package io.agora.rtm;

import java.util.Objects;

/** A user attribute: key and value. */
public class RtmAttribute {
    private String key;
    private String value;

    public RtmAttribute() {}

    public RtmAttribute(String key, String value) {
        this.key = key;
        this.value = value;
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

    @Override
    public boolean equals(Object o) {
        return o instanceof RtmAttribute && Objects.equals(key, ((RtmAttribute) o).key)
                && Objects.equals(value, ((RtmAttribute) o).value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, value);
    }

    @Override
    public String toString() {
        return "RtmAttribute{key=" + key + ", value=" + value + "}";
    }
}
