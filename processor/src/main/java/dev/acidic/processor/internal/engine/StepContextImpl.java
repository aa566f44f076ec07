package dev.acidic.processor.internal.engine;

import dev.acidic.processor.internal.store.Children;
import dev.acidic.processor.internal.store.ShardLayout;
import dev.acidic.processor.internal.store.JobValuesSql;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.Lifecycle;
import dev.acidic.processor.internal.store.StagedJob;
import dev.acidic.processor.internal.store.StagedSql;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.acidic.api.Completion;
import dev.acidic.api.JobRequest;
import dev.acidic.api.TerminalJobException;
import dev.acidic.api.JobValues;
import dev.acidic.api.StepContext;
import dev.acidic.api.Wire;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The context of one phase; collects the jobs it stages so the driver can publish them after commit. */
final class StepContextImpl implements StepContext, JobValues, Transitions.Waits {
    private static final Lifecycle LIFECYCLE = new Lifecycle();
    private static final Children CHILDREN = new Children();
    private static final JobValuesSql VALUES = new JobValuesSql();
    private static final StagedSql STAGED = new StagedSql();
    private final KeyStore store;
    private final Connection connection;
    private final Connection stepConnection;
    private final String key;
    private final String job;
    private final String step;
    private final JsonNode args;
    private final int attempt;
    private final int run;
    private final JobRegistry jobs;
    private final ShardLayout layout;
    private long stagedSeq;
    private final List<StagedJob> staged = new ArrayList<>();

    /**
     * @param connection the phase's connection, for the engine's own statements
     * @param stepConnection what the step gets as {@link #connection()} (a {@link GuardedConnection})
     */
    StepContextImpl(KeyStore store, Connection connection, Connection stepConnection, String key, String job, String step,
            JsonNode args, int attempt, long stagedSeq, int run, JobRegistry jobs, ShardLayout layout) {
        this.store = store;
        this.connection = connection;
        this.stepConnection = stepConnection;
        this.key = key;
        this.job = job;
        this.step = step;
        this.args = args;
        this.attempt = attempt;
        this.stagedSeq = stagedSeq;
        this.run = run;
        this.jobs = jobs;
        this.layout = layout;
    }

    @Override
    public String idempotencyKey() {
        return key;
    }

    @Override
    public String jobName() {
        return job;
    }

    @Override
    public String step() {
        return step;
    }

    @Override
    public JsonNode args() {
        return args.deepCopy();
    }

    @Override
    public <T> T args(Class<T> type) {
        try {
            return Wire.fromTree(args, type);
        } catch (Exception e) {
            throw new IllegalArgumentException("arguments of job '" + job + "' (key '" + key + "') do not fit "
                    + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public int run() {
        return run;
    }

    @Override
    public Connection connection() {
        return stepConnection;
    }

    @Override
    public JobValues values() {
        return this;
    }

    @Override
    public void stage(String idempotencyKey, JobRequest request) {
        Objects.requireNonNull(idempotencyKey, "stage(key, request): key must not be null");
        Objects.requireNonNull(request, "stage(key, request): request must not be null");
        StagedJob s = new StagedJob(stagedSeq + 1, idempotencyKey, request);
        sql(() -> STAGED.insert(connection, key, s));
        stagedSeq++;
        staged.add(s);
    }

    @Override
    public void spawn(String childKey, JobRequest request) {
        Objects.requireNonNull(childKey, "spawn(childKey, request): childKey must not be null");
        Objects.requireNonNull(request, "spawn(childKey, request): request must not be null");
        if (childKey.equals(key)) {
            throw new IllegalArgumentException("job '" + job + "' (key '" + key + "') step '" + step + "' spawned a child under its own"
                    + " key; give the child a key of its own, e.g. \"" + key + "/" + request.job() + "\"");
        }
        if (jobs.get(request.job()) == null) {
            throw new IllegalArgumentException("job '" + job + "' (key '" + key + "') step '" + step + "' spawned child '" + childKey
                    + "' of job '" + request.job() + "', which this processor does not run (known: " + jobs.names() + ")");
        }
        String elsewhere = layout.childProblem(key, childKey);
        if (elsewhere != null) {
            // the same child would be refused on every attempt
            throw new TerminalJobException("step '" + step + "' of job '" + job + "' spawned a child it cannot wait for: " + elsewhere);
        }
        if (sql(() -> CHILDREN.link(connection, key, childKey, stagedSeq + 1))) {
            stage(childKey, request.withParent(key)); // spawned before: linked already, its request sent then
        }
    }

    @Override
    public Map<String, Completion> children() {
        return sql(() -> CHILDREN.outcomes(connection, key));
    }

    @Override
    public boolean signalArrived(String name) {
        return signal(name).isPresent();
    }

    @Override
    public Children.Tally childTally() {
        return sql(() -> CHILDREN.tally(connection, key));
    }

    @Override
    public <T> Optional<T> get(String name, Class<T> type) {
        JsonNode v = sql(() -> VALUES.get(connection, key, name));
        if (v == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(Wire.fromTree(v, type));
        } catch (Exception e) {
            throw new IllegalArgumentException("value '" + name + "' of key '" + key + "' is not a " + type.getSimpleName(), e);
        }
    }

    @Override
    public void put(String name, Object value) {
        Objects.requireNonNull(name, "value name");
        JsonNode v = value == null ? NullNode.getInstance() : Wire.toTree(value);
        sql(() -> {
            VALUES.put(connection, key, name, v);
            return null;
        });
    }

    @Override
    public void remove(String name) {
        sql(() -> {
            VALUES.remove(connection, key, name);
            return null;
        });
    }

    @Override
    public Optional<JsonNode> signal(String name) {
        Objects.requireNonNull(name, "signal(name): name must not be null");
        return sql(() -> LIFECYCLE.signal(connection, key, name));
    }

    long stagedSeq() {
        return stagedSeq;
    }

    List<StagedJob> staged() {
        return staged;
    }

    private interface SqlCall<T> {
        T call() throws SQLException;
    }

    private interface SqlRun {
        void run() throws SQLException;
    }

    private static void sql(SqlRun r) {
        sql(() -> {
            r.run();
            return null;
        });
    }

    private static <T> T sql(SqlCall<T> c) {
        try {
            return c.call();
        } catch (SQLException e) {
            throw new StepSqlException(e);
        }
    }

    /** A SQL failure inside the context's own statements, rethrown unchecked to keep step code simple. */
    static final class StepSqlException extends RuntimeException {
        StepSqlException(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
