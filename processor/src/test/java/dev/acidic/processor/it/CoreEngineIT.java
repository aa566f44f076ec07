package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.internal.store.KeyRow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The engine's rules end to end: real broker, real Postgres, one processor instance. */
class CoreEngineIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Harness h;

    @BeforeAll
    static void start() throws Exception {
        h = new Harness("core", Map.of());
        h.start();
        h.events();
        h.completions();
        h.client();
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    private static Completion submit(String key, String job, Object args) throws Exception {
        return h.client().submit(key, JobRequest.of(job, args)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static List<EventType> types(List<JobEvent> events) {
        return events.stream().map(JobEvent::type).toList();
    }

    private static void assertContiguous(List<JobEvent> events) {
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).seq(), "seq of event " + i + " in " + events);
        }
    }

    private static List<JobEvent> awaitTerminalEvent(String key) throws InterruptedException {
        h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> e.type().isTerminal()), WAIT, "terminal event of " + key);
        return h.eventsOf(key);
    }

    @Test
    void newKeyRunsEveryStepOnceWithContiguousEventsAndOneCompletion() throws Exception {
        String key = h.key("new");
        Completion c = submit(key, "test.three-steps", Map.of("n", 1));
        assertEquals(CompletionStatus.SUCCEEDED, c.status());
        assertFalse(c.replay());
        assertEquals(List.of("first", "second", "third"), h.effects(key));
        List<JobEvent> events = awaitTerminalEvent(key);
        assertEquals(List.of(EventType.ACCEPTED, EventType.RECOVERY_POINT, EventType.RECOVERY_POINT, EventType.RECOVERY_POINT,
                EventType.SUCCEEDED), types(events));
        assertContiguous(events);
        assertEquals(List.of("second", "third", KeyRow.FINISHED),
                events.subList(1, 4).stream().map(JobEvent::recoveryPoint).toList());
        assertEquals(1, h.completionsOf(key).size());
        assertEquals("SUCCEEDED", h.keyRow(key).get("status"));
        assertNull(h.keyRow(key).get("locked_by"), "a finished job releases its lock");
    }

    @Test
    void sameKeyAndArgumentsAfterSuccessIsReplayedAndRunsNothing() throws Exception {
        String key = h.key("replay");
        assertEquals(CompletionStatus.SUCCEEDED, submit(key, "test.three-steps", Map.of("n", 2)).status());
        awaitTerminalEvent(key);
        // same arguments written differently: key order and number form do not matter
        Completion again = h.client().submit(key, new JobRequest("test.three-steps", dev.acidic.api.Wire.mapper()
                .readTree("{\"n\": 2.0}"))).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(CompletionStatus.SUCCEEDED, again.status());
        assertTrue(again.replay());
        assertEquals(3, h.effects(key).size(), "nothing ran again");
        Thread.sleep(300);
        assertEquals(5, h.eventsOf(key).size(), "a replay adds no event");
        assertEquals(List.of(false, true), h.completionsOf(key).stream().map(Completion::replay).toList());
    }

    @Test
    void mismatchedArgumentsAreRejectedAndTheStoredJobIsUnchanged() throws Exception {
        String key = h.key("mismatch");
        assertEquals(CompletionStatus.SUCCEEDED, submit(key, "test.three-steps", Map.of("n", 3)).status());
        Map<String, Object> before = h.keyRow(key);
        Completion other = submit(key, "test.three-steps", Map.of("n", 4));
        assertEquals(CompletionStatus.REJECTED, other.status());
        assertEquals(Completion.MISMATCHED_ARGUMENTS, other.reason());
        Completion otherJob = submit(key, "test.child", Map.of("n", 3));
        assertEquals(Completion.MISMATCHED_ARGUMENTS, otherJob.reason());
        assertEquals(before, h.keyRow(key));
        assertEquals(3, h.effects(key).size());
    }

    @Test
    void mismatchSentWhileTheJobIsInFlightAnswersOnlyItsOwnRequest() throws Exception {
        String key = h.key("inflight-mismatch");
        var original = h.client().submit(key, JobRequest.of("test.slow", Map.of("sleepMs", 700)));
        var mismatch = h.client().submit(key, JobRequest.of("test.slow", Map.of("sleepMs", 1)));
        Completion rejected = mismatch.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(Completion.MISMATCHED_ARGUMENTS, rejected.reason());
        Completion done = original.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(CompletionStatus.SUCCEEDED, done.status(), "the original request got its job's outcome, not the rejection");
        assertEquals(List.of("first", "slow", "third"), h.effects(key));
    }

    @Test
    void staleLockOfAnotherOwnerIsTakenOverAndTheJobFinishes() throws Exception {
        String key = h.key("stale");
        h.seedKey(key, "test.three-steps", "{\"n\":5}", "first", "crashed-instance", "1 hour");
        Completion c = submit(key, "test.three-steps", Map.of("n", 5));
        assertEquals(CompletionStatus.SUCCEEDED, c.status());
        assertFalse(c.replay(), "the job's own completion, not a replay");
        assertEquals(List.of("first", "second", "third"), h.effects(key));
        assertFalse(types(awaitTerminalEvent(key)).contains(EventType.DEFERRED));
    }

    @Test
    void freshLockOfAnotherOwnerDefersThenTheJobFinishesAfterExpiry() throws Exception {
        String key = h.key("fresh");
        h.seedKey(key, "test.three-steps", "{\"n\":6}", "first", "live-instance", "0 seconds");
        long t0 = System.nanoTime();
        Completion c = submit(key, "test.three-steps", Map.of("n", 6));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(CompletionStatus.SUCCEEDED, c.status());
        List<JobEvent> events = awaitTerminalEvent(key);
        assertEquals(EventType.DEFERRED, events.get(0).type());
        assertNotNull(events.get(0).retryAt());
        assertTrue(waitedMs >= 2_500, "the job waited for the 3 s lock to expire, waited " + waitedMs + " ms");
        assertEquals(List.of("first", "second", "third"), h.effects(key));
        assertContiguous(events);
    }

    @Test
    void restartWithTheSameInstanceIdReclaimsItsOwnLockAtOnce() throws Exception {
        String key = h.key("own");
        h.seedKey(key, "test.three-steps", "{\"n\":7}", "second", h.config.instanceId(), "0 seconds");
        long t0 = System.nanoTime();
        Completion c = submit(key, "test.three-steps", Map.of("n", 7));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(CompletionStatus.SUCCEEDED, c.status());
        assertTrue(waitedMs < 2_500, "no lock-timeout wait for our own lock, waited " + waitedMs + " ms");
        assertFalse(types(awaitTerminalEvent(key)).contains(EventType.DEFERRED));
        assertEquals(List.of("second", "third"), h.effects(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"second", "third"})
    void continuesFromTheStoredRecoveryPointWithoutRerunningEarlierSteps(String storedAt) throws Exception {
        String key = h.key("resume-" + storedAt);
        h.seedKey(key, "test.three-steps", "{\"n\":8}", storedAt, null, null);
        assertEquals(CompletionStatus.SUCCEEDED, submit(key, "test.three-steps", Map.of("n", 8)).status());
        List<String> expected = storedAt.equals("second") ? List.of("second", "third") : List.of("third");
        assertEquals(expected, h.effects(key));
    }

    @Test
    void failingStepRollsBackRecordsErrorsBacksOffAndThenSucceeds() throws Exception {
        String key = h.key("flaky");
        Completion c = submit(key, "test.flaky", Map.of("failTimes", 2, "failStep", "second"));
        assertEquals(CompletionStatus.SUCCEEDED, c.status());
        assertEquals(List.of("first", "second", "third"), h.effects(key), "the failed attempts' writes rolled back");
        List<JobEvent> events = awaitTerminalEvent(key);
        assertContiguous(events);
        List<JobEvent> failures = events.stream().filter(e -> e.type() == EventType.STEP_FAILED).toList();
        assertEquals(2, failures.size());
        for (int i = 0; i < 2; i++) {
            JobEvent f = failures.get(i);
            assertEquals("second", f.step());
            assertEquals(i + 1, f.attempt());
            assertEquals(IllegalStateException.class.getName(), f.error().type());
            assertTrue(f.error().message().contains("planned failure " + (i + 1)), f.error().message());
            assertNotNull(f.retryAt());
        }
        // backoff: 200 ms, then 400 ms
        long firstDelay = Duration.between(failures.get(0).at(), failures.get(0).retryAt()).toMillis();
        long secondDelay = Duration.between(failures.get(1).at(), failures.get(1).retryAt()).toMillis();
        assertEquals(200, firstDelay);
        assertEquals(400, secondDelay);
        JobEvent secondDone = events.stream().filter(e -> e.type() == EventType.RECOVERY_POINT && "second".equals(e.step()))
                .findFirst().orElseThrow();
        assertEquals(3, secondDone.attempt());
        assertFalse(secondDone.at().isBefore(failures.get(1).retryAt()), "the retry did not run before its backoff");
        assertEquals(0, h.keyRow(key).get("attempts"), "attempts reset when the step advanced");
    }

    @Test
    void stepFailingForeverFailsTheJobAfterMaxAttempts() throws Exception {
        String key = h.key("forever");
        Completion c = submit(key, "test.flaky", Map.of("failTimes", 99, "failStep", "third"));
        assertEquals(CompletionStatus.FAILED, c.status());
        assertEquals("third", c.error().step());
        assertEquals(3, c.error().attempt());
        assertTrue(c.error().message().contains("planned failure 3"));
        List<JobEvent> events = awaitTerminalEvent(key);
        assertEquals(3, events.stream().filter(e -> e.type() == EventType.STEP_FAILED).count());
        assertEquals(EventType.FAILED, events.get(events.size() - 1).type());
        assertEquals(List.of("first", "second"), h.effects(key));
        Map<String, Object> row = h.keyRow(key);
        assertEquals("FAILED", row.get("status"));
        assertTrue(((String) row.get("error")).contains("\"stack\""), "the stored error keeps the stack trace");
    }

    @Test
    void terminalJobExceptionFailsAtOnce() throws Exception {
        String key = h.key("terminal");
        Completion c = submit(key, "test.terminal", Map.of());
        assertEquals(CompletionStatus.FAILED, c.status());
        assertEquals(dev.acidic.api.TerminalJobException.class.getName(), c.error().type());
        assertEquals(1, c.error().attempt());
        assertEquals(List.of("first"), h.effects(key));
        assertEquals(1, awaitTerminalEvent(key).stream().filter(e -> e.type() == EventType.STEP_FAILED).count());
    }

    @Test
    void unknownStoredRecoveryPointFailsWithAClearError() throws Exception {
        String key = h.key("unknown-rp");
        h.seedKey(key, "test.three-steps", "{\"n\":9}", "renamed_step", null, null);
        Completion c = submit(key, "test.three-steps", Map.of("n", 9));
        assertEquals(CompletionStatus.FAILED, c.status());
        assertEquals(dev.acidic.api.JobError.DEFINITION_CHANGED, c.error().type());
        assertTrue(c.error().message().contains("'renamed_step'") && c.error().message().contains("[first, second, third]")
                && c.error().message().contains("not stored"), c.error().message());
        assertEquals(List.of(), h.effects(key));
        // the processor is still healthy
        assertEquals(CompletionStatus.SUCCEEDED, submit(h.key("after-unknown"), "test.three-steps", Map.of("n", 1)).status());
    }

    @Test
    void deadlockInsideAPhaseIsRetriedWithoutCountingAsAFailure() throws Exception {
        String key = h.key("deadlock");
        Completion c = submit(key, "test.deadlock", Map.of());
        assertEquals(CompletionStatus.SUCCEEDED, c.status());
        assertEquals(2, TestJobs.RUNS.get(key + "/second").get(), "the step ran twice: deadlocked, then retried");
        assertEquals(List.of("first", "second"), h.effects(key));
        List<JobEvent> events = awaitTerminalEvent(key);
        assertFalse(types(events).contains(EventType.STEP_FAILED), "a deadlock is not a step failure: " + types(events));
        JobEvent second = events.stream().filter(e -> "second".equals(e.step())).findFirst().orElseThrow();
        assertEquals(1, second.attempt(), "the retry after a deadlock is still attempt 1");
    }

    @Test
    void stagedJobIsPublishedOnlyWhenItsPhaseCommits() throws Exception {
        String key = h.key("stager");
        String child = h.key("staged-child");
        h.requests();
        Completion c = submit(key, "test.staging", Map.of("child", child, "failAfterStage", 2));
        assertEquals(CompletionStatus.SUCCEEDED, c.status());
        h.events().await(rs -> h.eventsOf(child).stream().anyMatch(e -> e.type() == EventType.SUCCEEDED), WAIT, "child job done");
        Thread.sleep(300);
        assertEquals(1, h.requests().valuesOf(child).size(), "the staged request was published once, by the committed attempt");
        assertEquals(List.of("only"), h.effects(child));
        assertEquals(List.of("stage"), h.effects(key));
        assertEquals(2, h.eventsOf(key).stream().filter(e -> e.type() == EventType.STEP_FAILED).count());
    }

    @Test
    void longJobYieldsItsStreamThreadAfterTheTimeBudgetSoOtherKeysProceed() throws Exception {
        String loopKey = h.key("loop");
        String quickKey = samePartitionKey(loopKey, "quick");
        var loop = h.client().submit(loopKey, JobRequest.of("test.looping", Map.of("times", 20, "sleepMs", 100)));
        h.events().await(rs -> !h.eventsOf(loopKey).isEmpty(), WAIT, "loop started");
        Completion quick = submit(quickKey, "test.three-steps", Map.of("n", 1));
        assertEquals(CompletionStatus.SUCCEEDED, quick.status());
        assertFalse(loop.isDone(), "the quick job on the same partition finished while the 2 s loop was still running");
        Completion c = loop.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(20, c.result().path("done").asInt());
        assertEquals(20, h.effects(loopKey).size());
        List<JobEvent> events = awaitTerminalEvent(loopKey);
        assertContiguous(events);
        assertEquals(20, events.stream().filter(e -> e.type() == EventType.RECOVERY_POINT).count());
    }

    /** A key that the default partitioner puts on the same partition as {@code key}. */
    private static String samePartitionKey(String key, String label) {
        int parts = h.config.partitions();
        int target = partitionOf(key, parts);
        for (int i = 0; ; i++) {
            String k = key + "-" + label + i;
            if (partitionOf(k, parts) == target) {
                return k;
            }
        }
    }

    private static int partitionOf(String key, int parts) {
        byte[] b = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(b)) % parts;
    }
}
