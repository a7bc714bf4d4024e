package io.agora.rtm;

import io.agora.rtm.ErrorMapping.Op;
import io.rtm.Attribute;
import io.rtm.Client;
import io.rtm.ErrorCode;
import io.rtm.Event;
import io.rtm.Message;
import io.rtm.PeerOnlineState;
import io.rtm.Rtm;
import io.rtm.RtmException;
import io.rtm.SubscriptionOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * RtmClient on one io.rtm.Client. Requests use the binding's plain form (a request id); the
 * client's handler (io.rtm's dispatcher thread) receives every event, routes results to the
 * ResultCallback registered for their request id and everything else to the listeners. A call
 * and the registration of its callback happen under one lock, which routing also takes, so a
 * result can never arrive before its callback is known. Refused calls report through
 * Client.execute, i.e. on the same thread, after the events already delivered.
 */
final class RtmClientImpl extends RtmClient {
    static final String DEFAULT_SERVER_URL = "ws://127.0.0.1:9090";
    private static final String RETIRED = "file and image messages were retired in RTM 1.5; rtmd stores no media";
    private static final AtomicLong MEDIA_REQUESTS = new AtomicLong();

    /** A librtm request: returns its request id or throws RtmException. */
    @FunctionalInterface
    interface Request {
        long send();
    }

    /** The callback of one request and how its result event becomes a value or an error number. */
    private static final class Route<T> {
        final ResultCallback<T> callback;
        final Function<Event, T> value;
        final ToIntFunction<ErrorCode> errors;

        Route(ResultCallback<T> callback, Function<Event, T> value, ToIntFunction<ErrorCode> errors) {
            this.callback = callback;
            this.value = value;
            this.errors = errors;
        }

        void complete(Event e) {
            if (e.error() != ErrorCode.OK) {
                callback.onFailure(new ErrorInfo(errors.applyAsInt(e.error()), e.error().description()));
                return;
            }
            callback.onSuccess(value.apply(e));
        }
    }

    final Client client;
    private final RtmClientListener listener;
    private final Object routeLock = new Object();
    private final Map<Long, Route<?>> routes = new HashMap<>(); // guarded by routeLock
    final Map<String, RtmChannelImpl> channels = new ConcurrentHashMap<>();
    final RtmCallManagerImpl callManager = new RtmCallManagerImpl(this);
    private volatile boolean released;

    RtmClientImpl(String appId, RtmClientListener listener) throws Exception {
        if (listener == null) throw new IllegalArgumentException("RtmClient.createInstance: the listener is null");
        try {
            client = new Client(appId, Map.of("server.url", serverUrl()));
        } catch (RtmException e) {
            throw new IllegalArgumentException("RtmClient.createInstance: " + e.sentence(), e);
        }
        this.listener = listener;
        client.dispatchTo(this::onEvent);
    }

    /** io.agora.rtm.serverUrl, else $RTM_SERVER_URL, else ws://127.0.0.1:9090. */
    static String serverUrl() {
        String url = System.getProperty("io.agora.rtm.serverUrl");
        if (url == null || url.isEmpty()) url = System.getenv("RTM_SERVER_URL");
        return url == null || url.isEmpty() ? DEFAULT_SERVER_URL : url;
    }

    boolean isReleased() {
        return released;
    }

    // ---- requests and their callbacks ---------------------------------------------------------

    /** Sends a request whose success carries no value. */
    void request(Op op, ResultCallback<Void> cb, Request r) {
        request(cb, r, e -> null, err -> ErrorMapping.code(op, err), op);
    }

    /** Sends a request; its result reaches cb (null: nobody) with value or the error number. */
    <T> void request(ResultCallback<T> cb, Request r, Function<Event, T> value, ToIntFunction<ErrorCode> errors, Op op) {
        if (released) {
            failNow(cb, ErrorMapping.NOT_INITIALIZED, "the client was released");
            return;
        }
        try {
            synchronized (routeLock) {
                long id = r.send();
                if (cb != null) routes.put(id, new Route<>(cb, value, errors));
            }
        } catch (RtmException e) {
            fail(cb, released ? ErrorMapping.NOT_INITIALIZED : errors.applyAsInt(e.code()), e.sentence());
        }
    }

