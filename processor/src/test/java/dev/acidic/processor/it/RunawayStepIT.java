package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.api.StepTimeoutException;
import dev.acidic.processor.AcidicConfig;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A step that hangs is stopped at the step time limit, counted as a failed attempt and retried, and
 * the partition it runs on keeps going meanwhile; SQL is cut at the statement timeout. One
 * partition and one stream thread, so every job here shares the runaway steps' thread.
 */
class RunawayStepIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void hungStepsAreStoppedCountedAndRetriedWhileTheirPartitionGoesOn() throws Exception {
        try (Harness h = new Harness("runaway", Map.of(AcidicConfig.PARTITIONS, "1", AcidicConfig.STREAM_THREADS, "1",
                AcidicConfig.STEP_TIMEOUT, "1500ms", AcidicConfig.STATEMENT_TIMEOUT, "400ms"))) {
            h.start();
            String sleeper = h.key("sleep");
            String stubborn = h.key("stubborn");
            String sql = h.key("sql");
            String hopeless = h.key("hopeless");
            var sleeping = h.client().submit(sleeper, JobRequest.of("test.runaway", Map.of("mode", "sleep", "hangTimes", 1)));
            var swallowing = h.client().submit(stubborn, JobRequest.of("test.runaway", Map.of("mode", "stubborn", "hangTimes", 1)));
            var sqlSleeping = h.client().submit(sql, JobRequest.of("test.runaway", Map.of("mode", "sql", "hangTimes", 1)));
            var never = h.client().submit(hopeless, JobRequest.of("test.runaway", Map.of("mode", "sleep", "hangTimes", 99)));
            List<String> good = new ArrayList<>();
            List<CompletableFuture<Completion>> goodAnswers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                good.add(h.key("good-" + i));
                goodAnswers.add(h.client().submit(good.get(i), JobRequest.of("test.three-steps", Map.of("i", i))));
            }

            // The stubborn step ignores interrupts and is still blocked: without the time limit its
            // stream thread (the only one, owning the only partition) would never run these.
            for (int i = 0; i < good.size(); i++) {
                assertEquals(CompletionStatus.SUCCEEDED, goodAnswers.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).status());
                assertEquals(List.of("first", "second", "third"), h.effects(good.get(i)));
            }
            for (var answer : List.of(sleeping, swallowing, sqlSleeping)) {
                assertEquals(CompletionStatus.SUCCEEDED, answer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).status());
            }
            assertTrue(TestJobs.stubbornLatch(stubborn).getCount() > 0, "the stubborn step was never released before its job finished");

            // Each hung attempt was counted once, named why, and rolled back (its effect row is gone).
            for (String key : List.of(sleeper, stubborn, sql)) {
                assertEquals(List.of("first", "hang", "third"), h.effects(key), key);
                List<JobEvent> failed = failures(h, key);
                assertEquals(1, failed.size(), key + ": one failed attempt, " + failed);
                assertEquals(1, failed.get(0).attempt());
                assertEquals("hang", failed.get(0).step());
            }
            assertEquals(StepTimeoutException.class.getName(), failures(h, sleeper).get(0).error().type());
            assertTrue(failures(h, sleeper).get(0).error().message().contains("acidic.step.timeout (1500 ms)"),
                    failures(h, sleeper).get(0).error().message());
            assertEquals(StepTimeoutException.class.getName(), failures(h, stubborn).get(0).error().type());
            assertTrue(failures(h, sql).get(0).error().message().contains("statement timeout"),
                    "pg_sleep was cut by statement_timeout (400 ms), before the step limit: " + failures(h, sql).get(0).error());

            // A step that always hangs fails its job after the configured attempts.
            Completion c = never.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(CompletionStatus.FAILED, c.status());
            assertEquals(StepTimeoutException.class.getName(), c.error().type());
            assertEquals(h.config.retryMaxAttempts(), failures(h, hopeless).size());
            assertEquals(List.of("first"), h.effects(hopeless));

            // Released at last, the stubborn step tries to write on its phase's connection: closed.
            TestJobs.stubbornLatch(stubborn).countDown();
            h.events().await(rs -> TestJobs.STUBBORN_LATE_WRITES.keySet().stream().anyMatch(k -> k.startsWith(stubborn)),
                    WAIT, "the released stubborn step's late write");
            TestJobs.STUBBORN_LATE_WRITES.forEach((k, result) -> {
                if (k.startsWith(stubborn)) {
                    assertInstanceOf(SQLException.class, result, k + ": the abandoned step could still write");
                }
            });
            assertEquals(List.of("first", "hang", "third"), h.effects(stubborn), "nothing of the abandoned step committed");
        }
    }

    private static List<JobEvent> failures(Harness h, String key) throws InterruptedException {
        h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> e.type().isTerminal()), WAIT, "terminal event of " + key);
        return h.eventsOf(key).stream().filter(e -> e.type() == EventType.STEP_FAILED).toList();
    }
}
