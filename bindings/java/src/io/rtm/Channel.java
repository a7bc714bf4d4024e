package io.rtm;

import io.rtm.internal.rtm_native;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A channel handle (rtm_channel_t) made by {@link Client#createChannel}. It keeps its client
 * alive; once the client is closed every call throws RtmException CLOSED, and the handle stays
 * valid to close. Closing a joined channel leaves it (no event follows). A forgotten handle is
 * closed by the garbage collector.
 */
public final class Channel implements AutoCloseable {
    private static final Function<Event, Void> NOTHING = e -> null;

    @FunctionalInterface
    private interface ChannelCall {
        int invoke(long channel, long[] requestId);
    }

    private final Client client;
    private final NativeHandle handle;
    private final String id;

    Channel(Client client, long ptr) {
        this.client = client;
        this.handle = NativeHandle.register(this, ptr, rtm_native::rtm_channel_free, "channel");
        this.id = rtm_native.rtm_channel_id(ptr);
    }

    /** The channel id. */
    public String id() {
        return id;
    }

    /** The client this channel belongs to. */
    public Client client() {
        return client;
    }

    /**
     * Joins; JOIN_CHANNEL_RESULT follows (with the member list when the client was made with
     * channel.member_list_on_join=true), the other members get CHANNEL_MEMBER_JOINED.
     */
    public long join() {
        return call(rtm_native::rtm_channel_join);
    }

    /** Completes with the member list (empty unless channel.member_list_on_join is true). */
    public CompletableFuture<List<String>> joinAsync() {
        return callAsync(rtm_native::rtm_channel_join, Event::users);
    }

    /** Leaves; LEAVE_CHANNEL_RESULT follows, the others get CHANNEL_MEMBER_LEFT. */
    public long leave() {
        return call(rtm_native::rtm_channel_leave);
    }

    public CompletableFuture<Void> leaveAsync() {
        return callAsync(rtm_native::rtm_channel_leave, NOTHING);
    }

    /** Sends message to every other member; SEND_CHANNEL_MESSAGE_RESULT follows. */
    public long sendMessage(Message message) {
        return sendMessage(message, 0);
    }

    public long sendMessage(Message message, int flags) {
        long m = message == null ? 0 : message.acquire();
        try {
            return call((ch, id) -> rtm_native.rtm_channel_send_message(ch, m, Client.unsigned(flags), id));
        } finally {
            if (message != null) message.release();
        }
    }

    public CompletableFuture<Void> sendMessageAsync(Message message) {
        return sendMessageAsync(message, 0);
    }

    public CompletableFuture<Void> sendMessageAsync(Message message, int flags) {
        long m = message == null ? 0 : message.acquire();
        try {
            return callAsync((ch, id) -> rtm_native.rtm_channel_send_message(ch, m, Client.unsigned(flags), id),
                    NOTHING);
        } finally {
            if (message != null) message.release();
        }
    }

    /** Asks for the member list (at most 512); GET_MEMBERS_RESULT follows. */
    public long getMembers() {
        return call(rtm_native::rtm_channel_get_members);
    }

    public CompletableFuture<List<String>> getMembersAsync() {
        return callAsync(rtm_native::rtm_channel_get_members, Event::users);
    }

    /** True once closed. */
    public boolean isClosed() {
        return !handle.isOpen();
    }

    /** Leaves the channel if joined and frees the handle; idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "Channel[" + id + (isClosed() ? ", closed]" : "]");
    }

    private long call(ChannelCall f) {
        return handle.readLong(ch -> client.core.call(false, (c, id) -> f.invoke(ch, id)));
    }

    private <T> CompletableFuture<T> callAsync(ChannelCall f, Function<Event, T> extract) {
        return handle.read(ch -> client.core.callAsync(false, (c, id) -> f.invoke(ch, id), extract));
    }
}