    /** Reports a failure through cb on the SDK thread (on this thread once released). */
    void fail(ResultCallback<?> cb, int code, String sentence) {
        if (cb == null) return;
        ErrorInfo info = new ErrorInfo(code, sentence);
        post(() -> cb.onFailure(info));
    }

    void fail(ResultCallback<?> cb, Op op, ErrorCode err, String sentence) {
        fail(cb, ErrorMapping.code(op, err), sentence);
    }

    /** A failure reported on the calling thread (there is no SDK thread any more). */
    static void failNow(ResultCallback<?> cb, int code, String sentence) {
        if (cb != null) cb.onFailure(new ErrorInfo(code, sentence));
    }

    /** Runs r on the SDK thread, or here when the client is closed. */
    void post(Runnable r) {
        try {
            client.execute(r);
        } catch (RtmException closed) {
            r.run();
        }
    }

    /** ids as an array; null when the collection or an element is null. */
    static String[] ids(Collection<String> c) {
        if (c == null) return null;
        Set<String> distinct = new LinkedHashSet<>();
        for (String s : c) { // not c.contains(null): immutable collections throw on it
            if (s == null) return null;
            distinct.add(s);
        }
        return distinct.toArray(new String[0]);
    }

    // ---- events -------------------------------------------------------------------------------

    private void onEvent(Event e) {
        if (e.requestId() != 0) {
            Route<?> r;
            synchronized (routeLock) {
                r = routes.remove(e.requestId());
            }
            if (r != null) r.complete(e);
            return;
        }
        switch (e.type()) {
        case CONNECTION_STATE_CHANGED:
            listener.onConnectionStateChanged(e.connectionState().code(), e.connectionReason().code());
            break;
        case TOKEN_EXPIRED:
            listener.onTokenExpired();
            break;
        case TOKEN_PRIVILEGE_WILL_EXPIRE:
            listener.onTokenPrivilegeWillExpire();
            break;
        case PEER_MESSAGE_RECEIVED:
            listener.onMessageReceived(RtmMessage.copyOf(e.message()), e.userId());
            break;
        case PEERS_ONLINE_STATUS_CHANGED: {
            Map<String, Integer> states = new LinkedHashMap<>();
            for (Map.Entry<String, PeerOnlineState> s : e.peerStates().entrySet()) {
                states.put(s.getKey(), s.getValue().code());
            }
            listener.onPeersOnlineStatusChanged(states);
            break;
        }
        case CHANNEL_MEMBER_JOINED:
        case CHANNEL_MEMBER_LEFT:
        case CHANNEL_MESSAGE_RECEIVED:
        case CHANNEL_MEMBER_COUNT_UPDATED:
        case CHANNEL_ATTRIBUTES_UPDATED:
        case CHANNEL_KICKED: {
            RtmChannelImpl ch = channels.get(e.channelId());
            if (ch != null) ch.onEvent(e);
            break;
        }
        case LOCAL_INVITATION_RECEIVED_BY_PEER:
        case LOCAL_INVITATION_ACCEPTED:
        case LOCAL_INVITATION_REFUSED:
        case LOCAL_INVITATION_CANCELED:
        case LOCAL_INVITATION_FAILURE:
        case REMOTE_INVITATION_RECEIVED:
        case REMOTE_INVITATION_ACCEPTED:
        case REMOTE_INVITATION_REFUSED:
        case REMOTE_INVITATION_CANCELED:
        case REMOTE_INVITATION_FAILURE:
            callManager.onEvent(e);
            break;
        default:
            break; // results of requests made without a callback, and events RTM 1.x has no callback for
        }
    }

    // ---- session ------------------------------------------------------------------------------

    @Override
    public void release() {
        if (released) return;
        released = true;
        for (RtmChannelImpl ch : new ArrayList<>(channels.values())) ch.release();
        client.close();
        synchronized (routeLock) {
            routes.clear();
        }
    }

