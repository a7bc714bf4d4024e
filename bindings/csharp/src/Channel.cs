// A channel handle (rtm_channel_t) of one client. It keeps its Client alive; once the client is
// disposed, its calls raise CLOSED (librtm answers RTM_ERR_CLOSED).
using System;
using System.Threading.Tasks;

namespace Rtm {

/// <summary>
/// A channel of a <see cref="Client"/>, made by <see cref="Client.CreateChannel"/>. Results and
/// channel events (members joining and leaving, messages, attribute updates) arrive on the
/// client's <see cref="Client.Poll"/>. Dispose leaves the channel if joined.
/// </summary>
public sealed class Channel : IDisposable {
    internal readonly ChannelHandle Handle;
    readonly Client client;

    internal Channel(Client client, ChannelHandle handle) {
        this.client = client;
        Handle = handle;
        Id = rtm_native.rtm_channel_id(handle);
    }

    /// <summary>The client this channel belongs to.</summary>
    public Client Client {
        get { return client; }
    }

    /// <summary>The channel id.</summary>
    public string Id { get; private set; }

    ulong Invoke(Request call, Message message = null) {
        return client.Invoke(call, "Channel", message);
    }

    Task<Event> StartAsync(Request call, Message message = null) {
        return client.StartAsync(call, true, "Channel", message);
    }

    /// <summary>
    /// Joins: JoinChannelResult follows; the other members get ChannelMemberJoined. Errors:
    /// NotLoggedIn, AlreadyJoined, ExceedLimit (a 21st channel), Closed.
    /// </summary>
    public ulong Join() {
        return Invoke((out ulong id) => rtm_native.rtm_channel_join(Handle, out id));
    }

    /// <summary>
    /// Joins; completes with the member list when the client's "channel.member_list_on_join" is
    /// true (the joiner included), else with an empty list.
    /// </summary>
    public Task<string[]> JoinAsync() {
        return Client.Then(StartAsync((out ulong id) => rtm_native.rtm_channel_join(Handle, out id)),
                           Results.Users);
    }

    /// <summary>Leaves: LeaveChannelResult follows; the others get ChannelMemberLeft.</summary>
    public ulong Leave() {
        return Invoke((out ulong id) => rtm_native.rtm_channel_leave(Handle, out id));
    }

    /// <summary>Leaves; completes with the result.</summary>
    public Task LeaveAsync() {
        return Client.Done(StartAsync((out ulong id) => rtm_native.rtm_channel_leave(Handle, out id)));
    }

    /// <summary>Sends to every other member (never to the sender): SendChannelMessageResult.</summary>
    public ulong SendMessage(Message message, SendFlags flags = SendFlags.None) {
        Client.CheckMessage(message);
        return Invoke((out ulong id) => rtm_native.rtm_channel_send_message(Handle, message.Handle,
                                                                             (uint)flags, out id),
                      message);
    }

    /// <summary>Sends a text message to every other member.</summary>
    public ulong SendMessage(string text, SendFlags flags = SendFlags.None) {
        using (var m = new Message(text))
            return SendMessage(m, flags);
    }

    /// <summary>Sends to every other member; completes once the server has the message.</summary>
    public Task SendMessageAsync(Message message, SendFlags flags = SendFlags.None) {
        Client.CheckMessage(message);
        return Client.Done(StartAsync((out ulong id) => rtm_native.rtm_channel_send_message(
                                          Handle, message.Handle, (uint)flags, out id),
                                      message));
    }

    /// <summary>Sends a text message to every other member; completes once the server has it.</summary>
    public Task SendMessageAsync(string text, SendFlags flags = SendFlags.None) {
        using (var m = new Message(text))
            return SendMessageAsync(m, flags);
    }

    /// <summary>Asks for the member list (GetMembersResult, at most 512 ids).</summary>
    public ulong GetMembers() {
        return Invoke((out ulong id) => rtm_native.rtm_channel_get_members(Handle, out id));
    }

    /// <summary>The member list (at most 512 ids: a random 512 of a larger channel).</summary>
    public Task<string[]> GetMembersAsync() {
        return Client.Then(StartAsync((out ulong id) => rtm_native.rtm_channel_get_members(Handle, out id)),
                           Results.Users);
    }

    /// <summary>
    /// Leaves the channel if joined (no event follows), ends requests pending on it with
    /// Closed and frees the handle. Idempotent.
    /// </summary>
    public void Dispose() {
        Handle.Dispose();
    }
}

}
