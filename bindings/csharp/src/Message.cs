// A peer or channel message (rtm_message_t): built by the application to send, or received
// inside an event (then it keeps that event's memory alive).
using System;
using System.Runtime.InteropServices;

namespace Rtm {

/// <summary>
/// A text message (UTF-8, at most 32,768 bytes) or a raw one (bytes, NULs allowed, plus an
/// optional description; at most 32,768 bytes together). Sending copies it, so one message can
/// be sent many times. Received messages come from <see cref="Event.Message"/>.
/// </summary>
public sealed class Message : IDisposable {
    internal readonly MessageHandle Handle;

    /// <summary>A text message; <see cref="ErrorCode.InvalidMessage"/> when over 32,768 bytes.</summary>
    public Message(string text) {
        if (text == null)
            throw new RtmException(ErrorCode.InvalidArgument, "the message text must not be null");
        ErrorCode err;
        Handle = rtm_native.rtm_message_new_text(text, out err);
        CheckCreated(err);
    }

    /// <summary>
    /// A raw message of <paramref name="data"/> (copied) with an optional description;
    /// <see cref="ErrorCode.InvalidMessage"/> when both together are over 32,768 bytes.
    /// </summary>
    public Message(byte[] data, string description = null) {
        if (data == null)
            throw new RtmException(ErrorCode.InvalidArgument, "the message bytes must not be null");
        ErrorCode err;
        Handle = rtm_native.rtm_message_new_raw(data, description, out err);
        CheckCreated(err);
    }

    internal Message(MessageHandle handle) {
        Handle = handle;
    }

    void CheckCreated(ErrorCode err) {
        if (!Handle.IsInvalid)
            return;
        Handle.Dispose();
        if (err == ErrorCode.Ok)
            err = ErrorCode.NoMemory;
        throw new RtmException(err, err == ErrorCode.InvalidMessage
                                        ? "the message is over 32,768 bytes or not valid UTF-8"
                                        : Library.ErrorDescription(err));
    }

    internal T Read<T>(Func<MessageHandle, T> read) {
        bool added = false;
        try {
            Handle.DangerousAddRef(ref added);
            return read(Handle);
        } catch (ObjectDisposedException) {
            throw RtmException.Disposed("Message");
        } finally {
            if (added)
                Handle.DangerousRelease();
        }
    }

    /// <summary><see cref="MessageType.Text"/> or <see cref="MessageType.Raw"/>.</summary>
    public MessageType Type {
        get { return Read(rtm_native.rtm_message_type); }
    }

    /// <summary>The text of a text message; the description (or "") of a raw one.</summary>
    public string Text {
        get {
            return Read(h => {
                if (rtm_native.rtm_message_type(h) != MessageType.Text)
                    return rtm_native.rtm_message_text(h);
                ulong len;
                IntPtr p = rtm_native.rtm_message_data(h, out len);
                return Utf8.FromNative(p, checked((int)len));
            });
        }
    }

    /// <summary>The bytes of a raw message, the UTF-8 bytes of a text one (a copy).</summary>
    public byte[] Data {
        get {
            return Read(h => {
                ulong len;
                IntPtr p = rtm_native.rtm_message_data(h, out len);
                var bytes = new byte[checked((int)len)];
                if (bytes.Length > 0)
                    Marshal.Copy(p, bytes, 0, bytes.Length);
                return bytes;
            });
        }
    }

    /// <summary>The server's id of a received message; 0 for one built here.</summary>
    public ulong Id {
        get { return Read(rtm_native.rtm_message_id); }
    }

    /// <summary>When the server received the message, in ms since the epoch (0 for one built here).</summary>
    public long ServerTsMs {
        get { return Read(rtm_native.rtm_message_server_ts_ms); }
    }

    /// <summary>True when the server stored the message while the receiver was offline.</summary>
    public bool IsOffline {
        get { return Read(rtm_native.rtm_message_is_offline) != 0; }
    }

    /// <summary>Releases the message (or the event memory a received one holds). Idempotent.</summary>
    public void Dispose() {
        Handle.Dispose();
    }
}

}
