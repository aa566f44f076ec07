package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobError;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.api.PhaseResult;
import dev.acidic.processor.AcidicProcessor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A new deployment changes the steps of jobs that are half-way: each job runs its first step under
 * version 1 of its definition and waits, the processor stops, and a processor with version 2 takes
 * over. A renamed or removed step declared in version 2 moves the job to the mapped step, steps
 * added after the recovery point just run, and a step version 2 neither has nor maps fails the job
 * with DEFINITION_CHANGED; every effect once, no stream thread failing.
 */
class DefinitionChangeIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    /** How long each job waits after its first step: long enough for version 1 to stop first. */
    private static final long WAIT_MS = 8_000;

    /** Version 1 of every job: one (effect, then wait), two, three. */
    private static JobDefinition v1(String job) {
        return JobDefinition.named(job)
                .step("one", ctx -> {
                    TestJobs.effect(ctx);
                    return PhaseResult.waitUntil(Instant.now().plusMillis(WAIT_MS));
                })
                .step("two", TestJobs::effect)
                .step("three", TestJobs::effect)
                .build();
    }

    private static JobDefinition.Builder v2(String job) {
        return JobDefinition.named(job).step("one", TestJobs::effect); // never runs again for a job version 1 started
    }

    private static List<JobDefinition> version1() {
        return List.of(v1("dc.renamed"), v1("dc.removed"), v1("dc.added"), v1("dc.unknown"));
    }

    private static List<JobDefinition> version2() {
        return List.of(
                v2("dc.renamed").step("two_renamed", TestJobs::effect).step("three", TestJobs::effect)
                        .renamedStep("two", "two_renamed").build(),
                v2("dc.removed").step("three", TestJobs::effect).removedStep("two", "three").build(),
                v2("dc.added").step("two", TestJobs::effect).step("three", TestJobs::effect).step("four", TestJobs::effect).build(),
                v2("dc.unknown").step("three", TestJobs::effect).build());
    }

    private static AcidicProcessor start(Harness h, List<JobDefinition> jobs) throws InterruptedException {
        AcidicProcessor p = AcidicProcessor.builder(h.config).discoverJobs(false).jobs(jobs).build().start();
        assertTrue(p.awaitRunning(Duration.ofSeconds(60)), "the processor reached RUNNING");
        return p;
    }

    @Test
    void halfWayJobsContinueAtMappedOrAddedStepsAndUnmappedOnesFailWithDefinitionChanged() throws Exception {
        try (Harness h = new Harness("defchange", Map.of())) {
            Map<String, String> keys = Map.of("dc.renamed", h.key("renamed"), "dc.removed", h.key("removed"),
                    "dc.added", h.key("added"), "dc.unknown", h.key("unknown"));
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            AcidicProcessor first = start(h, version1());
            try {
                for (var e : keys.entrySet()) {
                    answers.add(h.client().submit(e.getValue(), JobRequest.of(e.getKey(), Map.of("n", 1))));
                }
                for (String key : keys.values()) {
                    h.events().await(rs -> h.eventsOf(key).stream().anyMatch(ev -> ev.type() == EventType.RECOVERY_POINT), WAIT,
                            "step one of " + key);
                }
                assertEquals(0, first.threadReplacements());
            } finally {
                first.close();
            }
            for (String key : keys.values()) {
                assertEquals("two", h.keyRow(key).get("recovery_point"), key + " waits at step two of version 1");
                assertEquals(List.of("one", "two", "three"), steps(h, key), "the steps it was created with");
            }

            AcidicProcessor second = start(h, version2());
            try {
                for (CompletableFuture<Completion> a : answers) {
                    a.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }

                String renamed = keys.get("dc.renamed");
                assertSucceeded(h, renamed, List.of("one", "two_renamed", "three"));
                List<JobEvent> events = assertOneEventStream(h, renamed, 7);
                assertEquals(EventType.WAITING, events.get(2).type(), "each job waited after step one");
                JobEvent moved = events.get(3);
                assertEquals(EventType.RECOVERY_POINT, moved.type());
                assertEquals("two", moved.step(), "the move names the former step");
                assertEquals("two_renamed", moved.recoveryPoint());
                assertNull(moved.attempt(), "no step ran in the move");
                assertEquals("two_renamed", events.get(4).step());
                assertEquals(List.of("one", "two_renamed", "three"), steps(h, renamed), "it ran on under version 2's steps");
                assertEquals("two", journalData(h, renamed, 4).get("remappedFrom"));

                String removed = keys.get("dc.removed");
                assertSucceeded(h, removed, List.of("one", "three"));
                events = assertOneEventStream(h, removed, 6);
                assertEquals("two", events.get(3).step());
                assertEquals("three", events.get(3).recoveryPoint());

                String added = keys.get("dc.added");
                assertSucceeded(h, added, List.of("one", "two", "three", "four"));
                events = assertOneEventStream(h, added, 7);
                assertEquals(List.of("one", "two", "three", "four"), events.stream().filter(e -> e.type() == EventType.RECOVERY_POINT)
                        .map(JobEvent::step).toList(), "no move: it stood at a step version 2 still has");

                String unknown = keys.get("dc.unknown");
                Completion c = only(h, unknown);
                assertEquals(CompletionStatus.FAILED, c.status());
                assertEquals(JobError.DEFINITION_CHANGED, c.error().type());
                assertEquals("two", c.error().step());
                String message = c.error().message();
                assertTrue(message.contains("'two'") && message.contains("[one, two, three]") && message.contains("[one, three]")
                        && message.contains("removedStep(\"two\""), message);
                events = assertOneEventStream(h, unknown, 4);
                assertEquals(EventType.FAILED, events.get(3).type());
                assertEquals(JobError.DEFINITION_CHANGED, events.get(3).error().type());
                assertEquals(List.of("one"), h.effects(unknown), "nothing ran under version 2");
                assertEquals("FAILED", h.keyRow(unknown).get("status"));
                assertEquals("two", h.keyRow(unknown).get("recovery_point"));
                assertEquals(List.of("one", "two", "three"), steps(h, unknown), "a failed job keeps the steps it ran under");

                // replayed as stored, and the processor goes on
                Completion replay = h.client().submit(unknown, JobRequest.of("dc.unknown", Map.of("n", 1)))
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertTrue(replay.replay());
                assertEquals(JobError.DEFINITION_CHANGED, replay.error().type());
                assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(h.key("fresh"), JobRequest.of("dc.removed", Map.of("n", 2)))
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS).status(), "a job started under version 2 never meets version 1");
                assertEquals(List.of("one", "three"), h.effects(h.key("fresh")));
                assertEquals(0, second.threadReplacements(), "no stream thread failed");
            } finally {
                second.close();
            }
        }
    }

    private static void assertSucceeded(Harness h, String key, List<String> effects) throws Exception {
        Completion c = only(h, key);
        assertEquals(CompletionStatus.SUCCEEDED, c.status(), key + ": " + c);
        assertEquals(effects, h.effects(key), key + ": each step's effect once");
        assertEquals("SUCCEEDED", h.keyRow(key).get("status"));
    }

    private static Completion only(Harness h, String key) throws InterruptedException {
        h.completions().await(rs -> !h.completionsOf(key).isEmpty(), WAIT, "the completion of " + key);
        List<Completion> cs = h.completionsOf(key);
        assertEquals(1, cs.size(), "one completion: " + cs);
        return cs.get(0);
    }

    private static List<JobEvent> assertOneEventStream(Harness h, String key, int events) throws InterruptedException {
        h.events().await(rs -> h.eventsOf(key).size() >= events, WAIT, "the events of " + key);
        List<JobEvent> all = h.eventsOf(key);
        assertEquals(LongStream.rangeClosed(1, events).boxed().toList(), all.stream().map(JobEvent::seq).toList(),
                "each event of " + key + " once: " + all);
        return all;
    }

    private static List<String> steps(Harness h, String key) throws SQLException {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT steps FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                java.sql.Array a = rs.getArray(1);
                return a == null ? null : Arrays.asList((String[]) a.getArray());
            }
        }
    }

    private static Map<String, String> journalData(Harness h, String key, long seq) throws SQLException {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT data ->> 'remappedFrom', data ->> 'recoveryPoint' FROM acidic_journal WHERE idempotency_key = ? AND seq = ?")) {
            ps.setString(1, key);
            ps.setLong(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return Map.of("remappedFrom", String.valueOf(rs.getString(1)), "recoveryPoint", String.valueOf(rs.getString(2)));
            }
        }
    }
}
