package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.internal.faults.Faults.Point;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Failure at every boundary: a processor JVM runs three jobs (whose middle step fails once, so the
 * error path is crossed too), is halted with {@code Runtime.halt} at a named point, and a new JVM
 * with the same instance id finishes the work. Every committed effect must exist exactly once;
 * under exactly-once every {@code (key, seq)} and every completion appears once, under
 * at-least-once duplicates may appear but only as identical repeats of a {@code (key, seq)}.
 *
 * <p>{@code after-kafka-commit} halts at the first Kafka commit that carries request offsets, and
 * only that one: Streams commits whenever a task consumed records or ran a punctuator, so how many
 * commits three jobs make is timing (all three requests and all three retries can fall before the
 * first commit, and then no second one ever comes). Its jobs retry after 5 s, not 100 ms, far
 * longer than Streams takes to commit a processed request, so that commit comes before the retries:
 * the JVM dies with requests committed in Kafka (never redelivered) whose jobs are unfinished in
 * Postgres, which the test checks.
 */
class BoundaryCrashIT {
    private static final int JOBS = 3;

    static Stream<Arguments> boundaries() {
        List<Arguments> out = new ArrayList<>();
        Object[][] points = {
            {Point.BEFORE_CLAIM_COMMIT, 2}, {Point.AFTER_CLAIM_COMMIT, 2}, {Point.BEFORE_STEP, 3},
            {Point.AFTER_STEP_WRITES, 3}, {Point.BEFORE_PHASE_COMMIT, 4}, {Point.AFTER_PHASE_COMMIT, 4},
            {Point.DURING_PUBLISH, 3}, {Point.AFTER_KAFKA_COMMIT, 1}, {Point.RECORD_FAILURE, 2},
        };
        for (Object[] p : points) {
            out.add(Arguments.of(p[0], p[1], "exactly_once_v2"));
        }
        for (Object[] p : points) {
            Point point = (Point) p[0];
            if (point == Point.AFTER_PHASE_COMMIT || point == Point.DURING_PUBLISH || point == Point.AFTER_KAFKA_COMMIT) {
                out.add(Arguments.of(p[0], p[1], "at_least_once"));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}@{1} under {2}")
    @MethodSource("boundaries")
    void haltedAtTheBoundaryTheJobsStillFinishWithEveryEffectOnce(Point point, int hit, String guarantee) throws Exception {
        boolean eos = guarantee.equals("exactly_once_v2");
        boolean kafkaCommit = point == Point.AFTER_KAFKA_COMMIT;
        Map<String, String> settings = new LinkedHashMap<>(); // in order: each is checked against the others as it is applied
        settings.put("acidic.stream.threads", "1");
        settings.put("acidic.processing.guarantee", guarantee);
        if (kafkaCommit) {
            settings.put("acidic.retry.max.delay", "5s");
        }
        settings.put("acidic.retry.initial.delay", kafkaCommit ? "5s" : "100ms");
        try (Harness h = new Harness("b-" + point.spec(), settings)) {
            List<String> keys = new ArrayList<>();
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            try (ChildProcessor doomed = ChildProcessor.start(h.config, "boundary",
                    Map.of("ACIDIC_FAULTS", point.spec() + "=halt@" + hit))) {
                doomed.awaitReady(Duration.ofSeconds(60));
                h.events();
                h.completions();
                for (int i = 0; i < JOBS; i++) {
                    String key = h.key("job" + i);
                    keys.add(key);
                    answers.add(h.client().submit(key, JobRequest.of("test.flaky", Map.of("failTimes", 1, "failStep", "second"))));
                }
                assertEquals(86, doomed.awaitExit(Duration.ofSeconds(60)), "halted at " + point.spec() + "@" + hit);
                assertTrue(doomed.output().contains("halting at " + point.spec()));
                if (kafkaCommit) {
                    assertACommittedRequestIsUnfinished(h, keys);
                }
            }
            try (ChildProcessor survivor = ChildProcessor.start(h.config, "boundary", Map.of())) {
                survivor.awaitReady(Duration.ofSeconds(60));
                for (CompletableFuture<Completion> a : answers) {
                    assertEquals(CompletionStatus.SUCCEEDED, a.get(60, TimeUnit.SECONDS).status());
                }
                for (String key : keys) {
                    h.events().await(rs -> h.eventsOf(key).stream().anyMatch(e -> e.type().isTerminal()), Duration.ofSeconds(30),
                            "terminal event of " + key);
                    h.completions().await(rs -> !h.completionsOf(key).isEmpty(), Duration.ofSeconds(30), "completion of " + key);
                }
                Thread.sleep(500); // time for a duplicate to show up, if one were coming
                for (String key : keys) {
                    assertEquals(List.of("first", "second", "third"), h.effects(key), "committed effects of " + key + " exactly once");
                    assertEvents(h, key, eos);
                    List<Completion> completions = h.completionsOf(key);
                    if (eos) {
                        assertEquals(1, completions.size(), "one completion per request for " + key + ": " + completions);
                    }
                    assertTrue(completions.stream().allMatch(c -> c.equals(completions.get(0))), "repeats are identical: " + completions);
                    assertFalse(completions.get(0).replay());
                }
            }
        }
    }

    /**
     * The offsets the halted JVM committed cover some request whose job is still running in
     * Postgres: Kafka will not deliver it again, so only what was committed lets the survivor finish it.
     */
    private static void assertACommittedRequestIsUnfinished(Harness h, List<String> keys) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, h.infra.kafka.bootstrapServers());
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Admin admin = Admin.create(p)) {
            // stable: under exactly-once, wait for the committed transaction's offsets to be written
            committed = admin.listConsumerGroupOffsets(h.config.applicationId(), new ListConsumerGroupOffsetsOptions().requireStable(true))
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        }
        h.requests().await(rs -> keys.stream().allMatch(k -> rs.stream().anyMatch(r -> k.equals(r.key()))),
                Duration.ofSeconds(30), "the requests");
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : h.requests().records()) {
            OffsetAndMetadata c = committed.get(new TopicPartition(r.topic(), r.partition()));
            if (keys.contains(r.key()) && c != null && c.offset() > r.offset()) {
                Map<String, Object> row = h.keyRow(r.key());
                if (row != null && "RUNNING".equals(row.get("status"))) {
                    return;
                }
                seen.add(r.key() + "=" + row);
            }
        }
        fail("halted after a Kafka commit, but no request it committed has a job left unfinished: " + seen
                + "; committed " + committed);
    }

    private static void assertEvents(Harness h, String key, boolean eos) {
        Map<Long, List<JobEvent>> bySeq = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : h.events().records()) {
            if (key.equals(r.key())) {
                JobEvent e = JobEvent.decode(r.value());
                bySeq.computeIfAbsent(e.seq(), s -> new ArrayList<>()).add(e);
            }
        }
        long expected = 1;
        Map<EventType, Integer> types = new HashMap<>();
        for (var entry : bySeq.entrySet()) {
            assertEquals(expected++, entry.getKey(), "contiguous seqs for " + key + ": " + bySeq.keySet());
            List<JobEvent> copies = entry.getValue();
            if (eos) {
                assertEquals(1, copies.size(), "(key, seq) once under exactly-once: " + copies);
            }
            assertTrue(copies.stream().allMatch(c -> c.equals(copies.get(0))), "duplicates only as identical repeats: " + copies);
            types.merge(copies.get(0).type(), 1, Integer::sum);
        }
        assertEquals(1, types.get(EventType.ACCEPTED));
        assertEquals(3, types.get(EventType.RECOVERY_POINT));
        assertEquals(1, types.get(EventType.STEP_FAILED));
        assertEquals(1, types.get(EventType.SUCCEEDED));
    }
}
