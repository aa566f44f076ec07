package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.internal.faults.Faults;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Durable timers end to end: a delayed start ({@code runAt}), a wait ({@code waitUntil}) that
 * survives a kill -9 and a move of its partition, a {@code repeat()} that walks rows in chunks
 * across a crash, and a {@code recoverTo} that jumps back.
 */
class TimersIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    /** Each step's effects of {@code key} with the time Postgres wrote them, in order. */
    private static List<Object[]> effectsAt(Harness h, String key) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT step, at FROM test_effects WHERE idempotency_key = ? ORDER BY at")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Object[] {rs.getString(1), rs.getTimestamp(2).toInstant()});
                }
            }
        }
        return out;
    }

    private static String value(Harness h, String key, String name) throws SQLException {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT value #>> '{}' FROM acidic_values WHERE idempotency_key = ? AND name = ?")) {
            ps.setString(1, key);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void assertOneEventStream(Harness h, String key, int events) throws InterruptedException {
        h.events().await(rs -> h.eventsOf(key).size() >= events, WAIT, "the events of " + key);
        assertEquals(LongStream.rangeClosed(1, events).boxed().toList(), h.eventsOf(key).stream().map(JobEvent::seq).toList(),
                "each event of " + key + " once");
    }

    @Test
    void aDelayedStartIsAcceptedAtOnceAndRunsNoEarlierThanItsRunAt() throws Exception {
        try (Harness h = new Harness("run-at", Map.of())) {
            h.start();
            Instant runAt = Instant.now().plusSeconds(3);
            List<String> keys = new ArrayList<>();
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                keys.add(h.key("later-" + i));
                answers.add(h.client().submit(keys.get(i), JobRequest.of("test.three-steps", Map.of("n", i)).runAt(runAt)));
            }
            String past = h.key("past");
            Completion pastDone = h.client().submit(past, JobRequest.of("test.three-steps", Map.of("n", 9))
                    .runAt(Instant.now().minusSeconds(60))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, pastDone.status(), "a runAt in the past runs at once");

            for (String key : keys) {
                h.events().await(rs -> !h.eventsOf(key).isEmpty(), WAIT, "ACCEPTED of " + key);
                JobEvent accepted = h.eventsOf(key).get(0);
                assertEquals(EventType.ACCEPTED, accepted.type());
                assertEquals(runAt.toEpochMilli(), accepted.retryAt().toEpochMilli(), "the ACCEPTED event says when it runs");
            }
            assertTrue(Instant.now().isBefore(runAt), "accepted before its time (else the test machine is too slow to tell)");
            for (String key : keys) {
                assertTrue(effectsAt(h, key).isEmpty(), "nothing of " + key + " ran before its runAt");
            }
            for (int i = 0; i < keys.size(); i++) {
                assertEquals(CompletionStatus.SUCCEEDED, answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
                List<Object[]> effects = effectsAt(h, keys.get(i));
                assertEquals(List.of("first", "second", "third"), effects.stream().map(e -> e[0]).toList());
                Instant first = (Instant) effects.get(0)[1];
                assertFalse(first.isBefore(runAt), "first phase at " + first + ", runAt " + runAt);
                assertOneEventStream(h, keys.get(i), 5);
            }
        }
    }

    /**
     * A job waits 20 s; its processor is killed (SIGKILL) during the wait and another instance
     * takes its partitions over: the wait fires once, on time, from the restored timer store.
     */
    @Test
    void aWaitSurvivesKillNineAndAPartitionMoveAndFiresOnceOnTime() throws Exception {
        try (Harness h = new Harness("wait", Map.of("acidic.stream.threads", "1"))) {
            String key = h.key("waiting");
            try (ChildProcessor first = ChildProcessor.start(h.config, "wait-a", Map.of())) {
                first.awaitReady(Duration.ofSeconds(60));
                h.client().send(key, JobRequest.of("test.waiting", Map.of("waitMs", 20_000)).encode()).get();
                // the wait and its timer are committed in Kafka once the RECOVERY_POINT that starts it is out
                h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> e.type() == EventType.RECOVERY_POINT), WAIT,
                        "the wait to begin");
                first.kill();
            }
            try (ChildProcessor second = ChildProcessor.start(h.config, "wait-b", Map.of())) {
                second.awaitReady(Duration.ofSeconds(60));
                h.completions().await(rs -> !h.completionsOf(key).isEmpty(), WAIT, "the job to finish");
                Thread.sleep(500); // time for a duplicate to show up, if one were coming
            }
            Instant due = Instant.parse(value(h, key, "due"));
            List<Object[]> effects = effectsAt(h, key);
            assertEquals(List.of("before", "after"), effects.stream().map(e -> e[0]).toList(), "each phase once");
            Instant after = (Instant) effects.get(1)[1];
            assertFalse(after.isBefore(due), "not before its time: " + after + " vs " + due);
            assertTrue(Duration.between(due, after).toMillis() < 3_000, "on time (within the timer interval and the"
                    + " test machine's slack): " + Duration.between(due, after).toMillis() + " ms late");
            assertEquals(1, h.completionsOf(key).size());
            assertOneEventStream(h, key, 5); // ACCEPTED, RECOVERY_POINT, WAITING, RECOVERY_POINT, SUCCEEDED
        }
    }

    /** repeat() walks 1,000 rows in chunks of 100, the cursor in the values; a crash after a chunk's commit loses and repeats none. */
    @Test
    void repeatWalksAThousandRowsInChunksEachChunkOnceAcrossACrash() throws Exception {
        try (Harness h = new Harness("chunks", Map.of("acidic.stream.threads", "1"))) {
            String key = h.key("walker");
            try (ChildProcessor doomed = ChildProcessor.start(h.config, "chunks",
                    Map.of(Faults.ENV, Faults.Point.AFTER_PHASE_COMMIT.spec() + "=halt@4"))) {
                doomed.awaitReady(Duration.ofSeconds(60));
                h.client().send(key, JobRequest.of("test.chunks", Map.of("rows", 1000, "chunk", 100)).encode()).get();
                assertEquals(86, doomed.awaitExit(Duration.ofSeconds(60)), "halted after the 4th chunk's commit");
            }
            try (ChildProcessor survivor = ChildProcessor.start(h.config, "chunks", Map.of())) {
                survivor.awaitReady(Duration.ofSeconds(60));
                h.completions().await(rs -> !h.completionsOf(key).isEmpty(), WAIT, "the walk to finish");
            }
            try (Connection c = h.infra.db.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT count(*), count(DISTINCT n), min(n), max(n) FROM test_chunks WHERE idempotency_key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(1000, rs.getInt(1), "every row once");
                    assertEquals(1000, rs.getInt(2));
                    assertEquals(0, rs.getInt(3));
                    assertEquals(999, rs.getInt(4));
                }
            }
            List<String> steps = effectsAt(h, key).stream().map(e -> (String) e[0]).toList();
            assertEquals(10, steps.stream().filter("walk"::equals).count(), "ten chunks, each a phase, each once");
            assertEquals(List.of("done"), steps.subList(10, 11));
            assertEquals("1000", value(h, key, "cursor"));
            assertOneEventStream(h, key, 1 + 11 + 1); // ACCEPTED, a RECOVERY_POINT per phase, SUCCEEDED
        }
    }

    @Test
    void recoverToJumpsBackAndRunsTheStepsAgainAsNewPhases() throws Exception {
        try (Harness h = new Harness("recover", Map.of())) {
            h.start();
            String key = h.key("jumper");
            assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(key, JobRequest.of("test.recovering", Map.of()))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            assertEquals(List.of("a", "b", "c", "a", "b", "c"), h.effects(key));
            assertOneEventStream(h, key, 1 + 6 + 1);
            List<JobEvent> events = h.eventsOf(key);
            assertEquals("a", events.get(3).recoveryPoint(), "c's phase recovered to a");
        }
    }
}
