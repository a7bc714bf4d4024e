package io.agora.rtm;

/**
 * A file message (RTM 1.3, retired upstream in 1.5). rtmd stores no media: such messages can
 * be made and filled in, but sending one fails with the send's FAILURE code.
 */
public class RtmFileMessage extends RtmMessage {
    private final String mediaId;
    private long size;
    private byte[] thumbnail = new byte[0];
    private String fileName = "";

    RtmFileMessage(int type, String mediaId) {
        super(type);
        this.mediaId = mediaId;
    }

    RtmFileMessage(String mediaId) {
        this(RtmMessageType.FILE, mediaId);
    }

    public long getSize() {
        return size;
    }

    public String getMediaId() {
        return mediaId;
    }

    public void setThumbnail(byte[] thumbnail) {
        this.thumbnail = thumbnail == null ? new byte[0] : thumbnail.clone();
    }

    public byte[] getThumbnail() {
        return thumbnail.clone();
    }

    public void setFileName(String fileName) {
        this.fileName = fileName;
    }

    public String getFileName() {
        return fileName;
    }
}
