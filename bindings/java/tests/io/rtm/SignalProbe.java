package io.rtm;

/**
 * Run in a fresh JVM by SignalTest: JIT-compiled code that takes safepoint polls and implicit
 * null checks (both SIGSEGV in HotSpot) under frequent GCs, after a client came and went,
 * while one lives, and after the last one is gone. Prints "ok" if the JVM survived.
 */
public final class SignalProbe {
    private static volatile boolean stop;
    private static volatile long sink;

    private static Object sometimesNull(long i) {
        return (i & 1023) == 0 ? null : "x";
    }

    private static void underLoad() throws InterruptedException {
        Thread hot = new Thread(() -> {
            long s = 0;
            for (long i = 0; !stop; i++) {
                s += i ^ (s >>> 3);
                try {
                    s += sometimesNull(i).hashCode();
                } catch (NullPointerException e) {
                    s++;
                }
            }
            sink = s;
        });
        hot.start();
        long end = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < end) {
            System.gc();
            Thread.sleep(10);
        }
        stop = true;
        hot.join();
        stop = false;
    }

    public static void main(String[] args) throws Exception {
        new Client("test").close(); // librtm's I/O context came and went
        underLoad();
        try (Client c = new Client("test")) { // one lives
            underLoad();
        }
        underLoad(); // the last one is gone
        System.out.println("ok");
    }
}
