package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Signals and cancels across a kill -9: a job waits for a signal, its processor is SIGKILLed, the
 * command is sent while no processor runs, and the next processor applies it once; the job ends
 * once, with one completion.
 */
class LifecycleCrashIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static void startWaiting(Harness h, String key) throws Exception {
        h.client().send(key, JobRequest.of("test.approval", Map.of("timeoutMs", 600_000)).encode()).get();
        h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> "act".equals(e.recoveryPoint())), WAIT, "the wait of " + key);
    }

    private static void assertOnce(Harness h, String key, EventType terminal) throws InterruptedException {
        h.completions().await(rs -> !h.completionsOf(key).isEmpty(), WAIT, "the completion of " + key);
        h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> e.type() == terminal), WAIT, terminal + " of " + key);
        Thread.sleep(500); // time for a duplicate to show up, if one were coming
        assertEquals(1, h.completionsOf(key).size(), "one completion: " + h.completionsOf(key));
        List<Long> seqs = h.eventsOf(key).stream().map(JobEvent::seq).toList();
        assertEquals(LongStream.rangeClosed(1, seqs.size()).boxed().toList(), seqs, "each event once");
    }

    @Test
    void aSignalAndACancelSentWhileTheProcessorIsDeadAreAppliedOnceByTheNextOne() throws Exception {
        try (Harness h = new Harness("lifecycle-crash", Map.of("acidic.stream.threads", "1"))) {
            String signalled = h.key("signalled");
            String cancelled = h.key("cancelled");
            try (ChildProcessor first = ChildProcessor.start(h.config, "crash", Map.of())) {
                first.awaitReady(Duration.ofSeconds(60));
                startWaiting(h, signalled);
                startWaiting(h, cancelled);
                first.kill();
            }
            h.client().send(signalled, JobCommand.signal("approved", Map.of("by", "bob"))).get();
            h.client().send(cancelled, JobCommand.cancel("changed my mind")).get();
            try (ChildProcessor second = ChildProcessor.start(h.config, "crash", Map.of())) {
                second.awaitReady(Duration.ofSeconds(60));
                assertOnce(h, signalled, EventType.SUCCEEDED);
                assertOnce(h, cancelled, EventType.CANCELLED);
            }
            Completion s = h.completionsOf(signalled).get(0);
            assertEquals(CompletionStatus.SUCCEEDED, s.status());
            assertEquals("bob", s.result().path("approved").path("by").asText());
            assertEquals(List.of("prepare", "ask", "act"), h.effects(signalled));
            Completion c = h.completionsOf(cancelled).get(0);
            assertEquals(CompletionStatus.CANCELLED, c.status());
            assertEquals("changed my mind", c.error().message());
            assertFalse(h.effects(cancelled).contains("act"));
        }
    }
}
