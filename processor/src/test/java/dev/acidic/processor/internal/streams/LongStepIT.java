package dev.acidic.processor.internal.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.it.Harness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Steps of 15 s, past Kafka Streams' default exactly-once transaction timeout (10 s) but within
 * the default step timeout (30 s): the processor's producer transaction timeout follows the step
 * timeout, so the stream thread is not fenced (it used to be: InvalidProducerEpochException, then
 * TaskMigratedException). Each slow step runs once and the short jobs on the same partition finish.
 */
class LongStepIT {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void stepsLongerThanKafkasDefaultTransactionTimeoutSucceedOnceWithoutFencing() throws Exception {
        ListAppender<ILoggingEvent> kafkaLogs = new ListAppender<>();
        kafkaLogs.start();
        Logger kafka = (Logger) LoggerFactory.getLogger("org.apache.kafka");
        kafka.addAppender(kafkaLogs);
        try (Harness h = new Harness("long-step", Map.of(AcidicConfig.PARTITIONS, "1", AcidicConfig.STREAM_THREADS, "1"))) {
            AcidicProcessor p = h.start();
            List<String> slow = List.of(h.key("slow-1"), h.key("slow-2"));
            List<CompletableFuture<Completion>> slowAnswers = new ArrayList<>();
            for (String k : slow) {
                slowAnswers.add(h.client().submit(k, JobRequest.of("test.slow", Map.of("sleepMs", 15_000))));
            }
            List<String> quick = new ArrayList<>();
            List<CompletableFuture<Completion>> quickAnswers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                quick.add(h.key("quick-" + i));
                quickAnswers.add(h.client().submit(quick.get(i), JobRequest.of("test.three-steps", Map.of("i", i))));
            }
            for (int i = 0; i < quick.size(); i++) {
                assertEquals(CompletionStatus.SUCCEEDED, quickAnswers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
                assertEquals(List.of("first", "second", "third"), h.effects(quick.get(i)));
            }
            for (int i = 0; i < slow.size(); i++) {
                String k = slow.get(i);
                assertEquals(CompletionStatus.SUCCEEDED, slowAnswers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
                assertEquals(List.of("first", "slow", "third"), h.effects(k), "each phase once: " + k);
                h.events().await(rs -> h.eventsOf(k).stream().anyMatch(e -> e.type().isTerminal()), WAIT, "terminal event of " + k);
                assertEquals(0, h.eventsOf(k).stream().filter(e -> e.type() == EventType.STEP_FAILED).count(), k);
                h.completions().await(rs -> !h.completionsOf(k).isEmpty(), WAIT, "the completion of " + k);
                assertEquals(1, h.completionsOf(k).size(), "one completion: " + k);
            }
            assertEquals(0, p.threadReplacements(), "the stream thread was never fenced and replaced");
            List<String> fencing = kafkaLogs.list.stream()
                    .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getClassName()))
                    .filter(m -> m.contains("InvalidProducerEpoch") || m.contains("TaskMigrated") || m.toLowerCase().contains("fenced"))
                    .toList();
            assertEquals(List.of(), fencing, "no producer fenced for a transaction that outlived its timeout");
        } finally {
            kafka.detachAppender(kafkaLogs);
        }
    }
}
