package io.rtm;

import static io.rtm.TestSupport.assertRtmError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rtm.internal.rtm_native;
import io.rtm.internal.rtm_nativeConstants;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What needs no server: loading, versions, enums against the C values, messages, errors. */
class LibraryTest {
    @Test
    void versionIsTheLoadedLibrarys() {
        assertEquals("1.0.0", Rtm.versionString());
        assertEquals((rtm_nativeConstants.RTM_VERSION_MAJOR << 16) | (rtm_nativeConstants.RTM_VERSION_MINOR << 8)
                | rtm_nativeConstants.RTM_VERSION_PATCH, Rtm.version());
    }

    /** Every Java enum has exactly the constants of its C enum, with the C values. */
    @Test
    void everyEnumMatchesItsCEnum() throws Exception {
        checkEnum(ErrorCode.class, "rtm_err_t", e -> ((ErrorCode) e).code(), e -> ((ErrorCode) e).cName());
        checkEnum(ConnectionState.class, "rtm_connection_state_t", e -> ((ConnectionState) e).code(),
                e -> ((ConnectionState) e).cName());
        checkEnum(ConnectionChangeReason.class, "rtm_connection_change_reason_t",
                e -> ((ConnectionChangeReason) e).code(), e -> ((ConnectionChangeReason) e).cName());
        checkEnum(PeerOnlineState.class, "rtm_peer_online_state_t", e -> ((PeerOnlineState) e).code(),
                e -> ((PeerOnlineState) e).cName());
        checkEnum(SubscriptionOption.class, "rtm_subscription_option_t", e -> ((SubscriptionOption) e).code(),
                e -> ((SubscriptionOption) e).cName());
        checkEnum(MessageType.class, "rtm_message_type_t", e -> ((MessageType) e).code(),
                e -> ((MessageType) e).cName());
        checkEnum(InvitationKind.class, "rtm_invitation_kind_t", e -> ((InvitationKind) e).code(),
                e -> ((InvitationKind) e).cName());
        checkEnum(LocalInvitationState.class, "rtm_local_invitation_state_t",
                e -> ((LocalInvitationState) e).code(), e -> ((LocalInvitationState) e).cName());
        checkEnum(RemoteInvitationState.class, "rtm_remote_invitation_state_t",
                e -> ((RemoteInvitationState) e).code(), e -> ((RemoteInvitationState) e).cName());
        checkEnum(EventType.class, "rtm_event_type_t", e -> ((EventType) e).code(), e -> ((EventType) e).cName());
    }

