package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A processor JVM halted (no shutdown hooks) right after a phase's Postgres commit, before the
 * Kafka transaction that would publish it: after a restart, nothing is lost and nothing doubles.
 */
class CrashRecoveryIT {

    @ParameterizedTest(name = "halt after phase commit #{0}")
    @ValueSource(ints = {2, 5})
    void processDyingBetweenPostgresCommitAndKafkaCommitLosesAndDuplicatesNothing(int haltAt) throws Exception {
        try (Harness h = new Harness("crash" + haltAt, Map.of("acidic.stream.threads", "1"))) {
            List<String> keys = new ArrayList<>();
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            try (ChildProcessor doomed = ChildProcessor.start(h.config, "crashy", Map.of("ACIDIC_FAULTS",
                    "after-phase-commit=halt@" + haltAt))) {
                doomed.awaitReady(Duration.ofSeconds(60));
                h.events();
                h.completions();
                for (int i = 0; i < 4; i++) {
                    String key = h.key("job" + i);
                    keys.add(key);
                    answers.add(h.client().submit(key, JobRequest.of("test.three-steps", Map.of("n", i))));
                }
                assertEquals(86, doomed.awaitExit(Duration.ofSeconds(60)), "the processor halted at the injected point");
                assertFalse(doomed.output().contains("Acidic processor stopped"), "no shutdown hook ran");
            }
            try (ChildProcessor survivor = ChildProcessor.start(h.config, "crashy", Map.of())) {
                survivor.awaitReady(Duration.ofSeconds(60));
                for (CompletableFuture<Completion> a : answers) {
                    assertEquals(CompletionStatus.SUCCEEDED, a.get(60, TimeUnit.SECONDS).status());
                }
                for (String key : keys) {
                    h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> e.type().isTerminal()), Duration.ofSeconds(30),
                            "terminal event of " + key);
                }
                Thread.sleep(500); // let any duplicate that would appear arrive
                for (String key : keys) {
                    assertEquals(List.of("first", "second", "third"), h.effects(key), "effects of " + key);
                    List<JobEvent> events = h.eventsOf(key);
                    assertEquals(5, events.size(), "events of " + key + ": " + events);
                    for (int i = 0; i < events.size(); i++) {
                        assertEquals(i + 1, events.get(i).seq());
                    }
                    List<Completion> completions = h.completionsOf(key);
                    assertEquals(1, completions.size(), "one completion for " + key + ": " + completions);
                    assertFalse(completions.get(0).replay());
                }
                Set<String> seen = new HashSet<>();
                for (ConsumerRecord<String, byte[]> r : h.events().records()) {
                    JobEvent e = JobEvent.decode(r.value());
                    assertEquals(true, seen.add(e.key() + "#" + e.seq()), "duplicate event " + e.key() + "#" + e.seq());
                }
            }
        }
    }
}
