package dev.acidic.processor.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.it.Harness;
import dev.acidic.processor.it.TestJobs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ctx.connection()} is the phase's, not the step's: a step that closes it, commits, rolls
 * back, changes its mode or leaves its transaction aborted fails that attempt with an error naming
 * the step and the rule, is retried with backoff and ends FAILED after the configured attempts.
 * It used to be an uncounted "engine SQL" failure retried every second forever, its side effects
 * repeating each time. One partition and one stream thread: the misusers share rounds with good
 * jobs, which still run once each.
 */
class ConnectionMisuseIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void eachMisuseIsACountedFailedAttemptAndNeighboursRunOnce() throws Exception {
        try (Harness h = new Harness("misuse", Map.of(AcidicConfig.PARTITIONS, "1", AcidicConfig.STREAM_THREADS, "1",
                AcidicConfig.RETRY_INITIAL_DELAY, "100ms", AcidicConfig.RETRY_MAX_DELAY, "300ms"))) {
            h.start();
            Map<String, String> rules = new LinkedHashMap<>();
            rules.put("close", "Connection.close()");
            rules.put("commit", "Connection.commit()");
            rules.put("rollback", "Connection.rollback()");
            rules.put("autocommit", "Connection.setAutoCommit()");
            rules.put("isolation", "Connection.setTransactionIsolation()");
            rules.put("swallow", "transaction aborted");
            rules.put("swallow-close", "the step caught the error and went on");
            Map<String, String> keys = new LinkedHashMap<>();
            Map<String, CompletableFuture<Completion>> answers = new LinkedHashMap<>();
            List<String> good = new ArrayList<>();
            List<CompletableFuture<Completion>> goodAnswers = new ArrayList<>();
            String rightKey = h.key("savepoint");
            var right = h.client().submit(rightKey, JobRequest.of("test.misuse", Map.of("mode", "savepoint")));
            int i = 0;
            for (String mode : rules.keySet()) {
                String key = h.key(mode);
                keys.put(mode, key);
                answers.put(mode, h.client().submit(key, JobRequest.of("test.misuse", Map.of("mode", mode))));
                for (int j = 0; j < 3; j++, i++) {
                    good.add(h.key("good-" + i));
                    goodAnswers.add(h.client().submit(good.get(i), JobRequest.of("test.three-steps", Map.of("i", i))));
                }
            }

            for (int g = 0; g < good.size(); g++) {
                assertEquals(CompletionStatus.SUCCEEDED, goodAnswers.get(g).get(WAIT.toMillis(), TimeUnit.MILLISECONDS).status());
                assertEquals(List.of("first", "second", "third"), h.effects(good.get(g)));
                assertTrue(events(h, good.get(g)).stream().noneMatch(e -> e.type() == EventType.STEP_FAILED), good.get(g));
            }
            Completion ok = right.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, ok.status(), "savepoints stay the step's own: " + ok);
            assertEquals(List.of("first", "misuse", "after-savepoint", "third"), h.effects(rightKey));
            assertEquals(1, TestJobs.RUNS.get(rightKey + "/misuse").get());

            int attempts = h.config.retryMaxAttempts();
            for (var e : rules.entrySet()) {
                String mode = e.getKey();
                String key = keys.get(mode);
                Completion c = answers.get(mode).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals(CompletionStatus.FAILED, c.status(), mode + ": " + c);
                assertEquals(IllegalStateException.class.getName(), c.error().type(), mode);
                String message = c.error().message();
                assertTrue(message.contains("step 'misuse' of job 'test.misuse' (key '" + key + "')"), mode + ": " + message);
                assertTrue(message.contains(e.getValue()), mode + ": " + message);
                assertEquals(attempts, TestJobs.RUNS.get(key + "/misuse").get(), mode + ": the step ran once per counted attempt");
                List<JobEvent> failed = events(h, key).stream().filter(ev -> ev.type() == EventType.STEP_FAILED).toList();
                assertEquals(attempts, failed.size(), mode + ": " + failed);
                assertEquals(List.of("first"), h.effects(key), mode + ": nothing of the misusing phase committed");
            }
        }
    }

    /** The key's events, once its terminal event is in (events and completions are separate topics). */
    private static List<JobEvent> events(Harness h, String key) throws InterruptedException {
        h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> e.type().isTerminal()), WAIT, "terminal event of " + key);
        return h.eventsOf(key);
    }
}
