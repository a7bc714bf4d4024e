package io.agora.rtm;

/** Receives the request id of a media call (filled in by the call). */
public class RtmRequestId {
    private long requestId;

    public long getRequestId() {
        return requestId;
    }

    public void setRequestId(long requestId) {
        this.requestId = requestId;
    }
}
