package dev.acidic.processor.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.EventType;
import dev.acidic.api.JobError;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The operator's read side of the key store: lists of jobs, one job in full, counts. Read-only,
 * no formatting and no Kafka, shared by the CLI's {@code jobs} commands and (later) the HTTP API.
 *
 * <p>Every query is bounded and index-backed on a table of millions of keys (migration V8;
 * {@code JobQueriesPlanIT} shows the plans): a list is a keyset seek per status on
 * {@code (status, created_at, key)} or {@code (job, status, created_at, key)}, merged, so a page
 * costs about its own size whatever the table holds; a job's detail is read by primary keys; the
 * per-minute counts read only the last minutes' rows through the {@code finished_at} index. The
 * counts by job and status are the exception: they read every key, a parallel scan (or an
 * index-only scan of {@code (job, status, ...)}, as the planner prefers) of some 0.2 to 0.5 s per
 * million keys on a small machine; the reaper's retention bounds the table, and a caller that
 * polls should cache them.
 *
 * <p>Each call takes a connection of its own and gives it back; the methods are thread-safe.
 */
public final class JobQueries {
    /** Every status a key row can have, in the order lists and counts use. */
    public static final List<String> STATUSES = List.of("RUNNING", "HALTED", "SUCCEEDED", "FAILED", "CANCELLED");
    /** The largest page {@link #list} returns. */
    public static final int MAX_PAGE = 1_000;
    /** The most rows {@link #detail} returns of each list in a job (values, journal, staged jobs, children). */
    public static final int DETAIL_ROWS = 500;
    /** The minutes {@link #stats} counts ended jobs for, the one in progress included. */
    public static final int STATS_MINUTES = 15;

    private static final String SUMMARY_COLUMNS = """
            idempotency_key, job, status, recovery_point, run, attempts, awaiting, parent_key,
            created_at, last_run_at, next_attempt_at, finished_at, last_seq, error - 'stack' AS error""";
    private static final String ORDER = " ORDER BY created_at DESC, idempotency_key DESC";
    private static final String DETAIL = "SELECT " + SUMMARY_COLUMNS + """
            , job_id, args, result, error ->> 'stack', steps, locked_by, locked_at, kafka_partition
            FROM acidic_keys WHERE idempotency_key = ?""";
    private static final String SUMMARY = "SELECT " + SUMMARY_COLUMNS + " FROM acidic_keys WHERE idempotency_key = ?";
    private static final String VALUES = """
            SELECT name, value, count(*) OVER () FROM acidic_values WHERE idempotency_key = ? ORDER BY name LIMIT ?""";
    private static final String NEWEST_JOURNAL = """
            SELECT seq, type, step, data, at FROM acidic_journal WHERE idempotency_key = ? ORDER BY seq DESC LIMIT ?""";
    private static final String OLDEST_SEQ = "SELECT min(seq) FROM acidic_journal WHERE idempotency_key = ?";
    private static final String JOURNAL_AFTER = """
            SELECT seq, type, step, data, at FROM acidic_journal WHERE idempotency_key = ? AND seq > ? ORDER BY seq LIMIT ?""";
    private static final String STAGED = """
            SELECT ordinal, target_key, request, staged_at, count(*) OVER ()
              FROM acidic_staged WHERE idempotency_key = ? ORDER BY ordinal LIMIT ?""";
    /** A child whose request no processor has claimed yet has no key row: its job comes from the staged request. */
    private static final String CHILDREN = """
            SELECT ch.child_key, coalesce(k.job, s.request ->> 'job'), k.status, k.run, ch.spawned_at, k.finished_at, count(*) OVER ()
              FROM acidic_children ch
              LEFT JOIN acidic_keys k ON k.idempotency_key = ch.child_key
              LEFT JOIN acidic_staged s ON s.idempotency_key = ch.parent_key AND s.ordinal = ch.ordinal
             WHERE ch.parent_key = ? ORDER BY ch.ordinal, ch.child_key LIMIT ?""";
    static final String COUNTS = "SELECT job, status, count(*) FROM acidic_keys GROUP BY job, status ORDER BY job, status";
    /** Bounded by the window: the rows come through the partial index on finished_at. */
    static final String FINISHED_PER_MINUTE = """
            SELECT date_trunc('minute', finished_at), status, count(*) FROM acidic_keys
             WHERE finished_at >= date_trunc('minute', now()) - make_interval(mins => ?)
             GROUP BY 1, 2""";
    private static final String DB_NOW = "SELECT now()";