    @Override
    public void login(String token, String userId, ResultCallback<Void> callback) {
        request(Op.LOGIN, callback, () -> client.login(token, userId));
    }

    @Override
    public void logout(ResultCallback<Void> callback) {
        request(Op.LOGOUT, callback, client::logout);
    }

    @Override
    public void renewToken(String token, ResultCallback<Void> callback) {
        request(Op.RENEW_TOKEN, callback, () -> client.renewToken(token));
    }

    // ---- messages -----------------------------------------------------------------------------

    @Override
    public RtmMessage createMessage() {
        return new RtmMessage(RtmMessageType.TEXT);
    }

    @Override
    public RtmMessage createMessage(String text) {
        RtmMessage m = createMessage();
        m.setText(text);
        return m;
    }

    @Override
    public RtmMessage createMessage(byte[] rawMessage) {
        return createMessage(rawMessage, "");
    }

    @Override
    public RtmMessage createMessage(byte[] rawMessage, String description) {
        RtmMessage m = new RtmMessage(RtmMessageType.RAW);
        m.setRawMessage(rawMessage, description);
        return m;
    }

    @Override
    @Deprecated
    public void sendMessageToPeer(String peerId, RtmMessage message, ResultCallback<Void> callback) {
        sendMessageToPeer(peerId, message, null, callback);
    }

    @Override
    public void sendMessageToPeer(String peerId, RtmMessage message, SendMessageOptions options,
            ResultCallback<Void> callback) {
        send(Op.PEER_MESSAGE, message, callback, m -> {
            if (peerId == null) throw new RtmException(ErrorCode.INVALID_USER_ID, "the peer id is null");
            int flags = options != null && options.enableOfflineMessaging ? Rtm.SEND_OFFLINE : 0;
            return client.sendMessageToPeer(peerId, m, flags);
        });
    }

    /** Sends message through r (peer or channel); the io.rtm copy is closed afterwards. */
    void send(Op op, RtmMessage message, ResultCallback<Void> callback, Function<Message, Long> r) {
        if (released) {
            failNow(callback, ErrorMapping.NOT_INITIALIZED, "the client was released");
            return;
        }
        if (message instanceof RtmFileMessage) {
            fail(callback, op, ErrorCode.FAILURE, RETIRED);
            return;
        }
        if (message == null) {
            fail(callback, op, ErrorCode.INVALID_MESSAGE, "the message is null");
            return;
        }
        Message m;
        try {
            m = message.toNative();
        } catch (RtmException e) {
            fail(callback, op, e.code(), e.sentence());
            return;
        }
        try (m) {
            request(op, callback, () -> r.apply(m));
        }
    }

    // ---- presence -----------------------------------------------------------------------------

    @Override
    public void queryPeersOnlineStatus(Set<String> peerIds, ResultCallback<Map<String, Boolean>> callback) {
        String[] ids = ids(peerIds);
        request(callback, () -> client.queryPeersOnlineStatus(checked(ids, "peer ids")), e -> {
            Map<String, Boolean> online = new HashMap<>();
            for (Map.Entry<String, PeerOnlineState> s : e.peerStates().entrySet()) {
                online.put(s.getKey(), s.getValue() == PeerOnlineState.ONLINE);
            }
            return online;
        }, err -> ErrorMapping.code(Op.QUERY_PEERS_ONLINE_STATUS, err), Op.QUERY_PEERS_ONLINE_STATUS);
    }

    @Override
    public void subscribePeersOnlineStatus(Set<String> peerIds, ResultCallback<Void> callback) {
        String[] ids = ids(peerIds);
        request(Op.PEER_SUBSCRIPTION_STATUS, callback, () -> client.subscribePeersOnlineStatus(checked(ids, "peer ids")));
    }

    @Override
    public void unsubscribePeersOnlineStatus(Set<String> peerIds, ResultCallback<Void> callback) {
        String[] ids = ids(peerIds);
        request(Op.PEER_SUBSCRIPTION_STATUS, callback,
                () -> client.unsubscribePeersOnlineStatus(checked(ids, "peer ids")));
    }

