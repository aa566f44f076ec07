package dev.acidic.processor.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.EventType;
import dev.acidic.api.JobRequest;
import dev.acidic.api.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The SQL of the key store. Every method runs on a connection whose transaction the caller owns;
 * nothing here commits. All values travel as bind parameters, never as SQL text.
 */
public final class KeyStore {
    private static final String ROW_COLUMNS = """
            idempotency_key, job_id, job, args, recovery_point, status, locked_by,
            coalesce(extract(epoch from (now() - locked_at)) * 1000, -1)::bigint AS lock_age_ms,
            coalesce(extract(epoch from (next_attempt_at - now())) * 1000, 0)::bigint AS due_in_ms,
            attempts, result, error, last_seq, staged_seq, now() AS db_now, kafka_partition, steps, awaiting, run, parent_key""";

    /**
     * A new key's ACCEPTED entry takes the seq after the last one of any earlier job under the
     * key (acidic_key_seqs, kept when a key row is deleted), so that (key, seq) never repeats.
     */
    private static final String INSERT_KEY = """
            INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, locked_at, locked_by,
                                     last_seq, kafka_partition, next_attempt_at, steps, parent_key)
            VALUES (?, ?, ?, ?::jsonb, ?, now(), ?,
                    1 + coalesce((SELECT last_seq FROM acidic_key_seqs WHERE idempotency_key = ?), 0), ?, ?, ?, ?)
            ON CONFLICT (idempotency_key) DO NOTHING""";

    private static final String SELECT = "SELECT " + ROW_COLUMNS + " FROM acidic_keys WHERE idempotency_key = ?";
    private static final String SELECT_FOR_UPDATE = SELECT + " FOR UPDATE";

    /** Locks in key order, the order every batch uses, so batches cannot deadlock one another. */
    private static final String SELECT_MANY_FOR_UPDATE = "SELECT " + ROW_COLUMNS
            + " FROM acidic_keys WHERE idempotency_key = ANY (?) ORDER BY idempotency_key FOR UPDATE";

    /**
     * Each key's step list travels as a JSON array (unnest cannot yield arrays from a 2-D one)
     * and becomes a text[] in order.
     */
    private static final String INSERT_KEYS = """
            INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, locked_at, locked_by,
                                     last_seq, kafka_partition, next_attempt_at, steps, parent_key)
            SELECT k, j, jb, a::jsonb, rp, now(), ?, 1 + coalesce(s.last_seq, 0), ?, ra,
                   ARRAY(SELECT e FROM jsonb_array_elements_text(st::jsonb) WITH ORDINALITY AS x(e, i) ORDER BY i), pk
              FROM unnest(?::text[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[])
                   AS t(k, j, jb, a, rp, ra, st, pk)
              LEFT JOIN acidic_key_seqs s ON s.idempotency_key = t.k
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING\s""" + ROW_COLUMNS;

    private static final String SAME_ARGS =
            "SELECT (args - ?::text[]) = (?::jsonb - ?::text[]) FROM acidic_keys WHERE idempotency_key = ?";

    private static final String LOCK = """
            UPDATE acidic_keys SET locked_at = now(), locked_by = ?, kafka_partition = coalesce(kafka_partition, ?)
            WHERE idempotency_key = ?""";

    private static final String INSERT_JOURNAL = """
            INSERT INTO acidic_journal (idempotency_key, seq, type, step, data, at) VALUES (?, ?, ?, ?, ?::jsonb, ?)""";

    private static final String SET_SEQ = "UPDATE acidic_keys SET last_seq = ? WHERE idempotency_key = ?";

    private static final String SET_STEPS = "UPDATE acidic_keys SET steps = ? WHERE idempotency_key = ?";

