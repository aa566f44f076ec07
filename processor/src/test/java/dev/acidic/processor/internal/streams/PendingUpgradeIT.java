package dev.acidic.processor.internal.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.it.Harness;
import dev.acidic.processor.it.TestJobs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The pending store outlives versions: an entry a newer decoder refuses is answered (and kept in
 * the DLQ) when its batch is driven, an entry that does not even decode as a pending entry is
 * dropped with a log line, and the task goes on (it used to fail at every start, its thread
 * replaced in a loop). The entries are written to the store's changelog, as an older version would
 * have left them, and restored by an instance with empty local state.
 */
class PendingUpgradeIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void restoredEntriesThatNoLongerDecodeAreAnsweredOrDroppedNeverALoop() throws Exception {
        try (Harness h = new Harness("upgrade", Map.of(AcidicConfig.PARTITIONS, "1", AcidicConfig.STREAM_THREADS, "1"))) {
            // a first instance creates the topics and moves the requests partition past offset 2
            AcidicProcessor first = h.start("upgrade-a");
            for (int i = 0; i < 3; i++) {
                assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(h.key("warm-" + i),
                        JobRequest.of("test.three-steps", Map.of("i", i))).get(60, TimeUnit.SECONDS).status());
            }
            first.close();

            String bad = h.key("refused");
            String good = h.key("still-good");
            String changelog = h.config.applicationId() + "-" + Outputs.PENDING + "-changelog";
            long now = System.currentTimeMillis();
            Pending refused = new Pending(bad.getBytes(StandardCharsets.UTF_8),
                    "{\"job\":\"test.three-steps\",\"args\":{}} and more".getBytes(StandardCharsets.UTF_8), null,
                    h.config.requestsTopic(), 0, 0, now);
            Pending fine = new Pending(good.getBytes(StandardCharsets.UTF_8),
                    JobRequest.of("test.three-steps", Map.of("n", 1)).encode(), null, h.config.requestsTopic(), 0, 2, now);
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, h.config.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                // an entry under the store key of an older version (the offset alone) is restored too
                producer.send(new ProducerRecord<>(changelog, 0, ByteBuffer.allocate(8).putLong(0).array(), refused.encode())).get();
                producer.send(new ProducerRecord<>(changelog, 0, Pending.storeKey(h.config.requestsTopic(), 1).get(),
                        new byte[] {0, 0, 0, 9, 1})).get();
                producer.send(new ProducerRecord<>(changelog, 0, Pending.storeKey(h.config.requestsTopic(), 2).get(),
                        fine.encode())).get();
            }

            ListAppender<ILoggingEvent> logs = new ListAppender<>();
            logs.start();
            Logger pendingLog = (Logger) LoggerFactory.getLogger(PendingBatch.class);
            pendingLog.addAppender(logs);
            try (AcidicProcessor second = AcidicProcessor.builder(h.config.withInstanceId("upgrade-b")) // empty state: restores
                    .discoverJobs(false).jobs(TestJobs.all()).build().start()) {
                assertTrue(second.awaitRunning(WAIT));
                h.completions().await(rs -> !h.completionsOf(bad).isEmpty() && !h.completionsOf(good).isEmpty(), WAIT,
                        "answers to the restored entries");
                Completion refusal = h.completionsOf(bad).get(0);
                assertEquals(CompletionStatus.REJECTED, refusal.status());
                assertEquals(Completion.INVALID_REQUEST, refusal.reason());
                assertTrue(refusal.error().message().contains("not a valid JobRequest"), refusal.error().message());
                h.dlq().await(rs -> rs.stream().anyMatch(r -> bad.equals(r.key())), WAIT, "the refused entry's DLQ copy");

                assertEquals(CompletionStatus.SUCCEEDED, h.completionsOf(good).get(0).status());
                assertEquals(List.of("first", "second", "third"), h.effects(good));
                assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("dropping an unreadable entry")),
                        "the unreadable entry is named in the log");

                String after = h.key("after");
                assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(after, JobRequest.of("test.three-steps", Map.of("n", 2)))
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
                assertEquals(0, second.threadReplacements(), "no stream thread failed");
                assertEquals(1, h.completionsOf(bad).size(), "answered once");
            } finally {
                pendingLog.detachAppender(logs);
            }
        }
    }
}
