package dev.acidic.processor.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.it.Harness;
import dev.acidic.processor.it.TestJobs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * In a batch round every key's step runs under its own savepoint: a step that fails rolls back
 * alone and its attempt is counted in the round, which commits for the others. Counted outside any
 * transaction (as a foreign call would be), no step of a job that never failed runs twice; before,
 * a round rolled back for one key ran every other key's step again, each still seeing attempt 1.
 */
class BatchIsolationIT {

    @Test
    void aFailingStepInARoundRunsNoNeighboursStepAgain() throws Exception {
        try (Harness h = new Harness("isolation", Map.of(AcidicConfig.PARTITIONS, "1", AcidicConfig.STREAM_THREADS, "1",
                AcidicConfig.RETRY_INITIAL_DELAY, "100ms"))) {
            h.start();
            List<String> keys = new ArrayList<>();
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String key = h.key("k" + i);
                keys.add(key);
                answers.add(h.client().submit(key, JobRequest.of("test.counted", Map.of("failFirst", i % 20 == 7))));
            }
            int extraRuns = 0;
            for (int i = 0; i < keys.size(); i++) {
                assertEquals(CompletionStatus.SUCCEEDED, answers.get(i).get(120, TimeUnit.SECONDS).status());
                boolean failing = i % 20 == 7;
                String key = keys.get(i);
                assertEquals(List.of("first", "second", "third"), h.effects(key), key);
                extraRuns += runs(key, "first") - (failing ? 2 : 1) + runs(key, "second") - 1 + runs(key, "third") - 1;
            }
            assertEquals(0, extraRuns, "steps run again because of a neighbour's failure");
        }
    }

    private static int runs(String key, String step) {
        AtomicInteger n = TestJobs.RUNS.get(key + "/" + step);
        return n == null ? 0 : n.get();
    }
}
