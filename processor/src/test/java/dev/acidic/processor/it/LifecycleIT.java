package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Signals, halting and cancellation, sent as commands on the requests topic under the job's key
 * (real Kafka, real Postgres): a signal wakes a job waiting for it and is kept if it comes first,
 * a wait ends at its timeout, a halted job waits for resume, a cancel ends a job between phases,
 * and commands for unknown or ended jobs are answered.
 */
class LifecycleIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static List<EventType> types(Harness h, String key) {
        return h.eventsOf(key).stream().map(JobEvent::type).toList();
    }

    private static void awaitEvent(Harness h, String key, EventType type) throws InterruptedException {
        h.events().await(rs -> types(h, key).contains(type), WAIT, type + " of " + key);
    }

    private static void assertContiguous(Harness h, String key) {
        List<Long> seqs = h.eventsOf(key).stream().map(JobEvent::seq).toList();
        assertEquals(LongStream.rangeClosed(1, seqs.size()).boxed().toList(), seqs, "each event of " + key + " once, in order");
    }

    /**
     * The answer to {@code command}: the key's next completion on the topic that answers one
     * request (a rejection or a replay), not a job's own, which the reader may not have read yet.
     */
    private static Completion answer(Harness h, String key, JobCommand command) throws Exception {
        int before = (int) h.completionsOf(key).stream().filter(LifecycleIT::answersOne).count();
        h.client().send(key, command).get();
        h.completions().await(rs -> h.completionsOf(key).stream().filter(LifecycleIT::answersOne).count() > before, WAIT,
                "the answer to a " + command.command());
        return h.completionsOf(key).stream().filter(LifecycleIT::answersOne).toList().get(before);
    }

    private static boolean answersOne(Completion c) {
        return c.status() == CompletionStatus.REJECTED || c.replay();
    }

    @Test
    void aSignalWakesAJobWaitingForItAndTheNextStepReadsItsPayload() throws Exception {
        try (Harness h = new Harness("signal", Map.of())) {
            h.start();
            String key = h.key("waits");
            CompletableFuture<Completion> done = h.client().submit(key, JobRequest.of("test.approval", Map.of("timeoutMs", 120_000)));
            h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> "act".equals(e.recoveryPoint())), WAIT, "the wait");
            Thread.sleep(300);
            assertFalse(done.isDone(), "waiting for the signal");
            long sent = System.nanoTime();
            h.client().send(key, JobCommand.signal("approved", Map.of("by", "ann"))).get();
            Completion c = done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - sent < Duration.ofSeconds(20).toNanos(), "woken by the signal, not the 2 min timeout");
            assertEquals(CompletionStatus.SUCCEEDED, c.status());
            assertEquals("ann", c.result().path("approved").path("by").asText(), c.toString());
            assertEquals(List.of("prepare", "ask", "act"), h.effects(key));
            awaitEvent(h, key, EventType.SUCCEEDED);
            assertEquals(List.of(EventType.ACCEPTED, EventType.RECOVERY_POINT, EventType.RECOVERY_POINT, EventType.WAITING,
                    EventType.SIGNALLED, EventType.RECOVERY_POINT, EventType.SUCCEEDED), types(h, key));
            JobEvent waiting = h.eventsOf(key).get(3);
            assertEquals("signal", waiting.detail().path("for").asText(), "WAITING says what for: " + waiting);
            assertEquals("approved", waiting.detail().path("name").asText());
            assertEquals("approved", h.eventsOf(key).get(4).step(), "SIGNALLED names the signal");
            assertContiguous(h, key);
        }
    }

    @Test
    void aSignalThatArrivesBeforeTheJobWaitsIsKeptAndTheWaitEndsAtOnce() throws Exception {
        try (Harness h = new Harness("signal-early", Map.of())) {
            h.start();
            String key = h.key("early");
            CompletableFuture<Completion> done = h.client().submit(key, JobRequest.of("test.approval",
                    Map.of("timeoutMs", 120_000, "waitFirstMs", 2_000)));
            h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> "ask".equals(e.recoveryPoint())), WAIT, "prepare");
            h.client().send(key, JobCommand.signal("approved", "yes")).get(); // during prepare's wait, before ask waits
            Completion c = done.get(30, TimeUnit.SECONDS);
            assertEquals("yes", c.result().path("approved").asText(), c.toString());
            assertEquals(List.of("prepare", "ask", "act"), h.effects(key));
        }
    }

    @Test
    void aWaitForASignalEndsAtItsTimeoutAndTheStepSeesNoSignal() throws Exception {
        try (Harness h = new Harness("signal-timeout", Map.of())) {
            h.start();
            String key = h.key("nobody");
            Completion c = h.client().submit(key, JobRequest.of("test.approval", Map.of("timeoutMs", 1_500)))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, c.status());
            assertTrue(c.result().path("approved").isNull(), c.toString());
        }
    }

    @Test
    void commandsForUnknownOrEndedJobsAreRejectedWithTheReason() throws Exception {
        try (Harness h = new Harness("commands", Map.of())) {
            h.start();
            String unknown = h.key("unknown");
            Completion none = answer(h, unknown, JobCommand.signal("approved", null));
            assertEquals(CompletionStatus.REJECTED, none.status());
            assertEquals(Completion.NO_SUCH_JOB, none.reason());
            assertEquals(Completion.NO_SUCH_JOB, answer(h, unknown, JobCommand.cancel("why")).reason());

            String ended = h.key("ended");
            assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(ended, JobRequest.of("test.three-steps", Map.of()))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            assertEquals(Completion.ALREADY_FINISHED, answer(h, ended, JobCommand.signal("approved", 1)).reason());
            assertEquals(Completion.ALREADY_FINISHED, answer(h, ended, JobCommand.resume()).reason());
            Completion cancelled = answer(h, ended, JobCommand.cancel("too late"));
            assertEquals(CompletionStatus.SUCCEEDED, cancelled.status(), "a cancel for an ended job changes nothing");
            assertTrue(cancelled.replay(), "and is answered with the stored outcome");

            String running = h.key("running");
            CompletableFuture<Completion> waiting = h.client().submit(running, JobRequest.of("test.approval", Map.of()));
            h.events().await(rs -> h.eventsOf(running).stream().anyMatch(e -> "act".equals(e.recoveryPoint())), WAIT, "the wait");
            assertEquals(Completion.NOT_HALTED, answer(h, running, JobCommand.resume()).reason());
            assertFalse(waiting.isDone());

            int before = h.completionsOf(running).size();
            h.client().send(running, "{\"command\":\"reboot\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)).get();
            h.completions().await(rs -> h.completionsOf(running).size() > before, WAIT, "the answer to an unknown command");
            assertEquals(Completion.INVALID_REQUEST, h.completionsOf(running).get(before).reason());
        }
    }

    @Test
    void aHaltedJobWaitsForResumeThenGoesOn() throws Exception {
        try (Harness h = new Harness("halt", Map.of())) {
            h.start();
            String key = h.key("halted");
            CompletableFuture<Completion> done = h.client().submit(key, JobRequest.of("test.halting", Map.of()));
            awaitEvent(h, key, EventType.HALTED);
            assertEquals("HALTED", h.keyRow(key).get("status"));
            h.client().send(key, JobRequest.of("test.halting", Map.of()).encode()).get(); // absorbed, as for a job in flight
            Thread.sleep(1_000);
            assertFalse(done.isDone(), "halted until resumed");
            assertEquals(List.of("first"), h.effects(key));

            h.client().send(key, JobCommand.resume()).get();
            assertEquals(CompletionStatus.SUCCEEDED, done.get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            assertEquals(List.of("first", "second"), h.effects(key));
            awaitEvent(h, key, EventType.SUCCEEDED);
            assertEquals(List.of(EventType.ACCEPTED, EventType.RECOVERY_POINT, EventType.HALTED, EventType.RESUMED,
                    EventType.RECOVERY_POINT, EventType.SUCCEEDED), types(h, key));
            assertContiguous(h, key);
            h.completions().await(rs -> !h.completionsOf(key).isEmpty(), WAIT, "the completion");
            Thread.sleep(300);
            assertEquals(1, h.completionsOf(key).size(), "one completion, the job's");
        }
    }

    @Test
    void cancelEndsAWaitingOrHaltedJobAtOnceWithItsReason() throws Exception {
        try (Harness h = new Harness("cancel", Map.of())) {
            h.start();
            String waiting = h.key("waiting");
            String halted = h.key("halted");
            CompletableFuture<Completion> w = h.client().submit(waiting, JobRequest.of("test.approval", Map.of()));
            CompletableFuture<Completion> hl = h.client().submit(halted, JobRequest.of("test.halting", Map.of()));
            h.events().await(rs -> h.eventsOf(waiting).stream().anyMatch(e -> "act".equals(e.recoveryPoint())), WAIT, "the wait");
            awaitEvent(h, halted, EventType.HALTED);

            h.client().send(waiting, JobCommand.cancel("no longer needed")).get();
            h.client().send(halted, JobCommand.cancel(null)).get();
            Completion cw = w.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.CANCELLED, cw.status());
            assertEquals("no longer needed", cw.error().message());
            assertFalse(cw.replay());
            assertEquals(CompletionStatus.CANCELLED, hl.get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            assertEquals(List.of("prepare", "ask"), h.effects(waiting), "no phase after the cancel");
            assertEquals(List.of("first"), h.effects(halted));
            assertEquals("CANCELLED", h.keyRow(waiting).get("status"));
            awaitEvent(h, waiting, EventType.CANCELLED);
            assertContiguous(h, waiting);

            // a cancel sent right behind its request finds the job (requests waiting for a batch go first)
            for (int i = 0; i < 5; i++) {
                String quick = h.key("quick-" + i);
                CompletableFuture<Completion> q = h.client().submit(quick, JobRequest.of("test.approval", Map.of()));
                h.client().send(quick, JobCommand.cancel("at once"));
                assertEquals(CompletionStatus.CANCELLED, q.get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            }

            // a signal for it now is refused; a request gets the stored outcome
            h.completions().await(rs -> !h.completionsOf(waiting).isEmpty(), WAIT, "the CANCELLED completion, read");
            assertEquals(Completion.ALREADY_FINISHED, answer(h, waiting, JobCommand.signal("approved", 1)).reason());
            Completion replay = h.client().submit(waiting, JobRequest.of("test.approval", Map.of())).get(WAIT.toSeconds(),
                    TimeUnit.SECONDS);
            assertEquals(CompletionStatus.CANCELLED, replay.status());
            assertTrue(replay.replay());
        }
    }

    @Test
    void retryRunsAFailedOrCancelledJobAgainFromItsRecoveryPointAsItsNextRun() throws Exception {
        try (Harness h = new Harness("retry", Map.of())) {
            h.start();
            String key = h.key("gated");
            Completion failed = h.client().submit(key, JobRequest.of("test.gated", Map.of())).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.FAILED, failed.status());
            assertEquals(1, failed.run());
            assertEquals(Completion.NO_SUCH_JOB, answer(h, h.key("none-yet"), JobCommand.retry()).reason(), "a retry for no job");

            try (java.sql.Connection c = h.infra.db.getConnection();
                    java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO test_gates VALUES (?, true)")) {
                ps.setString(1, key);
                ps.executeUpdate(); // the cause of the failure is fixed
            }
            CompletableFuture<Completion> again = h.client().awaitCompletion(key);
            h.client().send(key, JobCommand.retry()).get();
            Completion succeeded = again.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, succeeded.status(), succeeded.toString());
            assertEquals(2, succeeded.run());
            assertFalse(succeeded.replay(), "a run's own completion");
            assertEquals(2, succeeded.result().path("run").asInt(), "ctx.run() in the step");
            assertEquals(List.of("check", "after"), h.effects(key), "the failed phase rolled back; run 2 ran it again");

            awaitEvent(h, key, EventType.SUCCEEDED);
            assertContiguous(h, key);
            List<JobEvent> events = h.eventsOf(key);
            JobEvent retried = events.stream().filter(e -> e.type() == EventType.RETRIED).findFirst().orElseThrow();
            assertEquals(2, retried.run());
            assertEquals("check", retried.recoveryPoint(), "back to the step that failed");
            assertTrue(events.stream().filter(e -> e.seq() < retried.seq()).allMatch(e -> e.run() == 1));
            assertTrue(events.stream().filter(e -> e.seq() >= retried.seq()).allMatch(e -> e.run() == 2));
            h.completions().await(rs -> h.completionsOf(key).size() >= 2, WAIT, "both runs' completions");
            assertEquals(List.of(1, 2), h.completionsOf(key).stream().filter(c -> !c.replay()).map(Completion::run).toList(),
                    "one completion per run");

            assertEquals(Completion.NOT_RETRYABLE, answer(h, key, JobCommand.retry()).reason(), "it succeeded");
            Completion replay = h.client().submit(key, JobRequest.of("test.gated", Map.of())).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(replay.replay());
            assertEquals(2, replay.run(), "the stored outcome is the latest run's");

            String cancelled = h.key("cancelled");
            CompletableFuture<Completion> first = h.client().submit(cancelled, JobRequest.of("test.approval", Map.of("timeoutMs", 120_000)));
            h.events().await(rs -> h.eventsOf(cancelled).stream().anyMatch(e -> "act".equals(e.recoveryPoint())), WAIT, "the wait");
            h.client().send(cancelled, JobCommand.cancel("oops")).get();
            assertEquals(CompletionStatus.CANCELLED, first.get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            CompletableFuture<Completion> second = h.client().awaitCompletion(cancelled);
            h.client().send(cancelled, JobCommand.retry()).get();
            awaitEvent(h, cancelled, EventType.RETRIED);
            Thread.sleep(1_000);
            assertFalse(second.isDone(), "cancelled while it waited for a signal, its next run waits for it again");
            assertEquals("RUNNING", h.keyRow(cancelled).get("status"), "running again, and waiting");
            h.client().send(cancelled, JobCommand.signal("approved", Map.of("by", "retry"))).get();
            Completion resumed = second.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, resumed.status(), "the cancelled job's next run goes on from where it stood");
            assertEquals("retry", resumed.result().path("approved").path("by").asText(), "and reads the signal it waited for");
            assertEquals(2, resumed.run());
        }
    }

    /**
     * A cancel that arrives while a step runs: that phase commits (its effect stays), no further
     * step runs, and the job ends CANCELLED. The stream thread runs one drive at a time, so the
     * cancel takes effect when the drive running the step ends (its budget spent after this 3 s step).
     */
    @Test
    void cancelDuringAStepLetsThatPhaseCommitAndRunsNoFurtherStep() throws Exception {
        try (Harness h = new Harness("cancel-mid", Map.of())) {
            h.start();
            String key = h.key("slow");
            CompletableFuture<Completion> done = h.client().submit(key, JobRequest.of("test.slow", Map.of("sleepMs", 3_000)));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!h.effects(key).contains("first") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(300); // the slow step is running now
            h.client().send(key, JobCommand.cancel("stop")).get();
            Completion c = done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.CANCELLED, c.status(), c.toString());
            Thread.sleep(1_000); // were a further step to run, it would have by now
            assertEquals(List.of("first", "slow"), h.effects(key), "the running phase committed, the next never ran");
        }
    }
}
