package dev.acidic.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Wire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's benchmark command at a smoke size: every workload runs end to end through the jar
 * and verifies exactly-once, the JSON and the chart are written; W1F's 15 failing jobs ran their
 * first step once more and no other step ran twice. No performance target is asserted
 * here; the figures of a small run on a busy CI machine mean little.
 */
class BenchSmokeIT {

    @Test
    void everyWorkloadRunsAndVerifiesExactlyOnce() throws Exception {
        Path jar = Path.of("target", "acidic-examples.jar");
        Path out = Path.of("target", "bench-smoke");
        Path log = Path.of("target", "bench-smoke.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "bench", "--jobs", "300", "--warmup", "100", "--w2-jobs", "60", "--w3-jobs", "150", "--w4-seconds", "3",
                "--w5-rate", "40", "--ceiling-seconds", "2", "--out", out.toString())
                .redirectErrorStream(false)
                .redirectOutput(log.toFile())
                .redirectError(Path.of("target", "bench-smoke.err").toFile())
                .start();
        assertTrue(p.waitFor(7, TimeUnit.MINUTES), "the benchmark finishes by itself");
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("EXACTLY-ONCE VERIFIED IN EVERY WORKLOAD"), text);

        JsonNode results = Wire.mapper().readTree(out.resolve("bench-results.json").toFile());
        assertTrue(results.path("allVerified").asBoolean(), results.toString());
        assertEquals("on", results.path("postgres").path("fsync").asText(), "durability stays at Postgres' defaults");
        assertEquals("on", results.path("postgres").path("synchronousCommit").asText());
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (JsonNode w : results.path("workloads")) {
            ids.add(w.path("id").asText());
            assertTrue(w.path("verified").asBoolean(), w.toString());
            assertTrue(w.path("jobsPerSec").asDouble() > 0, w.toString());
            assertEquals(100, w.path("latencyPercentilesMs").size());
        }
        assertEquals(java.util.Set.of("W1", "W1F", "W2", "W3", "W4"), ids);
        for (JsonNode w : results.path("workloads")) {
            if (w.path("id").asText().equals("W1F")) {
                JsonNode runs = w.path("stepRuns");
                assertEquals(15, runs.path("failingJobs").asInt(), "every 20th of 300 jobs fails its first step once: " + runs);
                assertEquals(0, runs.path("extraRunsOfJobsThatNeverFailed").asLong(), runs.toString());
                assertEquals(15, runs.path("extraRunsOfFailingJobs").path("first").asLong(), runs.toString());
                assertEquals(0, runs.path("extraRunsOfFailingJobs").path("second").asLong()
                        + runs.path("extraRunsOfFailingJobs").path("third").asLong(), runs.toString());
                assertTrue(w.path("verification").asText().startsWith("900 effects, 1515 events,"), w.toString());
            }
        }
        assertTrue(results.path("recovery").path("verified").asBoolean(), results.path("recovery").toString());
        assertTrue(results.path("recovery").path("restartSameIdMs").asLong() > 0);
        assertTrue(results.path("recovery").path("takeoverMs").asLong() > 0);
        assertTrue(results.path("ceiling").path("phasesPerSec").asDouble() > 0);
        byte[] png = Files.readAllBytes(out.resolve("bench-chart.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG chart");
    }

    /** The reap workload at a smoke size: both W1 runs verify, the seeded keys are reaped by the second processor only. */
    @Test
    void theReapWorkloadRunsAndVerifiesExactlyOnce() throws Exception {
        Path jar = Path.of("target", "acidic-examples.jar");
        Path out = Path.of("target", "bench-smoke-reap");
        Path log = Path.of("target", "bench-smoke-reap.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "bench", "--workloads", "reap", "--jobs", "200", "--warmup", "100", "--reap-keys", "3000", "--out", out.toString())
                .redirectErrorStream(false)
                .redirectOutput(log.toFile())
                .redirectError(Path.of("target", "bench-smoke-reap.err").toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the benchmark finishes by itself");
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        JsonNode results = Wire.mapper().readTree(out.resolve("bench-results.json").toFile());
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (JsonNode w : results.path("workloads")) {
            ids.add(w.path("id").asText());
            assertTrue(w.path("verified").asBoolean(), w.toString());
        }
        assertEquals(java.util.Set.of("R0", "R1"), ids);
        JsonNode reap = results.path("reap");
        assertEquals(3000, reap.path("oldKeysLeftAfterW1Off").asLong(), "nothing reaped with the reaper off: " + reap);
        assertTrue(reap.path("idle").path("keysPerSec").asDouble() > 0, reap.toString());
        assertTrue(reap.path("duringW1").path("keysPerSec").asDouble() > 0, reap.toString());
        assertTrue(reap.path("duringW1").path("reaperLog").asText().startsWith("deleted 3000 finished keys"), reap.toString());
    }
}
