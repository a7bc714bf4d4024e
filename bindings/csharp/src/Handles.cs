// The SafeHandles that the generated P/Invoke layer passes for librtm's opaque pointers. The
// marshaller takes a reference on a handle for the length of every call, so Dispose on another
// thread (or the finalizer) frees the native object only after running calls have returned.
using System;
using System.Runtime.InteropServices;

namespace Rtm {

internal abstract class RtmHandle : SafeHandle {
    protected RtmHandle() : base(IntPtr.Zero, true) {}

    public override bool IsInvalid {
        get { return handle == IntPtr.Zero; }
    }
}

internal sealed class ConfigHandle : RtmHandle {
    // A NULL config for rtm_client_new (all defaults); never released (it is invalid).
    internal static readonly ConfigHandle None = new ConfigHandle();

    protected override bool ReleaseHandle() {
        rtm_native.rtm_config_free(handle);
        return true;
    }
}

internal sealed class ClientHandle : RtmHandle {
    protected override bool ReleaseHandle() {
        rtm_native.rtm_client_free(handle);
        return true;
    }
}

internal sealed class ChannelHandle : RtmHandle {
    protected override bool ReleaseHandle() {
        rtm_native.rtm_channel_free(handle);
        return true;
    }
}

internal sealed class InvitationHandle : RtmHandle {
    protected override bool ReleaseHandle() {
        rtm_native.rtm_invitation_free(handle);
        return true;
    }
}

internal sealed class EventHandle : RtmHandle {
    protected override bool ReleaseHandle() {
        rtm_native.rtm_event_free(handle);
        return true;
    }
}

internal class MessageHandle : RtmHandle {
    protected override bool ReleaseHandle() {
        rtm_native.rtm_message_free(handle);
        return true;
    }
}

// The message inside a received event: borrowed from the event, so it holds a reference on the
// event's handle instead of freeing anything. The event's memory lives until both are released.
internal sealed class BorrowedMessageHandle : MessageHandle {
    readonly EventHandle owner;

    internal BorrowedMessageHandle(IntPtr message, EventHandle owner) {
        bool added = false;
        owner.DangerousAddRef(ref added);
        this.owner = owner;
        SetHandle(message);
    }

    protected override bool ReleaseHandle() {
        owner.DangerousRelease();
        return true;
    }
}

}
