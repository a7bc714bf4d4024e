// One event taken off a client's queue (rtm_event_t). Every accessor reads the native event
// under a reference, so a Dispose on another thread never frees it under a read.
using System;
using System.Collections.Generic;

namespace Rtm {

/// <summary>
/// An event of a client: a result (with the <see cref="RequestId"/> of the call it answers and
/// its <see cref="Error"/>) or something that happened (a message, a member, a state change).
/// Accessors return null / 0 / empty for what an event does not carry; which event carries what
/// is listed in docs/abi.md. Dispose it when done, or leave it to the garbage collector.
/// </summary>
public sealed class Event : IDisposable {
    internal readonly EventHandle Handle;
    // The client, for invitations read from the event. Events that complete tasks are made on
    // the dispatcher thread and hold it weakly: nothing on that thread may keep a forgotten
    // client alive (Mono scans thread stacks conservatively).
    readonly Client client;
    readonly WeakReference<Client> weakClient;
    readonly object gate = new object();
    Message message;
    Invitation invitation;

    /// <summary>What happened.</summary>
    public EventType Type { get; private set; }
    /// <summary>The request this result answers; 0 for events nobody asked for.</summary>
    public ulong RequestId { get; private set; }
    /// <summary>The outcome of a result (<see cref="ErrorCode.Ok"/> on success); Ok for other events.</summary>
    public ErrorCode Error { get; private set; }

    internal Event(EventHandle handle, Client client) : this(handle) {
        this.client = client;
    }

    internal Event(EventHandle handle, WeakReference<Client> client) : this(handle) {
        weakClient = client;
    }

    Event(EventHandle handle) {
        Handle = handle;
        Type = rtm_native.rtm_event_type(handle);
        RequestId = rtm_native.rtm_event_request_id(handle);
        Error = rtm_native.rtm_event_error(handle);
    }

    Client Owner {
        get {
            Client c = client;
            if (c == null && weakClient != null)
                weakClient.TryGetTarget(out c);
            return c;
        }
    }

    T Read<T>(Func<EventHandle, T> read) {
        bool added = false;
        try {
            Handle.DangerousAddRef(ref added);
            return read(Handle);
        } catch (ObjectDisposedException) {
            throw RtmException.Disposed("Event");
        } finally {
            if (added)
                Handle.DangerousRelease();
        }
    }

    /// <summary>"RTM_EVENT_LOGIN_RESULT" and so on.</summary>
    public string TypeName {
        get { return Library.EventTypeName(Type); }
    }

    /// <summary>Raises the <see cref="RtmException"/> of a failed result; does nothing otherwise.</summary>
    public void ThrowIfError() {
        if (Error != ErrorCode.Ok)
            throw ResultException();
    }

    internal RtmException ResultException() {
        return new RtmException(Error, TypeName + " failed: " + Library.ErrorDescription(Error),
                                RequestId);
    }

    /// <summary>The channel of channel events and channel results; else null.</summary>
    public string ChannelId {
        get { return Read(rtm_native.rtm_event_channel_id); }
    }

    /// <summary>The sender of a message, the member or peer of the event; else null.</summary>
    public string UserId {
        get { return Read(rtm_native.rtm_event_user_id); }
    }

    /// <summary>
    /// The received message of PeerMessageReceived and ChannelMessageReceived; else null. The
    /// same object on every read; it keeps the event's memory alive until both are released.
    /// </summary>
    public Message Message {
        get {
            lock (gate) {
                if (message == null) {
                    message = Read(h => {
                        IntPtr p = rtm_native.rtm_event_message(h);
                        return p == IntPtr.Zero ? null : new Message(new BorrowedMessageHandle(p, h));
                    });
                }
                return message;
            }
        }
    }

    /// <summary>ConnectionStateChanged: the new state; 0 for other events.</summary>
    public ConnectionState ConnectionState {
        get { return Read(rtm_native.rtm_event_connection_state); }
    }

