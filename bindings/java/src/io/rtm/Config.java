package io.rtm;

import io.rtm.internal.rtm_native;
import java.util.Map;

/**
 * Client settings (rtm_config_t): every key starts at its default; {@link #set} changes one.
 * A client copies what it needs when it is created, so a config may be closed right after.
 * The keys are listed in docs/client.md ("server.url", "login.timeout_ms", "log.level", ...).
 */
public final class Config implements AutoCloseable {
    private final NativeHandle handle;

    public Config() {
        long p = rtm_native.rtm_config_new();
        if (p == 0) throw new RtmException(ErrorCode.NO_MEMORY, "cannot allocate a configuration");
        handle = NativeHandle.register(this, p, rtm_native::rtm_config_free, "config");
    }

    /** A config with each entry of settings set in the map's order. */
    public static Config of(Map<String, String> settings) {
        Config c = new Config();
        try {
            for (Map.Entry<String, String> e : settings.entrySet()) c.set(e.getKey(), e.getValue());
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Sets key to value; RtmException INVALID_ARGUMENT for an unknown key or an unparsable
     * value (the config is unchanged then).
     */
    public Config set(String key, String value) {
        long p = handle.acquire();
        try {
            int rc = rtm_native.rtm_config_set(p, key, value);
            if (rc != 0) {
                ErrorCode code = ErrorCode.of(rc);
                throw new RtmException(code, "config " + key + " = " + value + " refused: "
                        + "an unknown key, a NULL or a value that does not parse (" + code.description() + ")");
            }
            return this;
        } finally {
            handle.release();
        }
    }

    /** Frees the native config; idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    NativeHandle handle() {
        return handle;
    }
}
