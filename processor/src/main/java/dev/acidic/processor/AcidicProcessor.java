package dev.acidic.processor;

import dev.acidic.api.JobDefinition;
import dev.acidic.processor.internal.config.KafkaOverrides;
import dev.acidic.processor.internal.streams.AcidicTopology;
import dev.acidic.processor.internal.streams.FaultingClientSupplier;
import dev.acidic.processor.internal.streams.OversizedRecordHandler;
import dev.acidic.processor.internal.streams.PartitionsAdded;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.http.HttpRoutes;
import dev.acidic.processor.internal.http.HttpEndpoint;
import dev.acidic.processor.internal.streams.GroupView;
import dev.acidic.processor.internal.logging.LogFormat;
import dev.acidic.processor.internal.metrics.AcidicMetrics;
import dev.acidic.processor.internal.metrics.MeterRegistries;
import dev.acidic.processor.internal.store.StatusCounts;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.acidic.processor.internal.store.Databases;
import dev.acidic.processor.internal.store.PoolSettings;
import dev.acidic.processor.internal.store.Reaper;
import dev.acidic.processor.internal.store.Shards;
import dev.acidic.processor.internal.streams.TopicSetup;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Acidic processor instance: a Kafka Streams client running the job topology against a Postgres
 * key store. Start as many as you like with one application id; Kafka spreads the partitions.
 *
 * <pre>{@code
 * try (AcidicProcessor p = AcidicProcessor.builder(AcidicConfig.fromEnv()).job(myJob).build().start()) {
 *     p.awaitShutdown();
 * }
 * }</pre>
 *
 * <p>When the configuration names no Kafka or no Postgres, a {@link LocalInfrastructure} given to
 * the builder starts them (the examples jar wires in the embedded module's real servers on
 * loopback) and they stop on close; without one that is a configuration error.
 */
