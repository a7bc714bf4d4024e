package io.rtm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * librtm's event loop must not take the JVM's signals: HotSpot's SIGSEGV handler (safepoint
 * polls, null checks) and its SIGINT/SIGTERM/SIGHUP handlers (shutdown hooks) stay in place
 * while clients come and go. Without the glue's protection this JVM dies (SIG_DFL) or spins
 * forever in libuv's handler.
 */
class SignalTest {
    @Test
    void theJvmKeepsItsSignalHandlersWhileClientsComeAndGo() throws Exception {
        String cp = Paths.get(Rtm.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + ":"
                + Paths.get(SignalTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", cp, "io.rtm.SignalProbe").redirectErrorStream(true).start();
        boolean exited = p.waitFor(90, TimeUnit.SECONDS);
        if (!exited) p.destroyForcibly().waitFor();
        String out = LibraryTest.readAll(p.getInputStream());
        assertTrue(exited, "the probe JVM hung (spinning in a foreign SIGSEGV handler?): " + out);
        assertEquals(0, p.exitValue(), "the probe JVM died (exit 139 is SIGSEGV with SIG_DFL): " + out);
        assertEquals("ok", out.trim());
    }
}
