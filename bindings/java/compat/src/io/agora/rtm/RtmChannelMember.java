package io.agora.rtm;

import java.util.Objects;

/** A member of a channel. */
public class RtmChannelMember {
    private final String userId;
    private final String channelId;

    RtmChannelMember(String userId, String channelId) {
        this.userId = userId;
        this.channelId = channelId;
    }

    public String getUserId() {
        return userId;
    }

    public String getChannelId() {
        return channelId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RtmChannelMember && Objects.equals(userId, ((RtmChannelMember) o).userId)
                && Objects.equals(channelId, ((RtmChannelMember) o).channelId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, channelId);
    }

    @Override
    public String toString() {
        return "RtmChannelMember{userId=" + userId + ", channelId=" + channelId + "}";
    }
}
