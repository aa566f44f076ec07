package dev.acidic.processor.internal.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.it.Harness;
import dev.acidic.processor.it.TestJobs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Every output fits the producer's largest record, whatever the input or the step: a request over
 * the limits that arrived compressed (so the broker took it) gets its DLQ copy cut, a 5 MiB result
 * fails its attempts with an error saying why, a 5 MiB exception message is cut. Each of these used
 * to fail the stream thread in a loop, stalling its partitions; here the jobs around them finish
 * and no thread is replaced.
 */
class OutputLimitsIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int FIVE_MIB = 5 * 1_048_576;

    @Test
    void aCompressedOverLimitRequestIsAnsweredAndItsDlqCopyCut() throws Exception {
        try (Harness h = new Harness("limits-dlq", Map.of(AcidicConfig.PARTITIONS, "2"))) {
            AcidicProcessor p = h.start();
            String big = h.key("big");
            byte[] bigValue = ("{\"job\":\"test.three-steps\",\"args\":{\"pad\":\"" + "y".repeat(1_150_000) + "\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            List<String> good = new ArrayList<>();
            List<String> malformed = new ArrayList<>();
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, h.config.bootstrapServers());
            props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
            props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 * 1_048_576));
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 30; i++) {
                    if (i == 10) {
                        producer.send(new ProducerRecord<>(h.config.requestsTopic(), bytes(big), bigValue)).get();
                    }
                    String g = h.key("good-" + i);
                    good.add(g);
                    producer.send(new ProducerRecord<>(h.config.requestsTopic(), bytes(g),
                            JobRequest.of("test.three-steps", Map.of("i", i)).encode()));
                    String m = h.key("malformed-" + i);
                    malformed.add(m);
                    producer.send(new ProducerRecord<>(h.config.requestsTopic(), bytes(m), bytes("{\"job\":")));
                }
                producer.flush();
            }

            h.completions().await(rs -> good.stream().allMatch(k -> !h.completionsOf(k).isEmpty())
                    && malformed.stream().allMatch(k -> !h.completionsOf(k).isEmpty()) && !h.completionsOf(big).isEmpty(), WAIT,
                    "an answer to every record");
            for (String g : good) {
                assertEquals(CompletionStatus.SUCCEEDED, h.completionsOf(g).get(0).status(), g);
                assertEquals(List.of("first", "second", "third"), h.effects(g));
            }
            for (String m : malformed) {
                assertEquals(Completion.INVALID_REQUEST, h.completionsOf(m).get(0).reason(), m);
            }
            Completion refusal = h.completionsOf(big).get(0);
            assertEquals(CompletionStatus.REJECTED, refusal.status());
            assertEquals(Completion.INVALID_REQUEST, refusal.reason());
            assertTrue(refusal.error().message().contains("acidic.request.max.bytes"), refusal.error().message());

            h.dlq().await(rs -> rs.stream().anyMatch(r -> big.equals(r.key())), WAIT, "the big request's DLQ copy");
            ConsumerRecord<String, byte[]> copy = h.dlq().records().stream().filter(r -> big.equals(r.key())).findFirst().orElseThrow();
            assertEquals("true", header(copy, Replies.TRUNCATED));
            assertEquals(Integer.toString(bigValue.length), header(copy, Replies.ORIGINAL_SIZE));
            assertEquals(Replies.sha256(bigValue), header(copy, Replies.ORIGINAL_SHA256));
            assertEquals(h.config.requestsTopic(), header(copy, "acidic.source.topic"));
            assertNotNull(header(copy, "acidic.source.offset"));
            assertTrue(copy.value().length < 1_048_576 - Replies.RECORD_OVERHEAD_BYTES + 1, "cut to fit: " + copy.value().length);
            assertEquals(new String(bigValue, 0, 100, StandardCharsets.UTF_8), new String(copy.value(), 0, 100, StandardCharsets.UTF_8),
                    "the copy is the original's beginning");
            assertEquals(0, p.threadReplacements(), "no stream thread failed");
        }
    }

    @Test
    void aHugeResultFailsItsAttemptsAndAHugeMessageIsCut() throws Exception {
        try (Harness h = new Harness("limits-out", Map.of(AcidicConfig.PARTITIONS, "1", AcidicConfig.STREAM_THREADS, "1",
                AcidicConfig.RETRY_MAX_DELAY, "300ms"))) {
            AcidicProcessor p = h.start();
            String hugeResult = h.key("huge-result");
            String hugeMessage = h.key("huge-message");
            String fine = h.key("fine-result");
            var resultAnswer = h.client().submit(hugeResult, JobRequest.of("test.big", Map.of("mode", "result", "chars", FIVE_MIB)));
            var messageAnswer = h.client().submit(hugeMessage, JobRequest.of("test.big", Map.of("mode", "message", "chars", FIVE_MIB)));
            var fineAnswer = h.client().submit(fine, JobRequest.of("test.big", Map.of("mode", "result", "chars", 200_000)));
            List<CompletableFuture<Completion>> after = new ArrayList<>();
            List<String> afterKeys = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                afterKeys.add(h.key("after-" + i));
                after.add(h.client().submit(afterKeys.get(i), JobRequest.of("test.three-steps", Map.of("i", i))));
            }

            for (int i = 0; i < after.size(); i++) {
                assertEquals(CompletionStatus.SUCCEEDED, after.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
                assertEquals(List.of("first", "second", "third"), h.effects(afterKeys.get(i)));
            }
            int attempts = h.config.retryMaxAttempts();
            Completion r = resultAnswer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.FAILED, r.status(), r.toString());
            assertTrue(r.error().message().contains("over acidic.result.max.bytes (262144)")
                    && r.error().message().contains("step 'big'"), r.error().message());
            assertEquals(attempts, TestJobs.RUNS.get(hugeResult + "/big").get(), "one run per counted attempt");
            assertEquals(List.of("first"), h.effects(hugeResult), "the refused phase rolled back");

            Completion m = messageAnswer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.FAILED, m.status());
            assertTrue(m.error().message().endsWith("... [cut: " + FIVE_MIB + " characters in all, over acidic.error.message.max.chars"
                    + " (8000)]"), m.error().message().substring(Math.max(0, m.error().message().length() - 200)));
            assertTrue(m.error().message().length() < 8_200);
            assertEquals(attempts, TestJobs.RUNS.get(hugeMessage + "/big").get());

            Completion f = fineAnswer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, f.status());
            assertEquals(200_000, f.result().path("blob").asText().length(), "a result under the limit travels whole");
            assertEquals(0, p.threadReplacements(), "no stream thread failed");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
