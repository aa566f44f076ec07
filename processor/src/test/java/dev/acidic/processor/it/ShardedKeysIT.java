package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.store.JobFilter;
import dev.acidic.processor.internal.store.JobPage;
import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.store.JobStats;
import dev.acidic.processor.internal.store.JobSummary;
import dev.acidic.processor.internal.store.PageCursor;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keys sharded over two Postgres databases by partition (acidic.jdbc.shards, docs/SCALING.md):
 * 4 partitions, partition p in database p mod 2. Requests come through Kafka's default
 * partitioner and, for some keys, to a wrong partition on purpose (another partitioner); the
 * processor JVM is halted in the middle of their phases and a new one finishes them. Every key
 * then lives in its partition's database alone, its steps ran once there, its events are
 * contiguous and it has one completion; timers and signals work on both databases; a child
 * outside its parent's database is refused; a processor given the databases in another order
 * refuses to start.
 */
class ShardedKeysIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int PARTITIONS = 4;
    private static final int ROUTED = 120;
    private static final int MISROUTED = 30;
    private static String url0;
    private static String url1;
    private static HikariDataSource db0;
    private static HikariDataSource db1;
    private static Harness h;

    @BeforeAll
    static void databases() throws SQLException {
        TestInfra infra = TestInfra.get();
        url0 = infra.createDatabase("shard0");
        url1 = infra.createDatabase("shard1");
        db0 = infra.pool(url0, 2);
        db1 = infra.pool(url1, 2);
        h = new Harness("sharded", Map.of(AcidicConfig.JDBC_URL, url0, AcidicConfig.JDBC_SHARDS, url1,
                AcidicConfig.PARTITIONS, Integer.toString(PARTITIONS)));
    }

    @AfterAll
    static void close() {
        h.close();
        db0.close();
        db1.close();
    }

    static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private static HikariDataSource databaseOf(String key) {
        return partitionOf(key) % 2 == 0 ? db0 : db1;
    }

    private static HikariDataSource otherDatabase(String key) {
        return databaseOf(key) == db0 ? db1 : db0;
    }

    /** The key's row in {@code db}: its home partition, or null when the key is not there. */
    private static Integer homeIn(HikariDataSource db, String key) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT kafka_partition FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, h.infra.kafka.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends {@code value} to a partition that is not the key's (as a producer with another partitioner would). */
    private static void sendMisrouted(KafkaProducer<String, byte[]> producer, String key, byte[] value) throws Exception {
        int wrong = (partitionOf(key) + 1) % PARTITIONS;
        producer.send(new ProducerRecord<>(h.config.requestsTopic(), wrong, key, value)).get();
    }

    @Test
    void keysSplitByPartitionOverTwoDatabasesSurviveAKillAndRunOnceEach() throws Exception {
        List<String> keys = new ArrayList<>();
        try (ChildProcessor doomed = ChildProcessor.start(h.config, "sharded",
                Map.of(Faults.ENV, Faults.Point.AFTER_PHASE_COMMIT.spec() + "=halt@40"));
                KafkaProducer<String, byte[]> producer = producer()) {
            doomed.awaitReady(Duration.ofSeconds(60));
            h.completions();
            h.events();
            for (int i = 0; i < ROUTED + MISROUTED; i++) {
                String key = h.key("k" + i);
                keys.add(key);
                byte[] request = JobRequest.of("test.three-steps", Map.of("n", i)).encode();
                if (i < ROUTED) {
                    h.client().send(key, request).get();
                } else {
                    sendMisrouted(producer, key, request);
                }
            }
            assertEquals(86, doomed.awaitExit(WAIT), "the processor halted at the 40th phase commit");
        }
        long before = h.completions().records().size();
        try (ChildProcessor survivor = ChildProcessor.start(h.config, "sharded", Map.of())) {
            survivor.awaitReady(Duration.ofSeconds(60));
            h.completions().await(rs -> keys.stream().allMatch(k -> !h.completionsOf(k).isEmpty()), WAIT, "every key's completion");
        }
        int inZero = 0;
        for (String key : keys) {
            assertEquals(partitionOf(key), homeIn(databaseOf(key), key), key + " lives in its partition's database, homed there");
            assertEquals(null, homeIn(otherDatabase(key), key), key + " is in no other database");
            assertEquals(List.of("first", "second", "third"), TestJobs.effects(databaseOf(key), key), "the steps of " + key + " ran once");
            assertEquals(List.of(), TestJobs.effects(otherDatabase(key), key), key + " wrote nothing in the other database");
            List<Completion> cs = h.completionsOf(key);
            assertEquals(1, cs.size(), "one completion of " + key + ": " + cs);
            assertEquals(CompletionStatus.SUCCEEDED, cs.get(0).status(), cs.get(0).toString());
            ChildJobsIT.assertContiguous(h, key);
            inZero += databaseOf(key) == db0 ? 1 : 0;
        }
        assertTrue(inZero > 0 && inZero < keys.size(), "both databases hold keys: " + inZero + " of " + keys.size() + " in database 0");
        assertTheOperatorsViewsSpanBothDatabases(keys);
        System.out.printf("sharded: %d keys in database 0, %d in database 1; %d completions were out before the kill%n", inZero,
                keys.size() - inZero, before);
    }

    /** The jobs list pages through both databases newest first; a job is shown from its own; counts add up. */
    private static void assertTheOperatorsViewsSpanBothDatabases(List<String> keys) throws SQLException {
        JobQueries queries = new JobQueries(List.of(db0, db1));
        List<JobSummary> listed = new ArrayList<>();
        PageCursor next = null;
        do {
            JobPage page = queries.list(new JobFilter(Set.of("SUCCEEDED"), "test.three-steps", null, next, 40));
            listed.addAll(page.jobs());
            next = page.next();
        } while (next != null);
        assertEquals(Set.copyOf(keys), listed.stream().map(JobSummary::key).collect(Collectors.toSet()), "every key listed");
        assertEquals(keys.size(), listed.size(), "each once");
        for (int i = 1; i < listed.size(); i++) {
            assertTrue(!listed.get(i).createdAt().isAfter(listed.get(i - 1).createdAt()), "newest first, across databases");
        }
        for (String key : List.of(keys.get(0), keys.get(keys.size() - 1))) {
            assertEquals(Integer.valueOf(partitionOf(key)), queries.detail(key).orElseThrow().partition(), key + " shown from its database");
        }
        assertEquals(keys.size(), queries.stats().counts().stream()
                .filter(c -> c.job().equals("test.three-steps") && c.status().equals("SUCCEEDED")).mapToLong(JobStats.Count::count).sum());
    }

    @Test
    void timersSignalsAndRefusalsWorkOnEachDatabase() throws Exception {
        AcidicProcessor p = h.start("sharded-lifecycle");
        try (KafkaProducer<String, byte[]> producer = producer()) {
            List<String> approvals = new ArrayList<>();
            List<String> waits = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                approvals.add(h.key("approval" + i));
                waits.add(h.key("wait" + i));
                h.client().send(approvals.get(i), JobRequest.of("test.approval", Map.of()).encode()).get();
                h.client().send(waits.get(i), JobRequest.of("test.waiting", Map.of("waitMs", 300)).encode()).get();
            }
            h.events().await(rs -> approvals.stream().allMatch(k -> h.eventsOf(k).stream()
                    .anyMatch(e -> e.type() == dev.acidic.api.EventType.WAITING)), WAIT, "every approval waiting for its signal");
            for (String key : approvals) {
                // a signal from a producer with another partitioner still reaches the job's own database
                sendMisrouted(producer, key, JobCommand.signal("approved", Map.of("by", key)).encode());
            }
            List<String> all = new ArrayList<>(approvals);
            all.addAll(waits);
            h.completions().await(rs -> all.stream().allMatch(k -> !h.completionsOf(k).isEmpty()), WAIT, "every job's completion");
            for (String key : approvals) {
                Completion c = h.completionsOf(key).get(0);
                assertEquals(CompletionStatus.SUCCEEDED, c.status(), c.toString());
                assertEquals(key, c.result().path("approved").path("by").asText(), "the signal's payload reached " + key);
                assertEquals(List.of("prepare", "ask", "act"), TestJobs.effects(databaseOf(key), key));
            }
            for (String key : waits) {
                assertEquals(CompletionStatus.SUCCEEDED, h.completionsOf(key).get(0).status());
                assertEquals(List.of("before", "after"), TestJobs.effects(databaseOf(key), key));
                assertEquals(null, homeIn(otherDatabase(key), key));
            }
            // children in the parent's database: spawned, waited for, woken through "any", gathered
            String family = parentWithChildrenAtHome();
            Completion gathered = h.client().submit(family, JobRequest.of("test.fanout", Map.of("children", 3)))
                    .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, gathered.status(), gathered.toString());
            assertEquals(3, gathered.result().path("succeeded").asInt(), gathered.toString());
            assertEquals(List.of("spawn", "gather"), TestJobs.effects(databaseOf(family), family));
            // the parent's wait counts its children in its own database: one elsewhere fails the job at once, staging nothing
            String parent = parentWithAChildElsewhere();
            Completion refused = h.client().submit(parent, JobRequest.of("test.fanout", Map.of("children", 6)))
                    .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(CompletionStatus.FAILED, refused.status(), refused.toString());
            assertNotNull(refused.error());
            assertEquals(1, refused.error().attempt(), "refused for good at the first attempt: " + refused);
            assertTrue(refused.error().message().contains("share a database"), refused.error().message());
            for (int i = 0; i < 6; i++) {
                String kid = ChildJobs.kidKey(parent, i);
                assertEquals(null, homeIn(db0, kid), "no child was staged");
                assertEquals(null, homeIn(db1, kid), "no child was staged");
            }
        } finally {
            p.close();
        }
    }

    /** A parent key whose three children live in its database. */
    private static String parentWithChildrenAtHome() {
        for (int i = 0; ; i++) {
            String parent = h.key("family" + i);
            boolean atHome = true;
            for (int k = 0; k < 3; k++) {
                atHome &= databaseOf(ChildJobs.kidKey(parent, k)) == databaseOf(parent);
            }
            if (atHome) {
                return parent;
            }
        }
    }

    /** A parent key at least one of whose six children lives in the other database. */
    private static String parentWithAChildElsewhere() {
        for (int i = 0; ; i++) {
            String parent = h.key("parent" + i);
            for (int k = 0; k < 6; k++) {
                if (databaseOf(ChildJobs.kidKey(parent, k)) != databaseOf(parent)) {
                    return parent;
                }
            }
        }
    }

    @Test
    void aProcessorGivenTheDatabasesInAnotherOrderRefusesToStart() throws Exception {
        h.start("sharded-layout").close(); // fixes the layout, if no test did yet
        AcidicConfig swapped = h.config.with(Map.of(AcidicConfig.JDBC_URL, url1, AcidicConfig.JDBC_SHARDS, url0))
                .withInstanceId("sharded-swapped");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AcidicProcessor.builder(swapped)
                .discoverJobs(false).jobs(TestJobs.all()).build().start());
        assertTrue(e.getMessage().contains("same order"), e.getMessage());
        AcidicConfig unsharded = h.config.with(AcidicConfig.JDBC_SHARDS, "").withInstanceId("sharded-unsharded");
        e = assertThrows(IllegalStateException.class, () -> AcidicProcessor.builder(unsharded)
                .discoverJobs(false).jobs(TestJobs.all()).build().start());
        assertTrue(e.getMessage().contains("acidic.jdbc.shards is empty"), e.getMessage());
    }

    @Test
    void aRowHomedOffItsPartitionIsReportedInsteadOfForwardedInCircles() throws Exception {
        AcidicProcessor p = h.start("sharded-misplaced");
        try {
            String key = h.key("misplaced");
            int wrong = partitionOf(key) + 2 < PARTITIONS ? partitionOf(key) + 2 : partitionOf(key) - 2; // same database, other partition
            try (Connection c = databaseOf(key).getConnection();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO acidic_keys (idempotency_key, job_id, job, args,"
                            + " recovery_point, kafka_partition) VALUES (?, gen_random_uuid(), 'test.three-steps', '{\"n\":1}', 'first', ?)")) {
                ps.setString(1, key);
                ps.setInt(2, wrong);
                ps.executeUpdate();
            }
            Completion c = h.client().submit(key, JobRequest.of("test.three-steps", Map.of("n", 1)))
                    .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(Completion.PROCESSING_FAILED, c.reason(), c.toString());
            assertTrue(c.error().message().contains("set its kafka_partition to " + partitionOf(key)), c.error().message());
            assertEquals(List.of(), TestJobs.effects(databaseOf(key), key), "nothing ran");
            assertEquals(0, p.threadReplacements());
        } finally {
            p.close();
        }
    }

    @Test
    void databasesThatHoldUnshardedKeysAreNotShardedAndNoneIsMarked() throws Exception {
        TestInfra infra = TestInfra.get();
        String used = infra.createDatabase("unsharded");
        String empty = infra.createDatabase("empty");
        try (Harness plain = new Harness("unsharded", Map.of(AcidicConfig.JDBC_URL, used))) {
            plain.start();
            assertEquals(CompletionStatus.SUCCEEDED, plain.client().submitAndWait(plain.key("old"),
                    JobRequest.of("test.three-steps", Map.of("n", 1)), WAIT).status());
            AcidicConfig sharded = plain.config.with(Map.of(AcidicConfig.JDBC_URL, empty, AcidicConfig.JDBC_SHARDS, used))
                    .withInstanceId("unsharded-then-sharded");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> AcidicProcessor.builder(sharded)
                    .discoverJobs(false).jobs(TestJobs.all()).build().start());
            assertTrue(e.getMessage().contains("database 1 of 2 already holds keys placed without sharding"), e.getMessage());
        }
        try (HikariDataSource db = infra.pool(empty, 2); Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM acidic_shard_layout"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the refusal left database 0 unmarked, free to be used unsharded");
        }
    }

    @Test
    void theCommandLineWorksOnEveryDatabase() throws Exception {
        AcidicProcessor p = h.start("sharded-cli");
        String inZero = null;
        String inOne = null;
        for (int i = 0; inZero == null || inOne == null; i++) {
            String key = h.key("cli" + i);
            if (databaseOf(key) == db0 && inZero == null) {
                inZero = key;
            } else if (databaseOf(key) == db1 && inOne == null) {
                inOne = key;
            }
        }
        try {
            for (String key : List.of(inZero, inOne)) {
                // a job the other tests of this class do not count
                assertEquals(CompletionStatus.SUCCEEDED, h.client().submitAndWait(key, JobRequest.of("test.child", Map.of()), WAIT).status());
            }
        } finally {
            p.close();
        }
        Map<String, String> env = Map.of("ACIDIC_JDBC_URL", url0, "ACIDIC_JDBC_SHARDS", url1, "ACIDIC_JDBC_USER",
                h.infra.postgres.user(), "ACIDIC_JDBC_PASSWORD", h.infra.postgres.password());
        for (String key : List.of(inZero, inOne)) {
            CliRun show = CliRun.of(env, "jobs", "show", key, "-o", "json");
            assertEquals(0, show.rc(), show.toString());
            assertEquals(partitionOf(key), show.json().path("partition").asInt(-1), key + " shown from its database: " + show);
        }
        CliRun reap = CliRun.of(env, "reap", "--older-than", "1h", "--dry-run", "-o", "jsonl");
        assertEquals(0, reap.rc(), reap.toString());
        List<Integer> databases = reap.out().lines().map(l -> dev.acidic.api.Wire.parse(l).path("database").asInt(-1)).toList();
        assertEquals(List.of(0, 1), databases, "one report per database: " + reap);
        CliRun migrate = CliRun.of(env, "migrate");
        assertEquals(0, migrate.rc(), migrate.toString());
        assertTrue(migrate.out().contains("database 0 of 2: applied 0 migration(s)") && migrate.out().contains("database 1 of 2: applied 0"),
                migrate.out());
    }
}
