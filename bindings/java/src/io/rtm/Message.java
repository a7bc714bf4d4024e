package io.rtm;

import io.rtm.internal.rtm_native;

/**
 * A message (rtm_message_t): text (UTF-8) or raw bytes with an optional description, at most
 * 32,768 bytes. Messages built here belong to the caller: sending copies them, so one message
 * may be sent many times; close it when done, or let the garbage collector free it. A message
 * read from an event ({@link Event#message()}) belongs to that event: it is valid while the
 * event is open and closing it does nothing.
 */
public final class Message implements AutoCloseable {
    private final NativeHandle handle; // the message's own, or its event's
    private final long ptr;
    private final Event owner; // keeps a received message's event alive; null when owned

    private Message(long ptr) {
        this.handle = NativeHandle.register(this, ptr, rtm_native::rtm_message_free, "message");
        this.ptr = ptr;
        this.owner = null;
    }

    Message(long ptr, Event owner, NativeHandle eventHandle) {
        this.handle = eventHandle;
        this.ptr = ptr;
        this.owner = owner;
    }

    /** A text message; RtmException INVALID_MESSAGE above 32,768 bytes of UTF-8. */
    public static Message text(String text) {
        int[] err = new int[1];
        long p = rtm_native.rtm_message_new_text(text, err);
        if (p == 0) throw creationFailure(err[0], "text");
        return new Message(p);
    }

    /** A raw message holding a copy of data (any bytes, NULs included). */
    public static Message raw(byte[] data) {
        return raw(data, null);
    }

    /**
     * A raw message holding a copy of data with a description (null: none); RtmException
     * INVALID_MESSAGE when bytes and description exceed 32,768 bytes.
     */
    public static Message raw(byte[] data, String description) {
        int[] err = new int[1];
        long p = rtm_native.rtm_message_new_raw(data, description, err);
        if (p == 0) throw creationFailure(err[0], "raw");
        return new Message(p);
    }

    private static RtmException creationFailure(int rc, String kind) {
        ErrorCode code = rc != 0 ? ErrorCode.of(rc) : ErrorCode.NO_MEMORY;
        String why;
        if (code == ErrorCode.INVALID_MESSAGE) {
            why = kind.equals("text") ? "the text is over 32,768 bytes of UTF-8"
                                      : "the bytes and the description together are over 32,768 bytes";
        } else if (code == ErrorCode.INVALID_ARGUMENT && kind.equals("text")) {
            why = "the text is null";
        } else {
            why = code.description();
        }
        return new RtmException(code, "cannot create a " + kind + " message: " + why);
    }

    /** TEXT or RAW. */
    public MessageType type() {
        long m = acquire();
        try {
            return MessageType.of(rtm_native.rtm_message_type(m));
        } finally {
            release();
        }
    }

    /** TEXT: the text; RAW: the description, or "" without one. */
    public String text() {
        long m = acquire();
        try {
            return rtm_native.rtm_message_text(m);
        } finally {
            release();
        }
    }

    /** RAW: a copy of the bytes; TEXT: the text's UTF-8 bytes. */
    public byte[] data() {
        long m = acquire();
        try {
            return rtm_native.rtm_message_data(m);
        } finally {
            release();
        }
    }

    /** The server's id of a received message (an unsigned 64-bit value); 0 for one built here. */
    public long id() {
        long m = acquire();
        try {
            return rtm_native.rtm_message_id(m);
        } finally {
            release();
        }
    }

    /** When the server received it, in ms since the epoch; 0 for a message built here. */
    public long serverTimestampMs() {
        long m = acquire();
        try {
            return rtm_native.rtm_message_server_ts_ms(m);
        } finally {
            release();
        }
    }

    /** True when the server stored it while the receiver was offline. */
    public boolean isOffline() {
        long m = acquire();
        try {
            return rtm_native.rtm_message_is_offline(m) != 0;
        } finally {
            release();
        }
    }

    /** True for a message read from an event (it belongs to that event). */
    public boolean isReceived() {
        return owner != null;
    }

    /** The pointer, usable until release(); RtmException CLOSED once the message (or its event) is closed. */
    long acquire() {
        handle.acquire();
        return ptr;
    }

    void release() {
        handle.release();
    }

    /** Frees a message built here (idempotent); does nothing for a received message. */
    @Override
    public void close() {
        if (owner == null) handle.close();
    }

    @Override
    public String toString() {
        try {
            MessageType t = type();
            return t == MessageType.TEXT ? "Message[TEXT " + text() + "]" : "Message[" + t + " " + data().length + " bytes]";
        } catch (RtmException e) {
            return "Message[closed]";
        }
    }
}
