package dev.acidic.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's demo command at a small size: every exactly-once check of its summary must match. */
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
        assertTrue(out.contains("ALL CHECKS PASSED"), out);
        assertTrue(out.contains("latency                p50"), out);
    }
}
