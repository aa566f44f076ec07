package dev.acidic.testkit;

import dev.acidic.api.JobCommand;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobProvider;
import dev.acidic.api.JobRequest;
import dev.acidic.embedded.EmbeddedKafka;
import dev.acidic.embedded.EmbeddedPostgresServer;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.DirectEngine;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.opentest4j.AssertionFailedError;

/**
 * Runs your jobs through Acidic's real engine on a real Postgres, in a JUnit 5 test: get one by
 * annotating the test class with {@link AcidicTest} and asking for an {@code AcidicKit} parameter.
 * One kit serves a test class, on a database of the class's own (tests of a class share it: give
 * each its own keys, as {@link #run(JobDefinition, Object)} does).
 *
 * <p>By default jobs run on the engine driven directly (no Kafka; {@link DirectEngine}): the same
 * claims, atomic phases, retries and journal as a processor, and timers, continuations and staged
 * jobs played by the kit. With {@code @AcidicTest(kafka = true)} they run through a real processor on
 * an embedded Kafka. Either way a run returns once the job has come to rest (ended, or waiting
 * longer than the timeout for a time, a signal, a resume or its children), as a {@link JobRun}.
 *
 * <p>{@link #crashAtEveryBoundary} checks that a job is safe to crash: see its documentation.
 *
 * <p>Not thread-safe: use a kit from one test thread at a time.
 */
public final class AcidicKit implements AutoCloseable {
    /** How long a run may take to come to rest unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Where a kit runs: the shared Postgres, the class's database, the shared Kafka (or null), a label. */
    record Setup(EmbeddedPostgresServer postgres, String jdbcUrl, EmbeddedKafka kafka, String label) {}

    private final Setup setup;
    private final String token = UUID.randomUUID().toString().substring(0, 6);
    private final AtomicInteger keys = new AtomicInteger();
    private final Map<String, JobDefinition> jobs = new LinkedHashMap<>();
    private final List<String> schema = new ArrayList<>();
    private AcidicConfig config;
    private DirectEngine root;
    private Runner runner;

    AcidicKit(Setup setup, List<JobProvider> providers) {
        this.setup = setup;
        this.config = AcidicConfig.defaults()
                .withJdbc(setup.jdbcUrl(), setup.postgres().user(), setup.postgres().password())
                .withInstanceId("acidic-testkit")
                // a retried step is retried at once, more or less: tests should not wait for backoff
                .with(AcidicConfig.RETRY_INITIAL_DELAY, "10ms")
                .with(AcidicConfig.RETRY_MAX_DELAY, "100ms")
                .with(AcidicConfig.STREAM_THREADS, "1")
                .with(AcidicConfig.DB_POOL_SIZE, "4");
        providers.forEach(this::install);
    }

    /** Adds {@code provider}'s jobs and runs its schema. */
    public AcidicKit install(JobProvider provider) {
        schema.addAll(provider.schema());
        return register(provider.jobs().toArray(JobDefinition[]::new));
    }

    /** Adds jobs (replacing any of the same name). */
    public AcidicKit register(JobDefinition... defs) {
        for (JobDefinition d : defs) {
            jobs.put(d.name(), d);
        }
        reset();
        return this;
    }

    /** Runs idempotent DDL for your jobs' tables (as {@link JobProvider#schema()}), before the next run. */
    public AcidicKit schema(String... statements) {
        schema.addAll(List.of(statements));
        reset();
        return this;
    }

    /**
     * Changes an {@code acidic.*} setting of the engine (or processor) the kit runs, e.g.
     * {@code setting(AcidicConfig.RETRY_MAX_ATTEMPTS, "2")}. The kit's own defaults: retries after
     * 10 ms to 100 ms, instance id {@code acidic-testkit}.
     */
    public AcidicKit setting(String key, String value) {
        config = config.with(key, value);
        close();
        return this;
    }

    /** Runs {@code job} with {@code args} (anything Jackson serialises) under a new key until it comes to rest. */
    public JobRun run(JobDefinition job, Object args) {
        return run(job, newKey(job.name()), args);
    }

    /**
     * Runs {@code job} with {@code args} under {@code key} until it comes to rest. The job is
     * registered unless one of its name with the same steps already is (that one then runs).
     */
    public JobRun run(JobDefinition job, String key, Object args) {
        JobDefinition known = jobs.get(job.name());
        if (known == null || !known.stepNames().equals(job.stepNames())) {
            register(job);
        }
        return run(key, JobRequest.of(job.name(), args), DEFAULT_TIMEOUT);
    }

    /**
     * Sends {@code request} under {@code key} as a client would (a new job, the same request again, a
     * mismatching one) and waits up to {@code timeout} for the job to come to rest.
     */
    public JobRun run(String key, JobRequest request, Duration timeout) {
        return call(() -> runner().run(key, request, timeout), "run " + request.job() + " under key '" + key + "'");
    }

    /** Delivers signal {@code name} with {@code payload} to the job under {@code key}, then waits for it to come to rest. */
    public JobRun signal(String key, String name, Object payload) {
        return send(key, JobCommand.signal(name, payload));
    }

    /**
     * Sends {@code command} for the job under {@code key} and waits for it to come to rest; a
     * refused command shows as a {@code REJECTED} completion with its reason.
     */
    public JobRun send(String key, JobCommand command) {
        return call(() -> runner().send(key, command, DEFAULT_TIMEOUT), command.command() + " for key '" + key + "'");
    }

