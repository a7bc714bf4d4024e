package io.agora.rtm;

import io.rtm.RtmdExtension;

import static io.agora.rtm.Support.Cb;
import static io.agora.rtm.Support.Seen;
import static io.agora.rtm.Support.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console chat example (built against rtm-compat.jar only) as a process pointed at rtmd by
 * RTM_SERVER_URL: prints channel and peer messages, sends stdin lines, exits 0 at end of input.
 */
class ChatAppTest {
    @RegisterExtension
    static final RtmdExtension server = Support.rtmd();

    static String line(BlockingQueue<String> q, String what) throws InterruptedException {
        String s = q.poll(Support.WAIT_S, TimeUnit.SECONDS);
        assertNotNull(s, "no " + what + " within " + Support.WAIT_S + " s");
        return s;
    }

    static Thread reader(java.io.InputStream in, BlockingQueue<String> q) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String s; (s = r.readLine()) != null;) q.add(s);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void chatsThroughRtmd() throws Exception {
        String jar = System.getenv("RTM_COMPAT_EXAMPLES_JAR");
        assertTrue(jar != null && !jar.isEmpty(), "set RTM_COMPAT_EXAMPLES_JAR (ctest does)");
        try (JarFile j = new JarFile(jar)) {
            assertEquals("rtm-compat.jar", j.getManifest().getMainAttributes().getValue("Class-Path"),
                    "the example needs nothing but the compat jar");
        }
        String chatter = uid("chatter");
        String me = uid("me");
        String room = uid("room");
        ProcessBuilder pb = new ProcessBuilder(
                List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", jar, chatter, room));
        pb.environment().put("RTM_SERVER_URL", server.url());
        pb.environment().put("RTM_APP_ID", "test");
        Process p = pb.start();
        BlockingQueue<String> out = new LinkedBlockingQueue<>();
        BlockingQueue<String> err = new LinkedBlockingQueue<>();
        reader(p.getInputStream(), out);
        reader(p.getErrorStream(), err);
        RtmClient c = null;
        try {
            for (String s; !(s = line(err, "joined line")).equals("joined " + room + " as " + chatter);) {
                assertTrue(s.startsWith("state "), "unexpected: " + s);
            }
            Seen seen = new Seen();
            Seen mine = new Seen();
            c = Support.loggedIn(me, mine);
            RtmChannel ch = c.createChannel(room, ChannelCompatTest.recorder(seen));
            Cb<Void> join = new Cb<>();
            ch.join(join);
            join.ok();

            Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
            w.write("hello room\n@" + me + " just you\n");
            w.flush();
            seen.await("message " + chatter + " " + room + " hello room");
            mine.await("peer " + chatter + " " + RtmMessageType.TEXT + " just you");

            Cb<Void> sent = new Cb<>();
            ch.sendMessage(c.createMessage("hi chatter"), new SendMessageOptions(), sent);
            sent.ok();
            assertEquals(me + " " + room + " hi chatter", line(out, "channel line"));
            Cb<Void> peer = new Cb<>();
            c.sendMessageToPeer(chatter, c.createMessage("psst"), new SendMessageOptions(), peer);
            peer.ok();
            assertEquals(me + " peer psst", line(out, "peer line"));

            w.close(); // end of input: the app logs out and exits
            assertTrue(p.waitFor(Support.WAIT_S, TimeUnit.SECONDS), "the example did not exit");
            assertEquals(0, p.exitValue(), "stderr: " + err);
        } finally {
            if (c != null) c.release();
            p.destroyForcibly();
        }
    }
}
