package io.agora.rtm;

/** Options of one send. */
public class SendMessageOptions {
    /** Peer messages: rtmd stores the message for an offline peer (result CACHED_BY_SERVER). */
    public boolean enableOfflineMessaging = false;
    /** Accepted and ignored: rtmd keeps no message history (a private beta upstream). */
    public boolean enableHistoricalMessaging = false;
}
