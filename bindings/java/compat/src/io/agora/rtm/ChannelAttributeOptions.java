package io.agora.rtm;

/** Options of one channel-attribute write. */
public class ChannelAttributeOptions {
    private boolean enableNotificationToChannelMembers;

    public ChannelAttributeOptions() {}

    public ChannelAttributeOptions(boolean enableNotificationToChannelMembers) {
        this.enableNotificationToChannelMembers = enableNotificationToChannelMembers;
    }

    /** True: the channel's members get onAttributesUpdated with all attributes. */
    public boolean getEnableNotificationToChannelMembers() {
        return enableNotificationToChannelMembers;
    }

    public void setEnableNotificationToChannelMembers(boolean enable) {
        this.enableNotificationToChannelMembers = enable;
    }
}
