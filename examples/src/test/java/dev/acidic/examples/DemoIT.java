package dev.acidic.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's demo command at a small size: every exactly-once check of its summary must match,
 * the refunds' among them (approved, rejected, expired and not refundable, after a processor was
 * killed during the rides).
 */
class DemoIT {

    @Test
    void demoRunsEndToEndWithAKilledProcessorAndAllChecksMatch() throws Exception {
        Path jar = Path.of("target", "acidic-examples.jar");
        Path log = Path.of("target", "demo-it.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "demo", "--rides", "150", "--rate", "50")
                .redirectErrorStream(false)
                .redirectOutput(log.toFile())
                .redirectError(Path.of("target", "demo-it.err").toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the demo finishes by itself");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("SIGKILL processor 0"), "a processor was killed mid-way:\n" + out);
        assertTrue(out.matches("(?s).*dashboard: http://127\\.0\\.0\\.1:\\d+/.*"), "the demo says where its dashboard is:\n" + out);
        assertTrue(out.contains("ALL CHECKS PASSED"), out);
        assertTrue(out.contains("latency                p50"), out);
        assertTrue(out.contains("Refunds (rides.refund"), "a refunds section:\n" + out);
        // 150 rides: 5 refunds of charged rides (3 approved, 1 rejected, 1 left to time out) and 1 of a declined ride
        assertTrue(out.contains("requested              5 of charged rides (3 approved, 1 rejected, 1 left to time out), "
                + "1 of a declined ride"), out);
        for (String check : new String[] {"refunds at the gateway = approved refunds", "refunded jobs = approved refunds",
            "refund ids on rows = refunds at the gateway", "refunded rows = refunds at the gateway",
            "refund rows = refund jobs of charged rides", "rejected refunds = rejections sent",
            "expired refunds = refunds left to time out", "rejected or expired charges refunded",
            "refunds of declined rides not refundable"}) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith("  ok   " + check)), "check \"" + check + "\" passed:\n" + out);
        }
        assertTrue(out.contains("  refunded               3\n"), out);
    }

    /**
     * {@code demo --keep}: after its summary the demo stays up with its processors serving their
     * dashboards, until it is stopped; then the processors stop with it.
     */
    @Test
    void withKeepTheDemoStaysUpServingItsDashboardUntilStopped() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path jar = Path.of("target", "acidic-examples.jar");
        Path log = Path.of("target", "demo-keep-it.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "demo", "--rides", "30", "--rate", "30", "--no-kill", "--keep", "--http-port", Integer.toString(port))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            while (!Files.readString(log, StandardCharsets.UTF_8).contains("Still running (--keep)")) {
                assertTrue(p.isAlive(), "the demo exited:\n" + Files.readString(log, StandardCharsets.UTF_8));
                assertTrue(System.nanoTime() < deadline, "no --keep line in 4 min:\n" + Files.readString(log, StandardCharsets.UTF_8));
                Thread.sleep(200);
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(out.contains("ALL CHECKS PASSED"), out);
            assertTrue(out.contains("http://127.0.0.1:" + port + "/"), "the first processor's dashboard:\n" + out);
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            for (int i = 0; i < 2; i++) { // one dashboard per processor, on consecutive ports
                java.net.http.HttpResponse<String> overview = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + (port + i) + "/api/overview")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, overview.statusCode(), overview.body());
                assertTrue(overview.body().contains("rides.create"), "the rides are counted: " + overview.body());
            }
            Thread.sleep(1_000);
            assertTrue(p.isAlive(), "still up after its summary");
        } finally {
            p.destroy(); // SIGTERM, as Ctrl-C
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the demo stops when asked");
        }
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1_000);
            throw new AssertionError("the processors were left running: port " + port + " still answers");
        } catch (java.io.IOException expected) {
            // nothing listens any more: the processors stopped with the demo
        }
    }
}
