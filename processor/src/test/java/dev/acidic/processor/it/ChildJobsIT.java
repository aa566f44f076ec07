package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * Child jobs against real Kafka and Postgres: a parent spawns children in a phase, waits for all
 * of them, and its next step reads their outcomes; each child's end drives the parent, through the
 * parent's home task wherever that is. (The completer's part, waking a parent whose last child's
 * drive never came, is in {@link CompleterIT}.)
 */
class ChildJobsIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    static List<EventType> types(Harness h, String key) {
        return h.eventsOf(key).stream().map(JobEvent::type).toList();
    }

    static void assertContiguous(Harness h, String key) {
        List<Long> seqs = h.eventsOf(key).stream().map(JobEvent::seq).toList();
        assertEquals(LongStream.rangeClosed(1, seqs.size()).boxed().toList(), seqs, "each event of " + key + " once, in order");
    }

    /** Every child ran each of its steps once (a failed one committed none) and has one non-replay completion. */
    static void assertEachChildOnce(Harness h, String parent, int n, List<Integer> failed) throws Exception {
        for (int i = 0; i < n; i++) {
            String kid = ChildJobs.kidKey(parent, i);
            List<String> expected = failed.contains(i) ? List.of() : List.of("work", "done"); // a failed step's writes roll back
            assertEquals(expected, h.effects(kid), "the steps of " + kid + " ran once each");
            int fi = i;
            h.completions().await(rs -> !h.completionsOf(ChildJobs.kidKey(parent, fi)).isEmpty(), WAIT, "the completion of " + kid);
        }
        Thread.sleep(300); // time for a duplicate to show up, if one were coming
        for (int i = 0; i < n; i++) {
            String kid = ChildJobs.kidKey(parent, i);
            assertEquals(1, h.completionsOf(kid).stream().filter(c -> !c.replay()).count(), "one completion of " + kid);
        }
    }

    @Test
    void aParentFansOutAndGoesOnOnceWhenEveryChildHasEndedReadingTheirOutcomes() throws Exception {
        try (Harness h = new Harness("children", Map.of())) {
            h.start();
            String parent = h.key("parent");
            int n = 20;
            Completion c = h.client().submit(parent, JobRequest.of("test.fanout", Map.of("children", n, "fail", List.of(3, 11))))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, c.status(), c.toString());
            JsonNode r = c.result();
            assertEquals(n, r.path("count").asInt(), "every child is reported: " + r);
            assertEquals(18, r.path("succeeded").asInt());
            assertEquals(2, r.path("failed").asInt());
            long sum = IntStream.range(0, n).filter(i -> i != 3 && i != 11).mapToLong(i -> (long) i * i).sum();
            assertEquals(sum, r.path("sum").asLong(), "each succeeded child's result");
            List<String> keys = new ArrayList<>();
            r.path("keys").forEach(k -> keys.add(k.asText()));
            assertEquals(IntStream.range(0, n).mapToObj(i -> ChildJobs.kidKey(parent, i)).toList(), keys, "in spawn order");
            assertEquals(List.of("spawn", "gather"), h.effects(parent), "the parent's steps ran once each");
            assertEachChildOnce(h, parent, n, List.of(3, 11));

            h.events().await(rs -> types(h, parent).contains(EventType.SUCCEEDED), WAIT, "the parent's events");
            List<EventType> types = types(h, parent);
            assertEquals(n, types.stream().filter(t -> t == EventType.CHILD_SPAWNED).count(), types.toString());
            assertEquals(1, types.stream().filter(t -> t == EventType.WAITING).count(), types.toString());
            assertEquals(1, types.stream().filter(t -> t == EventType.CHILDREN_DONE).count(), types.toString());
            assertTrue(types.indexOf(EventType.WAITING) < types.indexOf(EventType.CHILDREN_DONE), types.toString());
            JobEvent waiting = h.eventsOf(parent).get(types.indexOf(EventType.WAITING));
            assertEquals("children", waiting.detail().path("for").asText(), waiting.toString());
            assertEquals(n, waiting.detail().path("children").asInt(), waiting.toString());
            assertContiguous(h, parent);
            Map<String, Object> kidRow = h.keyRow(ChildJobs.kidKey(parent, 0));
            assertEquals("SUCCEEDED", kidRow.get("status"));
        }
    }

    @Test
    void aWaitForNoChildrenEndsAtOnceWithoutReleasingTheKey() throws Exception {
        try (Harness h = new Harness("no-children", Map.of())) {
            h.start();
            String parent = h.key("alone");
            Completion c = h.client().submit(parent, JobRequest.of("test.fanout", Map.of("children", 0)))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(0, c.result().path("count").asInt(), c.toString());
            h.events().await(rs -> types(h, parent).contains(EventType.SUCCEEDED), WAIT, "the parent's events");
            assertEquals(List.of(EventType.ACCEPTED, EventType.RECOVERY_POINT, EventType.CHILDREN_DONE, EventType.RECOVERY_POINT,
                    EventType.SUCCEEDED), types(h, parent));
        }
    }

    @Test
    void aCancelledChildEndsTheWaitAndItsParentSeesItCancelled() throws Exception {
        try (Harness h = new Harness("child-cancel", Map.of())) {
            h.start();
            String parent = h.key("parent");
            CompletableFuture<Completion> done = h.client().submit(parent, JobRequest.of("test.fanout",
                    Map.of("children", 3, "halt", List.of(1))));
            String halted = ChildJobs.kidKey(parent, 1);
            h.events().await(rs -> types(h, halted).contains(EventType.HALTED), WAIT, "the halted child");
            h.completions().await(rs -> !h.completionsOf(ChildJobs.kidKey(parent, 2)).isEmpty(), WAIT, "the other children");
            Thread.sleep(500);
            assertFalse(done.isDone(), "the parent waits for the halted child");
            h.client().send(halted, JobCommand.cancel("not needed")).get();
            Completion c = done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(3, c.result().path("count").asInt(), c.toString());
            assertEquals(1, c.result().path("cancelled").asInt(), c.toString());
            assertEquals(2, c.result().path("succeeded").asInt(), c.toString());
        }
    }

    @Test
    void aParentHomedOnAnotherPartitionThanItsKeysDefaultIsWokenThroughItsHome() throws Exception {
        try (Harness h = new Harness("child-home", Map.of())) {
            h.start();
            String parent = h.key("elsewhere");
            byte[] keyBytes = parent.getBytes(StandardCharsets.UTF_8);
            int partitions = h.config.partitions();
            int byDefault = Utils.toPositive(Utils.murmur2(keyBytes)) % partitions;
            int home = (byDefault + 1) % partitions; // as a producer with another partitioner would put it
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, h.infra.kafka.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(h.config.requestsTopic(), home, keyBytes,
                        JobRequest.of("test.fanout", Map.of("children", 4)).encode())).get();
            }
            h.completions().await(rs -> !h.completionsOf(parent).isEmpty(), WAIT, "the parent's completion");
            Completion c = h.completionsOf(parent).get(0);
            assertEquals(CompletionStatus.SUCCEEDED, c.status(), c.toString());
            assertEquals(4, c.result().path("succeeded").asInt(), c.toString());
            try (Connection conn = h.infra.db.getConnection();
                    PreparedStatement ps = conn.prepareStatement("SELECT kafka_partition FROM acidic_keys WHERE idempotency_key = ?")) {
                ps.setString(1, parent);
                try (var rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(home, rs.getInt(1), "the parent lives where its request came in");
                }
            }
            assertEquals(List.of("spawn", "gather"), h.effects(parent));
            assertEachChildOnce(h, parent, 4, List.of());
            h.events().await(rs -> types(h, parent).contains(EventType.SUCCEEDED), WAIT, "the parent's events");
            assertContiguous(h, parent);
        }
    }

    @Test
    void spawningAJobTheProcessorDoesNotRunFailsTheStepAndLeavesNoChildBehind() throws Exception {
        try (Harness h = new Harness("child-unknown", Map.of())) {
            h.start();
            String parent = h.key("parent");
            Completion c = h.client().submit(parent, JobRequest.of("test.fanout", Map.of("children", 2, "childJob", "no.such.job")))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(CompletionStatus.FAILED, c.status(), c.toString());
            assertTrue(c.error().message().contains("'no.such.job'") && c.error().message().contains("does not run"), c.toString());
            assertEquals(List.of(), h.effects(parent), "each attempt rolled back");
            assertEquals(null, h.keyRow(ChildJobs.kidKey(parent, 0)), "no child was staged");
            h.events().await(rs -> types(h, parent).contains(EventType.FAILED), WAIT, "the parent's events");
            assertFalse(types(h, parent).contains(EventType.CHILD_SPAWNED), types(h, parent).toString());
        }
    }
}
