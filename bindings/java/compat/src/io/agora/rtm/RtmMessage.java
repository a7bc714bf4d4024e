package io.agora.rtm;

import io.rtm.Message;
import io.rtm.MessageType;
import java.nio.charset.StandardCharsets;

/**
 * A peer or channel message: text, or raw bytes with an optional description (getText). Made
 * by RtmClient.createMessage; received ones are copies the application may keep.
 */
public class RtmMessage {
    private int type;
    private String text = "";
    private byte[] raw;
    private long messageId;
    private long serverReceivedTs;
    private boolean offline;

    RtmMessage(int type) {
        this.type = type;
    }

    /** TEXT: the text; RAW: the description ("" without one). */
    public String getText() {
        return text;
    }

    /** Sets the text (of a raw message: its description). */
    public void setText(String text) {
        this.text = text;
    }

    /** RAW: a copy of the bytes; TEXT: the text's UTF-8 bytes. */
    public byte[] getRawMessage() {
        if (type == RtmMessageType.RAW) return raw == null ? new byte[0] : raw.clone();
        return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }

    /** Makes this a raw message holding a copy of rawMessage, without a description. */
    public void setRawMessage(byte[] rawMessage) {
        setRawMessage(rawMessage, "");
    }

    /** Makes this a raw message holding a copy of rawMessage, with description. */
    public void setRawMessage(byte[] rawMessage, String description) {
        type = RtmMessageType.RAW;
        raw = rawMessage == null ? null : rawMessage.clone();
        text = description == null ? "" : description;
    }

    /** An RtmMessageType value. */
    public int getMessageType() {
        return type;
    }

    /** The server's id of a received message; 0 for one made here. */
    public long getMessageId() {
        return messageId;
    }

    /** When the server received it (ms since the epoch); 0 for one made here. */
    public long getServerReceivedTs() {
        return serverReceivedTs;
    }

    /** True for a peer message stored by the server while this user was offline. */
    public boolean isOfflineMessage() {
        return offline;
    }

    @Override
    public String toString() {
        return "RtmMessage{type=" + type + ", text=" + text + (type == RtmMessageType.RAW
                ? ", rawLength=" + (raw == null ? 0 : raw.length) : "") + "}";
    }

    /** A copy of a received io.rtm message (read while its event is open). */
    static RtmMessage copyOf(Message m) {
        RtmMessage r = new RtmMessage(m.type() == MessageType.RAW ? RtmMessageType.RAW : RtmMessageType.TEXT);
        r.text = m.text();
        if (r.type == RtmMessageType.RAW) r.raw = m.data();
        r.messageId = m.id();
        r.serverReceivedTs = m.serverTimestampMs();
        r.offline = m.isOffline();
        return r;
    }

    /**
     * The io.rtm message to send (the caller closes it); RtmException INVALID_MESSAGE for text
     * that is null or too long, or raw bytes that are null or too long.
     */
    Message toNative() {
        if (type == RtmMessageType.RAW) {
            if (raw == null) {
                throw new io.rtm.RtmException(io.rtm.ErrorCode.INVALID_MESSAGE, "the raw message has no bytes");
            }
            return Message.raw(raw, text == null || text.isEmpty() ? null : text);
        }
        if (text == null) throw new io.rtm.RtmException(io.rtm.ErrorCode.INVALID_MESSAGE, "the message text is null");
        return Message.text(text);
    }
}
