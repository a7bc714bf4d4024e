package io.agora.rtm;

import io.rtm.Rtm;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The RTM 1.x Java client, on top of librtm's Java binding (io.rtm) and a self-hosted rtmd.
 *
 * <p>Each instance is one io.rtm.Client with its own SDK thread (the binding's dispatcher):
 * every listener method and every ResultCallback runs there, one at a time, in the order things
 * happened. A call librtm refuses at once (a bad id, a message too long, not logged in) also
 * reports through its callback on that thread. Every ResultCallback may be null. After
 * {@link #release()} calls fail with NOT_INITIALIZED (101) on the calling thread.
 *
 * <p>Where to connect: the system property {@code io.agora.rtm.serverUrl}, else the environment
 * variable {@code RTM_SERVER_URL}, else {@code ws://127.0.0.1:9090} (librtm's server.url: one
 * URL or a comma-separated list).
 */
public abstract class RtmClient {
    /** The prefix of the p2p text message that stands for the legacy Signaling endCall. */
    public static final String AGORA_RTM_END_CALL_PREFIX = "AgoraRTMLegacyEndcallCompatibleMessagePrefix";

    public static final int LOG_FILTER_OFF = 0;
    public static final int LOG_FILTER_INFO = 0x000f;
    public static final int LOG_FILTER_WARNING = 0x000e;
    public static final int LOG_FILTER_ERROR = 0x000c;
    public static final int LOG_FILTER_CRITICAL = 0x0008;
    public static final int LOG_FILTER_MASK = 0x080f;

    /** The version of the RTM 1.x API this jar reproduces. */
    static final String API_VERSION = "1.5.0";

    RtmClient() {}

    /**
     * A new client of appId whose events go to listener. Throws when appId is null, empty or
     * longer than 128 bytes, or listener is null. Every call makes a new, independent client.
     */
    public static RtmClient createInstance(String appId, RtmClientListener listener) throws Exception {
        return new RtmClientImpl(appId, listener);
    }

    /** "1.5.0 (librtm X.Y.Z)": the API level and the native library underneath. */
    public static String getSdkVersion() {
        return API_VERSION + " (librtm " + Rtm.versionString() + ")";
    }

    /**
     * Checks and accepts an area/proxy context (0), or -2 for null, an area code of 0 or a proxy
     * type other than RTM_NONE_PROXY / RTM_TCP_PROXY. rtmd has no areas: it changes nothing.
     */
    public static int setRtmServiceContext(RtmServiceContext context) {
        if (context == null || context.getAreaCode() == 0) return -2;
        int p = context.getProxyType();
        return p == RtmServiceContext.RTM_NONE_PROXY || p == RtmServiceContext.RTM_TCP_PROXY ? 0 : -2;
    }

    /** Logs out, leaves and frees every channel, and frees the client. Idempotent. */
    public abstract void release();

    /** Logs in (token null or "" when rtmd runs without --app-certificate). LoginError codes. */
    public abstract void login(String token, String userId, ResultCallback<Void> callback);

    public abstract void logout(ResultCallback<Void> callback);

    public abstract void renewToken(String token, ResultCallback<Void> callback);

    /** An empty text message. */
    public abstract RtmMessage createMessage();

    public abstract RtmMessage createMessage(String text);

    public abstract RtmMessage createMessage(byte[] rawMessage);

    public abstract RtmMessage createMessage(byte[] rawMessage, String description);

    /** @deprecated use the form with SendMessageOptions */
    @Deprecated
    public abstract void sendMessageToPeer(String peerId, RtmMessage message, ResultCallback<Void> callback);

    /**
     * Succeeds once the peer has the message. PeerMessageError codes; with
     * options.enableOfflineMessaging an offline peer's message is stored: CACHED_BY_SERVER (4).
     */
    public abstract void sendMessageToPeer(String peerId, RtmMessage message, SendMessageOptions options,
            ResultCallback<Void> callback);

    /** 1-256 peers: user id to online (true) or not. */
    public abstract void queryPeersOnlineStatus(Set<String> peerIds, ResultCallback<Map<String, Boolean>> callback);

    public abstract void subscribePeersOnlineStatus(Set<String> peerIds, ResultCallback<Void> callback);

    public abstract void unsubscribePeersOnlineStatus(Set<String> peerIds, ResultCallback<Void> callback);

    /** option: RtmStatusCode.PeerSubscriptionOption; the subscribed peers. */
    public abstract void queryPeersBySubscriptionOption(int option, ResultCallback<Set<String>> callback);

    public abstract void setLocalUserAttributes(List<RtmAttribute> attributes, ResultCallback<Void> callback);

    public abstract void addOrUpdateLocalUserAttributes(List<RtmAttribute> attributes, ResultCallback<Void> callback);

    public abstract void deleteLocalUserAttributesByKeys(List<String> attributeKeys, ResultCallback<Void> callback);

    public abstract void clearLocalUserAttributes(ResultCallback<Void> callback);

    public abstract void getUserAttributes(String userId, ResultCallback<List<RtmAttribute>> callback);

    public abstract void getUserAttributesByKeys(String userId, List<String> attributeKeys,
            ResultCallback<List<RtmAttribute>> callback);

    public abstract void setChannelAttributes(String channelId, List<RtmChannelAttribute> attributes,
            ChannelAttributeOptions options, ResultCallback<Void> callback);

    public abstract void addOrUpdateChannelAttributes(String channelId, List<RtmChannelAttribute> attributes,
            ChannelAttributeOptions options, ResultCallback<Void> callback);

    public abstract void deleteChannelAttributesByKeys(String channelId, List<String> attributeKeys,
            ChannelAttributeOptions options, ResultCallback<Void> callback);

    public abstract void clearChannelAttributes(String channelId, ChannelAttributeOptions options,
            ResultCallback<Void> callback);

    public abstract void getChannelAttributes(String channelId, ResultCallback<List<RtmChannelAttribute>> callback);

    public abstract void getChannelAttributesByKeys(String channelId, List<String> attributeKeys,
            ResultCallback<List<RtmChannelAttribute>> callback);

    /** 1-32 channels, in the order asked (duplicates once); 0 for an empty channel. */
    public abstract void getChannelMemberCount(List<String> channelIds,
            ResultCallback<List<RtmChannelMemberCount>> callback);

    /**
     * A channel handle (works before login); null for an invalid id, a channel id this client
     * already has a handle for, or a released client.
     */
    public abstract RtmChannel createChannel(String channelId, RtmChannelListener listener);

    /** This client's call manager (always the same one). */
    public abstract RtmCallManager getRtmCallManager();

    /** Accepts a JSON object (0; no private option has an effect on rtmd), else -2. */
    public abstract int setParameters(String parameters);

    /** Appends librtm's log to this file (0), -2 for null or "", -1 when librtm refuses it. */
    public abstract int setLogFile(String filePath);

    /** One of the LOG_FILTER_* values (0), else -2. */
    public abstract int setLogFilter(int filter);

    /** 512 KB to 1 GB (0), else -2. The file is rotated when opened above that size. */
    public abstract int setLogFileSize(int fileSizeInKBytes);

    // ---- retired upstream in 1.5: they fail with the group's FAILURE code ---------------------

    public abstract RtmFileMessage createFileMessageByMediaId(String mediaId);

    public abstract RtmImageMessage createImageMessageByMediaId(String mediaId);

    public abstract void createFileMessageByUploading(String filePath, RtmRequestId requestId,
            ResultCallback<RtmFileMessage> callback);

    public abstract void createImageMessageByUploading(String filePath, RtmRequestId requestId,
            ResultCallback<RtmImageMessage> callback);

    public abstract void downloadMediaToMemory(String mediaId, RtmRequestId requestId, ResultCallback<byte[]> callback);

    public abstract void downloadMediaToFile(String mediaId, String filePath, RtmRequestId requestId,
            ResultCallback<Void> callback);

    public abstract void cancelMediaUpload(RtmRequestId requestId, ResultCallback<Void> callback);

    public abstract void cancelMediaDownload(RtmRequestId requestId, ResultCallback<Void> callback);

    public abstract void cancelMediaUpload(long requestId, ResultCallback<Void> callback);

    public abstract void cancelMediaDownload(long requestId, ResultCallback<Void> callback);
}
