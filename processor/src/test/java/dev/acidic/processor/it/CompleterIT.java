package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The completer (real Kafka, real Postgres): a key left running with nothing on the Kafka side to
 * drive it (no request, no timer, no continuation) is finished by its task's sweep; a key waiting
 * for a later time, or locked by a live owner, is left alone. Each test has a database of its own:
 * the completer sweeps every unfinished key of its partitions, other tests' included.
 */
class CompleterIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PARTITIONS = 2;
    private static final List<EventType> WHOLE_LIFE = List.of(EventType.ACCEPTED, EventType.RECOVERY_POINT,
            EventType.RECOVERY_POINT, EventType.RECOVERY_POINT, EventType.SUCCEEDED);

    private final TestInfra infra = TestInfra.get();
    private HikariDataSource db;
    private Harness h;
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void ownDatabase() throws SQLException {
        db = infra.ownDatabase("completer_it", 2);
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger("dev.acidic.processor.internal.streams.Completer")).addAppender(logs);
    }

    private Harness harness(String label, Map<String, String> more) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of(AcidicConfig.JDBC_URL, db.getJdbcUrl(),
                AcidicConfig.COMPLETER_IDLE, "2s", AcidicConfig.PARTITIONS, Integer.toString(PARTITIONS)));
        settings.putAll(more);
        h = new Harness(label, settings);
        return h;
    }

    @AfterEach
    void close() {
        ((Logger) LoggerFactory.getLogger("dev.acidic.processor.internal.streams.Completer")).detachAppender(logs);
        if (h != null) {
            h.close();
        }
        db.close();
    }

    @Test
    void aRunningKeyWithNoRequestAndNoTimerLeftIsFinishedByTheSweep() throws Exception {
        harness("completer", Map.of());
        // as a processor leaves a key whose trigger is gone: accepted and unlocked, or half-way with
        // its owner dead; and one with no home (written by an older version or by hand)
        String stranded = h.key("stranded");
        String halfWay = h.key("half-way");
        String unhomed = h.key("unhomed");
        seed(new Seed(stranded, "first", homeOf(stranded)));
        seed(new Seed(halfWay, "second", homeOf(halfWay)).lockedBy("crashed-instance", "1 hour"));
        seed(new Seed(unhomed, "first", null));
        h.start();

        for (String key : List.of(stranded, halfWay, unhomed)) {
            awaitCompletion(key);
            Waits.await(() -> h.eventsOf(key).size() >= WHOLE_LIFE.size(), WAIT, "the events of " + key);
        }
        Thread.sleep(3_000); // a few more sweeps: nothing more may come
        for (String key : List.of(stranded, halfWay, unhomed)) {
            List<Completion> done = h.completionsOf(key);
            assertEquals(1, done.size(), key + ": one completion: " + done);
            assertEquals(CompletionStatus.SUCCEEDED, done.get(0).status());
            assertFalse(done.get(0).replay(), "the job's own completion");
            List<JobEvent> events = h.eventsOf(key);
            assertEquals(WHOLE_LIFE, events.stream().map(JobEvent::type).toList(), key + ": " + events);
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), events.stream().map(JobEvent::seq).toList(), "each event once, in order");
            assertEquals(List.of("first", "second", "third"), TestJobs.effects(db, key), key + ": every step's effect once");
            assertEquals("SUCCEEDED", column(key, "status"));
        }
        assertEquals("0", column(unhomed, "kafka_partition"), "a key with no home is swept, and adopted, by partition 0's task");
        assertTrue(infoLines().stream().anyMatch(l -> l.startsWith("completer: re-driving ") && l.contains("idle keys of partition")),
                "one line per sweep that found something: " + infoLines());
    }

    @Test
    void keysWaitingForALaterTimeOrLockedByALiveOwnerAreLeftAlone() throws Exception {
        harness("completer-left-alone", Map.of(AcidicConfig.LOCK_TIMEOUT, "5m"));
        h.start(); // sweeping every second from now on: the keys come while it runs
        String waiting = h.key("waiting");
        String liveLock = h.key("live-lock");
        String ownDropped = h.key("own-dropped");
        Instant dueAt = seed(new Seed(waiting, "first", homeOf(waiting)).dueIn("5 seconds"));
        seed(new Seed(liveLock, "first", homeOf(liveLock)).lockedBy("live-elsewhere", "0 seconds"));
        // locked by this very instance, which then dropped it (a continuation that never came)
        seed(new Seed(ownDropped, "second", homeOf(ownDropped)).lockedBy(h.config.instanceId(), "1 hour"));

        awaitCompletion(ownDropped);
        awaitCompletion(waiting);
        Instant firstRun = firstEffectAt(waiting);
        assertFalse(firstRun.isBefore(dueAt), "not driven before its time: ran " + firstRun + ", due " + dueAt);
        assertEquals(List.of("first", "second", "third"), TestJobs.effects(db, waiting));
        assertEquals(List.of("first", "second", "third"), TestJobs.effects(db, ownDropped), "its first step was done before it was dropped");

        Thread.sleep(2_000); // by now several sweeps ran with the live lock's key idle for longer than the completer's time
        assertEquals(List.of(), TestJobs.effects(db, liveLock), "a live owner's key is never driven");
        assertEquals(List.of(), h.eventsOf(liveLock), "not even claimed (that would have journaled DEFERRED)");
        assertEquals("live-elsewhere", column(liveLock, "locked_by"));
        assertEquals("first", column(liveLock, "recovery_point"));
    }

    @Test
    void aParentWaitingForChildrenIsLeftAloneUntilTheyEndThenDrivenIfNoChildDroveIt() throws Exception {
        harness("completer-children", Map.of());
        h.start();
        String parent = h.key("parent");
        CompletableFuture<Completion> done = h.client().submit(parent, JobRequest.of("test.fanout",
                Map.of("children", 1, "halt", List.of(0))));
        String kid = ChildJobs.kidKey(parent, 0);
        Waits.await(() -> h.eventsOf(kid).stream().anyMatch(e -> e.type() == EventType.HALTED), WAIT, "the halted child");
        Waits.await(() -> h.eventsOf(parent).stream().anyMatch(e -> e.type() == EventType.WAITING), WAIT, "the parent's wait");
        Thread.sleep(4_000); // several sweeps with the parent idle for longer than the completer's time
        assertFalse(done.isDone(), "a parent whose child has not ended is not driven");
        assertEquals(List.of("spawn"), TestJobs.effects(db, parent));
        // the child ends behind the engine's back: no event, no completion, no drive of its parent
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE acidic_keys SET status = 'SUCCEEDED', result = '7',"
                        + " recovery_point = '$finished', finished_at = now() WHERE idempotency_key = ?")) {
            ps.setString(1, kid);
            assertEquals(1, ps.executeUpdate());
        }
        Completion c = done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(1, c.result().path("succeeded").asInt(), c.toString());
        assertEquals(7, c.result().path("sum").asInt(), "the child's outcome as stored: " + c);
        assertEquals(List.of("spawn", "gather"), TestJobs.effects(db, parent));
        Waits.await(() -> h.eventsOf(parent).stream().anyMatch(e -> e.type() == EventType.CHILDREN_DONE), WAIT, "CHILDREN_DONE");
    }

    /** A key row as a processor leaves it (its ACCEPTED journaled, and a RECOVERY_POINT for each step done), an hour old. */
    private record Seed(String key, String recoveryPoint, Integer partition, String lockedBy, String lockAge, String dueIn) {
        Seed(String key, String recoveryPoint, Integer partition) {
            this(key, recoveryPoint, partition, null, null, null);
        }

        Seed lockedBy(String owner, String age) {
            return new Seed(key, recoveryPoint, partition, owner, age, dueIn);
        }

        Seed dueIn(String in) {
            return new Seed(key, recoveryPoint, partition, lockedBy, lockAge, in);
        }
    }

    /** Inserts the seed's rows; returns its due time (null if none). */
    private Instant seed(Seed s) throws SQLException {
        List<String> done = List.of("first", "second", "third").subList(0, s.recoveryPoint().equals("first") ? 0 : 1);
        Instant due;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, locked_by, locked_at,
                                             last_run_at, next_attempt_at, last_seq, kafka_partition, created_at)
                    VALUES (?, ?, 'test.three-steps', '{"n":1}'::jsonb, ?, ?, now() - ?::interval, now() - interval '1 hour',
                            now() + ?::interval, ?, ?, now() - interval '1 hour')
                    RETURNING next_attempt_at""")) {
                ps.setString(1, s.key());
                ps.setObject(2, UUID.randomUUID());
                ps.setString(3, s.recoveryPoint());
                ps.setString(4, s.lockedBy());
                ps.setString(5, s.lockAge());
                ps.setString(6, s.dueIn());
                ps.setLong(7, 1 + done.size());
                ps.setObject(8, s.partition(), java.sql.Types.INTEGER);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    OffsetDateTime at = rs.getObject(1, OffsetDateTime.class);
                    due = at == null ? null : at.toInstant();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO acidic_journal (idempotency_key, seq, type, step, data, at)
                    VALUES (?, ?, ?, ?, ?::jsonb, now() - interval '1 hour')""")) {
                journal(ps, s.key(), 1, "ACCEPTED", null, "first");
                for (int i = 0; i < done.size(); i++) {
                    journal(ps, s.key(), 2 + i, "RECOVERY_POINT", done.get(i), s.recoveryPoint());
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO test_effects (idempotency_key, step, attempt) VALUES (?, ?, 1)")) {
                for (String step : done) {
                    ps.setString(1, s.key());
                    ps.setString(2, step);
                    ps.executeUpdate();
                }
            }
            c.commit();
        }
        return due;
    }

    private static void journal(PreparedStatement ps, String key, long seq, String type, String step, String recoveryPoint)
            throws SQLException {
        ps.setString(1, key);
        ps.setLong(2, seq);
        ps.setString(3, type);
        ps.setString(4, step);
        ps.setString(5, "{\"recoveryPoint\":\"" + recoveryPoint + "\"}");
        ps.addBatch();
    }

    /** The requests partition the Java producer's partitioner (murmur2) sends {@code key} to: its home. */
    private static int homeOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private void awaitCompletion(String key) throws InterruptedException {
        Waits.await(() -> !h.completionsOf(key).isEmpty(), WAIT, "the completion of " + key);
    }

    private Instant firstEffectAt(String key) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT min(at) FROM test_effects WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1, OffsetDateTime.class).toInstant();
            }
        }
    }

    private String column(String key, String column) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + column + "::text FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private List<String> infoLines() {
        return logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.INFO)
                .map(ILoggingEvent::getFormattedMessage).toList();
    }
}
