package io.agora.rtm;

import io.rtm.RtmdExtension;
import io.rtm.RtmdServer;

import static io.agora.rtm.RtmStatusCode.ConnectionChangeReason.*;
import static io.agora.rtm.RtmStatusCode.ConnectionState.*;
import static io.agora.rtm.Support.Cb;
import static io.agora.rtm.Support.Seen;
import static io.agora.rtm.Support.client;
import static io.agora.rtm.Support.loggedIn;
import static io.agora.rtm.Support.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rtm.Rtm;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Login, logout, renewToken, connection states, settings, release, written as an app would. */
class SessionCompatTest {
    @RegisterExtension
    static final RtmdExtension server = Support.rtmd();

    @Test
    void loginAndLogoutReportStatesAndResultsOnTheSdkThread() throws Exception {
        Seen seen = new Seen();
        RtmClient c = client(seen);
        try {
            Cb<Void> login = new Cb<>();
            c.login(null, uid("alice"), login);
            login.ok();
            seen.await("state " + CONNECTION_STATE_CONNECTING + " " + CONNECTION_CHANGE_REASON_LOGIN);
            seen.await("state " + CONNECTION_STATE_CONNECTED + " " + CONNECTION_CHANGE_REASON_LOGIN_SUCCESS);

            Cb<Void> again = new Cb<>();
            c.login(null, uid("alice"), again);
            again.failed(RtmStatusCode.LoginError.LOGIN_ERR_ALREADY_LOGIN);

            Cb<Void> logout = new Cb<>();
            c.logout(logout);
            logout.ok();
            seen.await("state " + CONNECTION_STATE_DISCONNECTED + " " + CONNECTION_CHANGE_REASON_LOGOUT);
            seen.allOnSdkThread();

            Cb<Void> notIn = new Cb<>();
            c.logout(notIn);
            notIn.failed(RtmStatusCode.LogoutError.LOGOUT_ERR_USER_NOT_LOGGED_IN);
        } finally {
            c.release();
        }
    }

    @Test
    void refusedCallsFailThroughTheirCallbackWithTheGroupsNumbers() throws Exception {
        RtmClient c = client(new Seen());
        try {
            Cb<Void> bad = new Cb<>();
            c.login(null, "no/slash", bad);
            ErrorInfo e = bad.failed(RtmStatusCode.LoginError.LOGIN_ERR_INVALID_ARGUMENT);
            assertTrue(e.getErrorDescription().contains("no/slash"), e.toString());

            Cb<Void> renew = new Cb<>();
            c.renewToken("x", renew);
            renew.failed(RtmStatusCode.RenewTokenError.RENEW_TOKEN_ERR_USER_NOT_LOGGED_IN);
        } finally {
            c.release();
        }
    }

    @Test
    void tokensFromRtmTokenLogInAndRenew() throws Exception {
        String app = "970CA35de60c44645bbae8a215061b33";
        String cert = "5CFd2fd1755d40ecb72977518be15d3b";
        try (RtmdServer secure = RtmdServer.start("--app-id", app, "--app-certificate", cert)) {
            System.setProperty("io.agora.rtm.serverUrl", secure.url);
            RtmClient c = RtmClient.createInstance(app, new RtmClientListener() {});
            try {
                String user = uid("secure");
                Cb<Void> forged = new Cb<>();
                c.login(Rtm.buildToken(app, cert, uid("someone-else"), 0, 0, 0), user, forged);
                forged.failed(RtmStatusCode.LoginError.LOGIN_ERR_INVALID_TOKEN);

                Cb<Void> login = new Cb<>();
                c.login(Rtm.buildToken(app, cert, user, 0, 0, 0), user, login);
                login.ok();
                Cb<Void> renew = new Cb<>();
                c.renewToken(Rtm.buildToken(app, cert, user, 0, 0, 0), renew);
                renew.ok();
                Cb<Void> badRenew = new Cb<>();
                c.renewToken("006garbage", badRenew);
                badRenew.failed(RtmStatusCode.RenewTokenError.RENEW_TOKEN_ERR_INVALID_TOKEN);
            } finally {
                c.release();
                Support.useServer(server.server());
            }
        }
    }

