package io.rtm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An rtmd of its own for a test class: the binary from $RTMD, on 127.0.0.1 port 0 (the port
 * comes from its first stdout line), stopped by pid with SIGTERM; it must exit 0.
 */
public final class RtmdServer implements AutoCloseable {
    final Process process;
    public final String url;

    private RtmdServer(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    public static RtmdServer start(String... extraArgs) throws IOException {
        String rtmd = System.getenv("RTMD");
        assertTrue(rtmd != null && !rtmd.isEmpty(), "set RTMD to the rtmd binary (ctest does)");
        List<String> cmd = new ArrayList<>(List.of(rtmd, "--listen", "127.0.0.1:0", "--log-level", "warn"));
        cmd.addAll(Arrays.asList(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine(); // rtmd prints it at once; a dead rtmd gives null
        if (first == null || !first.startsWith("rtmd listening on ")) {
            p.destroyForcibly();
            throw new IOException("rtmd did not report its port: " + first);
        }
        // keep draining stdout so a later write never blocks or hits a closed pipe
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
                // rtmd exited
            }
        }, "rtmd-stdout");
        drain.setDaemon(true);
        drain.start();
        return new RtmdServer(p, "ws://" + first.substring("rtmd listening on ".length()).trim());
    }

    /** SIGTERM to its pid, then waits; rtmd must exit 0. */
    @Override
    public void close() {
        process.destroy();
        boolean exited;
        try {
            exited = process.waitFor(10, TimeUnit.SECONDS);
            if (!exited) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted while stopping rtmd", e);
        }
        assertTrue(exited, "rtmd (pid " + process.pid() + ") did not stop within 10 s of SIGTERM");
        assertEquals(0, process.exitValue(), "rtmd exit status");
    }
}
