package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.processor.it.TestInfra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The completer's query against a real Postgres, on a database of its own: which keys count as
 * idle, in which order, and that the partial index {@code acidic_keys_unfinished} serves it. The
 * tests share the database: each uses partitions of its own (the index test's bulk rows 0-5).
 */
class SweepsIT {
    private static final String ME = "me";
    private static final String JOB = "test.three-steps";
    private static final Duration IDLE = Duration.ofMinutes(1);
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(10);
    private static HikariDataSource db;

    @BeforeAll
    static void database() throws SQLException {
        db = TestInfra.get().ownDatabase("sweeps_it", 2);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    /** A key row: ages are Postgres intervals back from now() (null: no value), {@code dueIn} forward. */
    private record Row(String key, String job, String status, Integer partition, String lastRunAge, String dueIn,
            String lockedBy, String lockAge) {
        static Row idle(String key, int partition, String lastRunAge) {
            return new Row(key, JOB, "RUNNING", partition, lastRunAge, null, null, null);
        }

        Row due(String in) {
            return new Row(key, job, status, partition, lastRunAge, in, lockedBy, lockAge);
        }

        Row locked(String by, String age) {
            return new Row(key, job, status, partition, lastRunAge, dueIn, by, age);
        }

        Row status(String s) {
            return new Row(key, job, s, partition, lastRunAge, dueIn, lockedBy, lockAge);
        }

        Row job(String j) {
            return new Row(key, j, status, partition, lastRunAge, dueIn, lockedBy, lockAge);
        }

        Row unhomed() {
            return new Row(key, job, status, null, lastRunAge, dueIn, lockedBy, lockAge);
        }
    }

    private static void insert(List<Row> rows) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, status, kafka_partition,
                                         last_run_at, next_attempt_at, locked_by, locked_at, finished_at)
                VALUES (?, ?, ?, '{}'::jsonb, 'first', ?, ?, now() - ?::interval, now() + ?::interval, ?, now() - ?::interval,
                        CASE WHEN ? = 'RUNNING' THEN NULL ELSE now() END)""")) {
            for (Row r : rows) {
                ps.setString(1, r.key());
                ps.setObject(2, UUID.randomUUID());
                ps.setString(3, r.job());
                ps.setString(4, r.status());
                ps.setObject(5, r.partition(), java.sql.Types.INTEGER);
                ps.setString(6, r.lastRunAge());
                ps.setString(7, r.dueIn());
                ps.setString(8, r.lockedBy());
                ps.setString(9, r.lockAge());
                ps.setString(10, r.status());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static Sweeps sweeps(int partition, boolean unhomed, int limit) {
        return new Sweeps(db, new Sweeps.Criteria(partition, unhomed, IDLE, LOCK_TIMEOUT, List.of(JOB), limit, Duration.ofSeconds(5)));
    }

    private static List<String> keys(List<Sweeps.Idle> found) {
        return found.stream().map(Sweeps.Idle::key).toList();
    }

    @Test
    void findsTheUnfinishedKeysOfItsPartitionThatNothingTouchedForTheIdleTimeOldestFirst() throws SQLException {
        insert(List.of(
                Row.idle("s1:idle", 11, "10 minutes"),
                Row.idle("s1:idle-older", 11, "20 minutes"),
                Row.idle("s1:recent", 11, "10 seconds"),
                Row.idle("s1:finished", 11, "30 minutes").status("SUCCEEDED"),
                Row.idle("s1:failed", 11, "30 minutes").status("FAILED"),
                Row.idle("s1:other-partition", 12, "30 minutes"),
                Row.idle("s1:unknown-job", 11, "30 minutes").job("newer.deployment"),
                Row.idle("s1:waits-for-later", 11, "30 minutes").due("1 hour"),
                Row.idle("s1:just-due", 11, "30 minutes").due("-10 seconds"),
                Row.idle("s1:long-due", 11, "30 minutes").due("-5 minutes"),
                Row.idle("s1:live-lock-elsewhere", 11, "30 minutes").locked("elsewhere", "5 seconds"),
                Row.idle("s1:expired-lock-elsewhere", 11, "9 minutes").locked("elsewhere", "9 minutes"),
                Row.idle("s1:own-lock-recent", 11, "30 minutes").locked(ME, "30 seconds"),
                Row.idle("s1:own-lock-dropped", 11, "8 minutes").locked(ME, "8 minutes"),
                Row.idle("s1:unhomed", 11, "40 minutes").unhomed()));

        assertEquals(List.of("s1:long-due", "s1:idle-older", "s1:idle", "s1:expired-lock-elsewhere", "s1:own-lock-dropped"),
                keys(sweeps(11, false, 100).find()),
                "not: recent, finished, other partition, unknown job, waiting for a later time or just due (its timer's),"
                        + " a live lock; oldest last run first");
        assertEquals(List.of("s1:long-due", "s1:idle-older"), keys(sweeps(11, false, 2).find()), "at most the limit");
        assertEquals(List.of("s1:other-partition"), keys(sweeps(12, false, 100).find()));
    }

    @Test
    void keysWithNoHomeGoToTheTaskThatSweepsThem() throws SQLException {
        insert(List.of(Row.idle("s2:unhomed", 0, "40 minutes").unhomed(), Row.idle("s2:homed", 15, "50 minutes")));
        List<String> found = keys(sweeps(15, true, 100).find());
        assertEquals(List.of("s2:homed", "s2:unhomed"), found.stream().filter(k -> k.startsWith("s2:")).toList(),
                "its own partition's and the unhomed, merged oldest first");
        assertTrue(keys(sweeps(15, false, 100).find()).stream().noneMatch(k -> k.equals("s2:unhomed")));
        assertEquals(1, sweeps(15, true, 1).find().size(), "the limit holds over both");
    }

    /** EXPLAIN of the sweep's query on a table of 30,000 keys, most finished: the partial index serves it, in order. */
    @Test
    void theQueryUsesThePartialIndexOfUnfinishedKeys() throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("""
                    INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, status, kafka_partition,
                                             last_run_at, finished_at)
                    SELECT 'bulk:' || i, gen_random_uuid(), 'test.three-steps', '{}'::jsonb, 'first',
                           CASE WHEN i % 10 = 0 THEN 'RUNNING' ELSE 'SUCCEEDED' END, i % 6,
                           now() - (i % 3600) * interval '1 second',
                           CASE WHEN i % 10 = 0 THEN NULL ELSE now() END
                      FROM generate_series(1, 30000) AS i""");
            st.execute("ANALYZE acidic_keys");
        }
        String homed = explain(Sweeps.HOMED, 3);
        System.out.println("EXPLAIN of the completer's query:\n" + homed);
        assertTrue(homed.contains("Index Scan using acidic_keys_unfinished") && !homed.contains("Sort"),
                "an index range scan in last_run_at order, stopped by the limit: " + homed);
        // kafka_partition IS NULL gives no order Postgres can use, so the few unhomed idle keys are sorted
        String unhomed = explain(Sweeps.UNHOMED, null);
        System.out.println("EXPLAIN of the completer's query for keys with no home:\n" + unhomed);
        assertTrue(unhomed.contains("Index Scan using acidic_keys_unfinished") && !unhomed.contains("Seq Scan"), unhomed);
    }

    private static String explain(String sql, Integer partition) throws SQLException {
        Sweeps s = sweeps(0, false, 100);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql)) {
            s.bind(c, ps, partition);
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            return plan.toString();
        }
    }
}
