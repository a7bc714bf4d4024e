package io.rtm;

import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One rtmd for a whole test class, started before its first test and stopped (it must exit 0)
 * after its last:
 *
 * <pre>
 * &#64;RegisterExtension
 * static final RtmdExtension server = new RtmdExtension("--invite-expire-ms", "2000");
 * </pre>
 *
 * The field must be static (JUnit runs BeforeAll/AfterAll callbacks only of static fields).
 */
public final class RtmdExtension implements BeforeAllCallback, AfterAllCallback {
    private final String[] extraArgs;
    private Consumer<RtmdServer> onStart = s -> {};
    private RtmdServer server;

    /** An rtmd run with these arguments after the usual --listen and --log-level. */
    public RtmdExtension(String... extraArgs) {
        this.extraArgs = extraArgs.clone();
    }

    /** Also calls hook with the server once it runs (before the class's own @BeforeAll). */
    public RtmdExtension onStart(Consumer<RtmdServer> hook) {
        onStart = hook;
        return this;
    }

    /** The running server; only between the class's first and last test. */
    public RtmdServer server() {
        if (server == null) throw new IllegalStateException("rtmd runs only while its test class runs");
        return server;
    }

    /** The server's ws:// URL. */
    public String url() {
        return server().url;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = RtmdServer.start(extraArgs);
        onStart.accept(server);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RtmdServer s = server;
        server = null;
        if (s != null) s.close();
    }
}
