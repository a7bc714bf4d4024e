package io.rtm;

import io.rtm.internal.rtm_native;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * One event taken from a client's queue (rtm_event_t). Its type, request id and error are read
 * when it is taken; every other accessor reads the native event, and returns null / 0 / an
 * empty collection for what this type of event does not carry (docs/client.md lists which event
 * carries what). Close it when done (try-with-resources), or let the garbage collector free it;
 * a {@link Message} read from it lives as long as the event.
 */
public final class Event implements AutoCloseable {
    private final NativeHandle handle;
    private final ClientCore client;
    private final EventType type;
    private final long requestId;
    private final ErrorCode error;
    private Message message; // guarded by this
    private Invitation invitation; // guarded by this

    Event(long ptr, ClientCore client) {
        this.client = client;
        this.handle = NativeHandle.register(this, ptr, rtm_native::rtm_event_free, "event");
        try {
            type = EventType.of(rtm_native.rtm_event_type(ptr));
            requestId = rtm_native.rtm_event_request_id(ptr);
            error = ErrorCode.of(rtm_native.rtm_event_error(ptr));
        } catch (RuntimeException e) {
            handle.close();
            throw e;
        }
    }

    public EventType type() {
        return type;
    }

    /** The request id of a result event; 0 for unsolicited events. */
    public long requestId() {
        return requestId;
    }

    /** The outcome of a result event (OK on success); OK for other events. */
    public ErrorCode error() {
        return error;
    }

    /** Channel events and channel request results: the channel id; else null. */
    public String channelId() {
        return handle.read(rtm_native::rtm_event_channel_id);
    }

    /** The sender (PEER_MESSAGE_RECEIVED, CHANNEL_MESSAGE_RECEIVED), member or peer; else null. */
    public String userId() {
        return handle.read(rtm_native::rtm_event_user_id);
    }

    /**
     * The received message (PEER_ and CHANNEL_MESSAGE_RECEIVED); else null. It belongs to this
     * event: valid while the event is open, closing it does nothing.
     */
    public synchronized Message message() {
        long e = handle.acquire();
        try {
            if (message == null) {
                long m = rtm_native.rtm_event_message(e);
                if (m != 0) message = new Message(m, this, handle);
            }
            return message;
        } finally {
            handle.release();
        }
    }

    /** CONNECTION_STATE_CHANGED: the new state; else null. */
    public ConnectionState connectionState() {
        int v = handle.readInt(rtm_native::rtm_event_connection_state);
        return v == 0 ? null : ConnectionState.of(v);
    }

    /** CONNECTION_STATE_CHANGED: why the state changed; else null. */
    public ConnectionChangeReason connectionReason() {
        int v = handle.readInt(rtm_native::rtm_event_connection_reason);
        return v == 0 ? null : ConnectionChangeReason.of(v);
    }

    /**
     * Invitation events (LOCAL_/REMOTE_INVITATION_*, INVITATION_RESULT): the invitation; else
     * null. The first call takes a new reference (rtm_event_invitation) that outlives the event:
     * close it when done with the invitation. Later calls return the same object.
     */
    public synchronized Invitation invitation() {
        long e = handle.acquire();
        try {
            if (invitation == null) {
                long inv = rtm_native.rtm_event_invitation(e);
                if (inv != 0) invitation = new Invitation(client, inv);
            }
            return invitation;
        } finally {
            handle.release();
        }
    }

    /** CHANNEL_MEMBER_COUNT_UPDATED: the member count; else 0. */
    public int memberCount() {
        return handle.readInt(rtm_native::rtm_event_member_count);
    }

    /**
     * QUERY_PEERS_ONLINE_STATUS_RESULT and PEERS_ONLINE_STATUS_CHANGED: each peer and its state,
     * in the event's order; else empty.
     */
    public Map<String, PeerOnlineState> peerStates() {
        return map(rtm_native::rtm_event_peer_count, rtm_native::rtm_event_peer_id,
                (e, i) -> PeerOnlineState.of(rtm_native.rtm_event_peer_state(e, i)));
    }

    /**
     * The user list: members (GET_MEMBERS_RESULT, JOIN_CHANNEL_RESULT with
     * channel.member_list_on_join) or subscribed peers (QUERY_PEERS_BY_SUBSCRIPTION_RESULT).
     */
    public List<String> users() {
        return list(rtm_native::rtm_event_user_count, rtm_native::rtm_event_user_at);
    }

    /**
     * The attribute list (GET_USER_ATTRIBUTES_RESULT, GET_CHANNEL_ATTRIBUTES_RESULT,
     * CHANNEL_ATTRIBUTES_UPDATED) with who updated each entry and when, where known.
     */
    public List<Attribute> attributes() {
        return list(rtm_native::rtm_event_attribute_count,
                (e, i) -> new Attribute(rtm_native.rtm_event_attribute_key(e, i),
                        rtm_native.rtm_event_attribute_value(e, i), rtm_native.rtm_event_attribute_updated_by(e, i),
                        rtm_native.rtm_event_attribute_updated_ts_ms(e, i)));
    }

    /** The attribute list as key to value, in the event's order. */
    public Map<String, String> attributeMap() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Attribute a : attributes()) out.put(a.key(), a.value());
        return Collections.unmodifiableMap(out);
    }

    /** GET_CHANNEL_MEMBER_COUNT_RESULT: each channel and its member count, in the event's order. */
    public Map<String, Integer> channelMemberCounts() {
        return map(rtm_native::rtm_event_channel_count, rtm_native::rtm_event_channel_at,
                rtm_native::rtm_event_channel_member_count_at);
    }

    /** Entry i of a list in the native event. */
    @FunctionalInterface
    private interface At<T> {
        T get(long event, long i);
    }

    /** The count entries of a list in the event, read under its lock, as an unmodifiable list. */
    private <T> List<T> list(LongUnaryOperator count, At<T> at) {
        return handle.read(e -> {
            long n = count.applyAsLong(e);
            List<T> out = new ArrayList<>((int) n);
            for (long i = 0; i < n; i++) out.add(at.get(e, i));
            return Collections.unmodifiableList(out);
        });
    }

    /** Like list, for key/value pairs: an unmodifiable map in the event's order. */
    private <V> Map<String, V> map(LongUnaryOperator count, At<String> key, At<V> value) {
        return handle.read(e -> {
            long n = count.applyAsLong(e);
            Map<String, V> out = new LinkedHashMap<>();
            for (long i = 0; i < n; i++) out.put(key.get(e, i), value.get(e, i));
            return Collections.unmodifiableMap(out);
        });
    }

    /** True once closed. */
    public boolean isClosed() {
        return !handle.isOpen();
    }

    /** Frees the native event (and what was borrowed from it); idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Event[").append(type);
        if (requestId != 0) s.append(" request ").append(requestId).append(' ').append(error.cName());
        return s.append(']').toString();
    }
}
