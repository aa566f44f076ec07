package dev.acidic.processor;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.internal.engine.DriveResult;
import dev.acidic.processor.internal.engine.Engine;
import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.store.Database;
import dev.acidic.processor.internal.store.JobValuesSql;
import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.ShardLayout;
import dev.acidic.processor.internal.store.ShardLayouts;
import dev.acidic.processor.internal.store.Migrator;
import dev.acidic.processor.internal.store.StagedJob;
import dev.acidic.processor.internal.store.StagedSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * A processor's engine driven directly, on the calling thread, against Postgres alone: no Kafka, no
 * Kafka Streams, no timers, no completer. For tests of your jobs (the {@code acidic-testkit} module
 * runs on it) and for tools. Each call does what a processor's stream thread does for one record,
 * with the same claims, atomic phases, retries and journal:
 * <ul>
 *   <li>{@link #submit} is a request record: a new key is claimed and its first phase committed in
 *       one transaction (a batch of one, as a processor under exactly-once does), an existing key is
 *       claimed and driven (a redelivered request), a finished one answered as a replay;
 *   <li>{@link #drive(String)} is a timer or continuation firing: the key's next phases run;
 *   <li>{@link #command} is a command record (signal, cancel, resume, retry).
 * </ul>
 * A drive stops where a processor's would: the job finished, waits (retry backoff, a time, a
 * signal), is halted or awaits its children, or the drive budget is spent. Nothing moves it on by
 * itself afterwards: drive it again when {@link Drive#retryInMillis()} has passed. Staged jobs are
 * written but not sent anywhere: read them with {@link #staged} and submit them yourself.
 *
 * <p>Crash tests: when a {@link CrashPoints} hook throws {@link CrashPoints.SimulatedCrash} out of
 * a call, Postgres holds exactly what a processor killed at that boundary would have left. Go on
 * with {@link #restart()}, as that processor restarted with the same instance id: it reclaims the
 * key's lock at once when the request is submitted again.
 *
 * <p>Thread-safe for drives of different keys; drive one key from one thread at a time.
 */
public final class DirectEngine implements AutoCloseable {
    /** The partition every key is homed on: there is one "task". */
    private static final int PARTITION = 0;

    private final HikariDataSource pool;
    private final AcidicConfig config;
    private final JobRegistry jobs;
    private final Engine engine;
    private final KeyStore store = new KeyStore();
    private final boolean ownsPool;

    /** Where a drive stopped. */
    public enum Outcome {
        /** The job has ended (now, or before: see {@link Drive#replay()}); its terminal event is journaled. */
        FINISHED,
        /** The key holds another job or other arguments; nothing changed (a processor answers REJECTED). */
        MISMATCH,
        /** The job waits: a retry's backoff, a time, a signal, a deferral; drive it again after {@link Drive#retryInMillis()}. */
        WAITING,
        /** The drive budget was spent; drive it again now. */
        CONTINUE,
        /** The job is halted until a resume command. */
        HALTED,
        /** The job waits until its children have ended (drive it again when one ends). */
        AWAITING_CHILDREN,
        /** Another owner holds the key (a lock that has not expired). */
        NOT_OURS,
        /** No such key. */
        MISSING
    }

    /**
     * What one drive did.
     *
     * @param job the key's job (null if the key is missing)
     * @param parentKey the job that spawned this one, to drive again when this one finishes (or null)
     * @param replay the job had finished before this request came: a processor answers with its
     *     stored outcome, {@code replay: true}
     */
    public record Drive(Outcome outcome, long retryInMillis, String job, String parentKey, boolean replay) {}

    /** A job a phase staged (or spawned): to submit under {@code key} once the phase committed. */
    public record Staged(long ordinal, String key, JobRequest request) {}

    /**
     * What a command did. {@code applied} false: refused with {@code rejectReason} (a constant of
     * {@link dev.acidic.api.Completion}) and {@code rejectMessage}; {@code replay}: a cancel of an
     * ended job, answered with its stored outcome; {@code driveNext}: the job should be driven now
     * (a signal it waited for, a resume, a retry).
     */
    public record CommandResult(boolean applied, String rejectReason, String rejectMessage, boolean replay, boolean driveNext) {}

    private DirectEngine(HikariDataSource pool, AcidicConfig config, JobRegistry jobs, boolean ownsPool) {
        this.pool = pool;
        this.config = config;
        this.jobs = jobs;
        this.ownsPool = ownsPool;
        this.engine = new Engine(pool, jobs, config.engineSettings(ShardLayout.single()));
    }

    /**
     * Opens a pool on {@code config}'s Postgres ({@code acidic.jdbc.*}, sized and set up as a
     * processor's), migrates it and runs {@code schema} (your jobs' idempotent DDL, as
     * {@link dev.acidic.api.JobProvider#schema()}), and drives {@code jobs} as instance
     * {@code acidic.instance.id} with {@code config}'s lock timeout, retry, budget and limit settings.
     */
    public static DirectEngine start(AcidicConfig config, Collection<JobDefinition> jobs, List<String> schema) throws SQLException {
        Objects.requireNonNull(config, "config");
        if (config.jdbcUrl().isBlank()) {
            throw new IllegalArgumentException(AcidicConfig.JDBC_URL + " is not set: DirectEngine needs a Postgres to drive jobs on");
        }
        if (config.jdbcUrls().size() > 1) {
            // it drives keys without Kafka, so without the partitions that place sharded keys
            throw new IllegalArgumentException(AcidicConfig.JDBC_SHARDS + " is set: DirectEngine drives jobs on one database, and"
                    + " keys it created there would sit outside a sharded layout; give it a database of its own");
        }
        JobRegistry registry = new JobRegistry(jobs, schema);
        HikariDataSource pool = Database.pool(config.poolSettings(config.effectivePoolSize()));
        try {
            Migrator.migrate(pool, registry.schema());
            ShardLayouts.fix(pool, 0, ShardLayout.single()); // refuses a database that is one shard of several
            return new DirectEngine(pool, config, registry, true);
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * The same instance restarted after a crash: a new engine on the same pool, with nothing in
     * memory from this one. Close the original only (it owns the pool).
     */
    public DirectEngine restart() {
        return new DirectEngine(pool, config, jobs, false);
    }

    /**
     * An engine for other jobs on the same pool and instance id (say, a test that adds a job), after
     * running {@code schema} as {@link #start} does. Close the original only (it owns the pool).
     */
    public DirectEngine withJobs(Collection<JobDefinition> jobs, List<String> schema) throws SQLException {
        JobRegistry registry = new JobRegistry(jobs, schema);
        Migrator.migrate(pool, registry.schema());
        return new DirectEngine(pool, config, registry, false);
    }

    /**
     * Handles a request record for {@code key}.
     *
     * @throws IllegalArgumentException for a job this engine does not run (a processor answers
     *     REJECTED/UNKNOWN_JOB)
     * @throws SQLException when Postgres refused the claim (a processor would see the record again)
     */
    public Drive submit(String key, JobRequest request) throws SQLException {
        Objects.requireNonNull(key, "key");
        if (jobs.get(request.job()) == null) {
            throw new IllegalArgumentException("unknown job '" + request.job() + "' for key '" + key + "'; this engine runs "
                    + jobs.names());
        }
        Engine.Outcome o = engine.driveBatch(List.of(new Engine.Item(key, request)), PARTITION).get(0);
        if (o.failure() != null) {
            throw o.failure();
        }
        return drive(o.result(), true);
    }

    /** Drives {@code key} as a due timer or a continuation does: only an existing key, from its stored recovery point. */
    public Drive drive(String key) throws SQLException {
        return drive(engine.drive(key, null, PARTITION), false);
    }

    private static Drive drive(DriveResult d, boolean request) {
        Outcome o = switch (d.kind()) {
            case DONE -> Outcome.FINISHED;
            case MISMATCH -> Outcome.MISMATCH;
            case WAIT -> Outcome.WAITING;
            case CONTINUE -> Outcome.CONTINUE;
            case HALTED -> Outcome.HALTED;
            case AWAITING -> Outcome.AWAITING_CHILDREN;
            case LOST, ELSEWHERE -> Outcome.NOT_OURS;
            case MISSING -> Outcome.MISSING;
        };
        KeyRow row = d.row();
        return new Drive(o, d.retryInMillis(), d.job(), row == null ? null : row.parentKey(), request && d.wasFinished());
    }

    /** Applies a command record for {@code key}. */
    public CommandResult command(String key, JobCommand command) throws SQLException {
        Engine.CommandOutcome o = engine.command(key, command, PARTITION);
        return new CommandResult(o.rejectReason() == null, o.rejectReason(), o.rejectMessage(), o.replay(), o.driveNext());
    }

    /** {@code key}'s journal as the events a processor publishes from it, in seq order; empty if no such key. */
    public List<JobEvent> events(String key) throws SQLException {
        try (Connection c = pool.getConnection()) {
            KeyRow row = store.readRow(c, key);
            if (row == null) {
                return List.of();
            }
            List<JobEvent> out = new ArrayList<>();
            for (JournalEntry e : store.journalAfter(c, key, 0)) {
                out.add(e.toEvent(key, row.job()));
            }
            return out;
        }
    }

    /** {@code key}'s persisted values ({@code ctx.values()}), by name. */
    public Map<String, JsonNode> values(String key) throws SQLException {
        try (Connection c = pool.getConnection()) {
            return new JobValuesSql().all(c, key);
        }
    }

    /** The jobs {@code key}'s committed phases staged or spawned after {@code afterOrdinal} (0: all), in order. */
    public List<Staged> staged(String key, long afterOrdinal) throws SQLException {
        try (Connection c = pool.getConnection()) {
            List<Staged> out = new ArrayList<>();
            for (StagedJob s : new StagedSql().after(c, key, afterOrdinal)) {
                out.add(new Staged(s.ordinal(), s.targetKey(), s.request()));
            }
            return out;
        }
    }

    /** The names of the jobs this engine runs. */
    public Collection<String> jobNames() {
        return jobs.names();
    }

    /** The pool the engine runs on (also fine for a test's own queries); closed with the engine. */
    public DataSource dataSource() {
        return pool;
    }

    /** Closes the pool, unless this engine shares another's ({@link #restart()}, {@link #withJobs}). */
    @Override
    public void close() {
        if (ownsPool) {
            pool.close();
        }
    }
}
