package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * One key, one owner task, whatever the producer: a key's journal is published by the cursor of
 * its home task only (the partition that created it), so no event, completion or staged job goes
 * out twice and {@code seq} never repeats, not when a key reaches several partitions (another
 * partitioner, an explicit partition, partitions added), and not when a key is deleted and used
 * again.
 */
class OneKeyOneCursorIT {

    private static int murmur2(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static KafkaProducer<byte[], byte[]> producer(Harness h) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, h.config.bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends a request to an explicit partition, as a producer with another partitioner would. */
    private static void send(KafkaProducer<byte[], byte[]> producer, Harness h, int partition, String key, JobRequest request)
            throws Exception {
        producer.send(new ProducerRecord<>(h.config.requestsTopic(), partition, key.getBytes(StandardCharsets.UTF_8),
                request.encode())).get();
    }

    /** Every event of {@code key} once, seqs {@code from..to} in order. */
    private static void assertOneEventStream(Harness h, String key, long from, long to) throws InterruptedException {
        h.events().await(rs -> h.eventsOf(key).size() >= to - from + 1, Duration.ofSeconds(30), "the events of " + key);
        List<JobEvent> events = h.eventsOf(key);
        assertEquals(LongStream.rangeClosed(from, to).boxed().toList(), events.stream().map(JobEvent::seq).toList(),
                "one event stream of " + key + ", each seq once: " + events);
    }

    private static Integer homeOf(Harness h, String key) throws Exception {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT kafka_partition FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, Integer.class) : null;
            }
        }
    }

    @Test
    void aKeySentToSeveralPartitionsHasOneEventStreamAndOneCompletion() throws Exception {
        try (Harness h = new Harness("home", Map.of()); KafkaProducer<byte[], byte[]> producer = producer(h)) {
            h.start();
            int n = h.config.partitions();
            List<String> finished = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String key = h.key("done-" + i);
                finished.add(key);
                JobRequest req = JobRequest.of("test.three-steps", Map.of("n", i));
                int first = (murmur2(key, n) + 1) % n; // not where a Java producer would send it
                send(producer, h, first, key, req);
                h.completions().await(rs -> h.completionsOf(key).size() == 1, Duration.ofSeconds(60), "completion of " + key);
                assertEquals(first, homeOf(h, key), "the key's home is the partition that created it");
                send(producer, h, murmur2(key, n), key, req); // the same request from a Java producer
                send(producer, h, (first + 2) % n, key, req); // and from an explicit partition
            }
            // a key in flight, its request reaching two tasks at once
            String inFlight = h.key("in-flight");
            JobRequest slow = JobRequest.of("test.slow", Map.of("sleepMs", 1500));
            send(producer, h, 0, inFlight, slow);
            send(producer, h, 1, inFlight, slow);

            for (String key : finished) {
                h.completions().await(rs -> h.completionsOf(key).size() == 3, Duration.ofSeconds(60), "replays of " + key);
            }
            h.completions().await(rs -> !h.completionsOf(inFlight).isEmpty(), Duration.ofSeconds(60), "completion of " + inFlight);
            Thread.sleep(1_000); // time for a duplicate to show up, if one were coming
            for (String key : finished) {
                List<Completion> cs = h.completionsOf(key);
                assertEquals(3, cs.size(), cs.toString());
                assertFalse(cs.get(0).replay());
                assertTrue(cs.get(1).replay() && cs.get(2).replay(), "the later requests get the stored outcome: " + cs);
                assertTrue(cs.stream().allMatch(c -> c.status() == CompletionStatus.SUCCEEDED));
                assertOneEventStream(h, key, 1, 5);
                assertEquals(List.of("first", "second", "third"), h.effects(key));
            }
            // the copy that reached the other task is forwarded home: absorbed while the job runs (the
            // job's completion answers it), or answered as a replay if the job finished first
            List<Completion> cs = h.completionsOf(inFlight);
            assertEquals(1, cs.stream().filter(c -> !c.replay()).count(), "one job, one completion: " + cs);
            assertFalse(cs.get(0).replay());
            assertTrue(cs.size() <= 2 && cs.stream().allMatch(c -> c.status() == CompletionStatus.SUCCEEDED), cs.toString());
            assertOneEventStream(h, inFlight, 1, 5);
            assertEquals(0, h.processors().get(0).threadReplacements());
        }
    }

    @Test
    void aDeletedKeyUsedAgainContinuesItsSeqSoKeyAndSeqNeverRepeat() throws Exception {
        try (Harness h = new Harness("reuse", Map.of())) {
            h.start();
            String key = h.key("reused");
            assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(key, JobRequest.of("test.three-steps", Map.of("n", 1)))
                    .get(60, TimeUnit.SECONDS).status());
            try (Connection c = h.infra.db.getConnection()) { // the README's retention advice, by hand
                for (String table : List.of("acidic_journal", "acidic_values", "acidic_staged", "acidic_keys")) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE idempotency_key = ?")) {
                        ps.setString(1, key);
                        ps.executeUpdate();
                    }
                }
            }
            Completion again = h.client().submit(key, JobRequest.of("test.three-steps", Map.of("n", 2))).get(60, TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, again.status());
            assertFalse(again.replay(), "a new job under the key");
            h.events().await(rs -> h.eventsOf(key).size() == 10, Duration.ofSeconds(30), "both jobs' events");
            assertOneEventStream(h, key, 1, 10);
            JobEvent accepted = h.eventsOf(key).get(5);
            assertEquals(EventType.ACCEPTED, accepted.type());
            assertEquals(6, accepted.seq(), "the new job continues after the deleted one's last seq");
            assertEquals(6L + 4, h.keyRow(key).get("last_seq"));
        }
    }

    /**
     * The procedure for adding partitions: stop, add partitions to the requests topic, start. The
     * processor grows the continuations topic to match; keys created before keep their home, and
     * requests for them that now land elsewhere are forwarded there.
     */
    @Test
    void partitionsAddedToTheRequestsTopicKeysKeepTheirHome() throws Exception {
        try (Harness h = new Harness("grow", Map.of(AcidicConfig.PARTITIONS, "2"))) {
            AcidicProcessor first = h.start();
            List<String> keys = new ArrayList<>();
            Map<String, Integer> homes = new HashMap<>();
            for (int i = 0; i < 12; i++) {
                String key = h.key("k" + i);
                keys.add(key);
                assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(key, JobRequest.of("test.three-steps", Map.of("n", i)))
                        .get(60, TimeUnit.SECONDS).status());
                homes.put(key, homeOf(h, key));
            }
            first.close();
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, h.config.bootstrapServers());
            try (Admin admin = Admin.create(p)) {
                admin.createPartitions(Map.of(h.config.requestsTopic(), NewPartitions.increaseTo(6))).all().get();
                h.start(h.config.instanceId() + "-after");
                assertEquals(6, admin.describeTopics(Set.of(h.config.continuationsTopic())).allTopicNames().get()
                        .get(h.config.continuationsTopic()).partitions().size(), "the continuations topic grew to match");
            }
            long moved = keys.stream().filter(k -> murmur2(k, 6) != homes.get(k)).count();
            assertTrue(moved > 0, "some keys now hash to another partition");
            // a client started now sees six partitions
            try (JobClient client = JobClient.builder(h.config.bootstrapServers()).requestsTopic(h.config.requestsTopic())
                    .completionsTopic(h.config.completionsTopic()).build()) {
                for (String key : keys) {
                    Completion c = client.submit(key, JobRequest.of("test.three-steps", Map.of("n", keys.indexOf(key))))
                            .get(60, TimeUnit.SECONDS);
                    assertTrue(c.replay(), "answered by the home task from the stored outcome: " + c);
                    assertEquals(homes.get(key), homeOf(h, key), "the home did not move");
                }
                String fresh = h.key("fresh");
                assertEquals(CompletionStatus.SUCCEEDED, client.submit(fresh, JobRequest.of("test.three-steps", Map.of("n", 99)))
                        .get(60, TimeUnit.SECONDS).status());
                assertEquals(murmur2(fresh, 6), homeOf(h, fresh));
            }
            Thread.sleep(500); // time for a duplicate to show up, if one were coming
            for (String key : keys) {
                assertOneEventStream(h, key, 1, 5);
                h.completions().await(rs -> h.completionsOf(key).size() >= 2, Duration.ofSeconds(30), "completions of " + key);
                assertEquals(1, h.completionsOf(key).stream().filter(c -> !c.replay()).count(), "one job, one completion");
            }
            assertEquals(0, h.processors().get(1).threadReplacements());
        }
    }

    /**
     * Partitions added while a processor runs: its Streams client meets them at its next metadata
     * refresh, finds its changelogs short, and the processor grows them and goes on; keys keep
     * their home, new keys take the new partitions.
     */
    @Test
    void partitionsAddedWhileAProcessorRunsAreTakenUp() throws Exception {
        try (Harness h = new Harness("grow-live", Map.of(AcidicConfig.PARTITIONS, "2", "acidic.kafka.metadata.max.age.ms", "500"))) {
            AcidicProcessor p = h.start();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                keys.add(h.key("k" + i));
                assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(keys.get(i), JobRequest.of("test.three-steps",
                        Map.of("n", i))).get(60, TimeUnit.SECONDS).status());
            }
            Properties props = new Properties();
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, h.config.bootstrapServers());
            try (Admin admin = Admin.create(props)) {
                admin.createPartitions(Map.of(h.config.requestsTopic(), NewPartitions.increaseTo(4))).all().get();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (admin.describeTopics(Set.of(h.config.continuationsTopic())).allTopicNames().get()
                        .get(h.config.continuationsTopic()).partitions().size() < 4) {
                    assertTrue(System.nanoTime() < deadline, "the running processor grew its internal topics");
                    Thread.sleep(200);
                }
            }
            try (JobClient client = JobClient.builder(h.config.bootstrapServers()).requestsTopic(h.config.requestsTopic())
                    .completionsTopic(h.config.completionsTopic()).build()) {
                for (String key : keys) {
                    assertTrue(client.submit(key, JobRequest.of("test.three-steps", Map.of("n", keys.indexOf(key))))
                            .get(90, TimeUnit.SECONDS).replay());
                }
                for (int i = 0; i < 8; i++) {
                    String fresh = h.key("fresh-" + i);
                    assertEquals(CompletionStatus.SUCCEEDED, client.submit(fresh, JobRequest.of("test.three-steps", Map.of("n", i)))
                            .get(60, TimeUnit.SECONDS).status());
                    assertEquals(murmur2(fresh, 4), homeOf(h, fresh));
                }
            }
            for (String key : keys) {
                assertOneEventStream(h, key, 1, 5);
            }
            assertEquals(org.apache.kafka.streams.KafkaStreams.State.RUNNING, p.state());
        }
    }
}