    @Override
    public void queryPeersBySubscriptionOption(int option, ResultCallback<Set<String>> callback) {
        request(callback, () -> {
            if (option != RtmStatusCode.PeerSubscriptionOption.PEER_SUBSCRIPTION_OPTION_ONLINE_STATUS) {
                throw new RtmException(ErrorCode.INVALID_ARGUMENT, "unknown subscription option " + option);
            }
            return client.queryPeersBySubscriptionOption(SubscriptionOption.ONLINE_STATUS);
        }, e -> new LinkedHashSet<>(e.users()), err -> ErrorMapping.code(Op.QUERY_PEERS_BY_SUBSCRIPTION_OPTION, err),
                Op.QUERY_PEERS_BY_SUBSCRIPTION_OPTION);
    }

    static String[] checked(String[] ids, String what) {
        if (ids == null) throw new RtmException(ErrorCode.INVALID_ARGUMENT, "the " + what + " are null or hold null");
        return ids;
    }

    // ---- user attributes ----------------------------------------------------------------------

    private static Map<String, String> userAttributes(List<RtmAttribute> attributes) {
        if (attributes == null) throw new RtmException(ErrorCode.INVALID_ARGUMENT, "the attribute list is null");
        Map<String, String> m = new LinkedHashMap<>();
        for (RtmAttribute a : attributes) {
            if (a == null || a.getKey() == null || a.getValue() == null) {
                throw new RtmException(ErrorCode.INVALID_ARGUMENT, "an attribute, its key or its value is null");
            }
            m.put(a.getKey(), a.getValue());
        }
        return m;
    }

    private static List<RtmAttribute> userAttributeList(Event e) {
        List<RtmAttribute> list = new ArrayList<>();
        for (Map.Entry<String, String> a : e.attributeMap().entrySet()) {
            list.add(new RtmAttribute(a.getKey(), a.getValue()));
        }
        return list;
    }

    private static String[] keys(List<String> keys) {
        return checked(ids(keys), "attribute keys");
    }

    @Override
    public void setLocalUserAttributes(List<RtmAttribute> attributes, ResultCallback<Void> callback) {
        request(Op.ATTRIBUTE_OPERATION, callback, () -> client.setLocalUserAttributes(userAttributes(attributes)));
    }

    @Override
    public void addOrUpdateLocalUserAttributes(List<RtmAttribute> attributes, ResultCallback<Void> callback) {
        request(Op.ATTRIBUTE_OPERATION, callback,
                () -> client.addOrUpdateLocalUserAttributes(userAttributes(attributes)));
    }

    @Override
    public void deleteLocalUserAttributesByKeys(List<String> attributeKeys, ResultCallback<Void> callback) {
        request(Op.ATTRIBUTE_OPERATION, callback, () -> client.deleteLocalUserAttributesByKeys(keys(attributeKeys)));
    }

    @Override
    public void clearLocalUserAttributes(ResultCallback<Void> callback) {
        request(Op.ATTRIBUTE_OPERATION, callback, client::clearLocalUserAttributes);
    }

    @Override
    public void getUserAttributes(String userId, ResultCallback<List<RtmAttribute>> callback) {
        request(callback, () -> client.getUserAttributes(userId), RtmClientImpl::userAttributeList,
                err -> ErrorMapping.code(Op.ATTRIBUTE_OPERATION, err), Op.ATTRIBUTE_OPERATION);
    }

    @Override
    public void getUserAttributesByKeys(String userId, List<String> attributeKeys,
            ResultCallback<List<RtmAttribute>> callback) {
        request(callback, () -> client.getUserAttributesByKeys(userId, keys(attributeKeys)),
                RtmClientImpl::userAttributeList, err -> ErrorMapping.code(Op.ATTRIBUTE_OPERATION, err),
                Op.ATTRIBUTE_OPERATION);
    }

    // ---- channel attributes -------------------------------------------------------------------

