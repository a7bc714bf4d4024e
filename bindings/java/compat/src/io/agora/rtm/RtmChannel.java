package io.agora.rtm;

import java.util.List;

/** A channel handle (RtmClient.createChannel). Results arrive on the client's SDK thread. */
public abstract class RtmChannel {
    RtmChannel() {}

    public abstract void join(ResultCallback<Void> callback);

    public abstract void leave(ResultCallback<Void> callback);

    /** @deprecated use {@link #sendMessage(RtmMessage, SendMessageOptions, ResultCallback)} */
    @Deprecated
    public abstract void sendMessage(RtmMessage message, ResultCallback<Void> callback);

    public abstract void sendMessage(RtmMessage message, SendMessageOptions options, ResultCallback<Void> callback);

    public abstract void getMembers(ResultCallback<List<RtmChannelMember>> callback);

    public abstract String getId();

    /** Leaves the channel if joined and frees the handle; later calls fail with NOT_INITIALIZED. */
    public abstract void release();
}
