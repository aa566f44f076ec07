package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.processor.AcidicConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reaper across a kill -9 (its own database; real Postgres, real Kafka): a processor JVM is
 * SIGKILLed while its reaper deletes a backlog of finished keys batch by batch. Each batch is one
 * transaction, so no key is left half-deleted (no journal, values, staged jobs or child links
 * without their key row); the dead session's advisory lock goes with it, so another instance reaps
 * the rest; keys that are not due (running, young, children of a running parent) are untouched,
 * and every reaped key's last seq is kept.
 */
class ReaperCrashIT {
    private static final int OLD = 60_000;
    private static final Duration WAIT = Duration.ofSeconds(120);

    private final TestInfra infra = TestInfra.get();
    private HikariDataSource db;

    @BeforeEach
    void ownDatabase() throws SQLException {
        db = infra.ownDatabase("reaper_crash_it", 2);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aProcessorKilledInTheMiddleOfReapingLeavesNoKeyHalfDeletedAndAnotherFinishesTheJob() throws Exception {
        Map<String, String> settings = Map.of(AcidicConfig.JDBC_URL, db.getJdbcUrl(), AcidicConfig.RETENTION, "100s",
                AcidicConfig.REAPER_BATCH, "500", AcidicConfig.STREAM_THREADS, "1");
        try (Harness h = new Harness("reaper-crash", settings)) {
            seed(); // on the migrated database
            long reaped;
            try (ChildProcessor doomed = ChildProcessor.start(h.config, "reaper-a", Map.of())) {
                doomed.awaitReady(Duration.ofSeconds(60));
                Waits.await(() -> count("SELECT count(*) FROM acidic_keys WHERE idempotency_key LIKE 'old:%'") < OLD - 2_000, WAIT,
                        "the reaper to be under way");
                doomed.kill();
                reaped = OLD - count("SELECT count(*) FROM acidic_keys WHERE idempotency_key LIKE 'old:%'");
            }
            System.out.printf("reaper-crash: %d of %d keys reaped when the processor was killed%n", reaped, OLD);
            assertTrue(reaped < OLD, "killed in the middle, not after the end: " + reaped);
            assertNoHalfDeletedKey();
            Waits.await(() -> count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == 0, WAIT,
                    "the dead session's advisory lock to go");

            try (ChildProcessor survivor = ChildProcessor.start(h.config, "reaper-b", Map.of())) {
                survivor.awaitReady(Duration.ofSeconds(60));
                Waits.await(() -> count("SELECT count(*) FROM acidic_keys WHERE idempotency_key LIKE 'old:%'") == 0, WAIT,
                        "another instance to reap the rest");
            }
            assertNoHalfDeletedKey();
            assertEquals(OLD, count("SELECT count(*) FROM acidic_key_seqs WHERE idempotency_key LIKE 'old:%' AND last_seq = 5"),
                    "each reaped key's last seq kept once");
            assertEquals(0, count("SELECT count(*) FROM acidic_children WHERE parent_key LIKE 'old:%'"), "reaped parents' links");
            assertEquals(3, count("SELECT count(*) FROM acidic_keys WHERE idempotency_key LIKE 'keep:%'"),
                    "the running key, the young key and the running parent's finished child");
            assertEquals(15, count("SELECT count(*) FROM acidic_journal WHERE idempotency_key LIKE 'keep:%'"));
        }
    }

    /** 60,000 old finished keys, each with 5 journal entries, a value, a staged job and (every 10th) a child link; and 3 to keep. */
    private void seed() throws SQLException {
        sql("""
                INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, status, last_seq, staged_seq,
                                         created_at, last_run_at, finished_at)
                SELECT 'old:' || i, gen_random_uuid(), 'test.three-steps', '{}'::jsonb, '$finished', 'SUCCEEDED', 5, 1,
                       now() - interval '2 hours', now() - interval '2 hours', now() - interval '2 hours'
                  FROM generate_series(0, %1$d - 1) AS i;
                INSERT INTO acidic_journal (idempotency_key, seq, type)
                SELECT 'old:' || i, s, CASE s WHEN 1 THEN 'ACCEPTED' WHEN 5 THEN 'SUCCEEDED' ELSE 'RECOVERY_POINT' END
                  FROM generate_series(0, %1$d - 1) AS i, generate_series(1, 5) AS s;
                INSERT INTO acidic_values (idempotency_key, name, value) SELECT 'old:' || i, 'v', '1' FROM generate_series(0, %1$d - 1) AS i;
                INSERT INTO acidic_staged (idempotency_key, ordinal, target_key, request)
                SELECT 'old:' || i, 1, 'staged-' || i, '{}' FROM generate_series(0, %1$d - 1) AS i;
                INSERT INTO acidic_children (parent_key, child_key, ordinal)
                SELECT 'old:' || i, 'old:' || i || '/kid', 1 FROM generate_series(0, %1$d - 1, 10) AS i;

                INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, status, last_seq, created_at,
                                         last_run_at, finished_at, parent_key)
                VALUES ('keep:running', gen_random_uuid(), 'test.three-steps', '{}', 'first', 'HALTED', 5,
                        now() - interval '3 hours', now() - interval '3 hours', NULL, NULL),
                       ('keep:young', gen_random_uuid(), 'test.three-steps', '{}', '$finished', 'SUCCEEDED', 5,
                        now(), now(), now(), NULL),
                       ('keep:running/kid', gen_random_uuid(), 'test.three-steps', '{}', '$finished', 'SUCCEEDED', 5,
                        now() - interval '2 hours', now() - interval '2 hours', now() - interval '2 hours', 'keep:running');
                INSERT INTO acidic_children (parent_key, child_key, ordinal) VALUES ('keep:running', 'keep:running/kid', 1);
                INSERT INTO acidic_journal (idempotency_key, seq, type)
                SELECT k, s, 'RECOVERY_POINT' FROM unnest(ARRAY['keep:running', 'keep:young', 'keep:running/kid']) AS k,
                       generate_series(1, 5) AS s;
                ANALYZE;
                """.formatted(OLD));
    }

    /** Every reaped key went whole: nothing stored under a key whose row is gone. */
    private void assertNoHalfDeletedKey() throws SQLException {
        for (String table : new String[] {"acidic_journal", "acidic_values", "acidic_staged", "acidic_signals"}) {
            assertEquals(0, count("SELECT count(*) FROM " + table + " t WHERE NOT EXISTS (SELECT 1 FROM acidic_keys k"
                    + " WHERE k.idempotency_key = t.idempotency_key)"), table + " rows without their key row");
        }
        assertEquals(0, count("SELECT count(*) FROM acidic_children c WHERE NOT EXISTS (SELECT 1 FROM acidic_keys k"
                + " WHERE k.idempotency_key = c.parent_key)"), "child links without their parent's row");
        assertEquals(OLD, count("SELECT count(*) FROM acidic_keys WHERE idempotency_key LIKE 'old:%'")
                + count("SELECT count(*) FROM acidic_key_seqs WHERE idempotency_key LIKE 'old:%'"),
                "each old key either still whole or reaped with its seq kept");
    }

    private void sql(String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private long count(String sql) {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
