package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A processor frozen with SIGSTOP in the middle of a phase, while its partitions move to another
 * instance and its lock expires, then thawed with SIGCONT: the zombie must not commit the phase the
 * new owner ran, nor advance a recovery point it no longer owns.
 */
class ZombieIT {

    private static void signal(long pid, String sig) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertEquals(0, p.waitFor(), "kill -" + sig + " " + pid);
    }

    @Test
    void frozenOwnerResumedAfterATakeoverCommitsNothing() throws Exception {
        try (Harness h = new Harness("zombie", Map.of(
                "acidic.stream.threads", "1",
                "acidic.lock.timeout", "4s",
                "acidic.transaction.idle.timeout", "3s",
                "acidic.kafka.main.consumer.session.timeout.ms", "6000"));
                ChildProcessor a = ChildProcessor.start(h.config, "zombie-a", Map.of())) {
            a.awaitReady(Duration.ofSeconds(60));
            h.events();
            h.completions();
            String key = h.key("slow");
            CompletableFuture<Completion> answer = h.client().submit(key, JobRequest.of("test.slow", Map.of("sleepMs", 2000)));
            // events are published after the drive, so watch Postgres: once 'first' committed, the
            // processor is inside the 2 s 'slow' step with the key row locked FOR UPDATE
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (recoveryPointOwners(h, key).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "first step never committed");
                Thread.sleep(20);
            }
            Thread.sleep(300);
            signal(a.pid(), "STOP");
            try (ChildProcessor b = ChildProcessor.start(h.config, "zombie-b", Map.of())) {
                b.awaitReady(Duration.ofSeconds(60));
                Completion c = answer.get(60, TimeUnit.SECONDS);
                assertEquals(CompletionStatus.SUCCEEDED, c.status());
                assertEquals(List.of("zombie-a", "zombie-b"), recoveryPointOwners(h, key),
                        "a committed 'first'; b took over and committed 'slow' and 'third'");

                signal(a.pid(), "CONT");
                // the zombie wakes up inside its step; give it time to try to commit and publish
                Thread.sleep(8000);
                assertEquals(List.of("first", "slow", "third"), h.effects(key), "the zombie's phase did not commit");
                assertEquals(List.of("zombie-a", "zombie-b"), recoveryPointOwners(h, key), "the zombie advanced nothing");
                List<JobEvent> events = h.eventsOf(key);
                for (int i = 0; i < events.size(); i++) {
                    assertEquals(i + 1, events.get(i).seq(), "contiguous, no duplicate: " + events);
                }
                assertEquals(EventType.SUCCEEDED, events.get(events.size() - 1).type());
                assertEquals(1, h.completionsOf(key).size());
                String zombieLog = a.output();
                assertTrue(zombieLog.contains("key '" + key + "'"), "the zombie says what happened to the key:\n" + tail(zombieLog));
                assertFalse(zombieLog.contains("ACIDIC_FAULTS: halting at"), "nothing was injected");
            }
        }
    }

    @Test
    void stepHoldingItsTransactionPastTheIdleTimeoutFailsWithAClearErrorInsteadOfLooping() throws Exception {
        try (Harness h = new Harness("idle", Map.of("acidic.transaction.idle.timeout", "1s", "acidic.retry.max.attempts", "2"))) {
            h.start();
            String key = h.key("too-slow");
            Completion c = h.client().submit(key, JobRequest.of("test.slow", Map.of("sleepMs", 1500))).get(60, TimeUnit.SECONDS);
            assertEquals(CompletionStatus.FAILED, c.status());
            assertEquals("slow", c.error().step());
            assertEquals(2, c.error().attempt(), "each ended transaction counted as a failed attempt");
            assertTrue(c.error().message().contains("acidic.transaction.idle.timeout"), c.error().message());
            assertEquals(List.of("first"), h.effects(key));
        }
    }

    private static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }

    /** Distinct owners, in journal order, of the key's committed recovery points. */
    private static List<String> recoveryPointOwners(Harness h, String key) throws Exception {
        List<String> owners = new ArrayList<>();
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT data->>'by' FROM acidic_journal WHERE idempotency_key = ? AND type = 'RECOVERY_POINT' ORDER BY seq")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String by = rs.getString(1);
                    if (owners.isEmpty() || !owners.get(owners.size() - 1).equals(by)) {
                        owners.add(by);
                    }
                }
            }
        }
        return owners;
    }
}
