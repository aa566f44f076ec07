package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.JobRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Recovery time after SIGKILL, with the default lock and session timeouts: how long until the
 * killed instance's in-flight job commits its next phase when (a) the instance is restarted with
 * the same instance id, and (b) another instance takes it over. Prints the figures and appends them
 * to {@code target/recovery-times.txt}; the bounds asserted are loose sanity limits, not targets.
 */
class RecoveryTimeIT {

    @Test
    void restartWithTheSameInstanceIdResumesQuickly() throws Exception {
        long ms = measure(true);
        report("restart with the same instance id", ms);
        assertTrue(ms < 30_000, "resumed in " + ms + " ms");
    }

    @Test
    void anotherInstanceTakesOverAfterSessionAndLockTimeout() throws Exception {
        long ms = measure(false);
        report("takeover by another instance", ms);
        assertTrue(ms < 60_000, "taken over in " + ms + " ms");
    }

    /** Kills the owner of a long-running job and returns ms until the job's next committed phase. */
    private static long measure(boolean restartSameId) throws Exception {
        try (Harness h = new Harness("recovery", Map.of("acidic.stream.threads", "1", "acidic.lock.timeout", "10s"));
                ChildProcessor a = ChildProcessor.start(h.config, "rec-a", Map.of());
                ChildProcessor b = ChildProcessor.start(h.config, "rec-b", Map.of())) {
            a.awaitReady(Duration.ofSeconds(60));
            b.awaitReady(Duration.ofSeconds(60));
            Thread.sleep(2000); // let the group settle with both members
            String key = h.key("long");
            h.client().send(key, JobRequest.of("test.looping", Map.of("times", 100_000, "sleepMs", 50)).encode());
            String owner = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (owner == null && System.nanoTime() < deadline) {
                owner = lockOwner(h, key);
                Thread.sleep(50);
            }
            assertNotNull(owner, "the job started");
            Thread.sleep(1000);
            ChildProcessor victim = owner.equals("rec-a") ? a : b;
            victim.kill();
            Instant killed = Instant.now();
            ChildProcessor restarted = restartSameId ? ChildProcessor.start(h.config, owner, Map.of()) : null;
            try {
                deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (System.nanoTime() < deadline) {
                    Instant next = firstPhaseAfter(h, key, killed);
                    if (next != null) {
                        return Duration.between(killed, next).toMillis();
                    }
                    Thread.sleep(50);
                }
                throw new AssertionError("the job made no progress within 90 s of the kill");
            } finally {
                if (restarted != null) {
                    restarted.close();
                }
            }
        }
    }

    private static String lockOwner(Harness h, String key) throws Exception {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT locked_by FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static Instant firstPhaseAfter(Harness h, String key, Instant t) throws Exception {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT min(at) FROM test_effects WHERE idempotency_key = ? AND at > ?""")) {
            ps.setString(1, key);
            ps.setTimestamp(2, Timestamp.from(t));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Timestamp ts = rs.getTimestamp(1);
                return ts == null ? null : ts.toInstant();
            }
        }
    }

    private static void report(String what, long ms) throws IOException {
        String line = String.format("recovery after SIGKILL, %s: %d ms (lock timeout 10 s, session timeout 10 s)%n", what, ms);
        System.out.print(line);
        Files.writeString(Path.of("target", "recovery-times.txt"), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
