package io.rtm;

import static io.rtm.TestSupport.await;
import static io.rtm.TestSupport.loggedIn;
import static io.rtm.TestSupport.uid;
import static io.rtm.TestSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The chat example (what the cross-language demo drives), run as its own process. */
class ExampleTest {
    @RegisterExtension
    static final RtmdExtension server = new RtmdExtension();

    @Test
    void chatPrintsWhatItReceivesAndSendsWhatItReads() throws Exception {
        String jar = System.getenv("RTM_EXAMPLES_JAR");
        assertNotNull(jar, "set RTM_EXAMPLES_JAR to rtm-examples.jar (ctest does)");
        String carol = uid("carol");
        String dave = uid("dave");
        String room = uid("room");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-jar", jar, carol, room);
        pb.environment().put("RTM_SERVER_URL", server.url());
        pb.environment().put("RTM_APP_ID", "test");
        Process chat = pb.start();
        BlockingQueue<String> out = lines(chat.getInputStream());
        BlockingQueue<String> err = lines(chat.getErrorStream());
        Writer in = new OutputStreamWriter(chat.getOutputStream(), StandardCharsets.UTF_8);
        try (Client d = loggedIn(server, dave); Channel ch = d.createChannel(room)) {
            // a JVM starting under load (valgrind on the other core) may take a while
            assertEquals("joined " + room + " as " + carol, next(err, 60_000));
            await(ch.joinAsync());

            try (Message m = Message.text("hello from dave \u2713")) {
                await(ch.sendMessageAsync(m));
            }
            assertEquals(dave + " " + room + " hello from dave \u2713", next(out));
            try (Message m = Message.text("just for you")) {
                await(d.sendMessageToPeerAsync(carol, m));
            }
            assertEquals(dave + " peer just for you", next(out));

            in.write("hi all \ud83d\udc4b\n");
            in.flush();
            try (Event e = waitFor(d, EventType.CHANNEL_MESSAGE_RECEIVED)) {
                assertEquals(carol, e.userId());
                assertEquals("hi all \ud83d\udc4b", e.message().text());
            }
            in.write("@" + dave + " a secret\n");
            in.flush();
            try (Event e = waitFor(d, EventType.PEER_MESSAGE_RECEIVED)) {
                assertEquals(carol, e.userId());
                assertEquals("a secret", e.message().text());
            }
            in.close(); // end of input: carol logs out and exits
            assertTrue(chat.waitFor(60, TimeUnit.SECONDS), "the chat exits on EOF");
            assertEquals(0, chat.exitValue());
            try (Event e = waitFor(d, EventType.CHANNEL_MEMBER_LEFT)) {
                assertEquals(carol, e.userId());
            }
        } finally {
            chat.destroyForcibly();
        }
    }

    private static String next(BlockingQueue<String> q) throws InterruptedException {
        return next(q, TestSupport.WAIT_MS);
    }

    private static String next(BlockingQueue<String> q, long ms) throws InterruptedException {
        String s = q.poll(ms, TimeUnit.MILLISECONDS);
        assertNotNull(s, "no line within " + ms + " ms");
        return s;
    }

    private static BlockingQueue<String> lines(InputStream s) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) q.add(line);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        t.setDaemon(true);
        t.start();
        return q;
    }
}
