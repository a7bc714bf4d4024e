// Library-wide functions of librtm: version, names and sentences for codes, tokens, and the
// live-handle count that leak tests use.
using System;

namespace Rtm {

/// <summary>Send flags of peer and channel messages (RTM_SEND_*).</summary>
[Flags]
public enum SendFlags : uint {
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>RTM_SEND_OFFLINE: store a peer message for an offline peer.</summary>
    Offline = rtm_native.RTM_SEND_OFFLINE
}

/// <summary>Flags of channel attribute writes (RTM_ATTR_*).</summary>
[Flags]
public enum AttributeFlags : uint {
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>RTM_ATTR_NOTIFY_MEMBERS: every other member gets ChannelAttributesUpdated.</summary>
    NotifyMembers = rtm_native.RTM_ATTR_NOTIFY_MEMBERS
}

/// <summary>Functions of the library as a whole.</summary>
public static class Library {
    /// <summary>The major version this binding was built against.</summary>
    public const int VersionMajor = rtm_native.RTM_VERSION_MAJOR;
    /// <summary>The minor version this binding was built against.</summary>
    public const int VersionMinor = rtm_native.RTM_VERSION_MINOR;
    /// <summary>The patch version this binding was built against.</summary>
    public const int VersionPatch = rtm_native.RTM_VERSION_PATCH;

    /// <summary>(major &lt;&lt; 16) | (minor &lt;&lt; 8) | patch of the loaded librtm.</summary>
    public static uint Version {
        get { return rtm_native.rtm_version(); }
    }

    /// <summary>"1.0.0": the version of the loaded librtm.</summary>
    public static string VersionString {
        get { return rtm_native.rtm_version_string(); }
    }

    /// <summary>"RTM_ERR_TIMEOUT" for <see cref="ErrorCode.Timeout"/>.</summary>
    public static string ErrorName(ErrorCode code) {
        return rtm_native.rtm_err_name(code);
    }

    /// <summary>One English sentence describing <paramref name="code"/>.</summary>
    public static string ErrorDescription(ErrorCode code) {
        return rtm_native.rtm_err_str(code);
    }

    /// <summary>"RTM_EVENT_LOGIN_RESULT" for <see cref="EventType.LoginResult"/>.</summary>
    public static string EventTypeName(EventType type) {
        return rtm_native.rtm_event_type_name(type);
    }

    /// <summary>
    /// How many native handles (configs, clients, channels, messages, events, invitation
    /// references) the process holds right now. Objects the application forgot come off this
    /// count once the garbage collector has finalized them.
    /// </summary>
    public static ulong LiveHandles {
        get { return rtm_native.rtm_live_handles(); }
    }

    /// <summary>
    /// A login token in the "006" format for <paramref name="userId"/>, signed with the app
    /// certificate (for servers and tests; keep certificates off client devices). expireTs:
    /// seconds since the epoch, 0 for the token's own 24 hours; salt 0: random; issueTs 0: now.
    /// </summary>
    public static string BuildToken(string appId, string appCertificate, string userId,
                                    uint expireTs = 0, uint salt = 0, uint issueTs = 0) {
        ErrorCode err;
        IntPtr token = rtm_native.rtm_token_build(appId, appCertificate, userId, expireTs, salt,
                                                  issueTs, out err);
        if (token == IntPtr.Zero)
            throw new RtmException(err, "cannot build a token: " + ErrorDescription(err));
        try {
            return Utf8.FromNative(token);
        } finally {
            rtm_native.rtm_string_free(token);
        }
    }
}

}