    private static Map<String, String> channelAttributes(List<RtmChannelAttribute> attributes) {
        if (attributes == null) throw new RtmException(ErrorCode.INVALID_ARGUMENT, "the attribute list is null");
        Map<String, String> m = new LinkedHashMap<>();
        for (RtmChannelAttribute a : attributes) {
            if (a == null || a.getKey() == null || a.getValue() == null) {
                throw new RtmException(ErrorCode.INVALID_ARGUMENT, "an attribute, its key or its value is null");
            }
            m.put(a.getKey(), a.getValue());
        }
        return m;
    }

    static List<RtmChannelAttribute> channelAttributeList(List<Attribute> attributes) {
        List<RtmChannelAttribute> list = new ArrayList<>();
        for (Attribute a : attributes) {
            list.add(new RtmChannelAttribute(a.key(), a.value(), a.updatedBy(), a.updatedTsMs()));
        }
        return list;
    }

    /** null options: the defaults (no notification). */
    private static int flags(ChannelAttributeOptions options) {
        return options != null && options.getEnableNotificationToChannelMembers() ? Rtm.ATTR_NOTIFY_MEMBERS : 0;
    }

    @Override
    public void setChannelAttributes(String channelId, List<RtmChannelAttribute> attributes,
            ChannelAttributeOptions options, ResultCallback<Void> callback) {
        request(Op.ATTRIBUTE_OPERATION, callback,
                () -> client.setChannelAttributes(channelId, channelAttributes(attributes), flags(options)));
    }

    @Override
    public void addOrUpdateChannelAttributes(String channelId, List<RtmChannelAttribute> attributes,
            ChannelAttributeOptions options, ResultCallback<Void> callback) {
        request(Op.ATTRIBUTE_OPERATION, callback,
                () -> client.addOrUpdateChannelAttributes(channelId, channelAttributes(attributes), flags(options)));
    }

    @Override
    public void deleteChannelAttributesByKeys(String channelId, List<String> attributeKeys,
            ChannelAttributeOptions options, ResultCallback<Void> callback) {
        request(Op.ATTRIBUTE_OPERATION, callback,
                () -> client.deleteChannelAttributesByKeys(channelId, flags(options), keys(attributeKeys)));
    }

    @Override
    public void clearChannelAttributes(String channelId, ChannelAttributeOptions options,
            ResultCallback<Void> callback) {
        request(Op.ATTRIBUTE_OPERATION, callback, () -> client.clearChannelAttributes(channelId, flags(options)));
    }

    @Override
    public void getChannelAttributes(String channelId, ResultCallback<List<RtmChannelAttribute>> callback) {
        request(callback, () -> client.getChannelAttributes(channelId), e -> channelAttributeList(e.attributes()),
                err -> ErrorMapping.code(Op.ATTRIBUTE_OPERATION, err), Op.ATTRIBUTE_OPERATION);
    }

    @Override
    public void getChannelAttributesByKeys(String channelId, List<String> attributeKeys,
            ResultCallback<List<RtmChannelAttribute>> callback) {
        request(callback, () -> client.getChannelAttributesByKeys(channelId, keys(attributeKeys)),
                e -> channelAttributeList(e.attributes()), err -> ErrorMapping.code(Op.ATTRIBUTE_OPERATION, err),
                Op.ATTRIBUTE_OPERATION);
    }

    @Override
    public void getChannelMemberCount(List<String> channelIds, ResultCallback<List<RtmChannelMemberCount>> callback) {
        String[] ids = ids(channelIds);
        request(callback, () -> client.getChannelMemberCount(checked(ids, "channel ids")), e -> {
            Map<String, Integer> counts = e.channelMemberCounts();
            List<RtmChannelMemberCount> list = new ArrayList<>();
            for (String id : ids) list.add(new RtmChannelMemberCount(id, counts.getOrDefault(id, 0)));
            return list;
        }, err -> ErrorMapping.code(Op.GET_CHANNEL_MEMBER_COUNT, err), Op.GET_CHANNEL_MEMBER_COUNT);
    }

    // ---- channels and calls -------------------------------------------------------------------

    @Override
    public RtmChannel createChannel(String channelId, RtmChannelListener listener) {
        if (released) return null;
        synchronized (channels) {
            try {
                RtmChannelImpl ch = new RtmChannelImpl(this, client.createChannel(channelId), listener);
                channels.put(channelId, ch);
                return ch;
            } catch (RtmException e) {
                return null; // an invalid id, or a live handle for this id already
            }
        }
    }

