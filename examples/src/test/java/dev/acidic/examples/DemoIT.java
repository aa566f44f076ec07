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
}
