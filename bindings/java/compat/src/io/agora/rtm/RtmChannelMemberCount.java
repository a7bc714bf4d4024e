package io.agora.rtm;

/** The member count of one channel (0 when nobody is in it). */
public class RtmChannelMemberCount {
    private final String channelId;
    private final int memberCount;

    RtmChannelMemberCount(String channelId, int memberCount) {
        this.channelId = channelId;
        this.memberCount = memberCount;
    }

    public String getChannelID() {
        return channelId;
    }

    public int getMemberCount() {
        return memberCount;
    }

    @Override
    public String toString() {
        return "RtmChannelMemberCount{channelId=" + channelId + ", memberCount=" + memberCount + "}";
    }
}
