package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A request whose offset Kafka committed while it waited in the pending store for its batch is not
 * lost when its instance goes away: another instance, with empty local state, restores the store
 * from its changelog and drives it.
 */
class PendingRestoreIT {

    @Test
    void requestsWaitingForTheirBatchAreDrivenByTheInstanceThatTakesOver() throws Exception {
        // a linger (and timer interval) so long that nothing is driven while the first instance runs
        try (Harness h = new Harness("pending", Map.of(AcidicConfig.BATCH_LINGER, "10m", AcidicConfig.TIMER_INTERVAL, "10m",
                AcidicConfig.STREAM_THREADS, "1"))) {
            AcidicProcessor first = h.start("pending-a");
            // A request reaching an idle stream thread is driven at once; after this one the
            // thread has just driven, so the next requests wait for their batch (the linger).
            String warmUp = h.key("warm-up");
            assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(warmUp, JobRequest.of("test.three-steps", Map.of("n", 0)))
                    .get(60, java.util.concurrent.TimeUnit.SECONDS).status());
            List<String> keys = List.of(h.key("p1"), h.key("p2"), h.key("p3"));
            for (String k : keys) {
                h.client().send(k, JobRequest.of("test.three-steps", Map.of("n", 1)).encode()).get();
            }
            // the requests' offsets commit (every 50 ms here) with their pending-store entries
            h.requests();
            Thread.sleep(2_000);
            for (String k : keys) {
                assertTrue(h.effects(k).isEmpty(), "still waiting for the batch: " + k);
            }
            first.close();

            AcidicConfig second = h.config.with(AcidicConfig.BATCH_LINGER, "2ms").with(AcidicConfig.TIMER_INTERVAL, "100ms")
                    .withInstanceId("pending-b"); // a new instance id: a fresh state directory, restored from the changelog
            try (AcidicProcessor b = AcidicProcessor.builder(second).discoverJobs(false).jobs(TestJobs.all()).build().start()) {
                assertTrue(b.awaitRunning(Duration.ofSeconds(60)));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline && !keys.stream().allMatch(k -> !h.completionsOf(k).isEmpty())) {
                    Thread.sleep(100);
                }
                for (String k : keys) {
                    List<Completion> cs = h.completionsOf(k);
                    assertEquals(1, cs.size(), "one completion for " + k);
                    assertEquals(CompletionStatus.SUCCEEDED, cs.get(0).status());
                    assertEquals(List.of("first", "second", "third"), h.effects(k).stream().sorted().toList(),
                            "each phase once for " + k);
                }
            }
        }
    }
}
