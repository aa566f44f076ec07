package dev.acidic.processor;

import dev.acidic.processor.internal.engine.Backoff;
import dev.acidic.processor.internal.engine.EngineSettings;
import dev.acidic.processor.internal.engine.OutputLimits;
import dev.acidic.processor.internal.store.ShardLayout;
import dev.acidic.processor.internal.config.AcidicSettings;
import dev.acidic.processor.internal.config.CrossChecks;
import dev.acidic.processor.internal.config.KafkaOverrides;
import dev.acidic.processor.internal.config.Registry;
import dev.acidic.processor.internal.config.Values;
import dev.acidic.processor.internal.store.PoolSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The processor's whole configuration: one immutable, validated value.
 *
 * <p>Every setting has a key ({@code acidic.lock.timeout}), an environment variable
 * ({@code ACIDIC_LOCK_TIMEOUT}), a default and a doc string; see {@link #SETTINGS}. Each is
 * declared once, in {@code internal.config.AcidicSettings}, with its type and bounds; this class
 * only names the accessors. Durations are ISO-8601 ({@code PT5S}) or short ({@code 5s},
 * {@code 500ms}, {@code 2m}, {@code 1h}).
 *
 * <p>Pass-through settings: {@code acidic.kafka.<name>} (env {@code ACIDIC_KAFKA_<NAME>}, with
 * {@code _} read as {@code .}) goes to every Kafka client (TLS, SASL, ...), and
 * {@code acidic.jdbc.properties.<name>} (env {@code ACIDIC_JDBC_PROPERTIES_<NAME>}) goes to the
 * JDBC driver ({@code sslmode}, {@code sslrootcert}, ...). {@link #toString()} masks secrets.
 *
 * <p>Building one checks each value against its bounds and the rules between settings (the step
 * timeout below the Kafka transaction timeout and {@code max.poll.interval.ms}, the pool no smaller
 * than the stream threads, ...); a conflict is an error naming both settings and the fix. Softer
 * conflicts are {@link #warnings()}, logged when the processor starts.
 */
public final class AcidicConfig {
    public static final String BOOTSTRAP_SERVERS = AcidicSettings.BOOTSTRAP_SERVERS.key();
    public static final String JDBC_URL = AcidicSettings.JDBC_URL.key();
    public static final String JDBC_SHARDS = AcidicSettings.JDBC_SHARDS.key();
    public static final String JDBC_USER = AcidicSettings.JDBC_USER.key();
    public static final String JDBC_PASSWORD = AcidicSettings.JDBC_PASSWORD.key();
    public static final String APPLICATION_ID = AcidicSettings.APPLICATION_ID.key();
    public static final String INSTANCE_ID = AcidicSettings.INSTANCE_ID.key();
    public static final String LOCK_TIMEOUT = AcidicSettings.LOCK_TIMEOUT.key();
    public static final String STREAM_THREADS = AcidicSettings.STREAM_THREADS.key();
    public static final String PARTITIONS = AcidicSettings.PARTITIONS.key();
    public static final String REPLICATION_FACTOR = AcidicSettings.REPLICATION_FACTOR.key();
    public static final String STATE_DIR = AcidicSettings.STATE_DIR.key();
    public static final String DATA_DIR = AcidicSettings.DATA_DIR.key();
    public static final String REQUESTS_TOPIC = AcidicSettings.REQUESTS_TOPIC.key();
    public static final String EVENTS_TOPIC = AcidicSettings.EVENTS_TOPIC.key();
    public static final String COMPLETIONS_TOPIC = AcidicSettings.COMPLETIONS_TOPIC.key();
    public static final String DLQ_TOPIC = AcidicSettings.DLQ_TOPIC.key();
    public static final String CONTINUATIONS_TOPIC = AcidicSettings.CONTINUATIONS_TOPIC.key();
    public static final String PROCESSING_GUARANTEE = AcidicSettings.PROCESSING_GUARANTEE.key();
    public static final String COMMIT_INTERVAL = AcidicSettings.COMMIT_INTERVAL.key();
    public static final String RETRY_INITIAL_DELAY = AcidicSettings.RETRY_INITIAL_DELAY.key();
    public static final String RETRY_FACTOR = AcidicSettings.RETRY_FACTOR.key();
    public static final String RETRY_MAX_DELAY = AcidicSettings.RETRY_MAX_DELAY.key();
    public static final String RETRY_MAX_ATTEMPTS = AcidicSettings.RETRY_MAX_ATTEMPTS.key();
    public static final String DRIVE_BUDGET = AcidicSettings.DRIVE_BUDGET.key();
    public static final String TIMER_INTERVAL = AcidicSettings.TIMER_INTERVAL.key();
    public static final String COMPLETER_IDLE = AcidicSettings.COMPLETER_IDLE.key();
    public static final String RETENTION = AcidicSettings.RETENTION.key();
    public static final String REAPER_BATCH = AcidicSettings.REAPER_BATCH.key();
    public static final String DB_POOL_SIZE = AcidicSettings.DB_POOL_SIZE.key();
    public static final String TRANSACTION_IDLE_TIMEOUT = AcidicSettings.TRANSACTION_IDLE_TIMEOUT.key();
    public static final String BATCH_MAX = AcidicSettings.BATCH_MAX.key();
    public static final String BATCH_LINGER = AcidicSettings.BATCH_LINGER.key();
    public static final String KEY_MAX_BYTES = AcidicSettings.KEY_MAX_BYTES.key();
    public static final String RESULT_MAX_BYTES = AcidicSettings.RESULT_MAX_BYTES.key();
    public static final String RECORD_MAX_FAILURES = AcidicSettings.RECORD_MAX_FAILURES.key();
    public static final String ERROR_MESSAGE_MAX_CHARS = AcidicSettings.ERROR_MESSAGE_MAX_CHARS.key();
    public static final String REQUEST_MAX_BYTES = AcidicSettings.REQUEST_MAX_BYTES.key();
    public static final String ARGS_MAX_DEPTH = AcidicSettings.ARGS_MAX_DEPTH.key();
    public static final String STEP_TIMEOUT = AcidicSettings.STEP_TIMEOUT.key();
    public static final String STATEMENT_TIMEOUT = AcidicSettings.STATEMENT_TIMEOUT.key();
    public static final String MIGRATE_ON_START = AcidicSettings.MIGRATE_ON_START.key();
    public static final String HTTP_PORT = AcidicSettings.HTTP_PORT.key();
    public static final String HTTP_HOST = AcidicSettings.HTTP_HOST.key();
    public static final String HTTP_TOKEN = AcidicSettings.HTTP_TOKEN.key();
    public static final String HTTP_AUTH = AcidicSettings.HTTP_AUTH.key();
    public static final String METRICS_ENABLED = AcidicSettings.METRICS_ENABLED.key();
    public static final String LOG_FORMAT = AcidicSettings.LOG_FORMAT.key();
    public static final String KAFKA_PREFIX = AcidicSettings.KAFKA_PREFIX;
    public static final String JDBC_PROPERTIES_PREFIX = AcidicSettings.JDBC_PROPERTIES_PREFIX;

    /** One documented setting, as listed: its default as text ("" = none). */
    public record Setting(String key, String defaultValue, String doc, boolean secret) {
        public Setting(String key, String defaultValue, String doc) {
            this(key, defaultValue, doc, false);
        }

        public String envName() {
            return dev.acidic.processor.internal.config.Setting.envName(key);
        }
    }

    /** Every setting, its default ("" = none) and what it means. */
    public static final List<Setting> SETTINGS = AcidicSettings.REGISTRY.settings().stream()
            .map(s -> new Setting(s.key(), s.shownDefault(), s.doc(), s.isSecret())).toList();

    private static final Registry REGISTRY = AcidicSettings.REGISTRY;

    private final Values values;
    private final KafkaOverrides kafkaOverrides;
    private final List<String> warnings;

    private AcidicConfig(Values values) {
        this.values = values;
        this.kafkaOverrides = new KafkaOverrides(values.passThrough(KAFKA_PREFIX));
        this.warnings = CrossChecks.check(values);
    }

    /** All defaults: embedded Kafka and Postgres, instance id = host name. */
    public static AcidicConfig defaults() {
        return fromMap(Map.of());
    }

    /** Settings from {@code ACIDIC_*} environment variables over the defaults. */
    public static AcidicConfig fromEnv() {
        return fromEnv(System.getenv());
    }

    /**
     * Settings from the given environment ({@code ACIDIC_*} names) over those of the properties
     * file {@code ACIDIC_CONFIG_FILE} names, over the defaults.
     */
    public static AcidicConfig fromEnv(Map<String, String> env) {
        return fromMap(REGISTRY.fromEnvironment(env));
    }

    /** Settings from a properties file's content ({@code acidic.*} keys) over the defaults. */
    public static AcidicConfig fromProperties(Properties props) {
        return fromMap(Registry.fromProperties(props));
    }

    /** A copy with one setting changed, validated like any other source. */
    public AcidicConfig with(String key, String value) {
        return with(Map.of(key, orEmpty(value)));
    }

    /** A copy with several settings changed at once: the rules between settings see them together. */
    public AcidicConfig with(Map<String, String> changes) {
        Map<String, String> m = toMap();
        m.putAll(changes);
        return fromMap(m);
    }

    public AcidicConfig withBootstrapServers(String servers) {
        return with(BOOTSTRAP_SERVERS, servers);
    }

    public AcidicConfig withJdbc(String url, String user, String password) {
        return with(Map.of(JDBC_URL, orEmpty(url), JDBC_USER, orEmpty(user), JDBC_PASSWORD, orEmpty(password)));
    }

    public AcidicConfig withApplicationId(String id) {
        return with(APPLICATION_ID, id);
    }

    public AcidicConfig withInstanceId(String id) {
        return with(INSTANCE_ID, id);
    }

    public AcidicConfig withLockTimeout(Duration d) {
        return with(LOCK_TIMEOUT, d.toString());
    }

    public AcidicConfig withStateDir(Path dir) {
        return with(STATE_DIR, dir.toString());
    }

    /** Prefixes every topic name (requests, events, completions, DLQ) with {@code prefix}. */
    public AcidicConfig withTopicPrefix(String prefix) {
        return with(Map.of(REQUESTS_TOPIC, prefix + requestsTopic(), EVENTS_TOPIC, prefix + eventsTopic(),
                COMPLETIONS_TOPIC, prefix + completionsTopic(), DLQ_TOPIC, prefix + dlqTopic()));
    }

    public String bootstrapServers() { return get(AcidicSettings.BOOTSTRAP_SERVERS); }
    public String jdbcUrl() { return get(AcidicSettings.JDBC_URL); }

    /**
     * Every database keys live in: {@code acidic.jdbc.url} first, then those of
     * {@code acidic.jdbc.shards}. One unless keys are sharded.
     */
    public List<String> jdbcUrls() {
        List<String> urls = new java.util.ArrayList<>();
        urls.add(jdbcUrl());
        urls.addAll(AcidicSettings.shardUrls(get(AcidicSettings.JDBC_SHARDS)));
        return List.copyOf(urls);
    }
    public String jdbcUser() { return get(AcidicSettings.JDBC_USER); }
    public String jdbcPassword() { return get(AcidicSettings.JDBC_PASSWORD); }
    public String applicationId() { return get(AcidicSettings.APPLICATION_ID); }
    public String instanceId() { return get(AcidicSettings.INSTANCE_ID); }
    public Duration lockTimeout() { return get(AcidicSettings.LOCK_TIMEOUT); }
    public int streamThreads() { return get(AcidicSettings.STREAM_THREADS); }
    public int partitions() { return get(AcidicSettings.PARTITIONS); }
    public short replicationFactor() { return get(AcidicSettings.REPLICATION_FACTOR).shortValue(); }
    public Path stateDir() { return get(AcidicSettings.STATE_DIR); }
    public Path dataDir() { return get(AcidicSettings.DATA_DIR); }
    public String requestsTopic() { return get(AcidicSettings.REQUESTS_TOPIC); }
    public String eventsTopic() { return get(AcidicSettings.EVENTS_TOPIC); }
    public String completionsTopic() { return get(AcidicSettings.COMPLETIONS_TOPIC); }
    public String dlqTopic() { return get(AcidicSettings.DLQ_TOPIC); }
    /** The setting as given ("" = derived); {@link #continuationsTopic()} is the topic. */
    public String continuationsTopicSetting() { return get(AcidicSettings.CONTINUATIONS_TOPIC); }
    public String processingGuarantee() { return get(AcidicSettings.PROCESSING_GUARANTEE); }
    public Duration commitInterval() { return get(AcidicSettings.COMMIT_INTERVAL); }
    public Duration retryInitialDelay() { return get(AcidicSettings.RETRY_INITIAL_DELAY); }
    public double retryFactor() { return get(AcidicSettings.RETRY_FACTOR); }
    public Duration retryMaxDelay() { return get(AcidicSettings.RETRY_MAX_DELAY); }
    public int retryMaxAttempts() { return get(AcidicSettings.RETRY_MAX_ATTEMPTS); }
    public Duration driveBudget() { return get(AcidicSettings.DRIVE_BUDGET); }
    public Duration timerInterval() { return get(AcidicSettings.TIMER_INTERVAL); }
    /** How long a key must lie idle before the completer drives it again; zero: the completer is off. */
    public Duration completerIdle() { return get(AcidicSettings.COMPLETER_IDLE); }
    /** How long a finished key is kept before the reaper deletes it; zero: kept for ever. */
    public Duration retention() { return get(AcidicSettings.RETENTION); }
    /** Finished keys the reaper deletes per transaction. */
    public int reaperBatch() { return get(AcidicSettings.REAPER_BATCH); }
    public int dbPoolSize() { return get(AcidicSettings.DB_POOL_SIZE); }
    public Duration transactionIdleTimeout() { return get(AcidicSettings.TRANSACTION_IDLE_TIMEOUT); }
    public int batchMax() { return get(AcidicSettings.BATCH_MAX); }
    public Duration batchLinger() { return get(AcidicSettings.BATCH_LINGER); }
    public int keyMaxBytes() { return get(AcidicSettings.KEY_MAX_BYTES); }
    public int resultMaxBytes() { return get(AcidicSettings.RESULT_MAX_BYTES); }
    public int recordMaxFailures() { return get(AcidicSettings.RECORD_MAX_FAILURES); }
    public int errorMessageMaxChars() { return get(AcidicSettings.ERROR_MESSAGE_MAX_CHARS); }

    /** The largest record the processor's producer sends: outputs are cut or refused to fit it. */
    public int maxRecordBytes() {
        return kafkaOverrides().maxRequestSize();
    }
    public int requestMaxBytes() { return get(AcidicSettings.REQUEST_MAX_BYTES); }
    public int argsMaxDepth() { return get(AcidicSettings.ARGS_MAX_DEPTH); }
    public Duration stepTimeout() { return get(AcidicSettings.STEP_TIMEOUT); }
    public Duration statementTimeout() { return get(AcidicSettings.STATEMENT_TIMEOUT); }
    public boolean migrateOnStart() { return get(AcidicSettings.MIGRATE_ON_START); }
    /** Port of the HTTP endpoint; 0: none. */
    public int httpPort() { return get(AcidicSettings.HTTP_PORT); }
    public String httpHost() { return get(AcidicSettings.HTTP_HOST); }
    /** The bearer token HTTP requests must carry; empty: none (then only a loopback address, or auth none). */
    public String httpToken() { return get(AcidicSettings.HTTP_TOKEN); }
    /** Whether the HTTP endpoint serves without a token even beyond loopback (acidic.http.auth=none). */
    public boolean httpAuthNone() { return "none".equals(get(AcidicSettings.HTTP_AUTH)); }
    public boolean metricsEnabled() { return get(AcidicSettings.METRICS_ENABLED); }
    public boolean jsonLogs() { return "json".equals(get(AcidicSettings.LOG_FORMAT)); }

    /** Kafka pass-through settings meant for one kind of the processor's clients, not for every client. */
    private static final java.util.Set<String> ONE_CLIENT = java.util.Set.of("producer.", "consumer.", "main.consumer.",
            "restore.consumer.", "global.consumer.", "admin.");

    /**
     * A job client on this configuration's requests and completions topics, with the
     * {@code acidic.kafka.*} settings every client takes (TLS, SASL), not those meant for one kind
     * of the processor's clients ({@code producer.*}, {@code consumer.*}, ...). The caller closes it.
     *
     * @param startTimeout how long to wait for the completions topic
     */
    public dev.acidic.api.JobClient jobClient(Duration startTimeout) {
        dev.acidic.api.JobClient.Builder b = dev.acidic.api.JobClient.builder(bootstrapServers())
                .requestsTopic(requestsTopic())
                .completionsTopic(completionsTopic())
                .startTimeout(startTimeout);
        for (Map.Entry<String, String> e : kafka().entrySet()) {
            if (ONE_CLIENT.stream().noneMatch(e.getKey()::startsWith)) {
                b.kafkaProperty(e.getKey(), e.getValue());
            }
        }
        return b.build();
    }

    /** The {@code acidic.kafka.*} settings, prefix cut off (sorted, unmodifiable). */
    public Map<String, String> kafka() {
        return values.passThrough(KAFKA_PREFIX);
    }

    /** The {@code acidic.jdbc.properties.*} settings, prefix cut off (sorted, unmodifiable). */
    public Map<String, String> jdbcProperties() {
        return values.passThrough(JDBC_PROPERTIES_PREFIX);
    }

    /**
     * The internal continuations topic: the configured name, or {@code <application.id>.continuations}.
     * Derived on use, so changing the application id moves it too: two applications must never
     * share it, or one would drive the other's keys.
     */
    public String continuationsTopic() {
        String set = continuationsTopicSetting();
        return set.isEmpty() ? CrossChecks.continuationsTopic(applicationId()) : set;
    }

    /** The main consumer's {@code max.poll.interval.ms}: the longest a stream thread may go between polls. */
    public Duration maxPollInterval() {
        return kafkaOverrides.maxPollInterval();
    }

    public boolean exactlyOnce() {
        return processingGuarantee().equals(AcidicSettings.EXACTLY_ONCE);
    }

    /** The Postgres statement_timeout: the setting, or the step timeout when it is 0. */
    public Duration effectiveStatementTimeout() {
        return statementTimeout().isZero() ? stepTimeout() : statementTimeout();
    }

    public int effectivePoolSize() {
        return dbPoolSize() > 0 ? dbPoolSize() : streamThreads() + AcidicSettings.POOL_SPARE_CONNECTIONS;
    }

    /** Conflicts between settings that weaken a guarantee without breaking the processor; logged at start. */
    public List<String> warnings() {
        return warnings;
    }

    /** The Kafka client settings the processor's rules read (transaction, poll and session timeouts). */
    KafkaOverrides kafkaOverrides() {
        return kafkaOverrides;
    }

    /**
     * The connections of this configuration's pool, {@code size} of them (for the processor and its
     * own commands; the store takes these, never the whole configuration).
     */
    public PoolSettings poolSettings(int size) {
        return poolSettings(size, 0);
    }

    /** What the engine needs of this configuration, with keys placed by {@code layout}. */
    public EngineSettings engineSettings(ShardLayout layout) {
        return new EngineSettings(instanceId(), lockTimeout(),
                new Backoff(retryInitialDelay(), retryFactor(), retryMaxDelay(), retryMaxAttempts()),
                driveBudget(), transactionIdleTimeout(), stepTimeout(),
                new OutputLimits(resultMaxBytes(), requestMaxBytes(), keyMaxBytes()),
                errorMessageMaxChars(), layout);
    }

    /** The connections to database {@code shard} of {@link #jdbcUrls()}, {@code size} of them. */
    public PoolSettings poolSettings(int size, int shard) {
        return new PoolSettings("acidic-" + instanceId() + (shard == 0 ? "" : "-shard" + shard), jdbcUrls().get(shard), jdbcUser(),
                jdbcPassword(), size, effectiveStatementTimeout(), transactionIdleTimeout(), jdbcProperties());
    }

    /** Every setting as {@code acidic.*} keys, secrets included (do not log this map). */
    public Map<String, String> toMap() {
        return values.toMap();
    }

    /** The settings with every secret masked: safe to log. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("AcidicConfig{");
        String sep = "";
        for (var e : values.toMaskedMap().entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = ", ";
        }
        return sb.append('}').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AcidicConfig other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    private <T> T get(dev.acidic.processor.internal.config.Setting<T> s) {
        return values.get(s);
    }

    static AcidicConfig fromMap(Map<String, String> given) {
        Map<String, String> m = new LinkedHashMap<>(given);
        String instance = m.get(INSTANCE_ID);
        if (instance == null || instance.isBlank() || instance.trim().equals(AcidicSettings.INSTANCE_ID.shownDefault())) {
            m.put(INSTANCE_ID, hostname());
        }
        return new AcidicConfig(REGISTRY.parse(m));
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "acidic-" + ProcessHandle.current().pid();
        }
    }
}
