package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.processor.it.TestInfra;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The read side's queries on a table of 1,000,000 keys (a database of its own, loaded with
 * generate_series in one statement, then vacuumed and analyzed as autovacuum would): the plans of
 * the list (unfiltered, by status, by job, since a time, a deep page) and of the stats, printed
 * with their timings (EXPLAIN ANALYZE) to the test's output and to
 * {@code target/query-plans/job-queries.txt}, and held to what V8 promises: a list reads through
 * the indexes and never scans acidic_keys; the per-minute counts read the finished_at index. The
 * counts by job and status read every key (shown both as the planner picks and index-only).
 */
class JobQueriesPlanIT {
    static final int KEYS = 1_000_000;
    /** The newest key is this old; key i was created i * this interval earlier (1M keys span about 72 hours). */
    static final String SPACING = "259 milliseconds";

    private static HikariDataSource db;
    private static final StringBuilder REPORT = new StringBuilder();

    @BeforeAll
    static void loadAMillionKeys() throws SQLException {
        db = TestInfra.get().ownDatabase("plans_it", 2);
        long t0 = System.nanoTime();
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            // the seq guard's statement trigger would keep a million-row transition table for nothing: no key is reused here
            st.execute("SET session_replication_role = replica");
            // 95% succeeded, 3% failed (with a stack), 1% cancelled, 0.5% running (some waiting), 0.5% halted; one
            // job in a thousand is the rare one; ended jobs took 2 s. Inserted oldest first, as keys arrive, so the
            // indexes on created_at grow at their right edge and are as dense as a live table's
            st.execute("""
                    INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, status, attempts, awaiting, error, result,
                                             last_seq, kafka_partition, created_at, last_run_at, finished_at)
                    SELECT 'key-' || lpad(i::text, 8, '0'), gen_random_uuid(),
                           CASE WHEN i % 1000 = 7 THEN 'rare.job' ELSE 'job.' || (i % 10) END,
                           jsonb_build_object('n', i), CASE WHEN s IN ('RUNNING', 'HALTED') THEN 'second' ELSE '$finished' END,
                           s, CASE WHEN s = 'FAILED' THEN 3 ELSE 0 END, CASE WHEN s = 'RUNNING' AND i % 400 = 3 THEN 'approved' END,
                           CASE WHEN s IN ('FAILED', 'CANCELLED') THEN jsonb_build_object('type', 'java.lang.IllegalStateException',
                                'message', 'boom ' || i, 'step', 'second', 'attempt', 3,
                                'stack', repeat('    at dev.acidic.Example.step(Example.java:42)' || chr(10), 30)) END,
                           CASE WHEN s = 'SUCCEEDED' THEN '{"ok":true}'::jsonb END,
                           5, i % 6, c, c + interval '2 seconds',
                           CASE WHEN s IN ('SUCCEEDED', 'FAILED', 'CANCELLED') THEN c + interval '2 seconds' END
                      FROM (SELECT i, now() - i * interval ':spacing' AS c,
                                   CASE WHEN i % 200 = 3 THEN 'RUNNING' WHEN i % 200 = 5 THEN 'HALTED'
                                        WHEN i % 100 = 11 THEN 'CANCELLED' WHEN i % 33 = 1 THEN 'FAILED' ELSE 'SUCCEEDED' END AS s
                              FROM generate_series(:keys, 1, -1) AS i) AS g""".replace(":spacing", SPACING).replace(":keys", Integer.toString(KEYS)));
            st.execute("SET session_replication_role = DEFAULT");
            long loaded = System.nanoTime();
            st.execute("VACUUM (ANALYZE) acidic_keys");
            REPORT.append(String.format("%,d keys loaded in %d ms, vacuumed and analyzed in %d ms%n%n", KEYS,
                    (loaded - t0) / 1_000_000, (System.nanoTime() - loaded) / 1_000_000));
        }
    }

    @AfterAll
    static void report() throws IOException {
        if (db != null) {
            db.close();
        }
        System.out.println(REPORT);
        Path out = Path.of("target", "query-plans", "job-queries.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, REPORT.toString());
    }

    /** The plan of {@code q} as it runs (EXPLAIN ANALYZE, BUFFERS), added to the report under {@code title}. */
    private static String explain(String title, JobQueries.Query q) throws SQLException {
        return explain(title, q, null);
    }

    private static String explain(String title, JobQueries.Query q, String setting) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            if (setting != null) {
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL " + setting);
                }
            }
            try (PreparedStatement ps = new JobQueries.Query("EXPLAIN (ANALYZE, BUFFERS) " + q.sql(), q.params()).prepare(c);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            c.rollback();
            c.setAutoCommit(true);
        }
        REPORT.append("== ").append(title).append('\n').append(plan).append('\n');
        return plan.toString();
    }

    /** A list must seek in an index: no sequential scan of acidic_keys, no sort of more than the page. */
    private static void assertIndexBacked(String plan) {
        assertFalse(plan.contains("Seq Scan on acidic_keys"), plan);
        assertTrue(plan.contains("Index Scan Backward using acidic_keys_by_status") || plan.contains("Index Scan Backward using acidic_keys_by_job"),
                plan);
        assertFalse(plan.matches("(?s).*Sort Method: (external|quicksort).*"), "only the merge, no sort of matching rows: " + plan);
    }

    /**
     * Milliseconds one call of {@code q} takes through JDBC, the first (cold) and the median of the next ten (a warm
     * JVM and cache, as a dashboard's repeated reads have); returns the median.
     */
    private static long timed(String title, ThrowingRunnable q) throws Exception {
        long t = System.nanoTime();
        q.run();
        long first = (System.nanoTime() - t) / 1_000;
        long[] runs = new long[10];
        for (int i = 0; i < runs.length; i++) {
            t = System.nanoTime();
            q.run();
            runs[i] = (System.nanoTime() - t) / 1_000;
        }
        java.util.Arrays.sort(runs);
        long median = runs[runs.length / 2];
        REPORT.append(String.format("%-52s first %8.2f ms, then median %8.2f ms%n", title, first / 1000.0, median / 1000.0));
        return median / 1000;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void listsSeekThroughTheIndexesWhateverTheFilter() throws Exception {
        JobQueries queries = new JobQueries(db);
        JobFilter page = JobFilter.all();
        Instant day = Instant.now().minusSeconds(86_400);
        assertIndexBacked(explain("list: newest 50", JobQueries.listQuery(page)));
        assertIndexBacked(explain("list: --status FAILED", JobQueries.listQuery(page.withStatuses("FAILED"))));
        assertIndexBacked(explain("list: --status FAILED --status CANCELLED --since 1d", JobQueries.listQuery(page.withStatuses("FAILED",
                "CANCELLED").withSince(day))));
        assertIndexBacked(explain("list: --job rare.job", JobQueries.listQuery(page.withJob("rare.job"))));
        assertIndexBacked(explain("list: --job job.3 --status RUNNING --since 1d", JobQueries.listQuery(page.withJob("job.3")
                .withStatuses("RUNNING").withSince(day))));
        PageCursor middle = cursorAt(KEYS / 2);
        assertIndexBacked(explain("list: page after the 500,000th key", JobQueries.listQuery(page.withBefore(middle))));

        REPORT.append("JobQueries.list through JDBC:\n");
        timed("newest 50", () -> queries.list(page));
        timed("newest 1000", () -> queries.list(page.withLimit(JobQueries.MAX_PAGE)));
        timed("--status FAILED", () -> queries.list(page.withStatuses("FAILED")));
        timed("--job rare.job", () -> queries.list(page.withJob("rare.job")));
        timed("--job rare.job --status HALTED (none match)", () -> queries.list(page.withJob("rare.job").withStatuses("HALTED")));
        timed("--since 1d", () -> queries.list(page.withSince(day)));
        long deep = timed("page after the 500,000th key", () -> queries.list(page.withBefore(middle)));
        REPORT.append('\n');
        assertTrue(deep < 1_000, "a deep page is a seek, not a walk: " + deep + " ms");

        JobPage first = queries.list(page.withLimit(3));
        JobPage second = queries.list(page.withLimit(3).withBefore(first.next()));
        assertEquals(List.of("key-00000001", "key-00000002", "key-00000003"), first.jobs().stream().map(JobSummary::key).toList());
        assertEquals(List.of("key-00000004", "key-00000005", "key-00000006"), second.jobs().stream().map(JobSummary::key).toList());
        assertEquals(List.of(), queries.list(page.withJob("rare.job").withStatuses("HALTED")).jobs(), "i % 1000 == 7 is never i % 200 == 5");
    }

    private static PageCursor cursorAt(int i) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT created_at, idempotency_key FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, String.format("key-%08d", i));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new PageCursor(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getString(2));
            }
        }
    }

    @Test
    void statsReadTheLastMinutesThroughTheFinishedIndexAndCountEveryKey() throws Exception {
        String minutes = explain("stats: ended per minute, last 15 minutes", new JobQueries.Query(JobQueries.FINISHED_PER_MINUTE,
                List.of(JobQueries.STATS_MINUTES - 1)));
        assertFalse(minutes.contains("Seq Scan on acidic_keys"), minutes);
        assertTrue(minutes.contains("acidic_keys_finished"), minutes);
        // every key counted: the planner's choice between a parallel scan of the table and an index-only scan
        // of acidic_keys_by_job, shown both ways (neither is bounded; see JobQueries)
        explain("stats: counts by job and status", new JobQueries.Query(JobQueries.COUNTS, List.of()));
        explain("stats: counts by job and status, for comparison with enable_seqscan = off",
                new JobQueries.Query(JobQueries.COUNTS, List.of()), "enable_seqscan = off");

        JobQueries queries = new JobQueries(db);
        REPORT.append("JobQueries.stats through JDBC:\n");
        timed("stats (counts by job and status + 15 minutes)", queries::stats);
        REPORT.append('\n');
        JobStats s = queries.stats();
        assertEquals(KEYS, s.counts().stream().mapToLong(JobStats.Count::count).sum());
        assertEquals(Set.of("RUNNING", "HALTED", "SUCCEEDED", "FAILED", "CANCELLED"),
                s.counts().stream().map(JobStats.Count::status).collect(java.util.stream.Collectors.toSet()));
        long ended = s.finishedPerMinute().stream().mapToLong(JobStats.Minute::total).sum();
        // the keys end one every 259 ms up to the load's start; the window has moved on since by the load's time and the tests'
        assertTrue(ended > 1_000 && ended < 3_600, "up to 15 minutes of keys, one every 259 ms, most ended: " + ended);
    }

    @Test
    void aJobsDetailIsReadByKeys() throws Exception {
        JobQueries queries = new JobQueries(db);
        REPORT.append("JobQueries.detail through JDBC:\n");
        timed("detail of a failed key", () -> queries.detail("key-00000034"));
        REPORT.append('\n');
        JobDetail d = queries.detail("key-00000034").orElseThrow();
        assertEquals("FAILED", d.summary().status());
        assertTrue(d.errorStack().contains("Example.java:42"), d.errorStack());
        assertTrue(d.values().isEmpty() && d.timeline().isEmpty() && d.children().isEmpty(), "rows written by hand have no more: " + d);
    }
}
