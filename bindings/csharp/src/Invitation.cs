// A call invitation reference (rtm_invitation_t): a local one made by the caller, or a remote
// one received in an event. It keeps its Client alive.
using System;
using System.Threading.Tasks;

namespace Rtm {

/// <summary>
/// A call invitation. The caller makes a local one with
/// <see cref="Client.CreateLocalInvitation"/>, sets <see cref="Content"/> and
/// <see cref="ChannelId"/>, and sends it; the callee gets a remote one from
/// <see cref="Event.Invitation"/> and accepts or refuses it (optionally with a
/// <see cref="Response"/>). Calls in the wrong state raise <see cref="ErrorCode.InvalidState"/>.
/// Every reference is the application's own: dispose it when done.
/// </summary>
public sealed class Invitation : IDisposable {
    internal readonly InvitationHandle Handle;
    readonly Client client;

    internal Invitation(InvitationHandle handle, Client client) {
        Handle = handle;
        this.client = client;
        Id = rtm_native.rtm_invitation_id(handle);
        Kind = rtm_native.rtm_invitation_kind(handle);
    }

    /// <summary>The same id on every reference to one invitation; unique per client.</summary>
    public ulong Id { get; private set; }

    /// <summary>Local (sent by this client) or Remote (received).</summary>
    public InvitationKind Kind { get; private set; }

    T Read<T>(Func<InvitationHandle, T> read) {
        bool added = false;
        try {
            Handle.DangerousAddRef(ref added);
            return read(Handle);
        } catch (ObjectDisposedException) {
            throw RtmException.Disposed("Invitation");
        } finally {
            if (added)
                Handle.DangerousRelease();
        }
    }

    /// <summary>The state as the C int (a LocalInvitationState or RemoteInvitationState by kind).</summary>
    public int State {
        get { return Read(rtm_native.rtm_invitation_state); }
    }

    /// <summary>The state of a local invitation; null for a remote one.</summary>
    public LocalInvitationState? LocalState {
        get {
            if (Kind != InvitationKind.Local)
                return null;
            return (LocalInvitationState)State;
        }
    }

    /// <summary>The state of a remote invitation; null for a local one.</summary>
    public RemoteInvitationState? RemoteState {
        get {
            if (Kind != InvitationKind.Remote)
                return null;
            return (RemoteInvitationState)State;
        }
    }

    /// <summary>Who sent the invitation (null while unset).</summary>
    public string CallerId {
        get { return Read(rtm_native.rtm_invitation_caller_id); }
    }

    /// <summary>Who it is for.</summary>
    public string CalleeId {
        get { return Read(rtm_native.rtm_invitation_callee_id); }
    }

    /// <summary>
    /// The caller's content (at most 8,192 bytes of UTF-8); settable on a local invitation
    /// before it is sent.
    /// </summary>
    public string Content {
        get { return Read(rtm_native.rtm_invitation_content); }
        set { Set(rtm_native.rtm_invitation_set_content, value); }
    }

    /// <summary>The channel the call is about; settable on a local invitation before it is sent.</summary>
    public string ChannelId {
        get { return Read(rtm_native.rtm_invitation_channel_id); }
        set { Set(rtm_native.rtm_invitation_set_channel_id, value); }
    }

    /// <summary>
    /// The callee's response (at most 8,192 bytes); settable on a remote invitation before it is
    /// answered, readable by the caller once accepted or refused.
    /// </summary>
    public string Response {
        get { return Read(rtm_native.rtm_invitation_response); }
        set { Set(rtm_native.rtm_invitation_set_response, value); }
    }

    void Set(Func<InvitationHandle, string, ErrorCode> set, string value) {
        ErrorCode rc = Read(h => set(h, value));
        // librtm leaves a sentence for state errors only; argument errors get the code's.
        if (rc != ErrorCode.Ok)
            throw Owner.Error(rc, rc == ErrorCode.InvalidState);
    }

    // The client, which is null only for an invitation read from a task's result after the
    // application let go of the client and it was collected.
    Client Owner {
        get {
            if (client == null)
                throw new RtmException(ErrorCode.Closed, "the client of this invitation was collected");
            return client;
        }
    }

    ulong Invoke(Request call) {
        return Owner.Invoke(call, "Invitation");
    }

    Task StartAsync(Request call) {
        return Client.Done(Owner.StartAsync(call, true, "Invitation"));
    }

    /// <summary>
    /// Sends a local invitation: InvitationResult, then LocalInvitationReceivedByPeer and one of
    /// LocalInvitationAccepted / Refused / Failure.
    /// </summary>
    public ulong Send() {
        return Invoke((out ulong id) => rtm_native.rtm_invitation_send(Handle, out id));
    }

    /// <summary>Sends a local invitation; completes with InvitationResult.</summary>
    public Task SendAsync() {
        return StartAsync((out ulong id) => rtm_native.rtm_invitation_send(Handle, out id));
    }

    /// <summary>Cancels a sent local invitation: InvitationResult, then LocalInvitationCanceled.</summary>
    public ulong Cancel() {
        return Invoke((out ulong id) => rtm_native.rtm_invitation_cancel(Handle, out id));
    }

    /// <summary>Cancels a sent local invitation; completes with InvitationResult.</summary>
    public Task CancelAsync() {
        return StartAsync((out ulong id) => rtm_native.rtm_invitation_cancel(Handle, out id));
    }

    /// <summary>Accepts a received invitation: InvitationResult, then RemoteInvitationAccepted.</summary>
    public ulong Accept() {
        return Invoke((out ulong id) => rtm_native.rtm_invitation_accept(Handle, out id));
    }

    /// <summary>Accepts a received invitation; completes with InvitationResult.</summary>
    public Task AcceptAsync() {
        return StartAsync((out ulong id) => rtm_native.rtm_invitation_accept(Handle, out id));
    }

    /// <summary>Refuses a received invitation: InvitationResult, then RemoteInvitationRefused.</summary>
    public ulong Refuse() {
        return Invoke((out ulong id) => rtm_native.rtm_invitation_refuse(Handle, out id));
    }

    /// <summary>Refuses a received invitation; completes with InvitationResult.</summary>
    public Task RefuseAsync() {
        return StartAsync((out ulong id) => rtm_native.rtm_invitation_refuse(Handle, out id));
    }

    /// <summary>Drops this reference (others to the same invitation stay valid). Idempotent.</summary>
    public void Dispose() {
        Handle.Dispose();
    }
}

}