    private static void checkEnum(Class<? extends Enum<?>> java, String cEnum,
            java.util.function.ToIntFunction<Object> code, java.util.function.Function<Object, String> cName)
            throws Exception {
        Map<String, Integer> c = new TreeMap<>();
        for (Field f : Class.forName("io.rtm.internal." + cEnum).getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) c.put(f.getName(), f.getInt(null));
        }
        Map<String, Integer> j = new TreeMap<>();
        for (Enum<?> e : java.getEnumConstants()) j.put(cName.apply(e), code.applyAsInt(e));
        assertEquals(c, j, java.getSimpleName() + " against " + cEnum);
    }

    @Test
    void codesHaveTheLibrarysNamesAndSentences() {
        for (ErrorCode e : ErrorCode.values()) {
            assertEquals(e.nativeName(), e.cName());
            assertFalse(e.description().isEmpty(), e + " has a sentence");
            assertEquals(e, ErrorCode.of(e.code()));
        }
        for (EventType t : EventType.values()) assertEquals(t.cName(), t.nativeName());
        assertEquals("RTM_ERR_UNKNOWN", rtm_native.rtm_err_name(999));
        assertTrue(assertThrowsIae(() -> ErrorCode.of(999)).contains("999"));
        assertEquals(rtm_nativeConstants.RTM_SEND_OFFLINE, Rtm.SEND_OFFLINE);
        assertEquals(rtm_nativeConstants.RTM_ATTR_NOTIFY_MEMBERS, Rtm.ATTR_NOTIFY_MEMBERS);
    }

    private static String assertThrowsIae(Runnable r) {
        return org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void textMessagesKeepEveryCharacter() {
        String text = "h\u00e9llo \u4e16\u754c \ud83d\ude80 \u0394";
        try (Message m = Message.text(text)) {
            assertEquals(MessageType.TEXT, m.type());
            assertEquals(text, m.text());
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), m.data());
            assertEquals(0, m.id());
            assertEquals(0, m.serverTimestampMs());
            assertFalse(m.isOffline());
            assertFalse(m.isReceived());
        }
    }

    @Test
    void rawMessagesKeepEveryByteIncludingNuls() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        try (Message m = Message.raw(all, "every byte")) {
            assertEquals(MessageType.RAW, m.type());
            assertArrayEquals(all, m.data());
            assertEquals("every byte", m.text());
        }
        try (Message m = Message.raw(new byte[] {0, 0, 0})) {
            assertArrayEquals(new byte[] {0, 0, 0}, m.data());
            assertEquals("", m.text());
        }
        try (Message m = Message.raw(null)) {
            assertArrayEquals(new byte[0], m.data());
        }
    }

    @Test
    void oversizedAndInvalidMessagesAreRefused() {
        Message.text("x".repeat(32768)).close();
        assertRtmError(ErrorCode.INVALID_MESSAGE, () -> Message.text("x".repeat(32769)));
        assertRtmError(ErrorCode.INVALID_MESSAGE, () -> Message.raw(new byte[32760], "0123456789"));
        assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> Message.text(null));
        RtmException e = assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> Message.text("a\0b"));
        assertTrue(e.sentence().contains("NUL"), e.sentence());
        e = assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> Message.text("lone \ud800 surrogate"));
        assertTrue(e.sentence().contains("surrogate"), e.sentence());
    }

    @Test
    void exceptionsCarryCodeNameAndSentence() {
        RtmException e = assertRtmError(ErrorCode.INVALID_APP_ID, () -> new Client(""));
        assertEquals("RTM_ERR_INVALID_APP_ID", e.codeName());
        assertEquals(8, e.codeValue());
        assertTrue(e.getMessage().startsWith("RTM_ERR_INVALID_APP_ID: "), e.getMessage());
        assertRtmError(ErrorCode.INVALID_APP_ID, () -> new Client(null));
        assertRtmError(ErrorCode.INVALID_APP_ID, () -> new Client("a".repeat(129)));
    }

    @Test
    void configRefusesUnknownKeysAndBadValues() {
        try (Config c = new Config()) {
            c.set("login.timeout_ms", "500").set("log.level", "error");
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> c.set("no.such.key", "1"));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> c.set("login.timeout_ms", "soon"));
            assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> c.set(null, "1"));
            try (Client client = new Client("test", c)) {
                assertEquals(ConnectionState.DISCONNECTED, client.connectionState());
            }
        }
        assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> new Client("test", Map.of("bogus", "1")));
    }

    @Test
    void tokensAreBuiltAndBadInputRefused() {
        String app = "970CA35de60c44645bbae8a215061b33";
        String cert = "5CFd2fd1755d40ecb72977518be15d3b";
        String t1 = Rtm.buildToken(app, cert, "alice", 0, 1, 1_700_000_000L);
        String t2 = Rtm.buildToken(app, cert, "alice", 0, 1, 1_700_000_000L);
        assertTrue(t1.startsWith("006" + app), t1);
        assertEquals(t1, t2, "same inputs, same token");
        assertNotEquals(t1, Rtm.buildToken(app, cert, "bob", 0, 1, 1_700_000_000L));
        assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> Rtm.buildToken("short", cert, "alice", 0, 0, 0));
        assertRtmError(ErrorCode.INVALID_USER_ID, () -> Rtm.buildToken(app, cert, "null", 0, 0, 0));
        assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> Rtm.buildToken(app, cert, "alice", -1, 0, 0));
        assertRtmError(ErrorCode.INVALID_ARGUMENT, () -> Rtm.buildToken(app, cert, "alice", 0, 1L << 32, 0));
    }

    /**
     * `java -cp rtm.jar` is all a program needs: a fresh JVM loads librtm and the glue from the
     * jar and leaves nothing in the folder it extracted them to.
     */
    @Test
    void aFreshJvmLoadsTheNativeLibrariesFromTheJar(@TempDir Path tmp) throws Exception {
        String jar = Paths.get(Rtm.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        assertTrue(jar.endsWith("rtm.jar"), "the tests run against the jar: " + jar);
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        String probe = Paths.get(LibraryTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        Process p = new ProcessBuilder(java, "-Dio.rtm.tmpdir=" + tmp, "-cp", jar + ":" + probe, "io.rtm.LoaderProbe")
                .redirectErrorStream(true).start();
        String out = readAll(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("1.0.0 0", out.trim(), "version, and no handle left after closing the message");
        try (var left = Files.list(tmp)) {
            assertEquals("[]", Arrays.toString(left.toArray()), "extracted files are deleted after loading");
        }
    }

    static String readAll(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toString(StandardCharsets.UTF_8);
    }
}
