// The client (rtm_client_t): login, requests, and the event queue. Every request has two forms:
// Xxx(...) returns the request id and the result arrives as an Event on Poll; XxxAsync(...)
// returns a Task completed from the result (through the client's Dispatcher).
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Rtm {

internal delegate ErrorCode Request(out ulong requestId);

// How result events become the values of tasks. Static delegates, so that nothing a task's
// continuation holds leads back to the client: the dispatcher thread touches continuations,
// and what it touched must not keep a forgotten client reachable.
internal static class Results {
    internal static readonly Func<Event, string[]> Users = e => e.Users;
    internal static readonly Func<Event, Dictionary<string, PeerOnlineState>> PeerStates = e => e.PeerStates;
    internal static readonly Func<Event, Dictionary<string, string>> AttributeValues = e => e.AttributeValues;
    internal static readonly Func<Event, IList<AttributeEntry>> Attributes = e => e.Attributes;
    internal static readonly Func<Event, Dictionary<string, int>> ChannelMemberCounts = e => e.ChannelMemberCounts;
    // A peer message stored for an offline peer (CACHED_BY_SERVER) is a success too.
    internal static readonly Func<Event, ErrorCode> PeerSend = e => {
        if (e.Error != ErrorCode.Ok && e.Error != ErrorCode.CachedByServer)
            throw e.ResultException();
        return e.Error;
    };
}

/// <summary>
/// A librtm client: one user's connection to rtmd. Thread-safe. Dispose it to log out and free
/// it (or leave it to the garbage collector). Its <see cref="Channel"/>s and
/// <see cref="Invitation"/>s keep it alive; once it is disposed, calls on them raise
/// <see cref="ErrorCode.Closed"/>.
/// </summary>
/// <remarks>
/// Calls that talk to the server come in two forms. <c>Login(...)</c> returns the request id;
/// the result arrives as an <see cref="Event"/> with that <see cref="Event.RequestId"/> on
/// <see cref="Poll"/>. <c>LoginAsync(...)</c> returns a Task: the first such call starts one
/// dispatcher thread for this client that completes tasks from their results and keeps every
/// other event for <see cref="Poll"/>, so the application's own poll loop loses nothing. Both
/// forms raise <see cref="RtmException"/> at once for bad input (nothing is sent); a task faults
/// with an <see cref="RtmException"/> when its result is an error.
/// </remarks>
public sealed class Client : IDisposable {
    internal readonly ClientHandle Handle;
    // Guards the fields below: who polls natively, and the start of the dispatcher.
    readonly object gate = new object();
    Dispatcher dispatcher;
    bool starting;
    int nativePollers;
    bool wakeRequested;
    bool disposed;

    /// <summary>A client for <paramref name="appId"/> with every default setting.</summary>
    public Client(string appId) : this(appId, (Config)null) {}

    /// <summary>A client for <paramref name="appId"/> with the given settings ("server.url", ...).</summary>
    public Client(string appId, IEnumerable<KeyValuePair<string, string>> settings)
        : this(appId, NewConfig(settings), true) {}

    /// <summary>A client for <paramref name="appId"/> with <paramref name="config"/> (copied; null: defaults).</summary>
    public Client(string appId, Config config) : this(appId, config, false) {}

    Client(string appId, Config config, bool ownsConfig) {
        try {
            ErrorCode err;
            Handle = rtm_native.rtm_client_new(appId, config != null ? config.Handle : ConfigHandle.None,
                                               out err);
            if (Handle.IsInvalid) {
                Handle.Dispose();
                GC.SuppressFinalize(this);
                throw new RtmException(err, err == ErrorCode.InvalidAppId
                                                ? "the app id must be 1-128 bytes"
                                                : Library.ErrorDescription(err));
            }
        } catch (ObjectDisposedException) {
            GC.SuppressFinalize(this);
            throw RtmException.Disposed("Config");
        } finally {
            if (ownsConfig && config != null)
                config.Dispose();
        }
    }

    static Config NewConfig(IEnumerable<KeyValuePair<string, string>> settings) {
        return settings == null ? null : new Config(settings);
    }

    // ---- plumbing shared with Channel and Invitation ------------------------------------

    // Runs a request; a synchronous failure becomes an RtmException with the client's sentence.
    internal ulong Invoke(Request call, string what = "Client", Message message = null) {
        ulong id;
        ErrorCode rc;
        try {
            rc = call(out id);
        } catch (ObjectDisposedException) {
            throw RtmException.Disposed(message != null && message.Handle.IsClosed ? "Message" : what);
        }
        if (rc != ErrorCode.Ok)
            throw Error(rc);
        return id;
    }

    // The exception for a synchronous failure: the client's last error sentence when the call
    // left one, else the code's description.
    internal RtmException Error(ErrorCode code, bool callSetsSentence = true) {
        string sentence = null;
        if (callSetsSentence && code != ErrorCode.Closed) {
            try {
                sentence = rtm_native.rtm_client_last_error(Handle);
            } catch (ObjectDisposedException) {
            }
        }
        if (string.IsNullOrEmpty(sentence))
            sentence = Library.ErrorDescription(code);
        return new RtmException(code, sentence);
    }

    internal T Read<T>(Func<ClientHandle, T> read) {
        try {
            return read(Handle);
        } catch (ObjectDisposedException) {
            throw RtmException.Disposed("Client");
        }
    }

    internal Task<Event> StartAsync(Request call, bool faultOnError = true, string what = "Client",
                                    Message message = null) {
        return EnsureDispatcher().Start(() => Invoke(call, what, message), faultOnError);
    }

    internal static async Task Done(Task<Event> result) {
        (await result.ConfigureAwait(false)).Dispose();
    }

    // read is one of Results: static, so that the task holds no closure over this client.
    internal static async Task<T> Then<T>(Task<Event> result, Func<Event, T> read) {
        using (Event e = await result.ConfigureAwait(false))
            return read(e);
    }

    Dispatcher EnsureDispatcher() {
        lock (gate) {
            while (true) {
                if (disposed)
                    throw RtmException.Disposed("Client");
                if (dispatcher != null)
                    return dispatcher;
                if (!starting)
                    break;
                Monitor.Wait(gate);
            }
            starting = true;
            try {
                // Application threads inside a native poll leave it first, so that no result of
                // a task can reach them: wake them and wait until they are out.
                if (nativePollers > 0) {
                    WakeNative();
                    while (nativePollers > 0)
                        Monitor.Wait(gate);
                    if (disposed) // while waiting
                        throw RtmException.Disposed("Client");
                }
                bool wake = wakeRequested;
                wakeRequested = false;
                dispatcher = new Dispatcher(Handle, this, wake);
                return dispatcher;
            } finally {
                starting = false;
                Monitor.PulseAll(gate);
            }
        }
    }

    void WakeNative() {
        try {
            rtm_native.rtm_client_wakeup(Handle);
        } catch (ObjectDisposedException) {
        }
    }

    static int Remaining(int timeoutMs, int start) {
        if (timeoutMs < 0)
            return -1;
        return Math.Max(0, timeoutMs - unchecked(Environment.TickCount - start));
    }

    // ---- settings, state, events ----------------------------------------------------------

    /// <summary>
    /// Changes "log.*" or "request.timeout_ms" on the live client (other known keys:
    /// <see cref="ErrorCode.InvalidState"/>; unknown keys or bad values:
    /// <see cref="ErrorCode.InvalidArgument"/>).
    /// </summary>
    public void SetOption(string key, string value) {
        ErrorCode rc = Read(h => rtm_native.rtm_client_set_option(h, key, value));
        if (rc != ErrorCode.Ok)
            throw Error(rc);
    }

    /// <summary>The sentence of the latest synchronous failure on this client ("" when none).</summary>
    public string LastError {
        get { return Read(rtm_native.rtm_client_last_error); }
    }

    /// <summary>The current connection state.</summary>
    public ConnectionState ConnectionState {
        get { return Read(rtm_native.rtm_client_connection_state); }
    }

    /// <summary>
    /// Takes the oldest event: timeoutMs -1 waits until one comes, 0 never waits, N waits up to
    /// N ms. Null when nothing came in time or after <see cref="Wakeup"/>.
    /// </summary>
    public Event Poll(int timeoutMs) {
        int start = Environment.TickCount;
        while (true) {
            Dispatcher d;
            lock (gate) {
                while (starting)
                    Monitor.Wait(gate);
                if (disposed)
                    throw RtmException.Disposed("Client");
                d = dispatcher;
                if (d == null)
                    nativePollers++;
            }
            if (d != null)
                return d.Poll(Remaining(timeoutMs, start), this);
            EventHandle ev;
            try {
                ev = rtm_native.rtm_client_poll(Handle, Remaining(timeoutMs, start));
            } catch (ObjectDisposedException) {
                throw RtmException.Disposed("Client");
            } finally {
                lock (gate) {
                    nativePollers--;
                    Monitor.PulseAll(gate);
                }
            }
            if (!ev.IsInvalid)
                return new Event(ev, this);
            ev.Dispose();
            lock (gate) {
                if (wakeRequested) {
                    wakeRequested = false;
                    return null;
                }
                if (dispatcher == null && !starting)
                    return null; // nothing came in time
            }
            if (timeoutMs >= 0 && Remaining(timeoutMs, start) == 0)
                return null;
            // a dispatcher started and woke this poll: go on with its queue
        }
    }

    /// <summary>The events that come, until none comes within timeoutMs (or a wakeup).</summary>
    public IEnumerable<Event> Events(int timeoutMs) {
        Event e;
        while ((e = Poll(timeoutMs)) != null)
            yield return e;
    }

    /// <summary>Makes a blocked <see cref="Poll"/> return null now (or the next one, when none is blocked).</summary>
    public void Wakeup() {
        lock (gate) {
            if (disposed)
                throw RtmException.Disposed("Client");
            if (dispatcher != null) {
                dispatcher.Wakeup();
            } else {
                wakeRequested = true;
                WakeNative();
            }
        }
    }

    /// <summary>
    /// A descriptor that is readable while the native queue holds events, for select/epoll
    /// loops (never read, write or close it). Meant for applications that do not use the Async
    /// calls: once they are used, the dispatcher takes events off the native queue.
    /// </summary>
    public int EventFd {
        get { return Read(rtm_native.rtm_client_event_fd); }
    }

    /// <summary>
    /// A task for the result of a request made with one of the id-returning calls: it completes
    /// with the result event whatever its error (see <see cref="Event.ThrowIfError"/>). Ask for
    /// it before polling that result yourself: a result already taken by <see cref="Poll"/>
    /// never comes again.
    /// </summary>
    public Task<Event> ResultAsync(ulong requestId) {
        if (requestId == 0)
            throw new RtmException(ErrorCode.InvalidArgument, "request id 0 names no request");
        return EnsureDispatcher().Await(requestId, this);
    }

    // ---- login ------------------------------------------------------------------------------

    /// <summary>
    /// Logs in as <paramref name="userId"/> (token null when the server needs none). Events:
    /// ConnectionStateChanged Connecting at once, then Connected and LoginResult Ok, or
    /// Disconnected and a failed LoginResult.
    /// </summary>
    public ulong Login(string userId, string token = null) {
        return Invoke((out ulong id) => rtm_native.rtm_client_login(Handle, token, userId, out id));
    }

    /// <summary>Logs in; completes once logged in.</summary>
    public Task LoginAsync(string userId, string token = null) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_login(Handle, token, userId, out id)));
    }

    /// <summary>Logs out: pending requests end with <see cref="ErrorCode.Closed"/>, then LogoutResult.</summary>
    public ulong Logout() {
        return Invoke((out ulong id) => rtm_native.rtm_client_logout(Handle, out id));
    }

    /// <summary>Logs out; completes with the logout result.</summary>
    public Task LogoutAsync() {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_logout(Handle, out id)));
    }

    /// <summary>Gives the server a new token for this session.</summary>
    public ulong RenewToken(string token) {
        return Invoke((out ulong id) => rtm_native.rtm_client_renew_token(Handle, token, out id));
    }

    /// <summary>Gives the server a new token; completes with the result.</summary>
    public Task RenewTokenAsync(string token) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_renew_token(Handle, token, out id)));
    }

    // ---- peer messages and presence -----------------------------------------------------------

    /// <summary>
    /// Sends a message to a peer. The result is Ok once the peer has it,
    /// <see cref="ErrorCode.PeerUnreachable"/> when it is offline, or with
    /// <see cref="SendFlags.Offline"/> <see cref="ErrorCode.CachedByServer"/> (stored for it).
    /// </summary>
    public ulong SendMessageToPeer(string peerId, Message message, SendFlags flags = SendFlags.None) {
        CheckMessage(message);
        return Invoke((out ulong id) => rtm_native.rtm_client_send_message_to_peer(
                          Handle, peerId, message.Handle, (uint)flags, out id), "Client", message);
    }

    /// <summary>Sends a text message to a peer.</summary>
    public ulong SendMessageToPeer(string peerId, string text, SendFlags flags = SendFlags.None) {
        using (var m = new Message(text))
            return SendMessageToPeer(peerId, m, flags);
    }

    /// <summary>
    /// Sends a message to a peer; completes with <see cref="ErrorCode.Ok"/> (the peer has it) or
    /// <see cref="ErrorCode.CachedByServer"/> (stored for an offline peer, with
    /// <see cref="SendFlags.Offline"/>); faults with any other outcome.
    /// </summary>
    public Task<ErrorCode> SendMessageToPeerAsync(string peerId, Message message,
                                                  SendFlags flags = SendFlags.None) {
        CheckMessage(message);
        return Then(StartAsync((out ulong id) => rtm_native.rtm_client_send_message_to_peer(
                                   Handle, peerId, message.Handle, (uint)flags, out id),
                               false, "Client", message),
                    Results.PeerSend);
    }

    /// <summary>Sends a text message to a peer (see the Message overload).</summary>
    public Task<ErrorCode> SendMessageToPeerAsync(string peerId, string text,
                                                  SendFlags flags = SendFlags.None) {
        using (var m = new Message(text))
            return SendMessageToPeerAsync(peerId, m, flags);
    }

    internal static void CheckMessage(Message message) {
        if (message == null)
            throw new RtmException(ErrorCode.InvalidArgument, "the message must not be null");
    }

    /// <summary>Asks for the online state of 1-256 peers (QueryPeersOnlineStatusResult).</summary>
    public ulong QueryPeersOnlineStatus(params string[] peerIds) {
        return Invoke((out ulong id) => rtm_native.rtm_client_query_peers_online_status(Handle, peerIds, out id));
    }

    /// <summary>The online state of 1-256 peers (Online or Offline), one entry per distinct peer.</summary>
    public Task<Dictionary<string, PeerOnlineState>> QueryPeersOnlineStatusAsync(params string[] peerIds) {
        return Then(StartAsync((out ulong id) => rtm_native.rtm_client_query_peers_online_status(
                                   Handle, peerIds, out id)),
                    Results.PeerStates);
    }

    /// <summary>
    /// Subscribes to the online state of 1-512 peers: SubscriptionResult, then one
    /// PeersOnlineStatusChanged with their current state, then one per change.
    /// </summary>
    public ulong SubscribePeersOnlineStatus(params string[] peerIds) {
        return Invoke((out ulong id) => rtm_native.rtm_client_subscribe_peers_online_status(Handle, peerIds, out id));
    }

    /// <summary>Subscribes (see the id-returning form); completes with the subscription result.</summary>
    public Task SubscribePeersOnlineStatusAsync(params string[] peerIds) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_subscribe_peers_online_status(
                                   Handle, peerIds, out id)));
    }

    /// <summary>Ends subscriptions (peers not subscribed are fine).</summary>
    public ulong UnsubscribePeersOnlineStatus(params string[] peerIds) {
        return Invoke((out ulong id) => rtm_native.rtm_client_unsubscribe_peers_online_status(Handle, peerIds, out id));
    }

    /// <summary>Ends subscriptions; completes with the result.</summary>
    public Task UnsubscribePeersOnlineStatusAsync(params string[] peerIds) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_unsubscribe_peers_online_status(
                                   Handle, peerIds, out id)));
    }

    /// <summary>Lists the subscribed peers (QueryPeersBySubscriptionResult).</summary>
    public ulong QueryPeersBySubscriptionOption(SubscriptionOption option = SubscriptionOption.OnlineStatus) {
        return Invoke((out ulong id) => rtm_native.rtm_client_query_peers_by_subscription_option(Handle, option, out id));
    }

    /// <summary>The subscribed peers.</summary>
    public Task<string[]> QueryPeersBySubscriptionOptionAsync(
        SubscriptionOption option = SubscriptionOption.OnlineStatus) {
        return Then(StartAsync((out ulong id) => rtm_native.rtm_client_query_peers_by_subscription_option(
                                   Handle, option, out id)),
                    Results.Users);
    }

    // ---- user attributes ----------------------------------------------------------------------

    /// <summary>Replaces all of the local user's attributes (UserAttributesResult).</summary>
    public ulong SetLocalUserAttributes(IEnumerable<KeyValuePair<string, string>> attributes) {
        return Invoke((out ulong id) => rtm_native.rtm_client_set_local_user_attributes(Handle, attributes, out id));
    }

    /// <summary>Replaces all of the local user's attributes.</summary>
    public Task SetLocalUserAttributesAsync(IEnumerable<KeyValuePair<string, string>> attributes) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_set_local_user_attributes(
                                   Handle, attributes, out id)));
    }

    /// <summary>Adds attributes, replacing those with the same keys.</summary>
    public ulong AddOrUpdateLocalUserAttributes(IEnumerable<KeyValuePair<string, string>> attributes) {
        return Invoke((out ulong id) => rtm_native.rtm_client_add_or_update_local_user_attributes(
                          Handle, attributes, out id));
    }

    /// <summary>Adds attributes, replacing those with the same keys.</summary>
    public Task AddOrUpdateLocalUserAttributesAsync(IEnumerable<KeyValuePair<string, string>> attributes) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_add_or_update_local_user_attributes(
                                   Handle, attributes, out id)));
    }

    /// <summary>Removes the attributes with the given keys.</summary>
    public ulong DeleteLocalUserAttributesByKeys(params string[] keys) {
        return Invoke((out ulong id) => rtm_native.rtm_client_delete_local_user_attributes_by_keys(
                          Handle, keys, out id));
    }

    /// <summary>Removes the attributes with the given keys.</summary>
    public Task DeleteLocalUserAttributesByKeysAsync(params string[] keys) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_delete_local_user_attributes_by_keys(
                                   Handle, keys, out id)));
    }

    /// <summary>Removes every attribute of the local user.</summary>
    public ulong ClearLocalUserAttributes() {
        return Invoke((out ulong id) => rtm_native.rtm_client_clear_local_user_attributes(Handle, out id));
    }

    /// <summary>Removes every attribute of the local user.</summary>
    public Task ClearLocalUserAttributesAsync() {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_clear_local_user_attributes(Handle, out id)));
    }

    /// <summary>Reads an online user's attributes (GetUserAttributesResult; UserNotFound when offline).</summary>
    public ulong GetUserAttributes(string userId) {
        return Invoke((out ulong id) => rtm_native.rtm_client_get_user_attributes(Handle, userId, out id));
    }

    /// <summary>An online user's attributes.</summary>
    public Task<Dictionary<string, string>> GetUserAttributesAsync(string userId) {
        return Then(StartAsync((out ulong id) => rtm_native.rtm_client_get_user_attributes(Handle, userId, out id)),
                    Results.AttributeValues);
    }

    /// <summary>Reads the given keys of an online user's attributes.</summary>
    public ulong GetUserAttributesByKeys(string userId, params string[] keys) {
        return Invoke((out ulong id) => rtm_native.rtm_client_get_user_attributes_by_keys(
                          Handle, userId, keys, out id));
    }

    /// <summary>The given keys of an online user's attributes (those that exist).</summary>
    public Task<Dictionary<string, string>> GetUserAttributesByKeysAsync(string userId, params string[] keys) {
        return Then(StartAsync((out ulong id) => rtm_native.rtm_client_get_user_attributes_by_keys(
                                   Handle, userId, keys, out id)),
                    Results.AttributeValues);
    }

    // ---- channels -------------------------------------------------------------------------------

    /// <summary>
    /// A channel handle (works before login too). One live handle per channel id per client:
    /// another for the same id raises <see cref="ErrorCode.InvalidState"/> until the first is
    /// disposed or collected.
    /// </summary>
    public Channel CreateChannel(string channelId) {
        ErrorCode err = ErrorCode.Ok;
        ChannelHandle h = Read(c => rtm_native.rtm_client_create_channel(c, channelId, out err));
        if (h.IsInvalid) {
            h.Dispose();
            throw Error(err);
        }
        return new Channel(this, h);
    }

    /// <summary>Sends into a channel without joining it (the server may refuse: NotAuthorized).</summary>
    public ulong SendMessageToChannel(string channelId, Message message, SendFlags flags = SendFlags.None) {
        CheckMessage(message);
        return Invoke((out ulong id) => rtm_native.rtm_client_send_message_to_channel(
                          Handle, channelId, message.Handle, (uint)flags, out id), "Client", message);
    }

    /// <summary>Sends into a channel without joining it; completes once the server has it.</summary>
    public Task SendMessageToChannelAsync(string channelId, Message message, SendFlags flags = SendFlags.None) {
        CheckMessage(message);
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_send_message_to_channel(
                                   Handle, channelId, message.Handle, (uint)flags, out id),
                               true, "Client", message));
    }

    /// <summary>Asks for the member counts of 1-32 channels (GetChannelMemberCountResult).</summary>
    public ulong GetChannelMemberCount(params string[] channelIds) {
        return Invoke((out ulong id) => rtm_native.rtm_client_get_channel_member_count(Handle, channelIds, out id));
    }

    /// <summary>The member counts of 1-32 channels (0 for a channel that does not exist).</summary>
    public Task<Dictionary<string, int>> GetChannelMemberCountAsync(params string[] channelIds) {
        return Then(StartAsync((out ulong id) => rtm_native.rtm_client_get_channel_member_count(
                                   Handle, channelIds, out id)),
                    Results.ChannelMemberCounts);
    }

    /// <summary>Replaces all attributes of a channel (ChannelAttributesResult).</summary>
    public ulong SetChannelAttributes(string channelId, IEnumerable<KeyValuePair<string, string>> attributes,
                                      AttributeFlags flags = AttributeFlags.None) {
        return Invoke((out ulong id) => rtm_native.rtm_client_set_channel_attributes(
                          Handle, channelId, attributes, (uint)flags, out id));
    }

    /// <summary>Replaces all attributes of a channel.</summary>
    public Task SetChannelAttributesAsync(string channelId, IEnumerable<KeyValuePair<string, string>> attributes,
                                          AttributeFlags flags = AttributeFlags.None) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_set_channel_attributes(
                                   Handle, channelId, attributes, (uint)flags, out id)));
    }

    /// <summary>Adds channel attributes, replacing those with the same keys.</summary>
    public ulong AddOrUpdateChannelAttributes(string channelId,
                                              IEnumerable<KeyValuePair<string, string>> attributes,
                                              AttributeFlags flags = AttributeFlags.None) {
        return Invoke((out ulong id) => rtm_native.rtm_client_add_or_update_channel_attributes(
                          Handle, channelId, attributes, (uint)flags, out id));
    }

    /// <summary>Adds channel attributes, replacing those with the same keys.</summary>
    public Task AddOrUpdateChannelAttributesAsync(string channelId,
                                                  IEnumerable<KeyValuePair<string, string>> attributes,
                                                  AttributeFlags flags = AttributeFlags.None) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_add_or_update_channel_attributes(
                                   Handle, channelId, attributes, (uint)flags, out id)));
    }

    /// <summary>Removes the channel attributes with the given keys.</summary>
    public ulong DeleteChannelAttributesByKeys(string channelId, string[] keys,
                                               AttributeFlags flags = AttributeFlags.None) {
        return Invoke((out ulong id) => rtm_native.rtm_client_delete_channel_attributes_by_keys(
                          Handle, channelId, keys, (uint)flags, out id));
    }

    /// <summary>Removes the channel attributes with the given keys.</summary>
    public Task DeleteChannelAttributesByKeysAsync(string channelId, string[] keys,
                                                   AttributeFlags flags = AttributeFlags.None) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_delete_channel_attributes_by_keys(
                                   Handle, channelId, keys, (uint)flags, out id)));
    }

    /// <summary>Removes every attribute of a channel.</summary>
    public ulong ClearChannelAttributes(string channelId, AttributeFlags flags = AttributeFlags.None) {
        return Invoke((out ulong id) => rtm_native.rtm_client_clear_channel_attributes(
                          Handle, channelId, (uint)flags, out id));
    }

    /// <summary>Removes every attribute of a channel.</summary>
    public Task ClearChannelAttributesAsync(string channelId, AttributeFlags flags = AttributeFlags.None) {
        return Done(StartAsync((out ulong id) => rtm_native.rtm_client_clear_channel_attributes(
                                   Handle, channelId, (uint)flags, out id)));
    }

    /// <summary>Reads all attributes of a channel (GetChannelAttributesResult).</summary>
    public ulong GetChannelAttributes(string channelId) {
        return Invoke((out ulong id) => rtm_native.rtm_client_get_channel_attributes(Handle, channelId, out id));
    }

    /// <summary>All attributes of a channel, with who updated each and when.</summary>
    public Task<IList<AttributeEntry>> GetChannelAttributesAsync(string channelId) {
        return Then(StartAsync((out ulong id) => rtm_native.rtm_client_get_channel_attributes(
                                   Handle, channelId, out id)),
                    Results.Attributes);
    }

    /// <summary>Reads the given keys of a channel's attributes.</summary>
    public ulong GetChannelAttributesByKeys(string channelId, params string[] keys) {
        return Invoke((out ulong id) => rtm_native.rtm_client_get_channel_attributes_by_keys(
                          Handle, channelId, keys, out id));
    }

    /// <summary>The given keys of a channel's attributes (those that exist).</summary>
    public Task<IList<AttributeEntry>> GetChannelAttributesByKeysAsync(string channelId, params string[] keys) {
        return Then(StartAsync((out ulong id) => rtm_native.rtm_client_get_channel_attributes_by_keys(
                                   Handle, channelId, keys, out id)),
                    Results.Attributes);
    }

    // ---- invitations ----------------------------------------------------------------------------

    /// <summary>A new call invitation to <paramref name="calleeId"/>, not sent yet (state Idle).</summary>
    public Invitation CreateLocalInvitation(string calleeId) {
        ErrorCode err = ErrorCode.Ok;
        InvitationHandle h = Read(c => rtm_native.rtm_client_create_local_invitation(c, calleeId, out err));
        if (h.IsInvalid) {
            h.Dispose();
            throw Error(err);
        }
        return new Invitation(h, this);
    }

    // ---- lifetime -------------------------------------------------------------------------------

    /// <summary>
    /// Logs out (best effort), ends pending tasks with <see cref="ErrorCode.Closed"/>, drops
    /// queued events and frees the client. Its channels and invitations stay safe to use: their
    /// calls raise <see cref="ErrorCode.Closed"/>. Idempotent.
    /// </summary>
    public void Dispose() {
        Dispatcher d;
        lock (gate) {
            if (disposed)
                return;
            disposed = true;
            d = dispatcher;
            Monitor.PulseAll(gate);
        }
        WakeNative(); // application threads blocked in a native poll return now
        if (d != null)
            d.Stop();
        Handle.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A forgotten client: its dispatcher (if any) stops and frees the native client.</summary>
    ~Client() {
        Dispatcher d = dispatcher;
        if (d != null)
            d.StopFromFinalizer();
    }
}

}
