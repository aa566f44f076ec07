package dev.acidic.processor.it;

import dev.acidic.api.Completion;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobEvent;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A processor (or several) on the shared test infrastructure, with topics, application id and
 * state of its own, plus a client and readers of its output topics.
 */
public final class Harness implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();

    public final TestInfra infra = TestInfra.get();
    public final String name;
    public final AcidicConfig config;
    private final List<AcidicProcessor> processors = new ArrayList<>();
    private JobClient client;
    private TopicReader events;
    private TopicReader completions;
    private TopicReader requests;
    private TopicReader dlq;
    private final String clientBootstrap;

    public Harness(String label, Map<String, String> overrides) {
        this(label, overrides, null);
    }

    /**
     * With {@code clientBootstrap}, the test's own clients (job client, topic readers) use that
     * address while the processors use the configured one (say, a secured listener of the same broker).
     */
    public Harness(String label, Map<String, String> overrides, String clientBootstrap) {
        this.clientBootstrap = clientBootstrap == null ? infra.kafka.bootstrapServers() : clientBootstrap;
        this.name = label + "-" + SEQ.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
        AcidicConfig c = AcidicConfig.defaults()
                .withBootstrapServers(infra.kafka.bootstrapServers())
                .withJdbc(infra.postgres.jdbcUrl(), infra.postgres.user(), infra.postgres.password())
                .withApplicationId(name)
                .withTopicPrefix(name + ".")
                .withStateDir(Path.of("target", "test-state", name))
                .with(AcidicConfig.STREAM_THREADS, "2")
                .with(AcidicConfig.COMMIT_INTERVAL, "50ms")
                .with(AcidicConfig.RETRY_INITIAL_DELAY, "200ms")
                .with(AcidicConfig.RETRY_MAX_DELAY, "2s")
                .with(AcidicConfig.RETRY_MAX_ATTEMPTS, "3")
                .with(AcidicConfig.LOCK_TIMEOUT, "3s")
                // every test's keys share one Postgres: a completer would drive the keys other tests
                // leave unfinished on purpose (in its own topics); CompleterIT turns it on, on a database of its own
                .with(AcidicConfig.COMPLETER_IDLE, "0")
                // nor may a reaper delete other tests' finished keys; ReaperIT turns it on, on a database of its own
                .with(AcidicConfig.RETENTION, "0")
                // many processors share this JVM and machine: no HTTP endpoint unless a test asks for one on a free port
                .with(AcidicConfig.HTTP_PORT, "0")
                .withInstanceId("it-" + name);
        for (var e : overrides.entrySet()) {
            c = c.with(e.getKey(), e.getValue());
        }
        this.config = c;
    }

    /** Starts one more processor instance with the given instance id and waits until it runs. */
    public AcidicProcessor start(String instanceId) throws InterruptedException {
        AcidicProcessor p = AcidicProcessor.builder(config.withInstanceId(instanceId))
                .discoverJobs(false)
                .jobs(TestJobs.all())
                .build()
                .start();
        processors.add(p);
        if (!p.awaitRunning(Duration.ofSeconds(60))) {
            throw new IllegalStateException("processor " + instanceId + " did not reach RUNNING in 60 s");
        }
        return p;
    }

    public AcidicProcessor start() throws InterruptedException {
        return start(config.instanceId());
    }

    public synchronized JobClient client() {
        if (client == null) {
            client = JobClient.builder(clientBootstrap)
                    .requestsTopic(config.requestsTopic())
                    .completionsTopic(config.completionsTopic())
                    .build();
        }
        return client;
    }

    public synchronized TopicReader events() {
        if (events == null) {
            events = new TopicReader(clientBootstrap, config.eventsTopic());
        }
        return events;
    }

    public synchronized TopicReader completions() {
        if (completions == null) {
            completions = new TopicReader(clientBootstrap, config.completionsTopic());
        }
        return completions;
    }

    public synchronized TopicReader requests() {
        if (requests == null) {
            requests = new TopicReader(clientBootstrap, config.requestsTopic());
        }
        return requests;
    }

    public synchronized TopicReader dlq() {
        if (dlq == null) {
            dlq = new TopicReader(clientBootstrap, config.dlqTopic());
        }
        return dlq;
    }

    public List<JobEvent> eventsOf(String key) {
        return events().valuesOf(key).stream().map(JobEvent::decode).toList();
    }

    public List<Completion> completionsOf(String key) {
        return completions().valuesOf(key).stream().map(Completion::decode).toList();
    }

    /** A key unique to this harness. */
    public String key(String label) {
        return name + ":" + label;
    }

    public List<String> effects(String key) throws SQLException {
        return TestJobs.effects(infra.db, key);
    }

    public Map<String, Object> keyRow(String key) throws SQLException {
        try (Connection c = infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT job, args::text, recovery_point, status, locked_by, attempts, error::text, result::text, last_seq "
                                + "FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> m = new java.util.HashMap<>();
                m.put("job", rs.getString(1));
                m.put("args", rs.getString(2));
                m.put("recovery_point", rs.getString(3));
                m.put("status", rs.getString(4));
                m.put("locked_by", rs.getString(5));
                m.put("attempts", rs.getInt(6));
                m.put("error", rs.getString(7));
                m.put("result", rs.getString(8));
                m.put("last_seq", rs.getLong(9));
                return m;
            }
        }
    }

    /** Inserts a key row directly, as an earlier (possibly crashed) owner would have left it. */
    public void seedKey(String key, String job, String argsJson, String recoveryPoint, String lockedBy, String lockAge)
            throws SQLException {
        try (Connection c = infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, locked_by, locked_at)
                        VALUES (?, ?, ?, ?::jsonb, ?, ?, CASE WHEN ?::interval IS NULL THEN NULL ELSE now() - ?::interval END)""")) {
            ps.setString(1, key);
            ps.setObject(2, UUID.randomUUID());
            ps.setString(3, job);
            ps.setString(4, argsJson);
            ps.setString(5, recoveryPoint);
            ps.setString(6, lockedBy);
            ps.setString(7, lockAge);
            ps.setString(8, lockAge);
            ps.executeUpdate();
        }
    }

    public List<AcidicProcessor> processors() {
        return processors;
    }

    @Override
    public void close() {
        for (AcidicProcessor p : processors) {
            p.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {client, events, completions, requests, dlq}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }
}
