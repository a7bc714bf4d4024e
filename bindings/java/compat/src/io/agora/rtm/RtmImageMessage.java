package io.agora.rtm;

/**
 * An image message (RTM 1.3, retired upstream in 1.5). rtmd stores no media: such messages can
 * be made and filled in, but sending one fails with the send's FAILURE code.
 */
public class RtmImageMessage extends RtmFileMessage {
    private int width;
    private int height;
    private int thumbnailWidth;
    private int thumbnailHeight;

    RtmImageMessage(String mediaId) {
        super(RtmMessageType.IMAGE, mediaId);
    }

    public int getWidth() {
        return width;
    }

    public void setWidth(int width) {
        this.width = width;
    }

    public int getHeight() {
        return height;
    }

    public void setHeight(int height) {
        this.height = height;
    }

    public int getThumbnailWidth() {
        return thumbnailWidth;
    }

    public void setThumbnailWidth(int thumbnailWidth) {
        this.thumbnailWidth = thumbnailWidth;
    }

    public int getThumbnailHeight() {
        return thumbnailHeight;
    }

    public void setThumbnailHeight(int thumbnailHeight) {
        this.thumbnailHeight = thumbnailHeight;
    }
}
