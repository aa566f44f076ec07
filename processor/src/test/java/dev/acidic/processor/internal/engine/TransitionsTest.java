package dev.acidic.processor.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.EventType;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobError;
import dev.acidic.api.JobRequest;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.StepTimeoutException;
import dev.acidic.api.TerminalJobException;
import dev.acidic.processor.internal.store.Children;
import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.SqlErrors;
import dev.acidic.processor.internal.store.StagedJob;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The engine's pure rules, without Postgres: a PhaseResult or a failure and a key row in, journal entries and a row update out. */
class TransitionsTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final JobDefinition JOB = JobDefinition.named("t.job")
            .step("a", ctx -> PhaseResult.next()).step("b", ctx -> PhaseResult.next()).step("c", ctx -> PhaseResult.next())
            .build();
    private static final FailurePolicy POLICY = new FailurePolicy(
            new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5), 3), Duration.ofSeconds(60));

    private static final Transitions.Waits NO_SIGNAL = waits(name -> false, 0, 0);

    private static Transitions.Waits waits(java.util.function.Predicate<String> signals, long spawned, long ended) {
        return new Transitions.Waits() {
            @Override
            public boolean signalArrived(String name) {
                return signals.test(name);
            }

            @Override
            public Children.Tally childTally() {
                return new Children.Tally(spawned, ended);
            }
        };
    }

    private static KeyRow row(String rp, int attempts, long lastSeq) {
        return row(rp, attempts, lastSeq, JOB.stepNames());
    }

    private static KeyRow row(String rp, int attempts, long lastSeq, List<String> steps) {
        return new KeyRow("k", UUID.randomUUID(), JOB.name(), rp, "RUNNING", "me", 0, 0, attempts, null, null, null, lastSeq, 0,
                NOW, 0, steps, null, 1, null);
    }

    private static List<EventType> types(List<JournalEntry> entries) {
        return entries.stream().map(JournalEntry::type).toList();
    }

    @Test
    void nextAdvancesToTheFollowingStepAndKeepsTheLock() {
        Transitions.Outcome o = Transitions.afterStep(JOB, row("a", 0, 4), PhaseResult.next(), "me", List.of(), 0, NO_SIGNAL);
        assertNull(o.phase().stop(), "the drive goes on");
        assertEquals("b", o.phase().nextRecoveryPoint());
        assertEquals(List.of(EventType.RECOVERY_POINT), types(o.entries()));
        assertEquals(5, o.entries().get(0).seq(), "seq continues the key's journal");
        assertEquals("b", o.entries().get(0).data().get("recoveryPoint").asText());
        assertEquals(1, o.entries().get(0).data().get("attempt").asInt());
        assertEquals("b", o.update().recoveryPoint());
        assertEquals("RUNNING", o.update().status());
        assertEquals(0, o.update().attempts(), "a committed phase resets the attempts");
        assertEquals(5, o.update().lastSeq());
        assertTrue(o.update().keepLock());
    }

    @Test
    void nextAfterTheLastStepSucceedsAndUnlocks() {
        Transitions.Outcome o = Transitions.afterStep(JOB, row("c", 2, 7), PhaseResult.next(), "me", List.of(), 0, NO_SIGNAL);
        assertEquals(DriveResult.Kind.DONE, o.phase().stop());
        assertEquals(List.of(EventType.RECOVERY_POINT, EventType.SUCCEEDED), types(o.entries()));
        assertEquals(List.of(8L, 9L), o.entries().stream().map(JournalEntry::seq).toList());
        assertEquals(3, o.entries().get(0).data().get("attempt").asInt(), "the attempt that succeeded");
        assertEquals(KeyRow.FINISHED, o.update().recoveryPoint());
        assertEquals("SUCCEEDED", o.update().status());
        assertFalse(o.update().keepLock());
    }

    @Test
    void finishSucceedsAtOnceWithTheResult() {
        Transitions.Outcome o = Transitions.afterStep(JOB, row("a", 0, 1), PhaseResult.finish(Map.of("x", 1)), "me", List.of(), 0, NO_SIGNAL);
        assertEquals(DriveResult.Kind.DONE, o.phase().stop());
        assertEquals(1, o.update().result().get("x").asInt());
        assertEquals(1, o.entries().get(1).data().get("result").get("x").asInt());
    }

    @Test
    void repeatStaysAtTheStepAndRecoverToJumps() {
        Transitions.Outcome repeat = Transitions.afterStep(JOB, row("b", 0, 3), PhaseResult.repeat(), "me", List.of(), 0, NO_SIGNAL);
        assertEquals("b", repeat.phase().nextRecoveryPoint());
        assertNull(repeat.phase().stop());
        Transitions.Outcome back = Transitions.afterStep(JOB, row("c", 0, 3), PhaseResult.recoverTo("a"), "me", List.of(), 0, NO_SIGNAL);
        assertEquals("a", back.update().recoveryPoint());
        assertThrows(TerminalJobException.class,
                () -> Transitions.afterStep(JOB, row("c", 0, 3), PhaseResult.recoverTo("nope"), "me", List.of(), 0, NO_SIGNAL));
    }

    @Test
    void waitUntilReleasesTheKeyUntilTheInstant() {
        Instant later = NOW.plusSeconds(30);
        Transitions.Outcome o = Transitions.afterStep(JOB, row("a", 0, 2), PhaseResult.waitUntil(later), "me", List.of(), 0, NO_SIGNAL);
        assertEquals(DriveResult.Kind.WAIT, o.phase().stop());
        assertEquals(30_000, o.phase().retryInMillis());
        assertEquals("b", o.update().recoveryPoint());
        assertEquals(later, o.update().nextAttemptAt());
        assertFalse(o.update().keepLock(), "a waiting job holds no lock");
        assertEquals(later.toString(), o.entries().get(0).data().get("retryAt").asText());
    }

    @Test
    void aFailureIsRetriedWithBackoffUntilTheAttemptsAreSpent() {
        Transitions.Outcome first = Transitions.afterFailure(row("b", 0, 3), new IllegalStateException("boom"), POLICY, "me", 8_000);
        assertEquals(DriveResult.Kind.WAIT, first.phase().stop());
        assertEquals(1_000, first.phase().retryInMillis());
        assertEquals(List.of(EventType.STEP_FAILED), types(first.entries()));
        assertEquals("RUNNING", first.update().status());
        assertEquals(1, first.update().attempts());
        assertEquals(NOW.plusSeconds(1), first.update().nextAttemptAt());
        assertTrue(first.update().error().has("stack"), "the row keeps the stack");
        assertFalse(first.entries().get(0).data().get("error").has("stack"), "the event does not");

        Transitions.Outcome second = Transitions.afterFailure(row("b", 1, 4), new IllegalStateException("boom"), POLICY, "me", 8_000);
        assertEquals(2_000, second.phase().retryInMillis(), "the delay doubles");

        Transitions.Outcome last = Transitions.afterFailure(row("b", 2, 5), new IllegalStateException("boom"), POLICY, "me", 8_000);
        assertEquals(DriveResult.Kind.DONE, last.phase().stop());
        assertEquals(List.of(EventType.STEP_FAILED, EventType.FAILED), types(last.entries()));
        assertEquals("FAILED", last.update().status());
        assertEquals(3, last.update().attempts());
    }

    @Test
    void aTerminalFailureFailsTheJobAtOnce() {
        Transitions.Outcome o = Transitions.afterFailure(row("a", 0, 1), new TerminalJobException("no"), POLICY, "me", 8_000);
        assertEquals("FAILED", o.update().status());
        assertEquals(TerminalJobException.class.getName(), o.update().error().get("type").asText());
    }

    @Test
    void aRecoveryPointTheDefinitionHasRunsItsStep() {
        assertNull(Transitions.beforeStep("k", JOB, row("b", 2, 6), "me"));
        assertFalse(Transitions.stepsChanged(JOB, row("b", 0, 6)));
        assertTrue(Transitions.stepsChanged(JOB, row("b", 0, 6, List.of("a", "b"))), "steps were only added: it runs, under new steps");
        assertTrue(Transitions.stepsChanged(JOB, row("b", 0, 6, null)), "a key from before steps were stored gets them");
    }

    @Test
    void aFormerStepMovesToTheStepItMapsToAsAPhaseOfItsOwn() {
        JobDefinition v2 = JobDefinition.named("t.job")
                .step("a", ctx -> PhaseResult.next()).step("b2", ctx -> PhaseResult.next()).step("c", ctx -> PhaseResult.next())
                .renamedStep("b", "b2").removedStep("x", "c")
                .build();
        Transitions.Outcome o = Transitions.beforeStep("k", v2, row("b", 2, 6), "me");
        assertNull(o.phase().stop(), "the drive goes on, at the mapped step");
        assertEquals("b2", o.phase().nextRecoveryPoint());
        assertEquals(List.of(EventType.RECOVERY_POINT), types(o.entries()));
        JournalEntry moved = o.entries().get(0);
        assertEquals(7, moved.seq());
        assertEquals("b", moved.step(), "the event's step is the former one");
        assertEquals("b2", moved.data().get("recoveryPoint").asText());
        assertEquals("b", moved.data().get("remappedFrom").asText());
        assertFalse(moved.data().has("attempt"), "no step ran");
        assertEquals("b2", o.update().recoveryPoint());
        assertEquals("RUNNING", o.update().status());
        assertEquals(0, o.update().attempts(), "the mapped step starts with fresh attempts");
        assertNull(o.update().error());
        assertTrue(o.update().keepLock());
        assertEquals(7, o.update().lastSeq());

        Transitions.Outcome removed = Transitions.beforeStep("k", v2, row("x", 0, 3), "me");
        assertEquals("c", removed.update().recoveryPoint());
        assertEquals("x", removed.entries().get(0).data().get("remappedFrom").asText());
    }

    @Test
    void aRecoveryPointTheDefinitionNeitherHasNorMapsFailsTheJobNamingStoredAndCurrentSteps() {
        Transitions.Outcome o = Transitions.beforeStep("k", JOB, row("gone", 0, 6, List.of("a", "gone", "c")), "me");
        assertEquals(DriveResult.Kind.DONE, o.phase().stop());
        assertEquals("FAILED", o.update().status());
        assertFalse(o.update().keepLock());
        assertEquals("gone", o.update().recoveryPoint(), "the row keeps where it stood");
        assertEquals(List.of(EventType.FAILED), types(o.entries()));
        assertEquals(7, o.entries().get(0).seq());
        assertEquals(JobError.DEFINITION_CHANGED, o.update().error().get("type").asText());
        assertEquals(JobError.DEFINITION_CHANGED, o.entries().get(0).error().type(), "the event and completion carry the type");
        String message = o.update().error().get("message").asText();
        assertTrue(message.contains("'gone'") && message.contains("[a, gone, c]") && message.contains("[a, b, c]")
                && message.contains("renamedStep(\"gone\"") && message.contains("key 'k'"), message);
        assertEquals("[\"a\",\"gone\",\"c\"]", o.update().error().get("storedSteps").toString());
        assertEquals("[\"a\",\"b\",\"c\"]", o.update().error().get("currentSteps").toString());

        Transitions.Outcome old = Transitions.beforeStep("k", JOB, row("gone", 0, 6, null), "me");
        String unknown = old.update().error().get("message").asText();
        assertTrue(unknown.contains("not stored") && unknown.contains("[a, b, c]"), unknown);
        assertTrue(old.update().error().get("storedSteps").isNull());
    }

    @Test
    void thePolicySortsFailures() {
        SQLException outage = new SQLException("connection refused", "08001");
        SQLException deadlock = new SQLException("deadlock", "40P01");
        assertTrue(SqlErrors.isUnavailable(outage));
        assertEquals(FailurePolicy.Action.COUNT, POLICY.judge("a", new IllegalStateException(), true, 5, 0).action(),
                "a step's own exception counts");
        assertEquals(FailurePolicy.Action.RETRY_LATER, POLICY.judge("a", outage, false, 5, 0).action(),
                "an outage does not count");
        assertEquals(FailurePolicy.Action.RETRY_NOW, POLICY.judge("a", deadlock, false, 5, 0).action());
        assertEquals(FailurePolicy.Action.RETRY_LATER,
                POLICY.judge("a", deadlock, false, 5, FailurePolicy.CONFLICT_RETRIES).action(), "conflicts retried a few times");
        assertEquals(FailurePolicy.Action.COUNT, POLICY.judge("a", new StepTimeoutException("late"), true, 5, 0).action());
        FailurePolicy.Verdict idle = POLICY.judge("a", outage, false, 61_000, 0);
        assertEquals(FailurePolicy.Action.COUNT, idle.action(), "a phase open past the idle timeout counts");
        assertTrue(idle.failure().getMessage().contains("acidic.transaction.idle.timeout"), idle.failure().getMessage());
    }

    @Test
    void longMessagesAreCutWithTheirLengthAndNeverSplitASurrogatePair() {
        assertEquals("short", Transitions.cut("short", 10));
        assertEquals("abcde... [cut: 12 characters in all, over acidic.error.message.max.chars (5)]", Transitions.cut("abcdefghijkl", 5));
        String emoji = "abcd\uD83D\uDE00xyz"; // the pair sits at indexes 4-5
        assertEquals("abcd... [cut: 9 characters in all, over acidic.error.message.max.chars (5)]", Transitions.cut(emoji, 5));

        Transitions.Outcome o = Transitions.afterFailure(row("b", 0, 3), new IllegalStateException("m".repeat(100_000)), POLICY, "me", 50);
        String stored = o.update().error().path("message").asText();
        assertTrue(stored.startsWith("m".repeat(50) + "... [cut: 100000"), stored);
        assertEquals(stored, o.entries().get(0).data().path("error").path("message").asText(), "the event carries the cut message");
        assertTrue(o.update().error().path("stack").asText().length() < Transitions.MAX_STACK_CHARS + 100);
    }

    @Test
    void awaitSignalReleasesTheKeyUntilTheTimeoutUnlessTheSignalCameFirst() {
        Transitions.Outcome o = Transitions.afterStep(JOB, row("a", 0, 2), PhaseResult.awaitSignal("approved",
                java.time.Duration.ofMinutes(5)), "me", List.of(), 0, NO_SIGNAL);
        assertEquals(DriveResult.Kind.WAIT, o.phase().stop());
        assertEquals("b", o.update().recoveryPoint(), "the step after the wait runs when it ends");
        assertEquals("approved", o.update().awaiting());
        assertEquals(NOW.plus(java.time.Duration.ofMinutes(5)), o.update().nextAttemptAt(), "the timeout, by Postgres' clock");
        assertFalse(o.update().keepLock(), "the key is released while it waits");
        assertEquals("approved", o.entries().get(0).data().path("awaiting").asText());

        Transitions.Outcome early = Transitions.afterStep(JOB, row("a", 0, 2), PhaseResult.awaitSignal("approved",
                java.time.Duration.ofMinutes(5)), "me", List.of(), 0, waits("approved"::equals, 0, 0));
        assertEquals(null, early.phase().stop(), "a signal kept from before ends the wait at once");
        assertEquals(null, early.update().awaiting());
        assertEquals(null, early.update().nextAttemptAt());
    }

    @Test
    void haltStopsTheJobAtTheNextStepUntilResumedButHaltAfterTheLastStepSucceeds() {
        Transitions.Outcome o = Transitions.afterStep(JOB, row("a", 0, 2), PhaseResult.halt(), "me", List.of(), 0, NO_SIGNAL);
        assertEquals(DriveResult.Kind.HALTED, o.phase().stop());
        assertEquals("HALTED", o.update().status());
        assertEquals("b", o.update().recoveryPoint());
        assertEquals(List.of(EventType.RECOVERY_POINT, EventType.HALTED), o.entries().stream().map(JournalEntry::type).toList());
        assertEquals(List.of(3L, 4L), o.entries().stream().map(JournalEntry::seq).toList());
        assertFalse(o.update().keepLock());
        Transitions.Outcome last = Transitions.afterStep(JOB, row("c", 0, 2), PhaseResult.halt(), "me", List.of(), 0, NO_SIGNAL);
        assertEquals(DriveResult.Kind.DONE, last.phase().stop());
        assertEquals("SUCCEEDED", last.update().status());
    }

    @Test
    void awaitChildrenReleasesTheKeyUntilTheyHaveEndedAndEndsAtOnceWhenTheyHave() {
        Transitions.Outcome o = Transitions.afterStep(JOB, row("a", 0, 2), PhaseResult.awaitChildren(), "me", List.of(), 0,
                waits(name -> false, 3, 1));
        assertEquals(DriveResult.Kind.AWAITING, o.phase().stop(), "no timer: a child's end drives the key");
        assertEquals("b", o.update().recoveryPoint());
        assertEquals(Children.AWAITING, o.update().awaiting());
        assertEquals(null, o.update().nextAttemptAt(), "no time limit");
        assertFalse(o.update().keepLock(), "the key is released while it waits");
        assertEquals(List.of(EventType.RECOVERY_POINT, EventType.WAITING), types(o.entries()));
        assertEquals("children", o.entries().get(1).data().path("for").asText());
        assertEquals(2, o.entries().get(1).data().path("unfinished").asInt());

        Transitions.Outcome ended = Transitions.afterStep(JOB, row("a", 0, 2), PhaseResult.awaitChildren(), "me", List.of(), 0,
                waits(name -> false, 3, 3));
        assertEquals(null, ended.phase().stop(), "all ended already: the drive goes on");
        assertEquals(null, ended.update().awaiting());
        assertTrue(ended.update().keepLock());
        assertEquals(List.of(EventType.RECOVERY_POINT, EventType.CHILDREN_DONE), types(ended.entries()));
        assertEquals(List.of(3L, 4L), ended.entries().stream().map(JournalEntry::seq).toList());

        Transitions.Outcome last = Transitions.afterStep(JOB, row("c", 0, 2), PhaseResult.awaitChildren(), "me", List.of(), 0,
                waits(name -> false, 3, 0));
        assertEquals(DriveResult.Kind.DONE, last.phase().stop(), "after the last step the job ends; its children run on");
    }

    @Test
    void eachSpawnedChildIsJournaledBeforeThePhasesRecoveryPointButOtherStagedJobsAreNot() {
        List<StagedJob> staged = List.of(new StagedJob(1, "k/kid-0", JobRequest.of("x", null).withParent("k")),
                new StagedJob(2, "other", JobRequest.of("y", null)), new StagedJob(3, "k/kid-1", JobRequest.of("x", null).withParent("k")));
        Transitions.Outcome o = Transitions.afterStep(JOB, row("a", 0, 5), PhaseResult.next(), "me", staged, 3, NO_SIGNAL);
        assertEquals(List.of(EventType.CHILD_SPAWNED, EventType.CHILD_SPAWNED, EventType.RECOVERY_POINT), types(o.entries()));
        assertEquals(List.of(6L, 7L, 8L), o.entries().stream().map(JournalEntry::seq).toList());
        assertEquals("k/kid-1", o.entries().get(1).data().path("child").asText());
        assertEquals(8L, o.update().lastSeq());
    }

    @Test
    void waitUntilAndAwaitSignalJournalWhatTheJobWaitsFor() {
        java.time.Instant later = NOW.plusSeconds(60);
        Transitions.Outcome o = Transitions.afterStep(JOB, row("a", 0, 2), PhaseResult.waitUntil(later), "me", List.of(), 0, NO_SIGNAL);
        assertEquals(List.of(EventType.RECOVERY_POINT, EventType.WAITING), types(o.entries()));
        assertEquals("time", o.entries().get(1).data().path("for").asText());
        assertEquals(later.toString(), o.entries().get(1).data().path("retryAt").asText());
        Transitions.Outcome s = Transitions.afterStep(JOB, row("a", 0, 2), PhaseResult.awaitSignal("ok", java.time.Duration.ofMinutes(1)),
                "me", List.of(), 0, NO_SIGNAL);
        assertEquals("signal", s.entries().get(1).data().path("for").asText());
        assertEquals("ok", s.entries().get(1).data().path("name").asText());
    }
}
