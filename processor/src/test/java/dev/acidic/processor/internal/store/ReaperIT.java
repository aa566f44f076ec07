package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.processor.Cli;
import dev.acidic.processor.it.TestInfra;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reaper's SQL against a real Postgres, each test on a database of its own (a reaper deletes
 * every old finished key it finds): what it deletes and leaves, batches, the one-reaper lock, and
 * that it neither waits for a phase's row lock nor holds a phase up.
 */
class ReaperIT {
    private static final Duration RETENTION = Duration.ofHours(1);
    private HikariDataSource db;

    @BeforeEach
    void ownDatabase() throws SQLException {
        db = TestInfra.get().ownDatabase("reaper_it", 6);
    }

    @AfterEach
    void close() {
        db.close();
    }

    /** {@code n} finished keys {@code prefix0..}, finished {@code age} ago, each with 5 journal entries, a value and a staged job. */
    private void finished(String prefix, int n, String age) throws SQLException {
        sql("""
                INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, status, last_seq, staged_seq,
                                         created_at, last_run_at, finished_at)
                SELECT '%1$s' || i, gen_random_uuid(), 'test.three-steps', '{}'::jsonb, '$finished', 'SUCCEEDED', 5, 1,
                       now() - interval '%2$s', now() - interval '%2$s', now() - interval '%2$s'
                  FROM generate_series(0, %3$d - 1) AS i;
                INSERT INTO acidic_journal (idempotency_key, seq, type)
                SELECT '%1$s' || i, s, CASE s WHEN 1 THEN 'ACCEPTED' WHEN 5 THEN 'SUCCEEDED' ELSE 'RECOVERY_POINT' END
                  FROM generate_series(0, %3$d - 1) AS i, generate_series(1, 5) AS s;
                INSERT INTO acidic_values (idempotency_key, name, value) SELECT '%1$s' || i, 'v', '1' FROM generate_series(0, %3$d - 1) AS i;
                INSERT INTO acidic_staged (idempotency_key, ordinal, target_key, request)
                SELECT '%1$s' || i, 1, 'child-' || i, '{}' FROM generate_series(0, %3$d - 1) AS i;
                """.formatted(prefix, age, n));
    }

    /** {@code n} running keys, created {@code age} ago, each with an ACCEPTED entry. */
    private void running(String prefix, int n, String age) throws SQLException {
        sql("""
                INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, last_seq, created_at, last_run_at)
                SELECT '%1$s' || i, gen_random_uuid(), 'test.three-steps', '{}'::jsonb, 'first', 1,
                       now() - interval '%2$s', now() - interval '%2$s'
                  FROM generate_series(0, %3$d - 1) AS i;
                INSERT INTO acidic_journal (idempotency_key, seq, type) SELECT '%1$s' || i, 1, 'ACCEPTED' FROM generate_series(0, %3$d - 1) AS i;
                """.formatted(prefix, age, n));
    }

