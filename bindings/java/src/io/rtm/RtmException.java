package io.rtm;

/**
 * A librtm failure: the error code (typed and as its C number and name) and a sentence. Thrown
 * at once for calls librtm refuses (the sentence then comes from rtm_client_last_error when
 * it has one for this call), and carried by futures whose result event reports an error.
 */
public class RtmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String sentence;

    public RtmException(ErrorCode code, String sentence) {
        super(code.cName() + ": " + sentence);
        this.code = code;
        this.sentence = sentence;
    }

    /** The error code. */
    public ErrorCode code() {
        return code;
    }

    /** The C value of the code (rtm_err_t). */
    public int codeValue() {
        return code.code();
    }

    /** The C name of the code, e.g. "RTM_ERR_INVALID_USER_ID". */
    public String codeName() {
        return code.cName();
    }

    /** The sentence alone (getMessage() is "NAME: sentence"). */
    public String sentence() {
        return sentence;
    }

    static RtmException closed(String what) {
        return new RtmException(ErrorCode.CLOSED, what + " is closed");
    }
}
