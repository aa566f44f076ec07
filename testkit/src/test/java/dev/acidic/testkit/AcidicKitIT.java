package dev.acidic.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

@AcidicTest(providers = KitJobs.class)
class AcidicKitIT {

    @Test
    void runsAJobThroughTheEngineAndShowsItsOutcomeEventsValuesAndStagedJobs(AcidicKit acidic) {
        JobRun run = acidic.run(KitJobs.order(), Map.of("items", 3))
                .assertSucceeded()
                .assertEvents(EventType.ACCEPTED, EventType.RECOVERY_POINT, EventType.RECOVERY_POINT, EventType.RECOVERY_POINT,
                        EventType.SUCCEEDED);
        assertEquals(3, run.result().path("items").asInt());
        assertEquals(run.value("reservation", Long.class).orElseThrow(), run.result().path("reservation").asLong());
        assertEquals(List.of(new JobRun.Staged("thanks:" + run.key(), JobRequest.of(KitJobs.THANKS, Map.of("order", run.key())))),
                run.staged());
        assertEquals(3, acidic.count("SELECT count(*) FROM kit_rows WHERE idempotency_key = ?", run.key()));
        assertEquals(1, acidic.count("SELECT count(*) FROM kit_rows WHERE idempotency_key = ?", "thanks:" + run.key()),
                "the staged job ran too");
    }

    @Test
    void aRepeatedRequestIsAReplayAndAMismatchIsRejected(AcidicKit acidic) {
        JobRun first = acidic.run(KitJobs.order(), Map.of("items", 1)).assertSucceeded();
        JobRun again = acidic.run(first.key(), JobRequest.of(KitJobs.ORDER, Map.of("items", 1)), AcidicKit.DEFAULT_TIMEOUT)
                .assertSucceeded().assertResult(first.result());
        assertTrue(again.completion().orElseThrow().replay());
        JobRun other = acidic.run(first.key(), JobRequest.of(KitJobs.ORDER, Map.of("items", 2)), AcidicKit.DEFAULT_TIMEOUT)
                .assertStatus(CompletionStatus.REJECTED);
        assertEquals(Completion.MISMATCHED_ARGUMENTS, other.completion().orElseThrow().reason());
    }

    @Test
    void aFailedAttemptIsRetried(AcidicKit acidic) {
        acidic.run(KitJobs.flaky(), Map.of()).assertSucceeded().assertResult(Map.of("attempt", 2))
                .assertEvents(EventType.ACCEPTED, EventType.STEP_FAILED, EventType.RECOVERY_POINT, EventType.SUCCEEDED);
    }

    @Test
    void aJobWaitingForASignalRestsUntilItComes(AcidicKit acidic) {
        JobRun waiting = acidic.run(KitJobs.approval(), Map.of());
        assertFalse(waiting.finished());
        assertEquals(EventType.WAITING, waiting.eventTypes().get(waiting.eventTypes().size() - 1));
        acidic.signal(waiting.key(), "approval", Map.of("ok", true)).assertSucceeded().assertResult(Map.of("approved", true));
    }

    @Test
    void assertionsSayWhatTheJobDid(AcidicKit acidic) {
        JobRun run = acidic.run(KitJobs.flaky(), Map.of());
        AssertionFailedError e = assertThrows(AssertionFailedError.class, run::assertFailed);
        assertTrue(e.getMessage().contains("expected FAILED, but it ended SUCCEEDED"), e.getMessage());
        assertTrue(e.getMessage().contains("STEP_FAILED step=try error=first attempt fails on purpose"), e.getMessage());
    }

    @Nested
    class WhenNested {
        @Test
        void aNestedClassUsesItsEnclosingClassesKitAndDatabase(AcidicKit acidic) {
            JobRun run = acidic.run(KitJobs.order(), Map.of("items", 1)).assertSucceeded();
            assertEquals(3, acidic.count("SELECT count(*) FROM kit_rows WHERE idempotency_key = ?", run.key()));
        }
    }
}