    @Test
    void aSecondLoginElsewhereAbortsTheFirst() throws Exception {
        String user = uid("twice");
        Seen first = new Seen();
        RtmClient a = loggedIn(user, first);
        RtmClient b = loggedIn(user, new Seen());
        try {
            first.await("state " + CONNECTION_STATE_ABORTED + " " + CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
            Cb<Void> login = new Cb<>();
            a.login(null, user, login);
            login.failed(RtmStatusCode.LoginError.LOGIN_ERR_ALREADY_LOGIN); // logout first, as upstream
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void nullCallbacksAreAllowed() throws Exception {
        Seen seen = new Seen();
        RtmClient c = client(seen);
        try {
            c.login(null, uid("quiet"), null);
            seen.await("state " + CONNECTION_STATE_CONNECTED + " " + CONNECTION_CHANGE_REASON_LOGIN_SUCCESS);
            c.renewToken("", null);
            c.login(null, "no/slash", null); // refused: nobody to tell, nothing breaks
            c.logout(null);
            seen.await("state " + CONNECTION_STATE_DISCONNECTED + " " + CONNECTION_CHANGE_REASON_LOGOUT);
        } finally {
            c.release();
        }
    }

    @Test
    void releaseEndsTheClientAndLaterCallsFailWithNotInitialized() throws Exception {
        Seen seen = new Seen();
        RtmClient c = loggedIn(uid("gone"), seen);
        RtmChannel ch = c.createChannel(uid("room"), new RtmChannelListener() {});
        c.release();
        c.release(); // idempotent
        Cb<Void> login = new Cb<>();
        c.login(null, uid("gone"), login);
        assertTrue(login.done.await(0, TimeUnit.SECONDS), "reported at once, on the calling thread");
        assertEquals(RtmStatusCode.LoginError.LOGIN_ERR_NOT_INITIALIZED, login.error.getErrorCode());
        Cb<Void> join = new Cb<>();
        ch.join(join);
        assertEquals(RtmStatusCode.JoinChannelError.JOIN_CHANNEL_ERR_NOT_INITIALIZED, join.error.getErrorCode());
        assertNull(c.createChannel(uid("room"), null));
        assertNull(c.getRtmCallManager().createLocalInvitation(uid("bob")));
        assertEquals(-101, c.setLogFilter(RtmClient.LOG_FILTER_INFO));
    }

    @Test
    void releaseFromACallbackWorks() throws Exception {
        CountDownLatch released = new CountDownLatch(1);
        RtmClient[] self = new RtmClient[1];
        self[0] = RtmClient.createInstance("test", new RtmClientListener() {
            @Override
            public void onConnectionStateChanged(int state, int reason) {
                if (state == CONNECTION_STATE_CONNECTED) {
                    self[0].release();
                    released.countDown();
                }
            }
        });
        self[0].login(null, uid("selfish"), null);
        assertTrue(released.await(Support.WAIT_S, TimeUnit.SECONDS));
    }

    @Test
    void createInstanceRefusesBadInput() {
        assertThrows(Exception.class, () -> RtmClient.createInstance(null, new RtmClientListener() {}));
        assertThrows(Exception.class, () -> RtmClient.createInstance("", new RtmClientListener() {}));
        assertThrows(Exception.class, () -> RtmClient.createInstance("test", null));
    }

    @Test
    void serverUrlComesFromThePropertyThenTheEnvironment() throws Exception {
        System.setProperty("io.agora.rtm.serverUrl", "ws://127.0.0.1:1"); // nobody listens there
        RtmClient c = RtmClient.createInstance("test", new RtmClientListener() {});
        try {
            Cb<Void> login = new Cb<>();
            c.login(null, uid("nowhere"), login);
            login.await();
            assertTrue(login.error != null, "no server at port 1");
        } finally {
            c.release();
            Support.useServer(server.server());
        }
        System.clearProperty("io.agora.rtm.serverUrl");
        try {
            String env = System.getenv("RTM_SERVER_URL");
            assertEquals(env == null || env.isEmpty() ? "ws://127.0.0.1:9090" : env, RtmClientImpl.serverUrl());
        } finally {
            Support.useServer(server.server());
        }
        // the environment variable itself is exercised by ChatAppTest (a process of its own)
    }

    @Test
    void settingsAndVersion() throws Exception {
        RtmClient c = client(new Seen());
        try {
            assertTrue(RtmClient.getSdkVersion().startsWith("1.5.0 (librtm "), RtmClient.getSdkVersion());
            assertEquals(0, c.setParameters("{\"rtm.log_filter\": 15}"));
            assertEquals(-2, c.setParameters("not json"));
            assertEquals(-2, c.setParameters(null));
            assertEquals(0, c.setLogFilter(RtmClient.LOG_FILTER_WARNING));
            assertEquals(0, c.setLogFilter(RtmClient.LOG_FILTER_OFF));
            assertEquals(-2, c.setLogFilter(3));
            assertEquals(0, c.setLogFileSize(1024));
            assertEquals(-2, c.setLogFileSize(100));
            assertEquals(-2, c.setLogFileSize(2 * 1024 * 1024));
            assertEquals(-2, c.setLogFile(""));
            java.nio.file.Path log = java.nio.file.Files.createTempFile("rtm-compat", ".log");
            try {
                assertEquals(0, c.setLogFile(log.toString()));
            } finally {
                java.nio.file.Files.deleteIfExists(log);
            }
            RtmServiceContext ctx = new RtmServiceContext();
            assertEquals(0, RtmClient.setRtmServiceContext(ctx));
            ctx.setAreaCode(RtmServiceContext.AREA_CODE_EU | RtmServiceContext.AREA_CODE_NA);
            assertEquals(0, RtmClient.setRtmServiceContext(ctx));
            ctx.setProxyType(7);
            assertEquals(-2, RtmClient.setRtmServiceContext(ctx));
            assertEquals(-2, RtmClient.setRtmServiceContext(null));
        } finally {
            c.release();
        }
    }

    @Test
    void retiredMediaCallsFailWithFailure() throws Exception {
        RtmClient c = loggedIn(uid("media"), new Seen());
        try {
            RtmRequestId id = new RtmRequestId();
            Cb<RtmFileMessage> up = new Cb<>();
            c.createFileMessageByUploading("/etc/hostname", id, up);
            up.failed(RtmStatusCode.UploadMediaError.UPLOAD_MEDIA_ERR_FAILURE);
            assertTrue(id.getRequestId() != 0);
            Cb<RtmImageMessage> img = new Cb<>();
            c.createImageMessageByUploading("/etc/hostname", new RtmRequestId(), img);
            img.failed(RtmStatusCode.UploadMediaError.UPLOAD_MEDIA_ERR_FAILURE);
            Cb<byte[]> mem = new Cb<>();
            c.downloadMediaToMemory("m", new RtmRequestId(), mem);
            mem.failed(RtmStatusCode.DownloadMediaError.DOWNLOAD_MEDIA_ERR_FAILURE);
            Cb<Void> file = new Cb<>();
            c.downloadMediaToFile("m", "/tmp/x", new RtmRequestId(), file);
            file.failed(RtmStatusCode.DownloadMediaError.DOWNLOAD_MEDIA_ERR_FAILURE);
            Cb<Void> cancel = new Cb<>();
            c.cancelMediaUpload(id, cancel);
            cancel.failed(RtmStatusCode.CancelMediaError.CANCEL_MEDIA_ERR_FAILURE);
            Cb<Void> cancel2 = new Cb<>();
            c.cancelMediaDownload(5L, cancel2);
            cancel2.failed(RtmStatusCode.CancelMediaError.CANCEL_MEDIA_ERR_FAILURE);

            RtmImageMessage image = c.createImageMessageByMediaId("media-1");
            assertEquals(RtmMessageType.IMAGE, image.getMessageType());
            assertEquals("media-1", image.getMediaId());
            Cb<Void> send = new Cb<>();
            c.sendMessageToPeer(uid("bob"), image, new SendMessageOptions(), send);
            send.failed(RtmStatusCode.PeerMessageError.PEER_MESSAGE_ERR_FAILURE);
            RtmFileMessage f = c.createFileMessageByMediaId("media-2");
            assertEquals(RtmMessageType.FILE, f.getMessageType());
            RtmChannel ch = c.createChannel(uid("room"), null);
            Cb<Void> join = new Cb<>();
            ch.join(join);
            join.ok();
            Cb<Void> chSend = new Cb<>();
            ch.sendMessage(f, new SendMessageOptions(), chSend);
            chSend.failed(RtmStatusCode.ChannelMessageError.CHANNEL_MESSAGE_ERR_FAILURE);
        } finally {
            c.release();
        }
    }
}