    /// <summary>ConnectionStateChanged: why the state changed; 0 for other events.</summary>
    public ConnectionChangeReason ConnectionReason {
        get { return Read(rtm_native.rtm_event_connection_reason); }
    }

    /// <summary>ChannelMemberCountUpdated: the member count; 0 otherwise.</summary>
    public int MemberCount {
        get { return Read(rtm_native.rtm_event_member_count); }
    }

    /// <summary>
    /// Invitation events: the invitation, as a new reference that belongs to the application
    /// (it outlives this event; dispose it when done). The same object on every read; null for
    /// other events.
    /// </summary>
    public Invitation Invitation {
        get {
            lock (gate) {
                if (invitation == null) {
                    InvitationHandle h = Read(rtm_native.rtm_event_invitation);
                    if (h.IsInvalid)
                        h.Dispose();
                    else
                        invitation = new Invitation(h, Owner);
                }
                return invitation;
            }
        }
    }

    /// <summary>
    /// Peer lists (QueryPeersOnlineStatusResult, PeersOnlineStatusChanged): each peer's state.
    /// </summary>
    public Dictionary<string, PeerOnlineState> PeerStates {
        get {
            return Read(h => {
                var peers = new Dictionary<string, PeerOnlineState>();
                ulong n = rtm_native.rtm_event_peer_count(h);
                for (ulong i = 0; i < n; i++)
                    peers[rtm_native.rtm_event_peer_id(h, i)] = rtm_native.rtm_event_peer_state(h, i);
                return peers;
            });
        }
    }

    /// <summary>User lists (members of a channel, peers by subscription); empty otherwise.</summary>
    public string[] Users {
        get {
            return Read(h => {
                var users = new string[checked((int)rtm_native.rtm_event_user_count(h))];
                for (int i = 0; i < users.Length; i++)
                    users[i] = rtm_native.rtm_event_user_at(h, (ulong)i);
                return users;
            });
        }
    }

    /// <summary>Attribute lists (user and channel attribute results and updates), in order.</summary>
    public IList<AttributeEntry> Attributes {
        get {
            return Read(h => {
                var list = new List<AttributeEntry>();
                ulong n = rtm_native.rtm_event_attribute_count(h);
                for (ulong i = 0; i < n; i++)
                    list.Add(new AttributeEntry(rtm_native.rtm_event_attribute_key(h, i),
                                                rtm_native.rtm_event_attribute_value(h, i),
                                                rtm_native.rtm_event_attribute_updated_by(h, i),
                                                rtm_native.rtm_event_attribute_updated_ts_ms(h, i)));
                return list;
            });
        }
    }

    /// <summary>The attribute list as key to value.</summary>
    public Dictionary<string, string> AttributeValues {
        get {
            var values = new Dictionary<string, string>();
            foreach (var a in Attributes)
                values[a.Key] = a.Value;
            return values;
        }
    }

    /// <summary>GetChannelMemberCountResult: each channel's member count (0: no such channel).</summary>
    public Dictionary<string, int> ChannelMemberCounts {
        get {
            return Read(h => {
                var counts = new Dictionary<string, int>();
                ulong n = rtm_native.rtm_event_channel_count(h);
                for (ulong i = 0; i < n; i++)
                    counts[rtm_native.rtm_event_channel_at(h, i)] =
                        rtm_native.rtm_event_channel_member_count_at(h, i);
                return counts;
            });
        }
    }

    /// <summary>"RTM_EVENT_LOGIN_RESULT request=3 error=RTM_OK".</summary>
    public override string ToString() {
        return TypeName + " request=" + RequestId + " error=" + Library.ErrorName(Error);
    }

    /// <summary>
    /// Frees the event. A <see cref="Message"/> read from it stays valid until it is released
    /// too; an <see cref="Invitation"/> read from it is the application's own. Idempotent.
    /// </summary>
    public void Dispose() {
        Handle.Dispose();
    }
}

}
