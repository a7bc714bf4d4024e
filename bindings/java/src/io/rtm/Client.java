package io.rtm;

import io.rtm.internal.rtm_native;
import java.lang.ref.Cleaner;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A librtm client (rtm_client_t): one user's session with rtmd and its event queue.
 *
 * <p>Every request has two forms. {@code login(...)} returns the request id at once; exactly
 * one result event with that id follows in the queue ({@link #poll}). {@code loginAsync(...)}
 * returns a CompletableFuture that the result completes (with the result's data, or
 * exceptionally with an RtmException carrying the result's error). The first future starts
 * the client's dispatcher thread, which from then on takes every event off the native queue:
 * results complete their futures, every other event stays available to {@link #poll} / {@link
 * #events} (or goes to the handler given to {@link #dispatchTo}). Nothing is lost or taken
 * twice. Calls librtm refuses throw RtmException at once (both forms).
 *
 * <p>Close the client when done (try-with-resources): it logs out, fails the futures still
 * waiting with CLOSED and frees the native client. Its channels and invitations stay valid to
 * close; every other call on them throws RtmException CLOSED. A forgotten client is closed by
 * the garbage collector. Every method may be called from any thread.
 */
public final class Client implements AutoCloseable {
    private static final Function<Event, Void> NOTHING = e -> null;

    final ClientCore core;
    private final Cleaner.Cleanable cleanable;

    /** A client for appId with every setting at its default (server.url ws://127.0.0.1:9090). */
    public Client(String appId) {
        this(appId, (Config) null);
    }

    /** A client for appId with the given settings (keys of docs/client.md, e.g. "server.url"). */
    public Client(String appId, Map<String, String> settings) {
        this(appId, settings == null ? null : Config.of(settings), true);
    }

    /** A client for appId with config (null: defaults); the config may be closed afterwards. */
    public Client(String appId, Config config) {
        this(appId, config, false);
    }

    private Client(String appId, Config config, boolean closeConfig) {
        long ptr;
        int[] err = new int[1];
        try {
            long cfg = config == null ? 0 : config.handle().acquire();
            try {
                ptr = rtm_native.rtm_client_new(appId, cfg, err);
            } finally {
                if (config != null) config.handle().release();
            }
        } finally {
            if (closeConfig && config != null) config.close();
        }
        if (ptr == 0) {
            ErrorCode code = err[0] != 0 ? ErrorCode.of(err[0]) : ErrorCode.FAILURE;
            String why = code == ErrorCode.INVALID_APP_ID ? "the app id must be 1-128 bytes" : code.description();
            throw new RtmException(code, "cannot create a client: " + why);
        }
        core = new ClientCore(ptr);
        core.setOwner(this);
        cleanable = NativeHandle.CLEANER.register(this, core);
    }

    // ---- settings and state ---------------------------------------------------------------

    /** Changes log.* or request.timeout_ms on the live client (other keys: INVALID_STATE). */
    public void setOption(String key, String value) {
        core.call(true, (c, id) -> rtm_native.rtm_client_set_option(c, key, value));
    }

    /** librtm's sentence about the latest synchronous failure on this client ("" when none). */
    public String lastError() {
        return core.handle.read(rtm_native::rtm_client_last_error);
    }

    /** The current connection state. */
    public ConnectionState connectionState() {
        return ConnectionState.of(core.handle.readInt(rtm_native::rtm_client_connection_state));
    }

    // ---- session ----------------------------------------------------------------------------

    /** Logs in as userId (token null or "" when the server needs none); LOGIN_RESULT follows. */
    public long login(String token, String userId) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_login(c, token, userId, id));
    }

    public CompletableFuture<Void> loginAsync(String token, String userId) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_login(c, token, userId, id), NOTHING);
    }

    /** Logs out; LOGOUT_RESULT follows (pending requests end with CLOSED before it). */
    public long logout() {
        return core.call(true, (c, id) -> rtm_native.rtm_client_logout(c, id));
    }

    public CompletableFuture<Void> logoutAsync() {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_logout(c, id), NOTHING);
    }

    /** Gives the server a new token for this session; RENEW_TOKEN_RESULT follows. */
    public long renewToken(String token) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_renew_token(c, token, id));
    }

    public CompletableFuture<Void> renewTokenAsync(String token) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_renew_token(c, token, id), NOTHING);
    }

    // ---- events -----------------------------------------------------------------------------

    /**
     * Takes the oldest event: timeoutMs -1 waits until one comes, 0 never waits. Null when
     * nothing came in time, on {@link #wakeup}, or when the client was closed meanwhile
     * (RtmException CLOSED when it is closed already). Results whose future waits are never
     * returned here. Close the event when done (or let the garbage collector free it).
     * RtmException INVALID_STATE while a handler set by {@link #dispatchTo} takes the events.
     */
    public Event poll(long timeoutMs) {
        if (timeoutMs < -1) {
            throw new RtmException(ErrorCode.INVALID_ARGUMENT, "timeoutMs must be -1 (no limit), 0 or more");
        }
        if (core.hasHandler()) {
            throw new RtmException(ErrorCode.INVALID_STATE,
                    "the events go to the handler given to dispatchTo; call dispatchTo(null) to poll again");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(timeoutMs, 0));
        for (;;) {
            long left = timeoutMs < 0 ? -1 : Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (core.isDispatching()) {
                if (core.isClosed()) throw RtmException.closed("client");
                try {
                    return core.queue.poll(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            long p = core.directPoll((int) Math.min(left, Integer.MAX_VALUE));
            if (p == 0) {
                if (core.isDispatching()) continue; // the dispatcher took over: wait on its queue
                return null;
            }
            Event ev = new Event(p, core);
            if (!core.routeToFuture(ev)) return ev;
        }
    }

    /**
     * The events as they come: each step polls with timeoutMs and the iteration ends when
     * nothing came in time (or on wakeup or close).
     */
    public Iterable<Event> events(long timeoutMs) {
        return () -> new Iterator<Event>() {
            private Event next;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (next == null && !done) {
                    next = poll(timeoutMs);
                    done = next == null;
                }
                return next != null;
            }

            @Override
            public Event next() {
                if (!hasNext()) throw new NoSuchElementException();
                Event e = next;
                next = null;
                return e;
            }
        };
    }

    /** Makes a blocked {@link #poll} return null now, or the next one when none is blocked. */
    public void wakeup() {
        core.wakeup();
    }

    /**
     * The native queue's file descriptor (readable while it holds events), for native event
     * loops. Once the dispatcher runs it drains that queue, so use poll then.
     */
    public int eventFd() {
        return core.handle.readInt(rtm_native::rtm_client_event_fd);
    }

    /**
     * A future for the result event of a request made with the plain form (which returned
     * requestId), completed with the event (close it when done), or exceptionally with an
     * RtmException for a failed result. Call it before polling the result away: an event
     * already returned by poll cannot complete it.
     */
    public CompletableFuture<Event> result(long requestId) {
        return core.result(requestId);
    }

    /**
     * Hands every event that completes no future to handler, one at a time on this client's
     * dispatcher thread, starting with those already queued; the event is closed when handler
     * returns (copy what you keep; invitations taken from it stay valid). null goes back to
     * queueing events for poll. Once close() returns no handler call runs (unless close was
     * called by the handler). A handler that refers to this client keeps it alive until closed.
     */
    public void dispatchTo(Consumer<Event> handler) {
        core.setHandler(handler);
    }

    /**
     * Runs task on this client's dispatcher thread (starting it if needed), after the events
     * already handed out and before the next one, in the order tasks were given; like the
     * handler, never after close() returned (tasks still waiting then are dropped). For
     * callback-style layers that report a refused call on the thread their events come on.
     * RtmException CLOSED once the client is closed.
     */
    public void execute(Runnable task) {
        core.execute(task);
    }

    // ---- peer messages and presence ----------------------------------------------------------

    /** Sends message to peerId; SEND_PEER_MESSAGE_RESULT follows (OK once the peer has it). */
    public long sendMessageToPeer(String peerId, Message message) {
        return sendMessageToPeer(peerId, message, 0);
    }

    /** flags: 0 or {@link Rtm#SEND_OFFLINE} (stored for an offline peer: CACHED_BY_SERVER). */
    public long sendMessageToPeer(String peerId, Message message, int flags) {
        long m = message == null ? 0 : message.acquire();
        try {
            return core.call(true, (c, id) -> rtm_native.rtm_client_send_message_to_peer(c, peerId, m, unsigned(flags), id));
        } finally {
            if (message != null) message.release();
        }
    }

    /** Completes with OK, or CACHED_BY_SERVER when the server stored it for an offline peer. */
    public CompletableFuture<ErrorCode> sendMessageToPeerAsync(String peerId, Message message) {
        return sendMessageToPeerAsync(peerId, message, 0);
    }

    public CompletableFuture<ErrorCode> sendMessageToPeerAsync(String peerId, Message message, int flags) {
        long m = message == null ? 0 : message.acquire();
        try {
            return core.callAsync(true,
                    (c, id) -> rtm_native.rtm_client_send_message_to_peer(c, peerId, m, unsigned(flags), id),
                    Event::error, ErrorCode.CACHED_BY_SERVER);
        } finally {
            if (message != null) message.release();
        }
    }

    /** The online state of 1-256 peers; QUERY_PEERS_ONLINE_STATUS_RESULT follows. */
    public long queryPeersOnlineStatus(String... peerIds) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_query_peers_online_status(c, peerIds, id));
    }

    public CompletableFuture<Map<String, PeerOnlineState>> queryPeersOnlineStatusAsync(String... peerIds) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_query_peers_online_status(c, peerIds, id),
                Event::peerStates);
    }

    /**
     * Subscribes to the online state of 1-512 peers; SUBSCRIPTION_RESULT follows, then
     * PEERS_ONLINE_STATUS_CHANGED with their current state and on every change.
     */
    public long subscribePeersOnlineStatus(String... peerIds) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_subscribe_peers_online_status(c, peerIds, id));
    }

    public CompletableFuture<Void> subscribePeersOnlineStatusAsync(String... peerIds) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_subscribe_peers_online_status(c, peerIds, id),
                NOTHING);
    }

    public long unsubscribePeersOnlineStatus(String... peerIds) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_unsubscribe_peers_online_status(c, peerIds, id));
    }

    public CompletableFuture<Void> unsubscribePeersOnlineStatusAsync(String... peerIds) {
        return core.callAsync(true,
                (c, id) -> rtm_native.rtm_client_unsubscribe_peers_online_status(c, peerIds, id), NOTHING);
    }

    /** The subscribed peers; QUERY_PEERS_BY_SUBSCRIPTION_RESULT follows with a user list. */
    public long queryPeersBySubscriptionOption(SubscriptionOption option) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_query_peers_by_subscription_option(c, code(option), id));
    }

    public CompletableFuture<List<String>> queryPeersBySubscriptionOptionAsync(SubscriptionOption option) {
        return core.callAsync(true,
                (c, id) -> rtm_native.rtm_client_query_peers_by_subscription_option(c, code(option), id), Event::users);
    }

    // ---- user attributes ------------------------------------------------------------------

    /** Replaces all of the local user's attributes; USER_ATTRIBUTES_RESULT follows. */
    public long setLocalUserAttributes(Map<String, String> attributes) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_set_local_user_attributes(c, attributes, id));
    }

    public CompletableFuture<Void> setLocalUserAttributesAsync(Map<String, String> attributes) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_set_local_user_attributes(c, attributes, id),
                NOTHING);
    }

    /** Adds the given attributes, replacing those with the same keys. */
    public long addOrUpdateLocalUserAttributes(Map<String, String> attributes) {
        return core.call(true,
                (c, id) -> rtm_native.rtm_client_add_or_update_local_user_attributes(c, attributes, id));
    }

    public CompletableFuture<Void> addOrUpdateLocalUserAttributesAsync(Map<String, String> attributes) {
        return core.callAsync(true,
                (c, id) -> rtm_native.rtm_client_add_or_update_local_user_attributes(c, attributes, id), NOTHING);
    }

    /** Removes the attributes with the given keys (absent keys are fine). */
    public long deleteLocalUserAttributesByKeys(String... keys) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_delete_local_user_attributes_by_keys(c, keys, id));
    }

    public CompletableFuture<Void> deleteLocalUserAttributesByKeysAsync(String... keys) {
        return core.callAsync(true,
                (c, id) -> rtm_native.rtm_client_delete_local_user_attributes_by_keys(c, keys, id), NOTHING);
    }

    public long clearLocalUserAttributes() {
        return core.call(true, (c, id) -> rtm_native.rtm_client_clear_local_user_attributes(c, id));
    }

    public CompletableFuture<Void> clearLocalUserAttributesAsync() {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_clear_local_user_attributes(c, id), NOTHING);
    }

    /** Any online user's attributes; GET_USER_ATTRIBUTES_RESULT follows (USER_NOT_FOUND if offline). */
    public long getUserAttributes(String userId) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_get_user_attributes(c, userId, id));
    }

    public CompletableFuture<Map<String, String>> getUserAttributesAsync(String userId) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_get_user_attributes(c, userId, id),
                Event::attributeMap);
    }

    public long getUserAttributesByKeys(String userId, String... keys) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_get_user_attributes_by_keys(c, userId, keys, id));
    }

    public CompletableFuture<Map<String, String>> getUserAttributesByKeysAsync(String userId, String... keys) {
        return core.callAsync(true,
                (c, id) -> rtm_native.rtm_client_get_user_attributes_by_keys(c, userId, keys, id), Event::attributeMap);
    }

    // ---- channels ---------------------------------------------------------------------------

    /**
     * A handle for channelId (works before login). One live handle per channel id: a second
     * one fails with INVALID_STATE until the first is closed.
     */
    public Channel createChannel(String channelId) {
        int[] err = new int[1];
        long[] out = new long[1];
        core.call(true, (c, id) -> {
            out[0] = rtm_native.rtm_client_create_channel(c, channelId, err);
            return out[0] != 0 ? 0 : err[0] != 0 ? err[0] : ErrorCode.FAILURE.code();
        });
        return new Channel(this, out[0]);
    }

    /** Sends into a channel without joining it; SEND_CHANNEL_MESSAGE_RESULT follows. */
    public long sendMessageToChannel(String channelId, Message message) {
        return sendMessageToChannel(channelId, message, 0);
    }

    public long sendMessageToChannel(String channelId, Message message, int flags) {
        long m = message == null ? 0 : message.acquire();
        try {
            return core.call(true,
                    (c, id) -> rtm_native.rtm_client_send_message_to_channel(c, channelId, m, unsigned(flags), id));
        } finally {
            if (message != null) message.release();
        }
    }

    public CompletableFuture<Void> sendMessageToChannelAsync(String channelId, Message message) {
        return sendMessageToChannelAsync(channelId, message, 0);
    }

    public CompletableFuture<Void> sendMessageToChannelAsync(String channelId, Message message, int flags) {
        long m = message == null ? 0 : message.acquire();
        try {
            return core.callAsync(true,
                    (c, id) -> rtm_native.rtm_client_send_message_to_channel(c, channelId, m, unsigned(flags), id),
                    NOTHING);
        } finally {
            if (message != null) message.release();
        }
    }

    /** Member counts of 1-32 channels; GET_CHANNEL_MEMBER_COUNT_RESULT follows. */
    public long getChannelMemberCount(String... channelIds) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_get_channel_member_count(c, channelIds, id));
    }

    public CompletableFuture<Map<String, Integer>> getChannelMemberCountAsync(String... channelIds) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_get_channel_member_count(c, channelIds, id),
                Event::channelMemberCounts);
    }

    // ---- channel attributes -------------------------------------------------------------------
    // flags: 0 or Rtm.ATTR_NOTIFY_MEMBERS (every member but the caller gets
    // CHANNEL_ATTRIBUTES_UPDATED). Writes end in CHANNEL_ATTRIBUTES_RESULT.

    /** Replaces all attributes of channelId with the given ones. */
    public long setChannelAttributes(String channelId, Map<String, String> attributes, int flags) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_set_channel_attributes(c, channelId, attributes,
                unsigned(flags), id));
    }

    public CompletableFuture<Void> setChannelAttributesAsync(String channelId, Map<String, String> attributes,
            int flags) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_set_channel_attributes(c, channelId, attributes,
                unsigned(flags), id), NOTHING);
    }

    /** Adds the given attributes, replacing those with the same keys. */
    public long addOrUpdateChannelAttributes(String channelId, Map<String, String> attributes, int flags) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_add_or_update_channel_attributes(c, channelId,
                attributes, unsigned(flags), id));
    }

    public CompletableFuture<Void> addOrUpdateChannelAttributesAsync(String channelId, Map<String, String> attributes,
            int flags) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_add_or_update_channel_attributes(c, channelId,
                attributes, unsigned(flags), id), NOTHING);
    }

    /** Removes the attributes with the given keys (absent keys are fine). */
    public long deleteChannelAttributesByKeys(String channelId, int flags, String... keys) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_delete_channel_attributes_by_keys(c, channelId, keys,
                unsigned(flags), id));
    }

    public CompletableFuture<Void> deleteChannelAttributesByKeysAsync(String channelId, int flags, String... keys) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_delete_channel_attributes_by_keys(c, channelId,
                keys, unsigned(flags), id), NOTHING);
    }

    public long clearChannelAttributes(String channelId, int flags) {
        return core.call(true,
                (c, id) -> rtm_native.rtm_client_clear_channel_attributes(c, channelId, unsigned(flags), id));
    }

    public CompletableFuture<Void> clearChannelAttributesAsync(String channelId, int flags) {
        return core.callAsync(true,
                (c, id) -> rtm_native.rtm_client_clear_channel_attributes(c, channelId, unsigned(flags), id), NOTHING);
    }

    /** All attributes; GET_CHANNEL_ATTRIBUTES_RESULT follows. */
    public long getChannelAttributes(String channelId) {
        return core.call(true, (c, id) -> rtm_native.rtm_client_get_channel_attributes(c, channelId, id));
    }

    public CompletableFuture<List<Attribute>> getChannelAttributesAsync(String channelId) {
        return core.callAsync(true, (c, id) -> rtm_native.rtm_client_get_channel_attributes(c, channelId, id),
                Event::attributes);
    }

    public long getChannelAttributesByKeys(String channelId, String... keys) {
        return core.call(true,
                (c, id) -> rtm_native.rtm_client_get_channel_attributes_by_keys(c, channelId, keys, id));
    }

    public CompletableFuture<List<Attribute>> getChannelAttributesByKeysAsync(String channelId, String... keys) {
        return core.callAsync(true,
                (c, id) -> rtm_native.rtm_client_get_channel_attributes_by_keys(c, channelId, keys, id),
                Event::attributes);
    }

    // ---- call invitations ---------------------------------------------------------------------

    /** A new local (outgoing) invitation to calleeId, in state IDLE. */
    public Invitation createLocalInvitation(String calleeId) {
        int[] err = new int[1];
        long[] out = new long[1];
        core.call(true, (c, id) -> {
            out[0] = rtm_native.rtm_client_create_local_invitation(c, calleeId, err);
            return out[0] != 0 ? 0 : err[0] != 0 ? err[0] : ErrorCode.FAILURE.code();
        });
        return new Invitation(core, out[0]);
    }

    // ---- closing ------------------------------------------------------------------------------

    /** True once closed. */
    public boolean isClosed() {
        return core.isClosed();
    }

    /**
     * Logs out (best effort), fails waiting futures with CLOSED, frees queued events and the
     * native client. Idempotent.
     */
    @Override
    public void close() {
        core.closeAndWait(cleanable::clean);
    }

    @Override
    public String toString() {
        try {
            return "Client[" + connectionState() + "]";
        } catch (RtmException e) {
            return "Client[closed]";
        }
    }

    static long unsigned(int flags) {
        return flags & 0xFFFFFFFFL;
    }

    private static int code(SubscriptionOption option) {
        return option == null ? -1 : option.code();
    }
}