    /** {@link #crashAtEveryBoundary(JobDefinition, Object, CrashCheck)} with these effects and the defaults. */
    public CrashReport crashAtEveryBoundary(JobDefinition job, Object args, Effect... effects) {
        return crashAtEveryBoundary(job, args, CrashCheck.effects(effects));
    }

    /**
     * Crashes {@code job} at every boundary of its run and checks that it recovers as if nothing
     * had happened. First the job runs once with {@code args} without a crash. Then, for each
     * boundary that run met — before each step ran, after it ran but before its phase committed,
     * and after the commit (in a processor: between the Postgres commit and the Kafka commit) — the
     * job runs again under a new key, the engine is crashed at that boundary (its open transaction
     * rolled back, its memory dropped) and restarted, and the request is delivered again, as Kafka
     * would after a processor died. Each recovered run must end with the clean run's status,
     * result (less {@link CrashCheck#ignoringResultFields}) and event types, stage as many jobs, and
     * change each {@link Effect} by exactly as much as the clean run did: a step whose work is not
     * all in its transaction (or idempotent) changes an effect twice and fails the check.
     *
     * <p>Runs on the engine driven directly, in either mode (the crash and restart of an engine
     * are exact there, and a few dozen runs take a second or two). Jobs it stages are run too; the
     * crash hits the job under test only.
     *
     * @throws AssertionFailedError naming each boundary where the job did not recover, and how
     * @return the report, when every boundary passed
     */
    public CrashReport crashAtEveryBoundary(JobDefinition job, Object args, CrashCheck check) {
        Objects.requireNonNull(check, "check");
        Timeline timeline = new Timeline();
        List<JobDefinition> all = new ArrayList<>(jobs.values());
        all.removeIf(d -> d.name().equals(job.name()));
        all.add(timeline.tracking(job));
        String prefix = job.name() + "-crash-" + token + "-" + keys.incrementAndGet() + "-";
        CrashReport report = call(() -> {
            DirectEngine tracked = root().withJobs(all, schema);
            return new BoundaryCrasher(tracked, timeline).run(job, args, check, prefix);
        }, "crash-test " + job.name());
        if (!report.passed()) {
            throw new AssertionFailedError(report.toString());
        }
        return report;
    }

    /** A key of the form {@code job-token-n}, new for this kit. */
    public String newKey(String job) {
        return job + "-" + token + "-" + keys.incrementAndGet();
    }

    /** The test class's database (the pool the kit's engine runs on). */
    public DataSource dataSource() {
        return call(() -> root().dataSource(), "open the database");
    }

    /** The JDBC URL of the test class's database (user {@code postgres}, no password). */
    public String jdbcUrl() {
        return setup.jdbcUrl();
    }

    /** The embedded Kafka's bootstrap servers with {@code @AcidicTest(kafka = true)}; else null. */
    public String bootstrapServers() {
        return setup.kafka() == null ? null : setup.kafka().bootstrapServers();
    }

    /** Runs a query returning one number (first column of the first row), with {@code params} bound in order. */
    public long count(String sql, Object... params) {
        return call(() -> {
            List<Map<String, Object>> rows = rows(sql, params);
            if (rows.isEmpty()) {
                throw new IllegalStateException("query returned no row: " + sql);
            }
            return ((Number) rows.get(0).values().iterator().next()).longValue();
        }, "count");
    }

    /** Runs a query with {@code params} bound in order; each row as column label to value, in column order. */
    public List<Map<String, Object>> rows(String sql, Object... params) {
        return call(() -> {
            try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                List<Map<String, Object>> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            row.put(md.getColumnLabel(i), rs.getObject(i));
                        }
                        out.add(row);
                    }
                }
                return out;
            }
        }, "query " + sql);
    }

    /** Stops the kit's processor (in Kafka mode) and closes its pool; the next run starts them again. */
    @Override
    public void close() {
        reset();
        if (root != null) {
            root.close();
            root = null;
        }
    }

    /** Drops the engine and processor running the current jobs (the pool stays). */
    private void reset() {
        if (runner != null) {
            runner.close();
            runner = null;
        }
    }

    private DirectEngine root() throws SQLException {
        if (root == null) {
            root = DirectEngine.start(config, List.of(), List.of());
        }
        return root;
    }

    private Runner runner() throws SQLException, InterruptedException {
        if (runner == null) {
            DirectEngine engine = root().withJobs(jobs.values(), schema);
            runner = setup.kafka() == null ? new DirectRunner(engine) : KafkaRunner.start(processorConfig(), jobs.values(), engine);
        }
        return runner;
    }

    private AcidicConfig processorConfig() {
        String app = "acidic-testkit-" + setup.label().toLowerCase(java.util.Locale.ROOT) + "-" + token + "-" + keys.incrementAndGet();
        return config.withBootstrapServers(setup.kafka().bootstrapServers())
                .withApplicationId(app)
                .withTopicPrefix(app + ".")
                .withStateDir(Path.of("target", "acidic-testkit", "streams", app))
                .with(Map.of(AcidicConfig.COMMIT_INTERVAL, "50ms", AcidicConfig.HTTP_PORT, "0", AcidicConfig.PARTITIONS, "2"));
    }

    @FunctionalInterface
    private interface Work<T> {
        T call() throws Exception;
    }

    /** Runs {@code work}, turning checked failures into unchecked ones that say what was being done. */
    private static <T> T call(Work<T> work, String what) {
        try {
            return work.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("acidic-testkit: interrupted: " + what, e);
        } catch (Exception e) {
            throw new IllegalStateException("acidic-testkit: cannot " + what + ": " + e.getMessage(), e);
        }
    }
}
