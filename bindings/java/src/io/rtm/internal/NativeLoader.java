package io.rtm.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads librtm.so.1 and its JNI glue librtm_java.so. The jar carries both under
 * /io/rtm/native/&lt;os&gt;-&lt;arch&gt;/: they are copied to a fresh temporary directory, loaded
 * (librtm first, so that the glue's dependency on it is already satisfied), and deleted again
 * at once (a loaded library stays mapped), so nothing is left behind even after a crash.
 *
 * <p>System properties: {@code io.rtm.library.path=DIR} loads both files from DIR instead of
 * the jar; {@code io.rtm.tmpdir=DIR} extracts there instead of java.io.tmpdir (for a /tmp
 * mounted noexec).
 */
public final class NativeLoader {
    static final String LIBRTM = "librtm.so.1";
    static final String GLUE = "librtm_java.so";

    private static boolean loaded;

    private NativeLoader() {}

    /** The resource folder for this JVM's platform, e.g. "linux-x86_64". */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) os = "linux";
        if (arch.equals("amd64") || arch.equals("x86-64")) arch = "x86_64";
        if (arch.equals("arm64")) arch = "aarch64";
        return os + "-" + arch;
    }

    public static synchronized void load() {
        if (loaded) return;
        String dir = System.getProperty("io.rtm.library.path");
        if (dir != null && !dir.isEmpty()) {
            System.load(Paths.get(dir, LIBRTM).toAbsolutePath().toString());
            System.load(Paths.get(dir, GLUE).toAbsolutePath().toString());
        } else {
            loadFromJar();
        }
        loaded = true;
    }

    private static void loadFromJar() {
        String base = "/io/rtm/native/" + platform() + "/";
        if (NativeLoader.class.getResource(base + LIBRTM) == null
                || NativeLoader.class.getResource(base + GLUE) == null) {
            throw new UnsatisfiedLinkError("this rtm jar carries no native library for " + platform()
                    + " (looked for " + base + LIBRTM + " and " + GLUE
                    + "); build it for this platform or set -Dio.rtm.library.path=DIR");
        }
        String tmp = System.getProperty("io.rtm.tmpdir");
        Path work = null;
        try {
            work = tmp != null && !tmp.isEmpty()
                    ? Files.createTempDirectory(Paths.get(tmp), "rtm-native-")
                    : Files.createTempDirectory("rtm-native-");
            Path rtm = extract(base + LIBRTM, work.resolve(LIBRTM));
            Path glue = extract(base + GLUE, work.resolve(GLUE));
            System.load(rtm.toString());
            System.load(glue.toString());
        } catch (IOException e) {
            UnsatisfiedLinkError err = new UnsatisfiedLinkError(
                    "cannot extract the rtm native libraries: " + e.getMessage());
            err.initCause(e);
            throw err;
        } finally {
            if (work != null) deleteQuietly(work);
        }
    }

    private static Path extract(String resource, Path target) throws IOException {
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("missing resource " + resource);
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static void deleteQuietly(Path dir) {
        for (String name : new String[] {LIBRTM, GLUE}) {
            try {
                Files.deleteIfExists(dir.resolve(name));
            } catch (IOException ignored) {
                // a leftover file in a temp dir is harmless
            }
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // same
        }
    }
}
