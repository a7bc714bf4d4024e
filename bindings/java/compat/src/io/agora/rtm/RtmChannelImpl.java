package io.agora.rtm;

import io.agora.rtm.ErrorMapping.Op;
import io.rtm.Channel;
import io.rtm.Event;
import io.rtm.RtmException;
import java.util.ArrayList;
import java.util.List;

/** RtmChannel on one io.rtm.Channel; its events come from the client's handler. */
final class RtmChannelImpl extends RtmChannel {
    private final RtmClientImpl owner;
    private final Channel channel;
    private final String id;
    private final RtmChannelListener listener;
    private volatile boolean released;

    RtmChannelImpl(RtmClientImpl owner, Channel channel, RtmChannelListener listener) {
        this.owner = owner;
        this.channel = channel;
        this.id = channel.id();
        this.listener = listener;
    }

    /** One channel event (on the SDK thread). */
    void onEvent(Event e) {
        if (listener == null || released) return;
        switch (e.type()) {
        case CHANNEL_MEMBER_JOINED:
            listener.onMemberJoined(new RtmChannelMember(e.userId(), id));
            break;
        case CHANNEL_MEMBER_LEFT:
            listener.onMemberLeft(new RtmChannelMember(e.userId(), id));
            break;
        case CHANNEL_MESSAGE_RECEIVED:
            listener.onMessageReceived(RtmMessage.copyOf(e.message()), new RtmChannelMember(e.userId(), id));
            break;
        case CHANNEL_MEMBER_COUNT_UPDATED:
            listener.onMemberCountUpdated(e.memberCount());
            break;
        case CHANNEL_ATTRIBUTES_UPDATED:
            listener.onAttributesUpdated(RtmClientImpl.channelAttributeList(e.attributes()));
            break;
        default:
            break; // CHANNEL_KICKED: RTM 1.x Java has no callback for it
        }
    }

    private boolean refuse(ResultCallback<?> cb) {
        if (!released) return false;
        RtmClientImpl.failNow(cb, ErrorMapping.NOT_INITIALIZED, "the channel was released");
        return true;
    }

    @Override
    public void join(ResultCallback<Void> callback) {
        if (!refuse(callback)) owner.request(Op.JOIN_CHANNEL, callback, channel::join);
    }

    @Override
    public void leave(ResultCallback<Void> callback) {
        if (!refuse(callback)) owner.request(Op.LEAVE_CHANNEL, callback, channel::leave);
    }

    @Override
    @Deprecated
    public void sendMessage(RtmMessage message, ResultCallback<Void> callback) {
        sendMessage(message, null, callback);
    }

    /** options: accepted; neither option applies to channel messages on rtmd. */
    @Override
    public void sendMessage(RtmMessage message, SendMessageOptions options, ResultCallback<Void> callback) {
        if (!refuse(callback)) owner.send(Op.CHANNEL_MESSAGE, message, callback, m -> channel.sendMessage(m));
    }

    @Override
    public void getMembers(ResultCallback<List<RtmChannelMember>> callback) {
        if (refuse(callback)) return;
        owner.request(callback, channel::getMembers, e -> {
            List<RtmChannelMember> members = new ArrayList<>();
            for (String user : e.users()) members.add(new RtmChannelMember(user, id));
            return members;
        }, err -> ErrorMapping.code(Op.GET_MEMBERS, err), Op.GET_MEMBERS);
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public void release() {
        if (released) return;
        released = true;
        owner.forget(this);
        try {
            channel.close();
        } catch (RtmException ignored) {
            // closing never fails for a live handle; nothing else to undo
        }
    }
}
