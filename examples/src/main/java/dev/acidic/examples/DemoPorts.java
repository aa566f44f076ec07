package dev.acidic.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CountDownLatch;

/** Where the demo's processors serve their dashboards, and staying up afterwards ({@code --keep}). */
final class DemoPorts {
    private DemoPorts() {}

    /**
     * {@code wanted} if it and the {@code n - 1} ports after it are free on loopback, else the first
     * of {@code n} free ports in a row found from a free port the system picks; 0 stays 0 (none).
     */
    static int base(int wanted, int n) throws IOException {
        if (wanted == 0 || allFree(wanted, n)) {
            return wanted;
        }
        for (int tries = 0; tries < 20; tries++) {
            int p;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                p = s.getLocalPort();
            }
            if (p + n <= 65_535 && allFree(p, n)) {
                return p;
            }
        }
        throw new IOException("found no " + n + " free ports in a row for the dashboards; give --http-port 0 to serve none");
    }

    private static boolean allFree(int from, int n) {
        for (int p = from; p < from + n; p++) {
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }

    /** Prints where everything is and blocks until the JVM is asked to stop (Ctrl-C). */
    static void keepRunning(PrintStream out, ProcessorJvms jvms, int n, String bootstrap, String jdbcUrl, String run)
            throws InterruptedException {
        out.println();
        out.println("Still running (--keep); Ctrl-C stops everything.");
        for (int i = 0; i < n; i++) {
            if (jvms.httpPort(i) != 0) {
                out.printf("  %s: http://127.0.0.1:%d/%n", jvms.instanceId(i), jvms.httpPort(i));
            }
        }
        out.printf("  kafka %s (topics %s.*), postgres %s%n", bootstrap, run, jdbcUrl);
        out.printf("  try: ACIDIC_BOOTSTRAP_SERVERS=%s ACIDIC_JDBC_URL=%s ACIDIC_TOPIC_REQUESTS=%s.requests"
                + " ACIDIC_TOPIC_COMPLETIONS=%s.completions java -jar examples/target/acidic-examples.jar jobs list --status failed%n",
                bootstrap, jdbcUrl, run, run);
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        // the hook stops the processor JVMs itself: the JVM does not wait for this thread to clean up after it
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            jvms.close();
            stop.countDown();
        }, "demo-keep"));
        stop.await();
    }
}
