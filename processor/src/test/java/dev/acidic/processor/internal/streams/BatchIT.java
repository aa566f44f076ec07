package dev.acidic.processor.internal.streams;

import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.engine.Engine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.it.TestInfra;
import dev.acidic.processor.it.TestJobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Batching: requests wait in the pending store for the linger (or a full batch), then their phases
 * share Postgres transactions, one commit per round, while each key keeps its own semantics.
 * Topology test driver + real Postgres.
 */
class BatchIT {
    private final TestInfra infra = TestInfra.get();
    private String prefix;
    private Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> requests;
    private TestOutputTopic<byte[], byte[]> completions;
    private TestOutputTopic<byte[], byte[]> events;

    @BeforeEach
    void setUp() {
        prefix = "batch-" + UUID.randomUUID().toString().substring(0, 8);
        stateDir = Path.of("target", "test-state", prefix).toAbsolutePath();
        open(64, "1h");
    }

    /**
     * A linger of an hour keeps requests pending (the stream thread is never idle that long) until
     * the test advances the wall clock past it.
     */
    private void open(int batchMax, String linger) {
        open(batchMax, linger, Map.of());
    }

    private void open(int batchMax, String linger, Map<String, String> more) {
        AcidicConfig cfg = AcidicConfig.defaults().withApplicationId(prefix).withInstanceId(prefix).withStateDir(stateDir)
                .with(AcidicConfig.BATCH_MAX, Integer.toString(batchMax)).with(AcidicConfig.BATCH_LINGER, linger)
                .with(AcidicConfig.COMPLETER_IDLE, "0") // the shared Postgres holds other tests' unfinished keys
                .with(AcidicConfig.RETENTION, "0"); // and finished ones
        for (var e : more.entrySet()) {
            cfg = cfg.with(e.getKey(), e.getValue());
        }
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(AcidicTopology.build(cfg, new JobRegistry(TestJobs.all()), infra.db), p);
        var ser = new ByteArraySerializer();
        var de = new ByteArrayDeserializer();
        requests = driver.createInputTopic(cfg.requestsTopic(), ser, ser);
        completions = driver.createOutputTopic(cfg.completionsTopic(), de, de);
        events = driver.createOutputTopic(cfg.eventsTopic(), de, de);
        // this (test) thread plays the stream thread: as if it had just driven, so requests wait for the linger
        PendingBatch.markThreadBusy();
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private void submit(String key, String job, Map<String, Object> args) {
        requests.pipeInput(key.getBytes(StandardCharsets.UTF_8), JobRequest.of(job, args).encode());
    }

    private long count(String sql) throws Exception {
        try (Connection c = infra.db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, prefix + ":%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void requestsWaitForTheLingerThenTheirPhasesShareOneTransactionPerRound() throws Exception {
        for (int i = 0; i < 5; i++) {
            submit(prefix + ":" + i, "test.three-steps", Map.of("n", i));
        }
        assertTrue(completions.isEmpty(), "nothing is driven before the linger passes");
        assertEquals(0, count("SELECT count(*) FROM acidic_keys WHERE idempotency_key LIKE ?"));

        driver.advanceWallClockTime(Duration.ofHours(1).plusSeconds(1));

        List<Completion> done = completions.readValuesToList().stream().map(Completion::decode).toList();
        assertEquals(5, done.size());
        assertTrue(done.stream().allMatch(c -> c.status() == CompletionStatus.SUCCEEDED));
        assertEquals(15, count("SELECT count(*) FROM test_effects WHERE idempotency_key LIKE ?"), "three effects per job");
        assertEquals(15, count("SELECT count(DISTINCT (idempotency_key, step)) FROM test_effects WHERE idempotency_key LIKE ?"));
        // the last round's update of every key committed in one transaction
        assertEquals(1, count("SELECT count(DISTINCT xmin::text) FROM acidic_keys WHERE idempotency_key LIKE ?"));
        List<JobEvent> ev = events.readValuesToList().stream().map(JobEvent::decode).toList();
        assertEquals(25, ev.size(), "ACCEPTED, three RECOVERY_POINTs and SUCCEEDED per job");
        assertEquals(5, ev.stream().filter(e -> e.type() == EventType.ACCEPTED && e.seq() == 1).count());
    }

    @Test
    void aFullBatchIsDrivenWithoutWaitingForTheLinger() throws Exception {
        driver.close();
        open(3, "1h");
        for (int i = 0; i < 3; i++) {
            submit(prefix + ":" + i, "test.three-steps", Map.of("n", i));
        }
        assertEquals(3, completions.readValuesToList().size(), "the third request filled the batch");
        assertEquals(9, count("SELECT count(*) FROM test_effects WHERE idempotency_key LIKE ?"));
    }

    @Test
    void aFailingStepInABatchCountsAgainstItsOwnKeyOnly() throws Exception {
        submit(prefix + ":a", "test.three-steps", Map.of("n", 1));
        submit(prefix + ":flaky", "test.flaky", Map.of("failTimes", 1, "failStep", "second"));
        submit(prefix + ":b", "test.three-steps", Map.of("n", 2));
        driver.advanceWallClockTime(Duration.ofHours(1).plusSeconds(1));
        Thread.sleep(1_300); // the retry is due by Postgres' clock after the 1 s backoff
        driver.advanceWallClockTime(Duration.ofSeconds(5));

        List<Completion> done = completions.readValuesToList().stream().map(Completion::decode).toList();
        assertEquals(3, done.size());
        assertTrue(done.stream().allMatch(c -> c.status() == CompletionStatus.SUCCEEDED));
        List<JobEvent> failed = events.readValuesToList().stream().map(JobEvent::decode)
                .filter(e -> e.type() == EventType.STEP_FAILED).toList();
        assertEquals(1, failed.size());
        assertEquals(prefix + ":flaky", failed.get(0).key());
        assertEquals(1, failed.get(0).attempt());
        assertEquals(9, count("SELECT count(*) FROM test_effects WHERE idempotency_key LIKE ?"),
                "the failed attempt's effect rolled back with it; every other effect once");
    }

    /**
     * The first step of a batch's first round hangs and swallows interrupts: its round is given up
     * at the limit, its key claimed and the attempt counted without running it again, the other key
     * runs alone, and the given-up work, once the step finally returns, runs no other key's step.
     */
    @Test
    void aStepPastTheLimitInTheClaimRoundIsCountedOnceAndItsRoundRunsNoFurther() throws Exception {
        driver.close();
        open(64, "1h", Map.of(AcidicConfig.STEP_TIMEOUT, "500ms"));
        String stubborn = prefix + ":a-stubborn"; // sorts first: its lane runs first in the round
        String good = prefix + ":b-good";
        submit(stubborn, "test.runaway", Map.of("mode", "stubborn", "hangTimes", 1, "hangStep", "first"));
        submit(good, "test.runaway", Map.of("hangTimes", 0));
        driver.advanceWallClockTime(Duration.ofHours(1).plusSeconds(1));

        List<Completion> done = completions.readValuesToList().stream().map(Completion::decode).toList();
        assertEquals(List.of(good), done.stream().map(Completion::key).toList());
        assertEquals(CompletionStatus.SUCCEEDED, done.get(0).status());
        List<JobEvent> failed = events.readValuesToList().stream().map(JobEvent::decode)
                .filter(e -> e.type() == EventType.STEP_FAILED).toList();
        assertEquals(1, failed.size());
        assertEquals(stubborn, failed.get(0).key());
        assertEquals(dev.acidic.api.StepTimeoutException.class.getName(), failed.get(0).error().type());
        assertEquals(1, TestJobs.RUNS.get(stubborn + "/first").get(), "the timed-out step was not run (and waited for) again");

        TestJobs.stubbornLatch(stubborn).countDown();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Engine.stepsStillRunning() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, Engine.stepsStillRunning(), "the given-up work ended once its step returned");
        assertTrue(TestJobs.STUBBORN_LATE_WRITES.get(stubborn + "/1") instanceof java.sql.SQLException,
                "its late write found the connection closed: " + TestJobs.STUBBORN_LATE_WRITES.get(stubborn + "/1"));
        assertEquals(1, TestJobs.RUNS.get(good + "/first").get(), "the given-up round ran no further step");
    }

    /**
     * Eight 150 ms steps in one batch, a budget of 400 ms: the claim round starts no step once the
     * budget is spent, the rest of its keys (claimed and locked) continue through continuations,
     * and every job still runs each step once. Before, every lane's step ran in the round.
     */
    @Test
    void aRoundStartsNoStepOnceItsBudgetIsSpentTheRestContinue() throws Exception {
        driver.close();
        open(64, "1h", Map.of(AcidicConfig.DRIVE_BUDGET, "400ms"));
        TestOutputTopic<byte[], byte[]> continuations = driver.createOutputTopic(
                AcidicConfig.defaults().withApplicationId(prefix).continuationsTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        for (int i = 0; i < 8; i++) {
            submit(prefix + ":" + i, "test.looping", Map.of("times", 1, "sleepMs", 150));
        }
        driver.advanceWallClockTime(Duration.ofHours(1).plusSeconds(1));

        long continued = continuations.readRecordsToList().size();
        assertTrue(continued >= 4 && continued <= 7, "three or so steps fit the budget, the first always runs; continued: "
                + continued);
        List<Completion> done = completions.readValuesToList().stream().map(Completion::decode).toList();
        assertEquals(8, done.size());
        assertTrue(done.stream().allMatch(c -> c.status() == CompletionStatus.SUCCEEDED));
        assertEquals(8, count("SELECT count(*) FROM test_effects WHERE idempotency_key LIKE ?"), "each step once");
        assertEquals(8, count("SELECT count(*) FROM acidic_journal WHERE idempotency_key LIKE ? AND type = 'ACCEPTED'"));
    }

    /**
     * Delayed starts in a batch: the claim round inserts and accepts them at once but runs no step;
     * their timers drive them once due by Postgres' clock, no earlier.
     */
    @Test
    void delayedStartsInABatchAreAcceptedAtOnceAndRunWhenDue() throws Exception {
        java.time.Instant runAt = java.time.Instant.now().plusMillis(1_500);
        for (int i = 0; i < 4; i++) {
            requests.pipeInput((prefix + ":" + i).getBytes(StandardCharsets.UTF_8),
                    JobRequest.of("test.three-steps", Map.of("n", i)).runAt(runAt).encode());
        }
        driver.advanceWallClockTime(Duration.ofHours(1).plusSeconds(1));
        assertEquals(4, count("SELECT count(*) FROM acidic_keys WHERE idempotency_key LIKE ?"), "claimed in the batch");
        assertEquals(0, count("SELECT count(*) FROM test_effects WHERE idempotency_key LIKE ?"), "no step before runAt");
        List<JobEvent> accepted = events.readValuesToList().stream().map(JobEvent::decode).toList();
        assertEquals(4, accepted.size());
        assertTrue(accepted.stream().allMatch(e -> e.type() == EventType.ACCEPTED && e.retryAt().toEpochMilli() == runAt.toEpochMilli()));
        assertTrue(completions.isEmpty());

        long wait = java.time.Duration.between(java.time.Instant.now(), runAt).toMillis() + 100;
        Thread.sleep(Math.max(0, wait)); // due by Postgres' clock, which the timers consult
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertEquals(4, completions.readValuesToList().size());
        assertEquals(12, count("SELECT count(*) FROM test_effects WHERE idempotency_key LIKE ?"));
        assertEquals(0, count("SELECT count(*) FROM test_effects WHERE idempotency_key LIKE ? AND at < '"
                + java.time.OffsetDateTime.ofInstant(runAt, java.time.ZoneOffset.UTC) + "'::timestamptz"), "none before its runAt");
    }

    @Test
    void aRequestReachingAnIdleTaskIsDrivenAtOnce() throws Exception {
        driver.close();
        open(64, "2ms");
        Thread.sleep(10); // longer than the linger since the task last drove anything
        submit(prefix + ":alone", "test.three-steps", Map.of("n", 1));
        assertEquals(1, completions.readValuesToList().size(), "no wait for a batch that nothing else would join");
        assertEquals(3, count("SELECT count(*) FROM test_effects WHERE idempotency_key LIKE ?"));
    }
}
