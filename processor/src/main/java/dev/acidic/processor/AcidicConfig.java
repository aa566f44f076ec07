package dev.acidic.processor;

import dev.acidic.processor.internal.config.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The processor's whole configuration: one immutable, validated value.
 *
 * <p>Every setting has a key ({@code acidic.lock.timeout}), an environment variable
 * ({@code ACIDIC_LOCK_TIMEOUT}), a default and a doc string; see {@link #SETTINGS}. Durations are
 * ISO-8601 ({@code PT5S}) or short ({@code 5s}, {@code 500ms}, {@code 2m}, {@code 1h}).
 *
 * <p>Pass-through settings: {@code acidic.kafka.<name>} (env {@code ACIDIC_KAFKA_<NAME>}, with
 * {@code _} read as {@code .}) goes to every Kafka client (TLS, SASL, ...), and
 * {@code acidic.jdbc.properties.<name>} (env {@code ACIDIC_JDBC_PROPERTIES_<NAME>}) goes to the
 * JDBC driver ({@code sslmode}, {@code sslrootcert}, ...). {@link #toString()} masks secrets.
 */
public record AcidicConfig(
        String bootstrapServers,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        String applicationId,
        String instanceId,
        Duration lockTimeout,
        int streamThreads,
        int partitions,
        short replicationFactor,
        Path stateDir,
        Path dataDir,
        String requestsTopic,
        String eventsTopic,
        String completionsTopic,
        String dlqTopic,
        String continuationsTopicSetting,
        String processingGuarantee,
        Duration commitInterval,
        Duration retryInitialDelay,
        double retryFactor,
        Duration retryMaxDelay,
        int retryMaxAttempts,
        Duration driveBudget,
        Duration timerInterval,
        int dbPoolSize,
        Duration transactionIdleTimeout,
        int batchMax,
        Duration batchLinger,
        int keyMaxBytes,
        int requestMaxBytes,
        int argsMaxDepth,
        Duration stepTimeout,
        Duration statementTimeout,
        boolean migrateOnStart,
        Map<String, String> kafka,
        Map<String, String> jdbcProperties) {

    public static final String BOOTSTRAP_SERVERS = "acidic.bootstrap.servers";
    public static final String JDBC_URL = "acidic.jdbc.url";
    public static final String JDBC_USER = "acidic.jdbc.user";
    public static final String JDBC_PASSWORD = "acidic.jdbc.password";
    public static final String APPLICATION_ID = "acidic.application.id";
    public static final String INSTANCE_ID = "acidic.instance.id";
    public static final String LOCK_TIMEOUT = "acidic.lock.timeout";
    public static final String STREAM_THREADS = "acidic.stream.threads";
    public static final String PARTITIONS = "acidic.partitions";
    public static final String REPLICATION_FACTOR = "acidic.replication.factor";
    public static final String STATE_DIR = "acidic.state.dir";
    public static final String DATA_DIR = "acidic.data.dir";
    public static final String REQUESTS_TOPIC = "acidic.topic.requests";
    public static final String EVENTS_TOPIC = "acidic.topic.events";
    public static final String COMPLETIONS_TOPIC = "acidic.topic.completions";
    public static final String DLQ_TOPIC = "acidic.topic.dlq";
    public static final String CONTINUATIONS_TOPIC = "acidic.topic.continuations";
    public static final String PROCESSING_GUARANTEE = "acidic.processing.guarantee";
    public static final String COMMIT_INTERVAL = "acidic.commit.interval";
    public static final String RETRY_INITIAL_DELAY = "acidic.retry.initial.delay";
    public static final String RETRY_FACTOR = "acidic.retry.factor";
    public static final String RETRY_MAX_DELAY = "acidic.retry.max.delay";
    public static final String RETRY_MAX_ATTEMPTS = "acidic.retry.max.attempts";
    public static final String DRIVE_BUDGET = "acidic.drive.budget";
    public static final String TIMER_INTERVAL = "acidic.timer.interval";
    public static final String DB_POOL_SIZE = "acidic.db.pool.size";
    public static final String TRANSACTION_IDLE_TIMEOUT = "acidic.transaction.idle.timeout";
    public static final String BATCH_MAX = "acidic.batch.max";
    public static final String BATCH_LINGER = "acidic.batch.linger";
    public static final String KEY_MAX_BYTES = "acidic.key.max.bytes";
    public static final String REQUEST_MAX_BYTES = "acidic.request.max.bytes";
    public static final String ARGS_MAX_DEPTH = "acidic.args.max.depth";
    public static final String STEP_TIMEOUT = "acidic.step.timeout";
    public static final String STATEMENT_TIMEOUT = "acidic.statement.timeout";
    public static final String MIGRATE_ON_START = "acidic.migrate.on.start";
    public static final String KAFKA_PREFIX = "acidic.kafka.";
    public static final String JDBC_PROPERTIES_PREFIX = "acidic.jdbc.properties.";

    /** One documented setting. */
    public record Setting(String key, String defaultValue, String doc) {
        public String envName() {
            return key.toUpperCase(Locale.ROOT).replace('.', '_');
        }
    }

    /** Every setting, its default ("" = none) and what it means. */
    public static final List<Setting> SETTINGS = List.of(
            new Setting(BOOTSTRAP_SERVERS, "", "Kafka bootstrap servers; empty starts an embedded single-node Kafka (dev/tests only)"),
            new Setting(JDBC_URL, "", "Postgres JDBC URL (jdbc:postgresql://host:5432/db); empty starts an embedded Postgres (dev/tests only)"),
            new Setting(JDBC_USER, "postgres", "Postgres user"),
            new Setting(JDBC_PASSWORD, "", "Postgres password (secret: never logged)"),
            new Setting(APPLICATION_ID, "acidic", "Kafka Streams application id: instances with the same id share the work"),
            new Setting(INSTANCE_ID, "<hostname>", "this instance's identity, stored as the lock owner; keep it stable across restarts so a restarted instance reclaims its own locks at once, and unique among running instances"),
            new Setting(LOCK_TIMEOUT, "10s", "how long a key's lock holds after its owner's last phase; after that another instance may take the job over"),
            new Setting(STREAM_THREADS, "2", "Kafka Streams threads in this instance (steps run on them)"),
            new Setting(PARTITIONS, "6", "partition count of the topics the processor creates (the maximum useful number of stream threads over all instances)"),
            new Setting(REPLICATION_FACTOR, "-1", "replication factor of created topics; -1 uses the broker default"),
            new Setting(STATE_DIR, "target/acidic/streams", "Kafka Streams state directory (one per instance; the instance id is appended)"),
            new Setting(DATA_DIR, "target/acidic/embedded", "where embedded Kafka and Postgres keep their files"),
            new Setting(REQUESTS_TOPIC, "acidic.requests", "topic of job requests (key: idempotency key)"),
            new Setting(EVENTS_TOPIC, "acidic.events", "topic of lifecycle events"),
            new Setting(COMPLETIONS_TOPIC, "acidic.completions", "topic of completions (terminal outcome per request)"),
            new Setting(DLQ_TOPIC, "acidic.requests.dlq", "topic of undecodable request records"),
            new Setting(CONTINUATIONS_TOPIC, "", "internal topic through which a job continues after its time budget; empty means <application.id>.continuations"),
            new Setting(PROCESSING_GUARANTEE, "exactly_once_v2", "exactly_once_v2 or at_least_once"),
            new Setting(COMMIT_INTERVAL, "100ms", "Kafka Streams commit interval: the floor of event and completion latency under exactly-once"),
            new Setting(RETRY_INITIAL_DELAY, "1s", "delay before the first retry of a failed step"),
            new Setting(RETRY_FACTOR, "2.0", "multiplier of the retry delay per failed attempt"),
            new Setting(RETRY_MAX_DELAY, "5m", "upper bound of the retry delay"),
            new Setting(RETRY_MAX_ATTEMPTS, "10", "attempts of one step (first run included) before the job fails"),
            new Setting(DRIVE_BUDGET, "500ms", "time a stream thread spends on one key before it yields to other keys and continues later"),
            new Setting(TIMER_INTERVAL, "100ms", "how often due retries and deferred keys are looked for"),
            new Setting(DB_POOL_SIZE, "0", "Postgres connections; 0 means stream threads + 2"),
            new Setting(TRANSACTION_IDLE_TIMEOUT, "60s", "Postgres ends a phase transaction left idle this long (idle_in_transaction_session_timeout), "
                    + "so a frozen or partitioned-away instance cannot hold a key's row lock forever; keep it above the longest "
                    + "non-SQL work (an HTTP call) a step does"),
            new Setting(BATCH_MAX, "64", "most new requests of one partition whose phases share Postgres transactions "
                    + "(one commit per round of phases instead of one per phase); 1 turns batching off"),
            new Setting(BATCH_LINGER, "2ms", "longest a request waits for others to batch with; also the stream threads' poll "
                    + "timeout when idle"),
            new Setting(KEY_MAX_BYTES, "255", "longest idempotency key in UTF-8 bytes; longer keys are rejected (at most 2048: "
                    + "Postgres indexes the key)"),
            new Setting(REQUEST_MAX_BYTES, "1048576", "largest request value in bytes; larger requests are rejected and copied to the DLQ"),
            new Setting(ARGS_MAX_DEPTH, "32", "deepest nesting of objects and arrays in a request's args (args itself is 1); deeper "
                    + "requests are rejected"),
            new Setting(STEP_TIMEOUT, "30s", "longest a step may run; past it the step is interrupted, its phase rolled back "
                    + "(its connection closed) and a failed attempt counted, so a hung step cannot hold its partition; keep it "
                    + "well below the Kafka consumer's max.poll.interval.ms (5m)"),
            new Setting(STATEMENT_TIMEOUT, "0", "Postgres statement_timeout of the processor's connections (a step's own SQL "
                    + "included); 0 means acidic.step.timeout"),
            new Setting(MIGRATE_ON_START, "true", "apply pending migrations and the jobs' schema at start; false only checks "
                    + "that the schema is current, for a role with DML rights alone (run the migrate command as the owner)"));

    private static final Map<String, Setting> BY_KEY;
    /** ACIDIC_* variables that are not settings: the config file and the test-only fault injection. */
    private static final java.util.Set<String> NOT_SETTINGS = java.util.Set.of("ACIDIC_CONFIG_FILE", "ACIDIC_FAULTS");

    static {
        Map<String, Setting> m = new LinkedHashMap<>();
        SETTINGS.forEach(s -> m.put(s.key(), s));
        BY_KEY = Collections.unmodifiableMap(m);
    }

    private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|jaas|token|credential|user\\.info|\\.key$|keystore\\.key).*");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public AcidicConfig {
        kafka = Collections.unmodifiableMap(new TreeMap<>(kafka));
        jdbcProperties = Collections.unmodifiableMap(new TreeMap<>(jdbcProperties));
        require(!applicationId.isBlank(), APPLICATION_ID, applicationId, "set a non-empty application id");
        require(!instanceId.isBlank() && instanceId.length() <= 200, INSTANCE_ID, instanceId, "set 1-200 characters");
        require(positive(lockTimeout), LOCK_TIMEOUT, lockTimeout, "use a positive duration such as 30s");
        require(streamThreads >= 1 && streamThreads <= 64, STREAM_THREADS, streamThreads, "use 1..64");
        require(partitions >= 1, PARTITIONS, partitions, "use at least 1");
        require(replicationFactor == -1 || replicationFactor >= 1, REPLICATION_FACTOR, replicationFactor, "use -1 or at least 1");
        for (var t : Map.of(REQUESTS_TOPIC, requestsTopic, EVENTS_TOPIC, eventsTopic, COMPLETIONS_TOPIC, completionsTopic,
                DLQ_TOPIC, dlqTopic, CONTINUATIONS_TOPIC,
                continuationsTopicSetting.isBlank() ? applicationId + ".continuations" : continuationsTopicSetting).entrySet()) {
            require(TOPIC.matcher(t.getValue()).matches(), t.getKey(), t.getValue(), "use 1-249 of [a-zA-Z0-9._-]");
        }
        require(List.of("exactly_once_v2", "at_least_once").contains(processingGuarantee), PROCESSING_GUARANTEE,
                processingGuarantee, "use exactly_once_v2 or at_least_once");
        require(positive(commitInterval), COMMIT_INTERVAL, commitInterval, "use a positive duration such as 100ms");
        require(positive(retryInitialDelay), RETRY_INITIAL_DELAY, retryInitialDelay, "use a positive duration such as 1s");
        require(retryFactor >= 1.0, RETRY_FACTOR, retryFactor, "use a number >= 1.0");
        require(retryMaxDelay.compareTo(retryInitialDelay) >= 0, RETRY_MAX_DELAY, retryMaxDelay, "use a duration >= " + RETRY_INITIAL_DELAY);
        require(retryMaxAttempts >= 1, RETRY_MAX_ATTEMPTS, retryMaxAttempts, "use at least 1");
        require(positive(driveBudget), DRIVE_BUDGET, driveBudget, "use a positive duration such as 500ms");
        require(positive(timerInterval), TIMER_INTERVAL, timerInterval, "use a positive duration such as 100ms");
        require(dbPoolSize >= 0, DB_POOL_SIZE, dbPoolSize, "use 0 (automatic) or a positive count");
        require(positive(transactionIdleTimeout), TRANSACTION_IDLE_TIMEOUT, transactionIdleTimeout, "use a positive duration such as 60s");
        require(batchMax >= 1 && batchMax <= 10_000, BATCH_MAX, batchMax, "use a count from 1 to 10000");
        require(positive(batchLinger), BATCH_LINGER, batchLinger, "use a positive duration such as 2ms");
        require(keyMaxBytes >= 1 && keyMaxBytes <= 2048, KEY_MAX_BYTES, keyMaxBytes, "use a count from 1 to 2048");
        require(requestMaxBytes >= 64, REQUEST_MAX_BYTES, requestMaxBytes, "use at least 64");
        require(argsMaxDepth >= 1 && argsMaxDepth <= 500, ARGS_MAX_DEPTH, argsMaxDepth, "use a depth from 1 to 500");
        require(positive(stepTimeout) && stepTimeout.compareTo(Duration.ofDays(1)) <= 0, STEP_TIMEOUT, stepTimeout,
                "use a positive duration up to 1d, such as 30s");
        require(!statementTimeout.isNegative() && statementTimeout.compareTo(Duration.ofDays(1)) <= 0, STATEMENT_TIMEOUT,
                statementTimeout, "use 0 (the step timeout) or a positive duration up to 1d");
    }

    /** All defaults: embedded Kafka and Postgres, instance id = host name. */
    public static AcidicConfig defaults() {
        return fromMap(Map.of());
    }

    /** Settings from {@code ACIDIC_*} environment variables over the defaults. */
    public static AcidicConfig fromEnv() {
        return fromEnv(System.getenv());
    }

    /** Settings from the given environment ({@code ACIDIC_*} names) over the defaults. */
    public static AcidicConfig fromEnv(Map<String, String> env) {
        Map<String, String> m = new LinkedHashMap<>();
        String file = env.get("ACIDIC_CONFIG_FILE");
        if (file != null && !file.isBlank()) {
            m.putAll(readFile(Path.of(file)));
        }
        for (var e : env.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("ACIDIC_") || NOT_SETTINGS.contains(name)) {
                continue;
            }
            m.put(keyForEnv(name), e.getValue());
        }
        return fromMap(m);
    }

    /** Settings from a properties file's content ({@code acidic.*} keys) over the defaults. */
    public static AcidicConfig fromProperties(Properties props) {
        Map<String, String> m = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(k -> m.put(k, props.getProperty(k)));
        return fromMap(m);
    }

    /** A copy with one setting changed, validated like any other source. */
    public AcidicConfig with(String key, String value) {
        Map<String, String> m = toMap();
        m.put(key, value);
        return fromMap(m);
    }

    public AcidicConfig withBootstrapServers(String servers) {
        return with(BOOTSTRAP_SERVERS, servers);
    }

    public AcidicConfig withJdbc(String url, String user, String password) {
        return with(JDBC_URL, url).with(JDBC_USER, user).with(JDBC_PASSWORD, password == null ? "" : password);
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
        return with(REQUESTS_TOPIC, prefix + requestsTopic).with(EVENTS_TOPIC, prefix + eventsTopic)
                .with(COMPLETIONS_TOPIC, prefix + completionsTopic).with(DLQ_TOPIC, prefix + dlqTopic);
    }

    /**
     * The internal continuations topic: the configured name, or {@code <application.id>.continuations}.
     * Derived on use, so changing the application id moves it too: two applications must never
     * share it, or one would drive the other's keys.
     */
    public String continuationsTopic() {
        return continuationsTopicSetting.isBlank() ? applicationId + ".continuations" : continuationsTopicSetting;
    }

    public boolean exactlyOnce() {
        return processingGuarantee.equals("exactly_once_v2");
    }

    /** The Postgres statement_timeout: the setting, or the step timeout when it is 0. */
    public Duration effectiveStatementTimeout() {
        return statementTimeout.isZero() ? stepTimeout : statementTimeout;
    }

    public int effectivePoolSize() {
        return dbPoolSize > 0 ? dbPoolSize : streamThreads + 2;
    }

    /** Every setting as {@code acidic.*} keys, secrets included (do not log this map). */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(BOOTSTRAP_SERVERS, bootstrapServers);
        m.put(JDBC_URL, jdbcUrl);
        m.put(JDBC_USER, jdbcUser);
        m.put(JDBC_PASSWORD, jdbcPassword);
        m.put(APPLICATION_ID, applicationId);
        m.put(INSTANCE_ID, instanceId);
        m.put(LOCK_TIMEOUT, lockTimeout.toString());
        m.put(STREAM_THREADS, Integer.toString(streamThreads));
        m.put(PARTITIONS, Integer.toString(partitions));
        m.put(REPLICATION_FACTOR, Short.toString(replicationFactor));
        m.put(STATE_DIR, stateDir.toString());
        m.put(DATA_DIR, dataDir.toString());
        m.put(REQUESTS_TOPIC, requestsTopic);
        m.put(EVENTS_TOPIC, eventsTopic);
        m.put(COMPLETIONS_TOPIC, completionsTopic);
        m.put(DLQ_TOPIC, dlqTopic);
        m.put(CONTINUATIONS_TOPIC, continuationsTopicSetting);
        m.put(PROCESSING_GUARANTEE, processingGuarantee);
        m.put(COMMIT_INTERVAL, commitInterval.toString());
        m.put(RETRY_INITIAL_DELAY, retryInitialDelay.toString());
        m.put(RETRY_FACTOR, Double.toString(retryFactor));
        m.put(RETRY_MAX_DELAY, retryMaxDelay.toString());
        m.put(RETRY_MAX_ATTEMPTS, Integer.toString(retryMaxAttempts));
        m.put(DRIVE_BUDGET, driveBudget.toString());
        m.put(TIMER_INTERVAL, timerInterval.toString());
        m.put(DB_POOL_SIZE, Integer.toString(dbPoolSize));
        m.put(TRANSACTION_IDLE_TIMEOUT, transactionIdleTimeout.toString());
        m.put(BATCH_MAX, Integer.toString(batchMax));
        m.put(BATCH_LINGER, batchLinger.toString());
        m.put(KEY_MAX_BYTES, Integer.toString(keyMaxBytes));
        m.put(REQUEST_MAX_BYTES, Integer.toString(requestMaxBytes));
        m.put(ARGS_MAX_DEPTH, Integer.toString(argsMaxDepth));
        m.put(STEP_TIMEOUT, stepTimeout.toString());
        m.put(STATEMENT_TIMEOUT, statementTimeout.toString());
        m.put(MIGRATE_ON_START, Boolean.toString(migrateOnStart));
        kafka.forEach((k, v) -> m.put(KAFKA_PREFIX + k, v));
        jdbcProperties.forEach((k, v) -> m.put(JDBC_PROPERTIES_PREFIX + k, v));
        return m;
    }

    /** The settings with every secret masked: safe to log. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("AcidicConfig{");
        String sep = "";
        for (var e : toMap().entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(masked(e.getKey(), e.getValue()));
            sep = ", ";
        }
        return sb.append('}').toString();
    }

    static String masked(String key, String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        if (SECRET.matcher(key).matches()) {
            return "****";
        }
        if (key.equals(JDBC_URL)) {
            return value.replaceAll("(?i)(password=)[^&;]*", "$1****");
        }
        return value;
    }

    static AcidicConfig fromMap(Map<String, String> given) {
        Map<String, String> kafka = new TreeMap<>();
        Map<String, String> jdbcProps = new TreeMap<>();
        Map<String, String> v = new LinkedHashMap<>();
        for (Setting s : SETTINGS) {
            v.put(s.key(), s.defaultValue());
        }
        for (var e : given.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(KAFKA_PREFIX)) {
                kafka.put(k.substring(KAFKA_PREFIX.length()), e.getValue());
            } else if (k.startsWith(JDBC_PROPERTIES_PREFIX)) {
                jdbcProps.put(k.substring(JDBC_PROPERTIES_PREFIX.length()), e.getValue());
            } else if (BY_KEY.containsKey(k)) {
                v.put(k, e.getValue() == null ? "" : e.getValue().trim());
            } else if (k.startsWith("acidic.")) {
                throw new IllegalArgumentException("unknown setting '" + k + "'; known settings: " + BY_KEY.keySet()
                        + ", plus " + KAFKA_PREFIX + "* and " + JDBC_PROPERTIES_PREFIX + "*");
            }
        }
        String instance = v.get(INSTANCE_ID);
        if (instance.equals("<hostname>") || instance.isBlank()) {
            instance = hostname();
        }
        String appId = v.get(APPLICATION_ID);
        return new AcidicConfig(
                v.get(BOOTSTRAP_SERVERS), v.get(JDBC_URL), v.get(JDBC_USER), v.get(JDBC_PASSWORD), appId, instance,
                parse(v, LOCK_TIMEOUT, Durations::parse), parse(v, STREAM_THREADS, Integer::parseInt),
                parse(v, PARTITIONS, Integer::parseInt), parse(v, REPLICATION_FACTOR, Short::parseShort),
                parse(v, STATE_DIR, Path::of), parse(v, DATA_DIR, Path::of),
                v.get(REQUESTS_TOPIC), v.get(EVENTS_TOPIC), v.get(COMPLETIONS_TOPIC), v.get(DLQ_TOPIC), v.get(CONTINUATIONS_TOPIC),
                v.get(PROCESSING_GUARANTEE).toLowerCase(Locale.ROOT), parse(v, COMMIT_INTERVAL, Durations::parse),
                parse(v, RETRY_INITIAL_DELAY, Durations::parse), parse(v, RETRY_FACTOR, Double::parseDouble),
                parse(v, RETRY_MAX_DELAY, Durations::parse), parse(v, RETRY_MAX_ATTEMPTS, Integer::parseInt),
                parse(v, DRIVE_BUDGET, Durations::parse), parse(v, TIMER_INTERVAL, Durations::parse),
                parse(v, DB_POOL_SIZE, Integer::parseInt), parse(v, TRANSACTION_IDLE_TIMEOUT, Durations::parse),
                parse(v, BATCH_MAX, Integer::parseInt), parse(v, BATCH_LINGER, Durations::parse),
                parse(v, KEY_MAX_BYTES, Integer::parseInt), parse(v, REQUEST_MAX_BYTES, Integer::parseInt),
                parse(v, ARGS_MAX_DEPTH, Integer::parseInt), parse(v, STEP_TIMEOUT, Durations::parse),
                parse(v, STATEMENT_TIMEOUT, Durations::parse), parse(v, MIGRATE_ON_START, AcidicConfig::bool), kafka, jdbcProps);
    }

    private static <T> T parse(Map<String, String> v, String key, Function<String, T> parser) {
        String raw = v.get(key);
        try {
            return parser.apply(raw);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("setting " + key + " (env " + BY_KEY.get(key).envName() + ") has invalid value '"
                    + masked(key, raw) + "': " + e.getMessage() + "; default is '" + BY_KEY.get(key).defaultValue() + "'", e);
        }
    }

    private static void require(boolean ok, String key, Object value, String fix) {
        if (!ok) {
            throw new IllegalArgumentException("setting " + key + " (env " + key.toUpperCase(Locale.ROOT).replace('.', '_')
                    + ") has invalid value '" + masked(key, String.valueOf(value)) + "': " + fix);
        }
    }

    private static boolean bool(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new IllegalArgumentException("use true or false");
        };
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    static String keyForEnv(String envName) {
        String rest = envName.substring("ACIDIC_".length()).toLowerCase(Locale.ROOT);
        if (rest.startsWith("kafka_")) {
            return KAFKA_PREFIX + rest.substring("kafka_".length()).replace('_', '.');
        }
        if (rest.startsWith("jdbc_properties_")) {
            return JDBC_PROPERTIES_PREFIX + rest.substring("jdbc_properties_".length());
        }
        for (Setting s : SETTINGS) {
            if (s.envName().equals(envName)) {
                return s.key();
            }
        }
        return "acidic." + rest.replace('_', '.');
    }

    private static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read ACIDIC_CONFIG_FILE '" + file + "': " + e.getMessage(), e);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
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
