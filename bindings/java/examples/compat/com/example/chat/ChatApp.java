package com.example.chat;

import io.agora.rtm.ErrorInfo;
import io.agora.rtm.ResultCallback;
import io.agora.rtm.RtmChannel;
import io.agora.rtm.RtmChannelListener;
import io.agora.rtm.RtmChannelMember;
import io.agora.rtm.RtmClient;
import io.agora.rtm.RtmClientListener;
import io.agora.rtm.RtmMessage;
import io.agora.rtm.RtmMessageType;
import io.agora.rtm.SendMessageOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A console chat written against the RTM 1.x Java API only (compiled with rtm-compat.jar as
 * its whole classpath): java -jar rtm-compat-examples.jar USER CHANNEL
 *
 * <p>Logs in as USER (app id $RTM_APP_ID, default "demo"; token $RTM_TOKEN, default none) on
 * the server named by -Dio.agora.rtm.serverUrl or $RTM_SERVER_URL, joins CHANNEL, prints every
 * channel message as "FROM CHANNEL TEXT" and every peer message as "FROM peer TEXT", and sends
 * each stdin line to the channel ("@user text" sends text to user). Logs out at end of input.
 */
public final class ChatApp {
    private ChatApp() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ChatApp USER CHANNEL");
            System.exit(2);
        }
        String user = args[0];
        String channelId = args[1];
        String appId = System.getenv().getOrDefault("RTM_APP_ID", "demo");
        String token = System.getenv("RTM_TOKEN");

        RtmClient client = RtmClient.createInstance(appId, new RtmClientListener() {
            @Override
            public void onConnectionStateChanged(int state, int reason) {
                System.err.println("state " + state + " reason " + reason);
            }

            @Override
            public void onMessageReceived(RtmMessage message, String peerId) {
                System.out.println(peerId + " peer " + show(message));
                System.out.flush();
            }
        });
        RtmChannel channel = client.createChannel(channelId, new RtmChannelListener() {
            @Override
            public void onMessageReceived(RtmMessage message, RtmChannelMember from) {
                System.out.println(from.getUserId() + " " + from.getChannelId() + " " + show(message));
                System.out.flush();
            }
        });
        if (channel == null) {
            System.err.println("invalid channel id: " + channelId);
            System.exit(2);
        }

        await(cb -> client.login(token, user, cb), "login");
        await(channel::join, "join");
        System.err.println("joined " + channelId + " as " + user);

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        SendMessageOptions options = new SendMessageOptions();
        for (String line; (line = in.readLine()) != null;) {
            if (line.isEmpty()) continue;
            if (line.startsWith("@") && line.indexOf(' ') > 1) {
                String peer = line.substring(1, line.indexOf(' '));
                String text = line.substring(line.indexOf(' ') + 1);
                client.sendMessageToPeer(peer, client.createMessage(text), options, report("to " + peer));
            } else {
                channel.sendMessage(client.createMessage(line), options, report("to " + channelId));
            }
        }
        await(cb -> client.logout(cb), "logout");
        client.release();
    }

    private static String show(RtmMessage m) {
        return m.getMessageType() == RtmMessageType.RAW ? "[" + m.getRawMessage().length + " bytes]" : m.getText();
    }

    /** Prints failed sends on stderr. */
    private static ResultCallback<Void> report(String what) {
        return new ResultCallback<Void>() {
            @Override
            public void onSuccess(Void v) {}

            @Override
            public void onFailure(ErrorInfo e) {
                System.err.println("not delivered " + what + ": " + e);
            }
        };
    }

    /** Runs an asynchronous call and waits up to 15 s for its callback; exits 1 on failure. */
    private static void await(java.util.function.Consumer<ResultCallback<Void>> call, String what) throws Exception {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        call.accept(new ResultCallback<Void>() {
            @Override
            public void onSuccess(Void v) {
                done.complete(null);
            }

            @Override
            public void onFailure(ErrorInfo e) {
                done.complete(e);
            }
        });
        ErrorInfo e = done.get(15, TimeUnit.SECONDS);
        if (e != null) {
            System.err.println(what + " failed: " + e);
            System.exit(1);
        }
    }
}
