package io.rtm.examples;

import io.rtm.Channel;
import io.rtm.Client;
import io.rtm.Event;
import io.rtm.EventType;
import io.rtm.Message;
import io.rtm.MessageType;
import io.rtm.RtmException;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * A line chat over rtmd: logs in as USER, joins CHANNEL, prints every channel and peer message
 * it receives as one line "FROM CHANNEL TEXT" (CHANNEL is "peer" for peer messages), and sends
 * each line read from stdin to the channel ("@user text" sends text to that user as a peer
 * message instead). Logs out and exits on end of input.
 *
 * <pre>java -jar rtm-examples.jar USER CHANNEL [URL]</pre>
 *
 * URL defaults to $RTM_SERVER_URL, then ws://127.0.0.1:9090; the app id is $RTM_APP_ID
 * (default "demo") and the token $RTM_TOKEN (default none). Status lines ("joined CHANNEL as
 * USER", failures) go to stderr, so stdout carries only messages.
 */
public final class Chat {
    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: chat USER CHANNEL [URL]   (URL: $RTM_SERVER_URL or ws://127.0.0.1:9090)");
            System.exit(2);
        }
        String user = args[0];
        String channelId = args[1];
        String url = args.length > 2 ? args[2] : env("RTM_SERVER_URL", "ws://127.0.0.1:9090");
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, "UTF-8");

        try (Client client = new Client(env("RTM_APP_ID", "demo"), Map.of("server.url", url));
                Channel channel = client.createChannel(channelId)) {
            // Messages arrive on the client's dispatcher thread, one at a time.
            client.dispatchTo(ev -> print(out, ev));
            client.loginAsync(System.getenv("RTM_TOKEN"), user).get();
            channel.joinAsync().get();
            err.println("joined " + channelId + " as " + user);

            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) continue;
                try (Message m = Message.text(peerText(line))) {
                    if (line.startsWith("@") && line.indexOf(' ') > 1) {
                        String peer = line.substring(1, line.indexOf(' '));
                        client.sendMessageToPeerAsync(peer, m).whenComplete((code, e) -> report(err, "to " + peer, e));
                    } else {
                        channel.sendMessageAsync(m).whenComplete((v, e) -> report(err, "to " + channelId, e));
                    }
                } catch (RtmException e) {
                    err.println("not sent: " + e.getMessage());
                }
            }
            client.logoutAsync().get();
        } catch (ExecutionException e) {
            err.println("failed: " + e.getCause().getMessage());
            System.exit(1);
        }
    }

    /** "@bob hello" carries "hello"; any other line is sent as it is. */
    private static String peerText(String line) {
        int space = line.indexOf(' ');
        return line.startsWith("@") && space > 1 ? line.substring(space + 1) : line;
    }

    private static void print(PrintStream out, Event ev) {
        boolean peer = ev.type() == EventType.PEER_MESSAGE_RECEIVED;
        if (!peer && ev.type() != EventType.CHANNEL_MESSAGE_RECEIVED) return;
        Message m = ev.message();
        String text = m.type() == MessageType.TEXT ? m.text() : "[" + m.data().length + " bytes]";
        out.println(ev.userId() + " " + (peer ? "peer" : ev.channelId()) + " " + text);
    }

    private static void report(PrintStream err, String where, Throwable e) {
        if (e != null) err.println("not delivered " + where + ": " + (e.getCause() != null ? e.getCause() : e).getMessage());
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }
}
