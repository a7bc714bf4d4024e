package io.agora.rtm;

/**
 * The outcome of an asynchronous call: exactly one of the two methods runs, on the client's
 * SDK thread (its dispatcher). Every call taking a ResultCallback accepts null.
 */
public interface ResultCallback<T> {
    void onSuccess(T responseInfo);

    void onFailure(ErrorInfo errorInfo);
}
