package io.agora.rtm;

/** Why a call failed: the RTM 1.x number of the call's group (RtmStatusCode) and a sentence. */
public class ErrorInfo {
    private final int errorCode;
    private final String errorDescription;

    public ErrorInfo(int errorCode) {
        this(errorCode, "");
    }

    public ErrorInfo(int errorCode, String errorDescription) {
        this.errorCode = errorCode;
        this.errorDescription = errorDescription == null ? "" : errorDescription;
    }

    public int getErrorCode() {
        return errorCode;
    }

    public String getErrorDescription() {
        return errorDescription;
    }

    @Override
    public String toString() {
        return "errorCode:" + errorCode + ", errorDescription:" + errorDescription;
    }
}
