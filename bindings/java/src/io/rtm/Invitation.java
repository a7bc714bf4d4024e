package io.rtm;

import io.rtm.internal.rtm_native;
import java.util.concurrent.CompletableFuture;

/**
 * A reference to a call invitation (rtm_invitation_t): a local one made by {@link
 * Client#createLocalInvitation}, or one taken from an invitation event ({@link
 * Event#invitation()}). All references to one invitation share its id and state; equal
 * references compare equal. A reference keeps its client alive; once the client is closed
 * every call throws RtmException CLOSED, and the reference stays valid to close. A forgotten
 * reference is closed by the garbage collector.
 */
public final class Invitation implements AutoCloseable {
    @FunctionalInterface
    private interface InvitationCall {
        int invoke(long invitation, long[] requestId);
    }

    private final Client client; // keeps the client alive; null if it was already collected
    private final ClientCore core;
    private final NativeHandle handle;
    private final long id;
    private final InvitationKind kind;

    Invitation(ClientCore core, long ptr) {
        this.core = core;
        this.client = core.owner();
        this.handle = NativeHandle.register(this, ptr, rtm_native::rtm_invitation_free, "invitation");
        this.id = rtm_native.rtm_invitation_id(ptr);
        this.kind = InvitationKind.of(rtm_native.rtm_invitation_kind(ptr));
    }

    /** The invitation's id, the same on every reference to it (unique per client). */
    public long id() {
        return id;
    }

    /** LOCAL (sent by this client) or REMOTE (received). */
    public InvitationKind kind() {
        return kind;
    }

    /** The client this invitation belongs to (null only if it was garbage-collected). */
    public Client client() {
        return client;
    }

    /** The state as its C number (a LocalInvitationState or RemoteInvitationState by kind). */
    public int stateCode() {
        return handle.readInt(rtm_native::rtm_invitation_state);
    }

    /** The state of a local invitation; RtmException INVALID_STATE for a remote one. */
    public LocalInvitationState localState() {
        if (kind != InvitationKind.LOCAL) {
            throw new RtmException(ErrorCode.INVALID_STATE, "invitation " + id + " is remote: use remoteState()");
        }
        return LocalInvitationState.of(stateCode());
    }

    /** The state of a remote invitation; RtmException INVALID_STATE for a local one. */
    public RemoteInvitationState remoteState() {
        if (kind != InvitationKind.REMOTE) {
            throw new RtmException(ErrorCode.INVALID_STATE, "invitation " + id + " is local: use localState()");
        }
        return RemoteInvitationState.of(stateCode());
    }

    public String callerId() {
        return handle.read(rtm_native::rtm_invitation_caller_id);
    }

    public String calleeId() {
        return handle.read(rtm_native::rtm_invitation_callee_id);
    }

    /** The content (null while unset). */
    public String content() {
        return handle.read(rtm_native::rtm_invitation_content);
    }

    /** The callee's response (null while unset). */
    public String response() {
        return handle.read(rtm_native::rtm_invitation_response);
    }

    /** The channel id (null while unset). */
    public String channelId() {
        return handle.read(rtm_native::rtm_invitation_channel_id);
    }

    /** Local, before send: the content (at most 8,192 bytes of UTF-8). */
    public Invitation setContent(String content) {
        call((p, id) -> rtm_native.rtm_invitation_set_content(p, content));
        return this;
    }

    /** Local, before send: the channel id. */
    public Invitation setChannelId(String channelId) {
        call((p, id) -> rtm_native.rtm_invitation_set_channel_id(p, channelId));
        return this;
    }

    /** Remote, before the answer: the response (at most 8,192 bytes of UTF-8). */
    public Invitation setResponse(String response) {
        call((p, id) -> rtm_native.rtm_invitation_set_response(p, response));
        return this;
    }

    /**
     * Local, IDLE: sends it; INVITATION_RESULT follows, then LOCAL_INVITATION_RECEIVED_BY_PEER and
     * one of LOCAL_INVITATION_ACCEPTED / _REFUSED / _FAILURE.
     */
    public long send() {
        return call(rtm_native::rtm_invitation_send);
    }

    public CompletableFuture<Void> sendAsync() {
        return callAsync(rtm_native::rtm_invitation_send);
    }

    /** Local, sent and not ended: cancels it; INVITATION_RESULT, then LOCAL_INVITATION_CANCELED. */
    public long cancel() {
        return call(rtm_native::rtm_invitation_cancel);
    }

    public CompletableFuture<Void> cancelAsync() {
        return callAsync(rtm_native::rtm_invitation_cancel);
    }

    /** Remote, received: accepts it; INVITATION_RESULT, then REMOTE_INVITATION_ACCEPTED. */
    public long accept() {
        return call(rtm_native::rtm_invitation_accept);
    }

    public CompletableFuture<Void> acceptAsync() {
        return callAsync(rtm_native::rtm_invitation_accept);
    }

    /** Remote, received: refuses it; INVITATION_RESULT, then REMOTE_INVITATION_REFUSED. */
    public long refuse() {
        return call(rtm_native::rtm_invitation_refuse);
    }

    public CompletableFuture<Void> refuseAsync() {
        return callAsync(rtm_native::rtm_invitation_refuse);
    }

    /** True once this reference is closed. */
    public boolean isClosed() {
        return !handle.isOpen();
    }

    /** Drops this reference (others stay valid); idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Invitation && ((Invitation) o).core == core && ((Invitation) o).id == id;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id) * 31 + System.identityHashCode(core);
    }

    @Override
    public String toString() {
        return "Invitation[" + kind + " " + id + (isClosed() ? ", closed]" : "]");
    }

    private long call(InvitationCall f) {
        return handle.readLong(p -> core.call(false, (c, id) -> f.invoke(p, id)));
    }

    private CompletableFuture<Void> callAsync(InvitationCall f) {
        return handle.read(p -> core.callAsync(false, (c, id) -> f.invoke(p, id), e -> null));
    }
}