public final class AcidicProcessor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AcidicProcessor.class);
    /** Logged once when the Streams client first reaches RUNNING; scripts wait for it. */
    public static final String READY = "Acidic processor ready";
    private final java.util.concurrent.atomic.AtomicLong threadReplacements = new java.util.concurrent.atomic.AtomicLong();

    private final AcidicConfig config;
    private final JobRegistry jobs;
    private final LocalInfrastructure local;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final CountDownLatch running = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private AcidicConfig effective;
    private Databases databases;
    private Shards shards;
    private KafkaStreams streams;
    private MeterRegistries meters;
    private HttpEndpoint http;
    private HttpRoutes routes;

    private AcidicProcessor(AcidicConfig config, JobRegistry jobs, LocalInfrastructure local) {
        this.config = config;
        this.jobs = jobs;
        this.local = local;
    }

    public static Builder builder(AcidicConfig config) {
        return new Builder(config);
    }

    /** Starts embedded infrastructure if needed, migrates, creates topics and starts Streams. */
    public AcidicProcessor start() {
        try {
            if (config.jsonLogs()) {
                LogFormat.json();
            }
            effective = config;
            if (config.bootstrapServers().isBlank() || config.jdbcUrl().isBlank()) {
                if (local == null) {
                    throw new IllegalArgumentException((config.bootstrapServers().isBlank() ? AcidicConfig.BOOTSTRAP_SERVERS
                            : AcidicConfig.JDBC_URL) + " is not set: name your Kafka and Postgres (ACIDIC_BOOTSTRAP_SERVERS, "
                            + "ACIDIC_JDBC_URL), or run the examples jar, which starts embedded ones for development");
                }
                LocalInfrastructure.Started started = local.start(config);
                owned.add(0, started.servers());
                effective = started.config();
            }
            log.info("starting Acidic processor: {} jobs {}", effective, jobs.names());
            effective.warnings().forEach(w -> log.warn("configuration: {}", w));
            meters = effective.metricsEnabled() ? new MeterRegistries(effective.applicationId(), effective.instanceId()) : null;
            int databaseCount = effective.jdbcUrls().size();
            List<PoolSettings> pools = new ArrayList<>();
            List<PoolSettings> reaperPools = new ArrayList<>();
            for (int i = 0; i < databaseCount; i++) {
                pools.add(effective.poolSettings(effective.effectivePoolSize(), i));
                reaperPools.add(reaperConnections(effective, i));
            }
            databases = Databases.open(pools, meters == null ? null : new MicrometerMetricsTrackerFactory(meters.meters()));
            databases.migrateOrVerify(effective.migrateOnStart(), jobs.schema());
            TopicSetup.ensureTopics(effective, partitions -> shards = databases.shards(AcidicTopology.layout(databaseCount, partitions)));
            databases.startReapers(reaperPools, effective.reaperBatch(), effective.retention());
            AcidicMetrics metrics = meters == null ? AcidicMetrics.none()
                    : new AcidicMetrics(meters.meters(), new StatusCounts(databases.all()));
            var topology = AcidicTopology.build(effective, jobs, shards, metrics);
            streams = Faults.armed()
                    ? new KafkaStreams(topology, streamsProperties(effective), new FaultingClientSupplier(effective.requestsTopic()))
                    : new KafkaStreams(topology, streamsProperties(effective));
            streams.setUncaughtExceptionHandler(e -> {
                threadReplacements.incrementAndGet();
                if (PartitionsAdded.isCauseOf(e) || (TopicSetup.isPartitionCountMismatch(e) && shards.layout().sharded())) {
                    log.error("partitions were added to {} while keys are sharded over {} databases by {} partitions: that moves"
                            + " keys between databases, which the processor does not do; stopping this instance. A sharded"
                            + " deployment keeps its partition count: see docs/SCALING.md, 'Rebalancing and growing'",
                            effective.requestsTopic(), shards.layout().shards(), shards.layout().partitions(), e);
                    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                }
                if (TopicSetup.isPartitionCountMismatch(e)) {
                    // partitions were added to the requests topic while this processor ran
                    log.warn("Kafka Streams found internal topics with fewer partitions than {}: growing them, then going on",
                            effective.requestsTopic());
                    try {
                        TopicSetup.grow(effective);
                    } catch (RuntimeException growFailed) {
                        log.error("cannot grow the internal topics: {}", growFailed.toString(), growFailed);
                    }
                    return StreamThreadExceptionResponse.REPLACE_THREAD;
                }
                log.error("stream thread failed; replacing it (its records will be processed again): {}", e.toString(), e);
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            if (meters != null) {
                meters.bind(streams);
            }
            if (effective.httpPort() != 0) {
                AcidicConfig c = effective;
                routes = new HttpRoutes(new HttpRoutes.Sources(meters == null ? null : meters.registry(), c.instanceId(),
                        () -> state().name(), this::degraded, threadReplacements::get, databases.all(), () -> c.jobClient(Duration.ofSeconds(30)),
                        new GroupView(c)));
                http = HttpEndpoint.start(c.httpHost(), c.httpPort(), c.httpToken(), routes.routes());
            }
            AtomicBoolean announced = new AtomicBoolean();
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) {
                    if (announced.compareAndSet(false, true)) {
                        log.info("{} (instance {}, application {}, {} stream threads, jobs {})", READY, effective.instanceId(),
                                effective.applicationId(), effective.streamThreads(), jobs.names());
                    }
                    running.countDown();
                } else if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                    stopped.countDown();
                }
            });
            streams.start();
            return this;
        } catch (IOException | SQLException | RuntimeException e) {
            close();
            throw new IllegalStateException("cannot start the Acidic processor: " + e.getMessage(), e);
        }
    }

    /**
     * The reaper's connection to database {@code shard}: one of its own per round, outside the pool
     * (a round holds it for minutes, pauses included, and must not take a connection a stream
     * thread waits for).
     */
    private static PoolSettings reaperConnections(AcidicConfig c, int shard) {
        PoolSettings p = c.poolSettings(1, shard);
        return new PoolSettings(p.name() + "-reaper", p.jdbcUrl(), p.user(), p.password(), 1, Reaper.STATEMENT_TIMEOUT,
                p.idleInTransactionTimeout(), p.driverProperties());
    }

    static Properties streamsProperties(AcidicConfig c) {
        Properties p = new Properties();
        p.putAll(c.kafka());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, c.processingGuarantee());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.streamThreads());
        p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDir().resolve(c.instanceId()).toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, c.commitInterval().toMillis());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) c.replicationFactor());
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        p.put(StreamsConfig.CLIENT_ID_CONFIG, c.applicationId() + "-" + c.instanceId());
        // An idle thread wakes this often, so a lone request waits at most about the batch linger
        // for its batch to be driven (the Streams default of 100 ms would add that to latency).
        // Requests and continuations need no time alignment: process whatever has arrived instead
        // of waiting to learn that the other input partition of the task is empty.
        p.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        p.putIfAbsent(StreamsConfig.POLL_MS_CONFIG, Math.max(1, Math.min(100, c.batchLinger().toMillis())));
        // Static membership: an instance restarted with the same id takes its partitions back at
        // once instead of waiting for the group to notice the old member is gone. A dead instance
        // is noticed after the session timeout, kept short for the same reason.
        // Defaults only where the user gave the setting in none of its forms (main.consumer.,
        // consumer., plain), since a prefixed default would win over the user's plain one.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), c.applicationId() + "-" + c.instanceId());
        p.putIfAbsent(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OversizedRecordHandler.class);
        KafkaOverrides given = c.kafkaOverrides();
        if (given.mainConsumer(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG).isEmpty()) {
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
                    Long.toString(KafkaOverrides.DEFAULT_SESSION_TIMEOUT.toMillis()));
        }
        if (given.mainConsumer(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG).isEmpty()) {
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                    Long.toString(KafkaOverrides.DEFAULT_HEARTBEAT_INTERVAL.toMillis()));
        }
        // A step runs inside the Kafka transaction of the record that drove it; Streams' own
        // exactly-once default (10 s) is below the default step timeout, so a long step would have
        // its transaction aborted and its thread fenced. The price of a longer timeout: after a
        // crash, read_committed readers wait up to it for the dead instance's open transaction.
        if (c.exactlyOnce() && given.producer(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG).isEmpty()) {
            p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                    (int) given.transactionTimeout(c.stepTimeout(), c.driveBudget()).toMillis());
        }
        return p;
    }

    /** Waits until the Streams client first reaches RUNNING. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Blocks until the processor is closed or its Streams client stops. */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    /**
     * How many times a stream thread failed and was replaced since this processor started. Every
     * input is meant to be answered or retried without one: a count that grows names a bug (the
     * log has each failure).
     */
    public long threadReplacements() {
        return threadReplacements.get();
    }

    /**
     * Whether the processor is degraded: Postgres did not answer and has not since. Requests wait
     * (nothing is lost or counted against a job) until it answers; the log says when it starts and ends.
     */
    public boolean degraded() {
        return shards != null && shards.anyDown();
    }

    /** How many Postgres outages the processor met since it started. */
    public long postgresOutages() {
        return shards == null ? 0 : shards.outages();
    }

    public KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.NOT_RUNNING : streams.state();
    }

    /** The port the HTTP endpoint serves on; 0 when it serves nothing (acidic.http.port=0, or not started). */
    public int httpPort() {
        return http == null ? 0 : http.port();
    }

    /** The configuration in force, with the addresses of embedded servers filled in. */
    public AcidicConfig effectiveConfig() {
        return effective;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (http != null) {
            http.close();
        }
        if (routes != null) {
            routes.close();
        }
        if (databases != null) {
            databases.stopReapers();
        }
        if (streams != null) {
            // leave the group so a scaled-down instance's partitions move now, not after the session timeout
            streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(30)));
        }
        if (databases != null) {
            databases.close();
        }
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("error stopping {}: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
        if (meters != null) {
            meters.close();
        }
        stopped.countDown();
        log.info("Acidic processor stopped (instance {})", config.instanceId());
    }

    public static final class Builder {
        private final AcidicConfig config;
        private final List<JobDefinition> jobs = new ArrayList<>();
        private boolean discover = true;
        private ClassLoader loader = Thread.currentThread().getContextClassLoader();
        private LocalInfrastructure local;

        private Builder(AcidicConfig config) {
            this.config = config;
        }

        public Builder job(JobDefinition job) {
            jobs.add(job);
            return this;
        }

        public Builder jobs(java.util.Collection<JobDefinition> more) {
            jobs.addAll(more);
            return this;
        }

        /** Whether to add the jobs of every {@code JobProvider} on the classpath (default true). */
        public Builder discoverJobs(boolean discover) {
            this.discover = discover;
            return this;
        }

        public Builder classLoader(ClassLoader loader) {
            this.loader = loader;
            return this;
        }

        /** What starts Kafka and Postgres when the configuration names none (development only). */
        public Builder localInfrastructure(LocalInfrastructure local) {
            this.local = local;
            return this;
        }

        public AcidicProcessor build() {
            JobRegistry registry = discover ? JobRegistry.discover(jobs, loader) : new JobRegistry(jobs);
            if (registry.names().isEmpty()) {
                throw new IllegalArgumentException("no jobs to run: register one with job(...) or a JobProvider on the classpath");
            }
            Faults.armFromEnvironment();
            return new AcidicProcessor(config, registry, local);
        }
    }
}