    void forget(RtmChannelImpl ch) {
        channels.remove(ch.getId(), ch);
    }

    @Override
    public RtmCallManager getRtmCallManager() {
        return callManager;
    }

    // ---- settings -----------------------------------------------------------------------------

    @Override
    public int setParameters(String parameters) {
        if (parameters == null) return -2;
        String p = parameters.trim();
        return p.startsWith("{") && p.endsWith("}") ? 0 : -2;
    }

    private int option(String key, String value) {
        if (released) return -ErrorMapping.NOT_INITIALIZED;
        try {
            client.setOption(key, value);
            return 0;
        } catch (RtmException e) {
            return e.code() == ErrorCode.INVALID_ARGUMENT ? -2 : -1;
        }
    }

    @Override
    public int setLogFile(String filePath) {
        if (filePath == null || filePath.isEmpty()) return -2;
        return option("log.file", filePath);
    }

    @Override
    public int setLogFilter(int filter) {
        String level;
        switch (filter) {
        case LOG_FILTER_OFF:
            level = "off";
            break;
        case LOG_FILTER_INFO:
            level = "info";
            break;
        case LOG_FILTER_WARNING:
            level = "warn";
            break;
        case LOG_FILTER_ERROR:
        case LOG_FILTER_CRITICAL:
            level = "error";
            break;
        default:
            return -2;
        }
        return option("log.level", level);
    }

    @Override
    public int setLogFileSize(int fileSizeInKBytes) {
        if (fileSizeInKBytes < 512 || fileSizeInKBytes > 1024 * 1024) return -2;
        return option("log.file_size_kb", Integer.toString(fileSizeInKBytes));
    }

    // ---- retired media calls ------------------------------------------------------------------

    @Override
    public RtmFileMessage createFileMessageByMediaId(String mediaId) {
        return new RtmFileMessage(mediaId);
    }

    @Override
    public RtmImageMessage createImageMessageByMediaId(String mediaId) {
        return new RtmImageMessage(mediaId);
    }

    private void media(Op op, RtmRequestId requestId, ResultCallback<?> callback) {
        if (requestId != null) requestId.setRequestId(MEDIA_REQUESTS.incrementAndGet());
        if (released) {
            failNow(callback, ErrorMapping.NOT_INITIALIZED, "the client was released");
            return;
        }
        fail(callback, op, ErrorCode.FAILURE, RETIRED);
    }

    @Override
    public void createFileMessageByUploading(String filePath, RtmRequestId requestId,
            ResultCallback<RtmFileMessage> callback) {
        media(Op.UPLOAD_MEDIA, requestId, callback);
    }

    @Override
    public void createImageMessageByUploading(String filePath, RtmRequestId requestId,
            ResultCallback<RtmImageMessage> callback) {
        media(Op.UPLOAD_MEDIA, requestId, callback);
    }

    @Override
    public void downloadMediaToMemory(String mediaId, RtmRequestId requestId, ResultCallback<byte[]> callback) {
        media(Op.DOWNLOAD_MEDIA, requestId, callback);
    }

    @Override
    public void downloadMediaToFile(String mediaId, String filePath, RtmRequestId requestId,
            ResultCallback<Void> callback) {
        media(Op.DOWNLOAD_MEDIA, requestId, callback);
    }

    @Override
    public void cancelMediaUpload(RtmRequestId requestId, ResultCallback<Void> callback) {
        media(Op.CANCEL_MEDIA, null, callback);
    }

    @Override
    public void cancelMediaDownload(RtmRequestId requestId, ResultCallback<Void> callback) {
        media(Op.CANCEL_MEDIA, null, callback);
    }

    @Override
    public void cancelMediaUpload(long requestId, ResultCallback<Void> callback) {
        media(Op.CANCEL_MEDIA, null, callback);
    }

    @Override
    public void cancelMediaDownload(long requestId, ResultCallback<Void> callback) {
        media(Op.CANCEL_MEDIA, null, callback);
    }
}
