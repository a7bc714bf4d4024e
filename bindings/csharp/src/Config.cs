// Client settings (rtm_config_t): the keys of docs/client.md, copied by the client at creation.
using System;
using System.Collections.Generic;

namespace Rtm {

/// <summary>
/// Settings for a new <see cref="Client"/> ("server.url", "login.timeout_ms", ...; the keys and
/// defaults are in docs/client.md). The client copies them: dispose the config whenever.
/// </summary>
public sealed class Config : IDisposable {
    internal readonly ConfigHandle Handle;

    /// <summary>A config holding every default.</summary>
    public Config() {
        Handle = rtm_native.rtm_config_new();
        if (Handle.IsInvalid)
            throw new RtmException(ErrorCode.NoMemory, "cannot allocate a config");
    }

    /// <summary>A config with the given settings on top of the defaults.</summary>
    public Config(IEnumerable<KeyValuePair<string, string>> settings) : this() {
        if (settings == null)
            return;
        try {
            foreach (var kv in settings)
                Set(kv.Key, kv.Value);
        } catch {
            Handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sets one key. An unknown key or a value that does not parse raises
    /// <see cref="ErrorCode.InvalidArgument"/> and leaves the config unchanged.
    /// </summary>
    public void Set(string key, string value) {
        ErrorCode rc;
        try {
            rc = rtm_native.rtm_config_set(Handle, key, value);
        } catch (ObjectDisposedException) {
            throw RtmException.Disposed("Config");
        }
        if (rc != ErrorCode.Ok)
            throw new RtmException(rc, "config key '" + key + "' cannot be set to '" + value +
                                   "': unknown key or unparsable value");
    }

    /// <summary>Frees the native config. Idempotent.</summary>
    public void Dispose() {
        Handle.Dispose();
    }
}

}
