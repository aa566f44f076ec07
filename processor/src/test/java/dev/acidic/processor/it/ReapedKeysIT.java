package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The reaper in a real processor (real Kafka, real Postgres, a database of its own: a reaper
 * deletes every old finished key of its database): finished keys past the retention go with
 * their journal, values and staged jobs; running and young keys stay; a reaped key requested
 * again starts a new job whose events continue the old job's seq, and whose staged jobs are
 * published again.
 */
class ReapedKeysIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String REAPER_LOG = "dev.acidic.processor.internal.store.ReaperThread";

    private final TestInfra infra = TestInfra.get();
    private HikariDataSource db;
    private Harness h;
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void ownDatabase() throws SQLException {
        db = infra.ownDatabase("reaped_keys_it", 2);
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(REAPER_LOG)).addAppender(logs);
    }

    @AfterEach
    void close() {
        ((Logger) LoggerFactory.getLogger(REAPER_LOG)).detachAppender(logs);
        if (h != null) {
            h.close();
        }
        db.close();
    }

    @Test
    void finishedKeysPastTheRetentionAreReapedAndARequestForOneStartsANewJobWhoseSeqContinues() throws Exception {
        // a retention of 10 minutes: a round every 6 s; the keys to reap are made an hour old by hand
        h = new Harness("reaper", Map.of(AcidicConfig.JDBC_URL, db.getJdbcUrl(), AcidicConfig.RETENTION, "10m",
                AcidicConfig.REAPER_BATCH, "2"));
        h.start();
        String plain = h.key("plain");
        String staging = h.key("staging");
        String child = h.key("child");
        String looping = h.key("looping");
        String young = h.key("young");
        JobRequest plainJob = JobRequest.of("test.three-steps", Map.of("n", 1));
        JobRequest stagingJob = JobRequest.of("test.staging", Map.of("child", child));
        assertEquals(CompletionStatus.SUCCEEDED, h.client().submitAndWait(plain, plainJob, WAIT).status());
        assertEquals(CompletionStatus.SUCCEEDED, h.client().submitAndWait(staging, stagingJob, WAIT).status());
        assertEquals(CompletionStatus.SUCCEEDED, h.client().submitAndWait(looping,
                JobRequest.of("test.looping", Map.of("times", 2, "sleepMs", 0)), WAIT).status());
        assertEquals(CompletionStatus.SUCCEEDED, h.client().submitAndWait(young, plainJob, WAIT).status());
        Waits.await(() -> !h.completionsOf(child).isEmpty(), WAIT, "the staged child's completion");
        runningForThreeHours(h.key("running"));
        Waits.await(() -> h.eventsOf(plain).size() >= 5 && h.eventsOf(staging).size() >= 3, WAIT, "the first jobs' events");
        assertTrue(rows("acidic_values", looping) > 0 && rows("acidic_staged", staging) > 0, "values and a staged job to reap");
        long stagingSeq = lastSeq(staging);

        for (String key : List.of(plain, staging, looping)) {
            finishedAnHourAgo(key);
        }
        Waits.await(() -> rows("acidic_keys", plain) + rows("acidic_keys", staging) + rows("acidic_keys", looping) == 0, WAIT, "the reaper");

        for (String key : List.of(plain, staging, looping)) {
            for (String table : List.of("acidic_journal", "acidic_values", "acidic_staged")) {
                assertEquals(0, rows(table, key), table + " of " + key);
            }
        }
        assertEquals(5, keptSeq(plain), "the reaped key's last seq is kept");
        for (String key : List.of(young, child, h.key("running"))) {
            assertEquals(1, rows("acidic_keys", key), key + " stays: finished too recently, or not finished");
        }
        assertTrue(rows("acidic_journal", young) == 5, "with its journal");
        ILoggingEvent line = logs.list.stream().filter(e -> e.getLevel() == Level.INFO
                && e.getFormattedMessage().startsWith("reaper: deleted ")).findFirst().orElse(null);
        assertNotNull(line, "one INFO line per round that deleted something: " + logs.list);
        assertTrue(line.getFormattedMessage().contains("finished keys older than 10m"), line.getFormattedMessage());

        // requested again: a new job, whose events continue after the old job's
        Completion again = h.client().submitAndWait(plain, plainJob, WAIT);
        assertEquals(CompletionStatus.SUCCEEDED, again.status());
        assertFalse(again.replay(), "a new job, not the reaped one's outcome");
        Waits.await(() -> h.eventsOf(plain).size() >= 10, WAIT, "the new job's events");
        List<JobEvent> events = h.eventsOf(plain);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), events.stream().map(JobEvent::seq).toList(),
                "seq never repeats under a key: " + events);
        assertEquals(EventType.ACCEPTED, events.get(5).type());
        assertEquals(EventType.SUCCEEDED, events.get(9).type());
        assertEquals(List.of("first", "second", "third", "first", "second", "third"), TestJobs.effects(db, plain), "every step ran once per job");
        assertEquals(2, h.completionsOf(plain).stream().filter(c -> !c.replay()).count(), "one completion per job");

        // the staging job again: its staged job is published again (its staged ordinals start over)
        assertFalse(h.client().submitAndWait(staging, stagingJob, WAIT).replay());
        Waits.await(() -> h.requests().valuesOf(child).size() >= 2, WAIT, "the staged child request, published again");
        assertEquals(stagingSeq + 1, h.eventsOf(staging).stream().filter(e -> e.type() == EventType.ACCEPTED).reduce((a, b) -> b)
                .orElseThrow().seq());
    }

    /** A key left half-way three hours ago by a dead owner (the completer is off: nothing drives it). */
    private void runningForThreeHours(String key) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, locked_by, locked_at, last_run_at,
                                         created_at, last_seq)
                VALUES (?, gen_random_uuid(), 'test.three-steps', '{"n":1}', 'second', 'crashed', now() - interval '3 hours',
                        now() - interval '3 hours', now() - interval '3 hours', 2)""")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    private void finishedAnHourAgo(String key) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE acidic_keys SET finished_at = now() - interval '1 hour' WHERE idempotency_key = ? AND finished_at IS NOT NULL")) {
            ps.setString(1, key);
            assertEquals(1, ps.executeUpdate(), key + " finished");
        }
    }

    private long rows(String table, String key) {
        return single("SELECT count(*) FROM " + table + " WHERE idempotency_key = ?", key);
    }

    private long lastSeq(String key) {
        return single("SELECT last_seq FROM acidic_keys WHERE idempotency_key = ?", key);
    }

    private long keptSeq(String key) {
        return single("SELECT last_seq FROM acidic_key_seqs WHERE idempotency_key = ?", key);
    }

    private long single(String sql, String key) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
