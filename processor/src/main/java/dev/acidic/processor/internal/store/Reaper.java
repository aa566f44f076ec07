package dev.acidic.processor.internal.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * Deletes finished keys older than a retention with everything stored under them (journal,
 * values, staged jobs), a batch per transaction, and the poison-record counts
 * ({@code acidic_record_failures}) last touched as long ago.
 *
 * <p>A batch locks its keys {@code FOR UPDATE SKIP LOCKED}, oldest first, on the partial index
 * {@code acidic_keys_finished}: a row some phase, claim or command holds is skipped (and taken by a
 * later round), never waited for. Then it deletes their journal, values and staged jobs, then the
 * key rows (whose trigger keeps each key's last seq in {@code acidic_key_seqs}), and commits. One
 * transaction per batch: a reader sees a key whole or not at all, and a request for a key being
 * reaped waits for the batch (its insert meets the uncommitted delete), then starts a new job whose
 * seq follows the kept one (migration V6 makes an insert that raced the delete retry rather than
 * repeat a seq). The batch commits with {@code synchronous_commit = off}: a batch lost in a crash is
 * only reaped again, and any commit that depended on it flushes it first; so the reaper adds no
 * flush of its own to the phases' WAL. Between batches it pauses ({@link ReaperPace#pauseAfter}).
 *
 * <p>A finished child job is kept while its parent has not ended (the parent reads its outcome);
 * a reaped parent's links to its children go with it.
 *
 * <p>One reaper at a time per database schema: a round holds a session-level advisory lock on its
 * connection; a round that cannot take it returns at once ({@link Outcome#skipped()}). The lock
 * ends with the round, or with the session if the process dies.
 *
 * <p>A table added later that keeps rows per idempotency key must be deleted here too.
 */
public final class Reaper {
    /** Advisory lock class ("acid"); the second key is the schema's hash, so schemas of one database reap apart. */
    static final int LOCK_CLASS = 0x61636964;
    static final String TRY_LOCK = "SELECT pg_try_advisory_lock(" + LOCK_CLASS + ", hashtext(current_schema()))";
    static final String UNLOCK = "SELECT pg_advisory_unlock(" + LOCK_CLASS + ", hashtext(current_schema()))";
    /** Longest a statement of a batch may run (or its transaction sit idle). */
    public static final Duration STATEMENT_TIMEOUT = Duration.ofMinutes(1);
    /** Longest a batch waits for a lock: it never should (it skips locked key rows), so a wait means something odd. */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);

    /** A child is kept while its parent has not ended: the parent reads its outcome. */
    private static final String OLD_FINISHED =
            " WHERE finished_at IS NOT NULL AND finished_at < now() - ? * interval '1 millisecond'"
            + " AND (parent_key IS NULL OR NOT EXISTS (SELECT 1 FROM acidic_keys p"
            + " WHERE p.idempotency_key = acidic_keys.parent_key AND p.finished_at IS NULL))";
    static final String PICK = "SELECT idempotency_key FROM acidic_keys" + OLD_FINISHED
            + " ORDER BY finished_at LIMIT ? FOR UPDATE SKIP LOCKED";
    static final String COUNT = "SELECT count(*) FROM acidic_keys" + OLD_FINISHED;
    // Children first, then the key rows, all under the key rows' locks taken by PICK: the order a
    // phase takes them in too (key row, then its journal), so the two cannot deadlock.
    private static final String DELETE_JOURNAL = "DELETE FROM acidic_journal WHERE idempotency_key = ANY (?)";
    private static final String DELETE_VALUES = "DELETE FROM acidic_values WHERE idempotency_key = ANY (?)";
    private static final String DELETE_STAGED = "DELETE FROM acidic_staged WHERE idempotency_key = ANY (?)";
    private static final String DELETE_SIGNALS = "DELETE FROM acidic_signals WHERE idempotency_key = ANY (?)";
    private static final String DELETE_CHILD_LINKS = "DELETE FROM acidic_children WHERE parent_key = ANY (?)";
    private static final String DELETE_KEYS = "DELETE FROM acidic_keys WHERE idempotency_key = ANY (?)";
    private static final String RECORD_FAILURES = """
            DELETE FROM acidic_record_failures WHERE (topic, kafka_partition, record_offset) IN (
                SELECT topic, kafka_partition, record_offset FROM acidic_record_failures
                 WHERE last_at < now() - ? * interval '1 millisecond' LIMIT ? FOR UPDATE SKIP LOCKED)""";

    /**
     * What a reap did.
     *
     * @param ran false when another session held the reaper's lock: nothing was looked at
     * @param keys finished keys deleted; {@code journalEntries}, {@code values}, {@code stagedJobs} their rows
     * @param recordFailures poison-record counts deleted
     * @param batches transactions that deleted something
     * @param took the whole round, pauses included
     */
    public record Outcome(boolean ran, long keys, long journalEntries, long values, long stagedJobs, long recordFailures,
            int batches, Duration took) {
        public static Outcome skipped() {
            return new Outcome(false, 0, 0, 0, 0, 0, 0, Duration.ZERO);
        }

        /** Keys deleted per second of the round (pauses included). */
        public double keysPerSecond() {
            return took.isZero() ? 0 : keys * 1e9 / took.toNanos();
        }
    }

    private final DataSource ds;
    private final int batch;

    /** @param batch most keys deleted per transaction */
    public Reaper(DataSource ds, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("a reaper batch needs at least one key, not " + batch);
        }
        this.ds = ds;
        this.batch = batch;
    }

    /** How many finished keys are older than {@code olderThan} (what a reap would delete now): a dry run. */
    public long count(Duration olderThan) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(COUNT)) {
            ps.setLong(1, olderThan.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Deletes every finished key older than {@code olderThan}, batch by batch with a pause after
     * each full one, then the poison-record counts as old; or nothing when another session is
     * reaping ({@link Outcome#skipped()}). Stops early, between batches, when {@code stop} says so
     * or the thread is interrupted; what is left goes to the next round.
     */
    public Outcome reap(Duration olderThan, BooleanSupplier stop) throws SQLException {
        if (olderThan.isNegative() || olderThan.isZero()) {
            throw new IllegalArgumentException("reaping keys older than " + olderThan + " would take every finished key:"
                    + " use a positive age");
        }
        long t0 = System.nanoTime();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            if (!bool(c, TRY_LOCK)) {
                return Outcome.skipped();
            }
            Tally t = new Tally();
            try {
                boolean more = true;
                while (more && !stopped(stop)) {
                    long b0 = System.nanoTime();
                    Batch b = inTransaction(c, () -> deleteKeys(c, olderThan));
                    t.add(b);
                    more = b.keys() == batch && pause(Duration.ofNanos(System.nanoTime() - b0));
                }
                more = !stopped(stop);
                while (more) {
                    int n = inTransaction(c, () -> deleteRecordFailures(c, olderThan));
                    t.recordFailures += n;
                    more = n == batch && !stopped(stop);
                }
            } catch (SQLException | RuntimeException e) {
                try {
                    unlock(c);
                } catch (SQLException unlockFailed) {
                    e.addSuppressed(unlockFailed);
                }
                throw e;
            }
            unlock(c);
            return new Outcome(true, t.keys, t.journal, t.values, t.staged, t.recordFailures, t.batches,
                    Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    /** What one committed batch deleted. */
    private record Batch(int keys, long journal, long values, long staged) {}

    /** What a round deleted so far. */
    private static final class Tally {
        long keys;
        long journal;
        long values;
        long staged;
        long recordFailures;
        int batches;

        void add(Batch b) {
            keys += b.keys();
            journal += b.journal();
            values += b.values();
            staged += b.staged();
            batches += b.keys() > 0 ? 1 : 0;
        }
    }

    /** One batch, in the caller's transaction. */
    private Batch deleteKeys(Connection c, Duration olderThan) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(PICK)) {
            ps.setLong(1, olderThan.toMillis());
            ps.setInt(2, batch);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
        }
        if (keys.isEmpty()) {
            return new Batch(0, 0, 0, 0);
        }
        Array arr = c.createArrayOf("text", keys.toArray());
        long journal = delete(c, DELETE_JOURNAL, arr);
        long values = delete(c, DELETE_VALUES, arr);
        long staged = delete(c, DELETE_STAGED, arr);
        delete(c, DELETE_SIGNALS, arr); // signals delivered to the reaped jobs
        delete(c, DELETE_CHILD_LINKS, arr); // the reaped jobs' links to their children (the children are keys of their own)
        long deleted = delete(c, DELETE_KEYS, arr);
        if (deleted != keys.size()) { // the rows are locked: nothing else can have deleted one
            throw new SQLException("the reaper locked " + keys.size() + " key rows but deleted " + deleted);
        }
        return new Batch(keys.size(), journal, values, staged);
    }

    private static long delete(Connection c, String sql, Array keys) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, keys);
            return ps.executeUpdate();
        }
    }

    private int deleteRecordFailures(Connection c, Duration olderThan) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RECORD_FAILURES)) {
            ps.setLong(1, olderThan.toMillis());
            ps.setInt(2, batch);
            return ps.executeUpdate();
        }
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    private static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement("SELECT set_config('statement_timeout', ?, true),"
                    + " set_config('idle_in_transaction_session_timeout', ?, true), set_config('lock_timeout', ?, true),"
                    + " set_config('synchronous_commit', 'off', true)")) {
                ps.setString(1, Long.toString(STATEMENT_TIMEOUT.toMillis()));
                ps.setString(2, Long.toString(STATEMENT_TIMEOUT.toMillis()));
                ps.setString(3, Long.toString(LOCK_TIMEOUT.toMillis()));
                ps.execute();
            }
            T result = work.run();
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException rollbackFailed) {
                e.addSuppressed(rollbackFailed);
            }
            throw e;
        } finally {
            if (!c.isClosed()) {
                c.setAutoCommit(true);
            }
        }
    }

    private static boolean stopped(BooleanSupplier stop) {
        return stop.getAsBoolean() || Thread.currentThread().isInterrupted();
    }

    /** Pauses after a full batch; false when interrupted (the round ends, the interrupt kept). */
    private static boolean pause(Duration took) {
        try {
            TimeUnit.NANOSECONDS.sleep(ReaperPace.pauseAfter(took).toNanos());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Gives the lock back; if that fails the session is ended, which releases it too (a pooled
     * connection must not go back to its pool holding it).
     */
    private static void unlock(Connection c) throws SQLException {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            bool(c, UNLOCK);
        } catch (SQLException e) {
            c.abort(Runnable::run);
            throw e;
        }
    }

    private static boolean bool(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