    private void sql(String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Rows of {@code table} under keys starting with {@code prefix}. */
    private long rows(String table, String prefix) throws SQLException {
        return count("SELECT count(*) FROM " + table + " WHERE idempotency_key LIKE '" + prefix + "%'");
    }

    @Test
    void deletesFinishedKeysOlderThanTheRetentionWithAllTheirRowsInBatchesAndLeavesTheRest() throws SQLException {
        finished("old:", 7, "2 hours");
        finished("young:", 2, "10 minutes");
        running("running:", 2, "3 hours"); // old, but not finished
        sql("""
                INSERT INTO acidic_record_failures (topic, kafka_partition, record_offset, failures, last_error, first_at, last_at)
                VALUES ('t', 0, 1, 3, 'old', now() - interval '2 hours', now() - interval '2 hours'),
                       ('t', 0, 2, 1, 'recent', now() - interval '5 minutes', now() - interval '5 minutes')""");
        Reaper reaper = new Reaper(db, 3);
        assertEquals(7, reaper.count(RETENTION), "the dry run");

        Reaper.Outcome o = reaper.reap(RETENTION, () -> false);

        assertTrue(o.ran());
        assertEquals(7, o.keys());
        assertEquals(35, o.journalEntries());
        assertEquals(7, o.values());
        assertEquals(7, o.stagedJobs());
        assertEquals(3, o.batches(), "3 + 3 + 1 keys");
        assertEquals(1, o.recordFailures(), "the poison-record count not touched for longer than the retention");
        for (String table : List.of("acidic_keys", "acidic_journal", "acidic_values", "acidic_staged")) {
            assertEquals(0, rows(table, "old:"), table + " of the old finished keys");
        }
        assertEquals(2, rows("acidic_keys", "young:"));
        assertEquals(10, rows("acidic_journal", "young:"));
        assertEquals(2, rows("acidic_values", "young:"));
        assertEquals(2, rows("acidic_staged", "young:"));
        assertEquals(2, rows("acidic_keys", "running:"));
        assertEquals(2, rows("acidic_journal", "running:"));
        assertEquals(7, count("SELECT count(*) FROM acidic_key_seqs WHERE idempotency_key LIKE 'old:%' AND last_seq = 5"),
                "each reaped key's last seq is kept, so a new job under it continues after it");
        assertEquals(1, count("SELECT count(*) FROM acidic_record_failures"));
        assertEquals(0, reaper.count(RETENTION));
        Reaper.Outcome again = reaper.reap(RETENTION, () -> false);
        assertTrue(again.ran() && again.keys() == 0 && again.batches() == 0, again.toString());
    }

    @Test
    void aFinishedChildIsKeptWhileItsParentRunsAndAReapedParentTakesItsLinksAlong() throws SQLException {
        running("parent:", 1, "3 hours");
        finished("parent:0/kid-", 2, "2 hours");
        finished("done-parent:", 1, "2 hours");
        finished("done-parent:0/kid-", 2, "2 hours");
        sql("""
                UPDATE acidic_keys SET parent_key = 'parent:0' WHERE idempotency_key LIKE 'parent:0/kid-%';
                UPDATE acidic_keys SET parent_key = 'done-parent:0' WHERE idempotency_key LIKE 'done-parent:0/kid-%';
                INSERT INTO acidic_children (parent_key, child_key, ordinal)
                SELECT p, p || '/kid-' || i, i FROM unnest(ARRAY['parent:0', 'done-parent:0']) AS p, generate_series(0, 1) AS i;
                """);
        Reaper reaper = new Reaper(db, 1000);
        assertEquals(3, reaper.count(RETENTION), "the ended parent and its two children; not the running parent's children");
        Reaper.Outcome o = reaper.reap(RETENTION, () -> false);
        assertEquals(3, o.keys());
        assertEquals(2, rows("acidic_keys", "parent:0/kid-"), "kept: their parent still runs and reads their outcomes");
        assertEquals(0, rows("acidic_keys", "done-parent:"));
        assertEquals(0, count("SELECT count(*) FROM acidic_children WHERE parent_key = 'done-parent:0'"), "the reaped parent's links");
        assertEquals(2, count("SELECT count(*) FROM acidic_children WHERE parent_key = 'parent:0'"));
    }

    @Test
    void stopsBetweenBatchesWhenAsked() throws SQLException {
        finished("old:", 10, "2 hours");
        AtomicInteger asked = new AtomicInteger();
        Reaper.Outcome o = new Reaper(db, 4).reap(RETENTION, () -> asked.incrementAndGet() > 1);
        assertEquals(4, o.keys(), "one batch, then the stop");
        assertEquals(6, rows("acidic_keys", "old:"));
    }

    @Test
    void anotherSessionHoldingTheReapersLockSkipsTheRound() throws SQLException {
        finished("old:", 5, "2 hours");
        try (Connection other = db.getConnection(); Statement st = other.createStatement()) {
            try (ResultSet rs = st.executeQuery(Reaper.TRY_LOCK)) {
                rs.next();
                assertTrue(rs.getBoolean(1));
            }
            Reaper.Outcome o = new Reaper(db, 100).reap(RETENTION, () -> false);
            assertFalse(o.ran(), "skipped while another instance reaps");
            assertEquals(5, rows("acidic_keys", "old:"));
            st.execute(Reaper.UNLOCK);
        }
        assertEquals(5, new Reaper(db, 100).reap(RETENTION, () -> false).keys());
    }

    @Test
    void twoReapersStartedTogetherDoNotBothReap() throws Exception {
        finished("old:", 60, "2 hours");
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Reaper.Outcome>> rounds = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            rounds.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    return new Reaper(db, 5).reap(RETENTION, () -> false); // 12 batches with pauses between
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        go.countDown();
        Reaper.Outcome a = rounds.get(0).get(60, TimeUnit.SECONDS);
        Reaper.Outcome b = rounds.get(1).get(60, TimeUnit.SECONDS);
        assertEquals(60, a.keys() + b.keys(), a + " / " + b);
        assertTrue(a.keys() == 0 || b.keys() == 0, "one reaped everything, the other skipped (or came after): " + a + " / " + b);
        assertEquals(0, rows("acidic_keys", "old:"));
    }

    /** A key row held by a phase (or a claim, a command) is skipped at once, not waited for; a later round takes it. */
    @Test
    void aFinishedKeyRowLockedElsewhereIsSkippedNotWaitedFor() throws SQLException {
        finished("old:", 3, "2 hours");
        try (Connection phase = db.getConnection()) {
            phase.setAutoCommit(false);
            try (Statement st = phase.createStatement()) {
                st.executeQuery("SELECT * FROM acidic_keys WHERE idempotency_key = 'old:1' FOR UPDATE").close();
            }
            long t0 = System.nanoTime();
            Reaper.Outcome o = new Reaper(db, 10).reap(RETENTION, () -> false);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(2, o.keys());
            assertTrue(ms < Reaper.LOCK_TIMEOUT.toMillis(), "no wait for the locked row: " + ms + " ms");
            assertEquals(1, rows("acidic_keys", "old:"));
            assertEquals(5, rows("acidic_journal", "old:1"), "the locked key whole");
            phase.rollback();
        }
        assertEquals(1, new Reaper(db, 10).reap(RETENTION, () -> false).keys());
    }

    /**
     * While a large batch deletes (one transaction of 20,000 keys and 100,000 journal rows), phases
     * on running keys and claims of new keys go on: none waits for a lock (each has a lock timeout
     * of 200 ms), and some commit while the batch runs.
     */
    @Test
    void phasesAndNewClaimsGoOnWhileABatchDeletes() throws Exception {
        finished("old:", 20_000, "2 hours");
        running("running:", 1, "1 minute");
        AtomicBoolean reaping = new AtomicBoolean(true);
        CompletableFuture<Reaper.Outcome> round = CompletableFuture.supplyAsync(() -> {
            try {
                return new Reaper(db, 20_000).reap(RETENTION, () -> false);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            } finally {
                reaping.set(false);
            }
        });
        int during = 0;
        int phases = 0;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            while (reaping.get() || phases < 3) {
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL lock_timeout = '200ms'");
                    st.executeQuery("SELECT * FROM acidic_keys WHERE idempotency_key = 'running:0' FOR UPDATE").close();
                    st.execute("INSERT INTO acidic_journal (idempotency_key, seq, type) VALUES ('running:0', " + (phases + 2)
                            + ", 'RECOVERY_POINT')");
                    st.execute("UPDATE acidic_keys SET last_seq = " + (phases + 2) + ", last_run_at = now()"
                            + " WHERE idempotency_key = 'running:0'");
                    st.execute("INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point) VALUES ('new:" + phases
                            + "', gen_random_uuid(), 'test.three-steps', '{}', 'first')");
                }
                c.commit();
                phases++;
                if (reaping.get()) {
                    during++;
                }
            }
        }
        Reaper.Outcome o = round.get(120, TimeUnit.SECONDS);
        assertEquals(20_000, o.keys());
        assertEquals(100_000, o.journalEntries());
        System.out.printf("a batch of 20,000 keys took %d ms; %d phases committed meanwhile%n", o.took().toMillis(), during);
        assertTrue(during > 0, "phases committed while the batch ran");
        assertEquals(phases + 1, rows("acidic_journal", "running:0"));
    }

    /** EXPLAIN of the batch's pick on 30,000 keys, most of them running: the partial index of finished keys, in order. */
    @Test
    void thePickUsesThePartialIndexOfFinishedKeys() throws SQLException {
        running("running:", 27_000, "3 hours");
        finished("old:", 3_000, "2 hours");
        sql("ANALYZE acidic_keys");
        StringBuilder plan = new StringBuilder();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("EXPLAIN " + Reaper.PICK)) {
            ps.setLong(1, RETENTION.toMillis());
            ps.setInt(2, 1000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
        }
        System.out.println("EXPLAIN of the reaper's pick:\n" + plan);
        assertTrue(plan.toString().contains("Index Scan using acidic_keys_finished") && !plan.toString().contains("Sort"),
                "an index range scan in finished_at order, stopped by the limit: " + plan);
    }

    /** The operator's entry point: {@code reap [--older-than D] [--dry-run]}, as the processors' reaper does it. */
    @Test
    void theReapCommandCountsDeletesAndStandsAsideWhileAnotherInstanceReaps() throws Exception {
        finished("old:", 4, "2 hours");
        finished("young:", 1, "10 minutes");
        TestInfra infra = TestInfra.get();
        Map<String, String> env = Map.of("ACIDIC_JDBC_URL", db.getJdbcUrl(), "ACIDIC_JDBC_USER", infra.postgres.user(),
                "ACIDIC_JDBC_PASSWORD", infra.postgres.password(), "ACIDIC_REAPER_BATCH", "3");
        String[] dry = cli(env, "reap", "--older-than", "1h", "--dry-run");
        assertEquals("0", dry[0], dry[2]);
        assertEquals("would delete 4 finished keys older than 1h", dry[1].strip());
        assertEquals(5, rows("acidic_keys", ""), "a dry run deletes nothing");
        String[] dryJson = cli(env, "reap", "--older-than", "1h", "--dry-run", "-o", "jsonl");
        assertEquals("{\"dryRun\":true,\"olderThan\":\"1h\",\"keys\":4,\"journalEntries\":null,\"values\":null,\"stagedJobs\":null,"
                + "\"recordFailures\":null,\"batches\":null,\"tookMs\":null,\"database\":null}", dryJson[1].strip());
        try (Connection other = db.getConnection(); Statement st = other.createStatement()) {
            st.executeQuery(Reaper.TRY_LOCK).close();
            String[] busy = cli(env, "reap", "--older-than", "1h");
            assertEquals("1", busy[0]);
            assertTrue(busy[2].contains("another instance is reaping"), busy[2]);
            st.executeQuery(Reaper.UNLOCK).close();
        }
        finished("ancient:", 2, "5 hours");
        String[] reapJson = cli(env, "reap", "--older-than", "4h", "-o", "json");
        assertEquals("0", reapJson[0], reapJson[2]);
        com.fasterxml.jackson.databind.JsonNode r = dev.acidic.api.Wire.parse(reapJson[1]);
        List<String> fields = new ArrayList<>();
        r.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("dryRun", "olderThan", "keys", "journalEntries", "values", "stagedJobs", "recordFailures", "batches", "tookMs",
                "database"), fields, "stable field names (fields are added, never renamed)");
        assertEquals(2, r.path("keys").asLong(), reapJson[1]);
        assertEquals(10, r.path("journalEntries").asLong(), reapJson[1]);
        String[] reap = cli(env, "reap", "--older-than", "1h");
        assertEquals("0", reap[0], reap[2]);
        assertTrue(reap[1].startsWith("deleted 4 finished keys older than 1h (20 journal entries, 4 values, 4 staged jobs) and 0"
                + " poison-record counts in 2 batches"), reap[1]);
        assertEquals(1, rows("acidic_keys", ""));
        String[] byRetention = cli(Map.of("ACIDIC_JDBC_URL", db.getJdbcUrl(), "ACIDIC_RETENTION", "5m"), "reap");
        assertEquals("0", byRetention[0], byRetention[2]);
        assertTrue(byRetention[1].startsWith("deleted 1 finished keys older than 5m"), byRetention[1]);
    }

    /** [exit code, out, err] of the processor's command line. */
    private static String[] cli(Map<String, String> env, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Cli.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(rc), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void aRetentionOfZeroIsNoReap() {
        Reaper r = new Reaper(db, 10);
        assertThrows(IllegalArgumentException.class, () -> r.reap(Duration.ZERO, () -> false), "0 keeps everything");
    }
}