    private static final String AFTER_PHASE = """
            UPDATE acidic_keys
               SET recovery_point = ?, status = ?, attempts = ?, result = ?::jsonb, error = ?::jsonb,
                   last_seq = ?, staged_seq = ?, next_attempt_at = ?,
                   locked_at = CASE WHEN ? THEN now() ELSE NULL END,
                   locked_by = CASE WHEN ? THEN locked_by ELSE NULL END,
                   last_run_at = now(),
                   finished_at = CASE WHEN ? IN ('SUCCEEDED', 'FAILED', 'CANCELLED') THEN now() ELSE NULL END,
                   awaiting = ?
             WHERE idempotency_key = ?""";

    private static final String JOURNAL_AFTER = """
            SELECT seq, type, step, data, at FROM acidic_journal WHERE idempotency_key = ? AND seq > ? ORDER BY seq""";



    /**
     * Inserts a new key row at the first of {@code steps} (its job's step names, stored with it),
     * locked by {@code owner}; false if the key already exists.
     */
    public boolean insertKey(Connection c, String key, UUID jobId, JobRequest req, List<String> steps, String owner, Integer partition)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_KEY)) {
            ps.setString(1, key);
            ps.setObject(2, jobId);
            ps.setString(3, req.job());
            ps.setString(4, json(req.args()));
            ps.setString(5, steps.get(0));
            ps.setString(6, owner);
            ps.setString(7, key);
            setInt(ps, 8, partition);
            if (req.runAt() == null) {
                ps.setNull(9, java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                ps.setObject(9, utc(req.runAt()));
            }
            ps.setArray(10, c.createArrayOf("text", steps.toArray()));
            ps.setString(11, req.parent());
            return ps.executeUpdate() == 1;
        }
    }

    /** The key row, locked FOR UPDATE until the transaction ends; null if absent. */
    public KeyRow lockRow(Connection c, String key) throws SQLException {
        return lockRow(c, key, SELECT_FOR_UPDATE);
    }

    /**
     * Like {@link #lockRow(Connection, String)} but fails at once with SQLSTATE 55P03 if another
     * transaction holds the row: a claim must not block its stream thread behind a phase running
     * elsewhere (a zombie's, or a misconfigured twin's).
     */
    public KeyRow lockRowNoWait(Connection c, String key) throws SQLException {
        return lockRow(c, key, SELECT_FOR_UPDATE + " NOWAIT");
    }

    /** The key row as last committed, without locking it; null if absent. */
    public KeyRow readRow(Connection c, String key) throws SQLException {
        return lockRow(c, key, SELECT);
    }

    private KeyRow lockRow(Connection c, String key, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? row(rs) : null;
            }
        }
    }

    private static KeyRow row(ResultSet rs) throws SQLException {
        return new KeyRow(rs.getString(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getInt(10),
                parse(rs.getString(4)), parse(rs.getString(11)), parse(rs.getString(12)), rs.getLong(13),
                rs.getLong(14), rs.getTimestamp(15).toInstant(), rs.getObject(16, Integer.class), steps(rs.getArray(17)), rs.getString(18), rs.getInt(19),
                rs.getString(20));
    }

    private static List<String> steps(java.sql.Array a) throws SQLException {
        if (a == null) {
            return null;
        }
        try {
            return java.util.Collections.unmodifiableList(java.util.Arrays.asList((String[]) a.getArray()));
        } finally {
            a.free();
        }
    }

    /** The rows of {@code keys} that exist, each locked FOR UPDATE, by key. */
    public java.util.Map<String, KeyRow> lockRows(Connection c, java.util.Collection<String> keys) throws SQLException {
        java.util.Map<String, KeyRow> out = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT_MANY_FOR_UPDATE)) {
            ps.setArray(1, c.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    KeyRow r = row(rs);
                    out.put(r.key(), r);
                }
            }
        }
        return out;
    }

    /** A key to create: its job's step names (it starts at the first) and its request. */
    public record NewKey(String key, UUID jobId, JobRequest request, List<String> steps) {}

    /**
     * Inserts the keys that do not exist yet, locked by {@code owner}, in one statement.
     *
     * @return the inserted rows by key; keys that existed are absent
     */
    public java.util.Map<String, KeyRow> insertKeys(Connection c, List<NewKey> keys, String owner, Integer partition) throws SQLException {
        int n = keys.size();
        String[] k = new String[n];
        UUID[] j = new UUID[n];
        String[] jb = new String[n];
        String[] a = new String[n];
        String[] rp = new String[n];
        OffsetDateTime[] ra = new OffsetDateTime[n];
        String[] st = new String[n];
        String[] pk = new String[n];
        for (int i = 0; i < n; i++) {
            NewKey nk = keys.get(i);
            k[i] = nk.key();
            j[i] = nk.jobId();
            jb[i] = nk.request().job();
            a[i] = json(nk.request().args());
            rp[i] = nk.steps().get(0);
            ra[i] = nk.request().runAt() == null ? null : utc(nk.request().runAt());
            st[i] = json(STORED.valueToTree(nk.steps()));
            pk[i] = nk.request().parent();
        }
        java.util.Map<String, KeyRow> out = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(INSERT_KEYS)) {
            ps.setString(1, owner);
            setInt(ps, 2, partition);
            ps.setArray(3, c.createArrayOf("text", k));
            ps.setArray(4, c.createArrayOf("uuid", j));
            ps.setArray(5, c.createArrayOf("text", jb));
            ps.setArray(6, c.createArrayOf("text", a));
            ps.setArray(7, c.createArrayOf("text", rp));
            ps.setArray(8, c.createArrayOf("timestamptz", ra));
            ps.setArray(9, c.createArrayOf("text", st));
            ps.setArray(10, c.createArrayOf("text", pk));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    KeyRow r = row(rs);
                    out.put(r.key(), r);
                }
            }
        }
        return out;
    }

    /**
     * Whether the stored arguments equal {@code args} as JSON values (key order and number form
     * ignored, as jsonb equality does), leaving out the top-level fields in {@code ignored}.
     */
    public boolean sameArgs(Connection c, String key, JsonNode args, java.util.Set<String> ignored) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SAME_ARGS)) {
            java.sql.Array ignore = c.createArrayOf("text", ignored.toArray());
            ps.setArray(1, ignore);
            ps.setString(2, json(args));
            ps.setArray(3, ignore);
            ps.setString(4, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    public void lock(Connection c, String key, String owner, Integer partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK)) {
            ps.setString(1, owner);
            setInt(ps, 2, partition);
            ps.setString(3, key);
            ps.executeUpdate();
        }
    }

    public void appendJournal(Connection c, String key, List<JournalEntry> entries) throws SQLException {
        appendJournal(c, java.util.Map.of(key, entries));
    }

    /** Journal entries of several keys, in one batch (one multi-row INSERT with reWriteBatchedInserts). */
    public void appendJournal(Connection c, java.util.Map<String, List<JournalEntry>> byKey) throws SQLException {
        boolean any = false;
        try (PreparedStatement ps = c.prepareStatement(INSERT_JOURNAL)) {
            for (var kv : byKey.entrySet()) {
                for (JournalEntry e : kv.getValue()) {
                    ps.setString(1, kv.getKey());
                    ps.setLong(2, e.seq());
                    ps.setString(3, e.type().name());
                    ps.setString(4, e.step());
                    ps.setString(5, json(e.data()));
                    ps.setObject(6, utc(e.at()));
                    ps.addBatch();
                    any = true;
                }
            }
            if (any) {
                ps.executeBatch();
            }
        }
    }

    public void setLastSeq(Connection c, String key, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_SEQ)) {
            ps.setLong(1, seq);
            ps.setString(2, key);
            ps.executeUpdate();
        }
    }

    /** Stores {@code steps} as the step names of the definition the key now runs under. */
    public void setSteps(Connection c, String key, List<String> steps) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_STEPS)) {
            ps.setArray(1, c.createArrayOf("text", steps.toArray()));
            ps.setString(2, key);
            ps.executeUpdate();
        }
    }

    /**
     * The new state of a key after a phase (or after recording a failure).
     *
     * @param awaiting the signal the job now waits for (with {@code nextAttemptAt} as the timeout), or null
     */
    public record RowUpdate(String recoveryPoint, String status, int attempts, JsonNode result, JsonNode error, long lastSeq,
            long stagedSeq, Instant nextAttemptAt, boolean keepLock, String awaiting) {
        public RowUpdate(String recoveryPoint, String status, int attempts, JsonNode result, JsonNode error, long lastSeq,
                long stagedSeq, Instant nextAttemptAt, boolean keepLock) {
            this(recoveryPoint, status, attempts, result, error, lastSeq, stagedSeq, nextAttemptAt, keepLock, null);
        }
    }

    public void update(Connection c, String key, RowUpdate u) throws SQLException {
        update(c, java.util.Map.of(key, u));
    }

    /** Updates several key rows in one batch (one round trip). */
    public void update(Connection c, java.util.Map<String, RowUpdate> byKey) throws SQLException {
        if (byKey.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(AFTER_PHASE)) {
            for (var kv : byKey.entrySet()) {
                bindUpdate(ps, kv.getKey(), kv.getValue());
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            int i = 0;
            for (String key : byKey.keySet()) {
                if (counts[i++] == 0) {
                    throw new SQLException("key row '" + key + "' vanished while locked FOR UPDATE");
                }
            }
        }
    }

    private static void bindUpdate(PreparedStatement ps, String key, RowUpdate u) throws SQLException {
        ps.setString(1, u.recoveryPoint());
        ps.setString(2, u.status());
        ps.setInt(3, u.attempts());
        ps.setString(4, u.result() == null ? null : json(u.result()));
        ps.setString(5, u.error() == null ? null : json(u.error()));
        ps.setLong(6, u.lastSeq());
        ps.setLong(7, u.stagedSeq());
        if (u.nextAttemptAt() == null) {
            ps.setNull(8, java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(8, utc(u.nextAttemptAt()));
        }
        ps.setBoolean(9, u.keepLock());
        ps.setBoolean(10, u.keepLock());
        ps.setString(11, u.status());
        ps.setString(12, u.awaiting());
        ps.setString(13, key);
    }

    public List<JournalEntry> journalAfter(Connection c, String key, long seq) throws SQLException {
        List<JournalEntry> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(JOURNAL_AFTER)) {
            ps.setString(1, key);
            ps.setLong(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new JournalEntry(rs.getLong(1), EventType.valueOf(rs.getString(2)), rs.getString(3),
                            (ObjectNode) parse(rs.getString(4)), rs.getTimestamp(5).toInstant()));
                }
            }
        }
        return out;
    }

    static String json(JsonNode node) {
        try {
            return STORED.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The store's own mapper, never handed out: a copy of the wire mapper's settings. Reads jsonb back. Postgres prints numbers in plain notation, so a number the wire format
     * accepted in exponent form (or a step's result held) may come back longer than Jackson's
     * default limit of 1000 digits; our own storage is read without that limit.
     */
    private static final com.fasterxml.jackson.databind.ObjectMapper STORED = storedMapper();

    private static com.fasterxml.jackson.databind.ObjectMapper storedMapper() {
        com.fasterxml.jackson.databind.ObjectMapper m = Wire.mapper(); // already a copy of its own
        m.getFactory().setStreamReadConstraints(
                com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNumberLength(Integer.MAX_VALUE).build());
        return m;
    }

    public static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return STORED.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable jsonb from Postgres", e);
        }
    }

    private static OffsetDateTime utc(Instant i) {
        return OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
        if (v == null) {
            ps.setNull(i, java.sql.Types.INTEGER);
        } else {
            ps.setInt(i, v);
        }
    }
}
