package io.agora.rtm;

/** Progress of a media upload or download (never reported: rtmd has no media). */
public class RtmMediaOperationProgress {
    public long totalSize;
    public long currentSize;
}
