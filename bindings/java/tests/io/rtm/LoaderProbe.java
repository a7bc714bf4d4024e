package io.rtm;

/** Run in a fresh JVM by LibraryTest: prints the version and the live handles after one message. */
public final class LoaderProbe {
    public static void main(String[] args) {
        try (Message m = Message.text("probe")) {
            m.text();
        }
        System.out.println(Rtm.versionString() + " " + Rtm.liveHandles());
    }
}
