package dev.acidic.processor.internal.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import javax.sql.DataSource;

/**
 * The completer's query: the unfinished keys of one partition that nothing has touched for a
 * while, oldest first. A key is idle when, by Postgres' clock, each of these lies more than the
 * idle time back:
 *
 * <ul>
 *   <li>its last phase ({@code last_run_at});
 *   <li>its due time ({@code next_attempt_at}: a retry, a {@code waitUntil}), if it has one: a key
 *       waiting for a future time is never idle, and one just due is left to the timer that fires
 *       then, so the sweep does not race it and start a second timer chain for the key;
 *   <li>its lock ({@code locked_at}), whoever holds it, and by more than the lock timeout too: a
 *       live owner's lock is never taken, and a key locked by this very instance but left alone
 *       (a continuation that never came) is driven once its lock is that old.
 * </ul>
 *
 * <p>Only keys of jobs this processor runs are looked at: a newer deployment's job is left to the
 * instances that know it (and cannot crowd out the batch). A key waiting for a signal has its
 * timeout as its due time (above); one waiting for its children is idle only once they have all
 * ended (the last one's drive of it was lost, say), read through {@code acidic_children}.
 *
 * <p>The partial index {@code acidic_keys_unfinished (kafka_partition, last_run_at) WHERE status =
 * 'RUNNING'} serves the query: an index range scan in {@code last_run_at} order, stopped by the
 * limit. Rows it reads and the other conditions reject (keys waiting for a later time) are its cost.
 */
public final class Sweeps {
    private static final String CONDITIONS = """
               AND last_run_at < now() - ? * interval '1 millisecond'
               AND (next_attempt_at IS NULL OR next_attempt_at < now() - ? * interval '1 millisecond')
               AND (locked_at IS NULL OR locked_at < now() - ? * interval '1 millisecond')
               AND job = ANY (?)
               AND (awaiting IS DISTINCT FROM '$children' OR NOT EXISTS (
                    SELECT 1 FROM acidic_children ch LEFT JOIN acidic_keys c ON c.idempotency_key = ch.child_key
                     WHERE ch.parent_key = acidic_keys.idempotency_key
                       AND (c.status IS NULL OR c.status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED'))))
             ORDER BY last_run_at
             LIMIT ?""";
    /** The idle keys homed on a partition. */
    static final String HOMED = """
            SELECT idempotency_key, job, last_run_at, greatest(last_run_at, next_attempt_at, locked_at) FROM acidic_keys
             WHERE status = 'RUNNING' AND kafka_partition = ?
            """ + CONDITIONS;
    /** The idle keys with no home (a row written by hand or by an older version), swept by partition 0's task. */
    static final String UNHOMED = """
            SELECT idempotency_key, job, last_run_at, greatest(last_run_at, next_attempt_at, locked_at) FROM acidic_keys
             WHERE status = 'RUNNING' AND kafka_partition IS NULL
            """ + CONDITIONS;

    /**
     * What to look for.
     *
     * @param partition the sweeping task's partition: keys homed there
     * @param unhomed whether keys with no home ({@code kafka_partition} NULL) are this task's too
     * @param idle how long a key must lie untouched
     * @param lockTimeout the lock timeout: a lock younger than this (and than {@code idle}) is live
     * @param jobs the jobs this processor runs
     * @param limit most keys returned
     * @param statementTimeout longest the query may take (it runs on a stream thread)
     */
    public record Criteria(int partition, boolean unhomed, Duration idle, Duration lockTimeout, Collection<String> jobs,
            int limit, Duration statementTimeout) {
        public Criteria {
            jobs = List.copyOf(jobs);
        }

        /** How long a lock must be held untouched before the key counts as idle. */
        long lockIdleMillis() {
            return Math.max(idle.toMillis(), lockTimeout.toMillis());
        }
    }

    /**
     * A key found idle: when its last phase ran and since when it is idle (the latest of its last
     * run, due time and lock), by Postgres' clock.
     */
    public record Idle(String key, String job, Instant lastRunAt, Instant idleSince) {}

    private final DataSource ds;
    private final Criteria criteria;

    public Sweeps(DataSource ds, Criteria criteria) {
        this.ds = ds;
        this.criteria = criteria;
    }

    public Criteria criteria() {
        return criteria;
    }

    /** The idle keys of the criteria's partition (and, for its task, those with no home), oldest first, at most the limit. */
    public List<Idle> find() throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
                    ps.setString(1, Long.toString(Math.max(1, criteria.statementTimeout().toMillis())));
                    ps.execute();
                }
                List<Idle> found = find(c, HOMED, criteria.partition());
                if (criteria.unhomed()) {
                    found.addAll(find(c, UNHOMED, null));
                    found.sort(Comparator.comparing(Idle::lastRunAt));
                    if (found.size() > criteria.limit()) {
                        found = new ArrayList<>(found.subList(0, criteria.limit()));
                    }
                }
                c.commit();
                return found;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailed) {
                    e.addSuppressed(rollbackFailed);
                }
                throw e;
            }
        }
    }

    private List<Idle> find(Connection c, String sql, Integer partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(c, ps, partition);
            List<Idle> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Idle(rs.getString(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant(),
                            rs.getObject(4, OffsetDateTime.class).toInstant()));
                }
            }
            return out;
        }
    }

    /** Binds the criteria to {@link #HOMED} (with a partition) or {@link #UNHOMED} (without). */
    void bind(Connection c, PreparedStatement ps, Integer partition) throws SQLException {
        int i = 1;
        if (partition != null) {
            ps.setInt(i++, partition);
        }
        ps.setLong(i++, criteria.idle().toMillis());
        ps.setLong(i++, criteria.idle().toMillis());
        ps.setLong(i++, criteria.lockIdleMillis());
        ps.setArray(i++, c.createArrayOf("text", criteria.jobs().toArray()));
        ps.setInt(i, criteria.limit());
    }
}
