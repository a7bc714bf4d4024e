// The one exception type of the binding: an rtm_err_t code, its C name and a sentence.
using System;

namespace Rtm {

/// <summary>
/// A librtm failure. <see cref="Code"/> is the rtm_err_t value, <see cref="CodeName"/> its C
/// name ("RTM_ERR_INVALID_USER_ID") and <see cref="Sentence"/> says what went wrong: for a call
/// refused at once, the client's rtm_client_last_error; for a failed result event, the code's
/// description. <see cref="RequestId"/> is the request of a failed result (0 otherwise).
/// </summary>
public class RtmException : Exception {
    /// <summary>The error code (never <see cref="ErrorCode.Ok"/>).</summary>
    public ErrorCode Code { get; private set; }
    /// <summary>The code's C name, for example "RTM_ERR_TIMEOUT".</summary>
    public string CodeName { get; private set; }
    /// <summary>What went wrong, in one sentence.</summary>
    public string Sentence { get; private set; }
    /// <summary>The request whose result event failed; 0 for a call refused at once.</summary>
    public ulong RequestId { get; private set; }

    /// <summary>An exception for <paramref name="code"/> with a sentence.</summary>
    public RtmException(ErrorCode code, string sentence)
        : this(code, sentence, 0) {}

    /// <summary>An exception for the failed result of request <paramref name="requestId"/>.</summary>
    public RtmException(ErrorCode code, string sentence, ulong requestId)
        : base(Library.ErrorName(code) + ": " + sentence) {
        Code = code;
        CodeName = Library.ErrorName(code);
        Sentence = sentence;
        RequestId = requestId;
    }

    // Calls on a handle the application disposed: the CLOSED code, as for children of a closed
    // client, so one catch handles both.
    internal static RtmException Disposed(string what) {
        return new RtmException(ErrorCode.Closed, "this " + what + " was disposed");
    }
}

}