    private final List<DataSource> databases;

    public JobQueries(DataSource ds) {
        this(List.of(ds));
    }

    /**
     * Reads over every database of sharded keys: a key is looked for in each (it lives in one),
     * pages are merged by creation time, counts summed.
     */
    public JobQueries(List<DataSource> databases) {
        this.databases = List.copyOf(databases);
    }

    /** A statement and its bind values (package-private so the plan test can EXPLAIN exactly what runs). */
    record Query(String sql, List<Object> params) {
        PreparedStatement prepare(Connection c) throws SQLException {
            PreparedStatement ps = c.prepareStatement(sql);
            try {
                for (int i = 0; i < params.size(); i++) {
                    ps.setObject(i + 1, params.get(i));
                }
                return ps;
            } catch (SQLException | RuntimeException e) {
                ps.close();
                throw e;
            }
        }
    }

    /**
     * A page of jobs, newest first ({@code created_at}, then key, descending).
     *
     * @return the page and the cursor of the next one (null when this is the last)
     */
    public JobPage list(JobFilter filter) throws SQLException {
        List<JobSummary> rows = new ArrayList<>();
        for (DataSource ds : databases) {
            try (Connection c = ds.getConnection(); PreparedStatement ps = listQuery(filter).prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(summary(rs));
                }
            }
        }
        if (databases.size() > 1) {
            // each database's page is in order; merged, newest first. Keys created in the same
            // microsecond in two databases are ordered by Java's string order, not the collation's
            rows.sort(Comparator.comparing(JobSummary::createdAt).thenComparing(JobSummary::key).reversed());
        }
        if (rows.size() <= filter.limit()) {
            return new JobPage(rows, null);
        }
        JobSummary last = rows.get(filter.limit() - 1);
        return new JobPage(rows.subList(0, filter.limit()), new PageCursor(last.createdAt(), last.key()));
    }

    /**
     * The list's SQL: per status a seek in index order that stops after a page (plus one row, to
     * know whether another page follows), the seeks merged in order. One scan per status rather
     * than {@code status = ANY(?)}: a single index scan over several statuses cannot return rows
     * in created_at order on every Postgres version, and a sort of all matching rows would not be
     * bounded.
     */
    static Query listQuery(JobFilter f) {
        List<Object> params = new ArrayList<>();
        List<String> statuses = f.statusesToRead();
        StringBuilder sql = new StringBuilder();
        for (String status : statuses) {
            if (sql.length() > 0) {
                sql.append("\nUNION ALL ");
            }
            sql.append("(SELECT ").append(SUMMARY_COLUMNS).append(" FROM acidic_keys WHERE status = ?");
            params.add(status);
            if (f.job() != null) {
                sql.append(" AND job = ?");
                params.add(f.job());
            }
            if (f.since() != null) {
                sql.append(" AND created_at >= ?");
                params.add(utc(f.since()));
            }
            if (f.before() != null) {
                sql.append(" AND (created_at, idempotency_key) < (?, ?)");
                params.add(utc(f.before().createdAt()));
                params.add(f.before().key());
            }
            sql.append(ORDER).append(" LIMIT ?)");
            params.add(f.limit() + 1);
        }
        if (statuses.size() == 1) {
            return new Query(sql.substring(1, sql.length() - 1), params); // the one seek, without its parentheses
        }
        params.add(f.limit() + 1);
        return new Query("SELECT * FROM (" + sql + ") AS page" + ORDER + " LIMIT ?", params);
    }

    /** The key's row as {@link #list} shows it; empty if there is no job under the key. */
    public Optional<JobSummary> summary(String key) throws SQLException {
        for (DataSource ds : databases) {
            try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(SUMMARY)) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return Optional.of(summary(rs));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Everything stored about the job under {@code key}, read in one repeatable-read snapshot so its
     * parts agree; empty if there is none.
     */
    public Optional<JobDetail> detail(String key) throws SQLException {
        for (DataSource ds : databases) {
            JobDetail d = snapshot(ds, c -> detail(c, key));
            if (d != null) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** Work on a connection, reading many statements as one. */
    private interface SqlWork<T> {
        T apply(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one read-only, repeatable-read transaction (one snapshot for all its
     * statements), then rolls back and gives the connection back as it came (a pool's may be reused).
     */
    private static <T> T snapshot(DataSource ds, SqlWork<T> work) throws SQLException {
        try (Connection c = ds.getConnection()) {
            int isolation = c.getTransactionIsolation();
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try {
                return work.apply(c);
            } finally {
                c.rollback();
                c.setReadOnly(false);
                c.setTransactionIsolation(isolation);
                c.setAutoCommit(true);
            }
        }
    }

    private static JobDetail detail(Connection c, String key) throws SQLException {
        JobDetail row = row(c, key);
        if (row == null) {
            return null;
        }
        Map<String, JsonNode> values = new LinkedHashMap<>();
        long valuesTotal = 0;
        try (PreparedStatement ps = c.prepareStatement(VALUES)) {
            ps.setString(1, key);
            ps.setInt(2, DETAIL_ROWS);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.put(rs.getString(1), KeyStore.parse(rs.getString(2)));
                    valuesTotal = rs.getLong(3);
                }
            }
        }
        List<JournalEntry> newest = journal(c, key, NEWEST_JOURNAL, null, DETAIL_ROWS);
        Collections.reverse(newest);
        long omitted = 0;
        if (!newest.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(OLDEST_SEQ)) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    omitted = newest.get(0).seq() - rs.getLong(1); // a key's seqs are consecutive
                }
            }
        }
        List<JobDetail.StagedRequest> staged = new ArrayList<>();
        long stagedTotal = 0;
        try (PreparedStatement ps = c.prepareStatement(STAGED)) {
            ps.setString(1, key);
            ps.setInt(2, DETAIL_ROWS);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    staged.add(new JobDetail.StagedRequest(rs.getLong(1), rs.getString(2), KeyStore.parse(rs.getString(3)), instant(rs, 4)));
                    stagedTotal = rs.getLong(5);
                }
            }
        }
        List<JobDetail.ChildJob> children = new ArrayList<>();
        long childrenTotal = 0;
        try (PreparedStatement ps = c.prepareStatement(CHILDREN)) {
            ps.setString(1, key);
            ps.setInt(2, DETAIL_ROWS);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    children.add(new JobDetail.ChildJob(rs.getString(1), rs.getString(2), rs.getString(3), rs.getObject(4, Integer.class),
                            instant(rs, 5), instant(rs, 6)));
                    childrenTotal = rs.getLong(7);
                }
            }
        }
        return new JobDetail(row.summary(), row.jobId(), row.args(), row.result(), row.errorStack(), row.steps(), row.lockedBy(),
                row.lockedAt(), row.partition(), Collections.unmodifiableMap(values), valuesTotal, JobDetail.timeline(newest), omitted,
                List.copyOf(staged), stagedTotal, List.copyOf(children), childrenTotal);
    }

    /** The key row alone, as a detail with empty lists; null if absent. */
    private static JobDetail row(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DETAIL)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new JobDetail(summary(rs), rs.getObject(15, java.util.UUID.class), KeyStore.parse(rs.getString(16)),
                        KeyStore.parse(rs.getString(17)), rs.getString(18), steps(rs.getArray(19)), rs.getString(20), instant(rs, 21),
                        rs.getObject(22, Integer.class), Map.of(), 0, List.of(), 0, List.of(), 0, List.of(), 0);
            }
        }
    }

    /**
     * The key's journal entries after {@code afterSeq}, oldest first, at most {@code limit}: how a
     * caller follows a job's progress (pass the last seq it saw). The newest entry returned has no
     * {@code tookMs}.
     */
    public List<JobDetail.TimelineEntry> timeline(String key, long afterSeq, int limit) throws SQLException {
        if (limit < 1 || limit > DETAIL_ROWS) {
            throw new IllegalArgumentException("read 1 to " + DETAIL_ROWS + " journal entries at a time, not " + limit);
        }
        for (DataSource ds : databases) {
            try (Connection c = ds.getConnection()) {
                List<JournalEntry> entries = journal(c, key, JOURNAL_AFTER, afterSeq, limit);
                if (!entries.isEmpty() || databases.size() == 1) {
                    return JobDetail.timeline(entries);
                }
            }
        }
        return JobDetail.timeline(List.of());
    }

    private static List<JournalEntry> journal(Connection c, String key, String sql, Long afterSeq, int limit) throws SQLException {
        List<JournalEntry> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, key);
            if (afterSeq != null) {
                ps.setLong(i++, afterSeq);
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new JournalEntry(rs.getLong(1), EventType.valueOf(rs.getString(2)), rs.getString(3),
                            (ObjectNode) KeyStore.parse(rs.getString(4)), instant(rs, 5)));
                }
            }
        }
        return out;
    }

    /** Counts by job and status, and the jobs that ended in each of the last {@link #STATS_MINUTES} minutes. */
    public JobStats stats() throws SQLException {
        List<JobStats> each = new ArrayList<>();
        for (DataSource ds : databases) {
            each.add(stats(ds));
        }
        return each.size() == 1 ? each.get(0) : JobStats.sum(each);
    }

    private static JobStats stats(DataSource ds) throws SQLException {
        return snapshot(ds, c -> {
            Instant now; // the transaction's start: the window's end and the counts' moment agree
            try (PreparedStatement ps = c.prepareStatement(DB_NOW); ResultSet rs = ps.executeQuery()) {
                rs.next();
                now = instant(rs, 1);
            }
            List<JobStats.Count> counts = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(COUNTS); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.add(new JobStats.Count(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
            Map<Instant, Map<String, Long>> ended = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(FINISHED_PER_MINUTE)) {
                ps.setInt(1, STATS_MINUTES - 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ended.computeIfAbsent(instant(rs, 1), m -> new HashMap<>()).put(rs.getString(2), rs.getLong(3));
                    }
                }
            }
            return new JobStats(now, counts, minutes(now, ended));
        });
    }

    /** One entry per minute of the window ending in {@code now}'s minute, zero where nothing ended (pure). */
    static List<JobStats.Minute> minutes(Instant now, Map<Instant, Map<String, Long>> ended) {
        Instant last = now.truncatedTo(ChronoUnit.MINUTES);
        List<JobStats.Minute> out = new ArrayList<>(STATS_MINUTES);
        for (int i = STATS_MINUTES - 1; i >= 0; i--) {
            Instant m = last.minus(i, ChronoUnit.MINUTES);
            Map<String, Long> n = ended.getOrDefault(m, Map.of());
            out.add(new JobStats.Minute(m, n.getOrDefault("SUCCEEDED", 0L), n.getOrDefault("FAILED", 0L), n.getOrDefault("CANCELLED", 0L)));
        }
        return out;
    }

    private static JobSummary summary(ResultSet rs) throws SQLException {
        return new JobSummary(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5), rs.getInt(6),
                rs.getString(7), rs.getString(8), instant(rs, 9), instant(rs, 10), instant(rs, 11), instant(rs, 12), rs.getLong(13),
                error(KeyStore.parse(rs.getString(14))));
    }

    private static JobError error(JsonNode e) {
        if (e == null || !e.isObject()) {
            return null;
        }
        return new JobError(text(e, "type"), text(e, "message"), text(e, "step"), e.hasNonNull("attempt") ? e.get("attempt").asInt() : null);
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }

    private static List<String> steps(java.sql.Array a) throws SQLException {
        if (a == null) {
            return null;
        }
        try {
            return List.of((String[]) a.getArray());
        } finally {
            a.free();
        }
    }

    /** To the microsecond, as stored (a page cursor must match a row exactly). */
    private static Instant instant(ResultSet rs, int i) throws SQLException {
        OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime utc(Instant i) {
        return OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }
}
