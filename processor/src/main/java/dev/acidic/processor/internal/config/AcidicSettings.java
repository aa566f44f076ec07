package dev.acidic.processor.internal.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every setting of the processor, each declared once: key, typed default (a named constant),
 * bound, doc, secret or not. {@code AcidicConfig} reads them through {@link #REGISTRY}; the
 * settings listing, environment names, parsing, range errors and masking derive from here.
 * Rules between two settings live in {@link CrossChecks}.
 */
public final class AcidicSettings {
    private static final List<Setting<?>> DECLARED = new ArrayList<>();
    private static final Duration DAY = Duration.ofDays(1);
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Bound<String> TOPIC_NAME = Bound.matches(TOPIC, "use 1-249 of [a-zA-Z0-9._-]");

    public static final String KAFKA_PREFIX = "acidic.kafka.";
    public static final String JDBC_PROPERTIES_PREFIX = "acidic.jdbc.properties.";
    public static final String EXACTLY_ONCE = "exactly_once_v2";
    public static final String AT_LEAST_ONCE = "at_least_once";

    public static final String DEFAULT_JDBC_USER = "postgres";
    public static final String DEFAULT_APPLICATION_ID = "acidic";
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_STREAM_THREADS = 2;
    public static final int DEFAULT_PARTITIONS = 6;
    public static final int BROKER_DEFAULT_REPLICATION = -1;
    public static final Path DEFAULT_STATE_DIR = Path.of("target/acidic/streams");
    public static final Path DEFAULT_DATA_DIR = Path.of("target/acidic/embedded");
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_RETRY_INITIAL_DELAY = Duration.ofSeconds(1);
    public static final double DEFAULT_RETRY_FACTOR = 2.0;
    public static final Duration DEFAULT_RETRY_MAX_DELAY = Duration.ofMinutes(5);
    public static final int DEFAULT_RETRY_MAX_ATTEMPTS = 10;
    public static final Duration DEFAULT_DRIVE_BUDGET = Duration.ofMillis(500);
    public static final Duration DEFAULT_TIMER_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_COMPLETER_IDLE = Duration.ofMinutes(1);
    /** 0: the completer is off. */
    public static final Duration COMPLETER_OFF = Duration.ZERO;
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(72);
    /** 0: finished keys are kept for ever (the reaper is off). */
    public static final Duration KEEP_EVERYTHING = Duration.ZERO;
    public static final int DEFAULT_REAPER_BATCH = 1_000;
    /** 0: stream threads + {@link #POOL_SPARE_CONNECTIONS}. */
    public static final int AUTOMATIC_POOL_SIZE = 0;
    /** Connections beyond one per stream thread in an automatic pool (start-up, migrations, slack). */
    public static final int POOL_SPARE_CONNECTIONS = 2;
    public static final Duration DEFAULT_TRANSACTION_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_BATCH_MAX = 64;
    public static final Duration DEFAULT_BATCH_LINGER = Duration.ofMillis(2);
    public static final int DEFAULT_KEY_MAX_BYTES = 255;
    /**
     * 960 KiB: a request travels on in records of its own (kept in the pending store's changelog,
     * forwarded to its key's home task), which must fit the producer's default max.request.size
     * (1 MiB) with the key, the request id and their framing.
     */
    public static final int DEFAULT_REQUEST_MAX_BYTES = 983_040;
    public static final int DEFAULT_ARGS_MAX_DEPTH = 32;
    public static final int DEFAULT_RESULT_MAX_BYTES = 262_144;
    public static final int DEFAULT_RECORD_MAX_FAILURES = 3;
    public static final int DEFAULT_ERROR_MESSAGE_MAX_CHARS = 8_000;
    public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofSeconds(30);
    /** 0: the step timeout. */
    public static final Duration STATEMENT_TIMEOUT_OF_STEP = Duration.ZERO;

    public static final Setting<String> BOOTSTRAP_SERVERS = define(Setting.string("acidic.bootstrap.servers", "")
            .doc("Kafka bootstrap servers; empty starts an embedded single-node Kafka (dev/tests only)"));
    public static final Setting<String> JDBC_URL = define(Setting.string("acidic.jdbc.url", "")
            .doc("Postgres JDBC URL (jdbc:postgresql://host:5432/db); empty starts an embedded Postgres (dev/tests only)"));
    public static final Setting<String> JDBC_SHARDS = define(Setting.string("acidic.jdbc.shards", "")
            .doc("further Postgres JDBC URLs, comma separated: keys are then sharded by partition, partition p living in "
                    + "database p mod (1 + their number), database 0 being acidic.jdbc.url (same user and password); fixed for the "
                    + "life of the data (see docs/SCALING.md)"));
    /** The URLs {@link #JDBC_SHARDS} lists, in order, blanks and spaces around them dropped. */
    public static List<String> shardUrls(String value) {
        List<String> urls = new ArrayList<>();
        for (String u : value.split(",")) {
            if (!u.isBlank()) {
                urls.add(u.strip());
            }
        }
        return List.copyOf(urls);
    }

    public static final Setting<String> JDBC_USER = define(Setting.string("acidic.jdbc.user", DEFAULT_JDBC_USER)
            .doc("Postgres user"));
    public static final Setting<String> JDBC_PASSWORD = define(Setting.string("acidic.jdbc.password", "").secret()
            .doc("Postgres password (secret: never logged)"));
    public static final Setting<String> APPLICATION_ID = define(Setting.string("acidic.application.id", DEFAULT_APPLICATION_ID)
            .bound(new Bound<>(s -> !s.isBlank(), "set a non-empty application id"))
            .doc("Kafka Streams application id: instances with the same id share the work"));
    public static final Setting<String> INSTANCE_ID = define(Setting.string("acidic.instance.id", "").shownDefault("<hostname>")
            .bound(new Bound<>(s -> s.length() <= 200, "set 1-200 characters"))
            .doc("this instance's identity, stored as the lock owner; keep it stable across restarts so a restarted instance "
                    + "reclaims its own locks at once, and unique among running instances"));
    public static final Setting<Duration> LOCK_TIMEOUT = define(Setting.duration("acidic.lock.timeout", DEFAULT_LOCK_TIMEOUT)
            .bound(Bound.positive(DAY, "10s"))
            .doc("how long a key's lock holds after its owner's last phase; after that another instance may take the job "
                    + "over; it only delays a takeover (correctness rests on the row lock and the recovery point), so keep it "
                    + "at most the main consumer's session.timeout.ms (10s), after which a dead owner's partitions move"));
    public static final Setting<Integer> STREAM_THREADS = define(Setting.integer("acidic.stream.threads", DEFAULT_STREAM_THREADS)
            .bound(Bound.between(1, 64))
            .doc("Kafka Streams threads in this instance (steps run on them)"));
    public static final Setting<Integer> PARTITIONS = define(Setting.integer("acidic.partitions", DEFAULT_PARTITIONS)
            .bound(Bound.atLeast(1))
            .doc("partition count of the topics the processor creates (the maximum useful number of stream threads over "
                    + "all instances)"));
    public static final Setting<Integer> REPLICATION_FACTOR = define(Setting.integer("acidic.replication.factor",
            BROKER_DEFAULT_REPLICATION).bound(Bound.between(1, Short.MAX_VALUE).orExactly(BROKER_DEFAULT_REPLICATION, "the broker default"))
            .doc("replication factor of created topics; -1 uses the broker default"));
    public static final Setting<Path> STATE_DIR = define(Setting.path("acidic.state.dir", DEFAULT_STATE_DIR)
            .doc("Kafka Streams state directory (one per instance; the instance id is appended)"));
    public static final Setting<Path> DATA_DIR = define(Setting.path("acidic.data.dir", DEFAULT_DATA_DIR)
            .doc("where embedded Kafka and Postgres keep their files"));
    public static final Setting<String> REQUESTS_TOPIC = define(Setting.string("acidic.topic.requests", "acidic.requests")
            .bound(TOPIC_NAME).doc("topic of job requests (key: idempotency key)"));
    public static final Setting<String> EVENTS_TOPIC = define(Setting.string("acidic.topic.events", "acidic.events")
            .bound(TOPIC_NAME).doc("topic of lifecycle events"));
    public static final Setting<String> COMPLETIONS_TOPIC = define(Setting.string("acidic.topic.completions", "acidic.completions")
            .bound(TOPIC_NAME).doc("topic of completions (terminal outcome per request)"));
    public static final Setting<String> DLQ_TOPIC = define(Setting.string("acidic.topic.dlq", "acidic.requests.dlq")
            .bound(TOPIC_NAME).doc("topic of undecodable request records"));
    public static final Setting<String> CONTINUATIONS_TOPIC = define(Setting.string("acidic.topic.continuations", "")
            .bound(TOPIC_NAME.orExactly("", "<application.id>.continuations"))
            .doc("internal topic through which a job continues after its time budget; empty means "
                    + "<application.id>.continuations"));
    public static final Setting<String> PROCESSING_GUARANTEE = define(Setting.lowerCase("acidic.processing.guarantee", EXACTLY_ONCE)
            .bound(Bound.oneOf(List.of(EXACTLY_ONCE, AT_LEAST_ONCE)))
            .doc(EXACTLY_ONCE + " or " + AT_LEAST_ONCE));
    public static final Setting<Duration> COMMIT_INTERVAL = define(Setting.duration("acidic.commit.interval", DEFAULT_COMMIT_INTERVAL)
            .bound(Bound.positive(DAY, "100ms"))
            .doc("Kafka Streams commit interval: the floor of event and completion latency under exactly-once"));
    public static final Setting<Duration> RETRY_INITIAL_DELAY = define(Setting.duration("acidic.retry.initial.delay",
            DEFAULT_RETRY_INITIAL_DELAY).bound(Bound.positive(DAY, "1s"))
            .doc("delay before the first retry of a failed step"));
    public static final Setting<Double> RETRY_FACTOR = define(Setting.decimal("acidic.retry.factor", DEFAULT_RETRY_FACTOR)
            .bound(new Bound<>(f -> f >= 1.0 && !f.isInfinite(), "use a number >= 1.0"))
            .doc("multiplier of the retry delay per failed attempt"));
    public static final Setting<Duration> RETRY_MAX_DELAY = define(Setting.duration("acidic.retry.max.delay", DEFAULT_RETRY_MAX_DELAY)
            .bound(Bound.positive(Duration.ofDays(365), "5m"))
            .doc("upper bound of the retry delay (at least acidic.retry.initial.delay)"));
    public static final Setting<Integer> RETRY_MAX_ATTEMPTS = define(Setting.integer("acidic.retry.max.attempts",
            DEFAULT_RETRY_MAX_ATTEMPTS).bound(Bound.atLeast(1))
            .doc("attempts of one step (first run included) before the job fails"));
    public static final Setting<Duration> DRIVE_BUDGET = define(Setting.duration("acidic.drive.budget", DEFAULT_DRIVE_BUDGET)
            .bound(Bound.positive(DAY, "500ms"))
            .doc("time a stream thread spends on one key before it yields to other keys and continues later"));
    public static final Setting<Duration> TIMER_INTERVAL = define(Setting.duration("acidic.timer.interval", DEFAULT_TIMER_INTERVAL)
            .bound(Bound.positive(DAY, "100ms"))
            .doc("how often due retries and deferred keys are looked for"));
    public static final Setting<Duration> COMPLETER_IDLE = define(Setting.duration("acidic.completer.idle", DEFAULT_COMPLETER_IDLE)
            .bound(Bound.between(Duration.ofSeconds(1), DAY, Durations::format).orExactly(COMPLETER_OFF, "off"))
            .doc("how long an unfinished key must lie untouched (no phase, no due retry or wait, no lock) before the"
                    + " completer of its partition's task drives it again, so that a job whose trigger was lost (a timer"
                    + " dropped after failing, an operator's mistake, a bug) still finishes; each task looks every half of"
                    + " this (1s to 5m), at its oldest 100 such keys; 0 turns the completer off"));
    public static final Setting<Duration> RETENTION = define(Setting.duration("acidic.retention", DEFAULT_RETENTION).shownDefault("72h")
            .bound(Bound.between(Duration.ofSeconds(1), Duration.ofDays(36_500), Durations::format)
                    .orExactly(KEEP_EVERYTHING, "keep everything"))
            .doc("how long a finished key (its row, journal, values and staged jobs) is kept: until then a request for it"
                    + " is answered from its stored outcome (replay: true); after it, the reaper deletes it, one instance at a"
                    + " time, in batches of acidic.reaper.batch, and a request for it starts a new job whose seq continues"
                    + " the old one's; 0 keeps everything"));
    public static final Setting<Integer> REAPER_BATCH = define(Setting.integer("acidic.reaper.batch", DEFAULT_REAPER_BATCH)
            .bound(Bound.between(1, 100_000))
            .doc("finished keys the reaper deletes in one transaction (it pauses as long as the batch took before the"
                    + " next): smaller holds the reaped keys' row locks for less time, larger reaps faster"));
    public static final Setting<Integer> DB_POOL_SIZE = define(Setting.integer("acidic.db.pool.size", AUTOMATIC_POOL_SIZE)
            .bound(Bound.between(1, 1000).orExactly(AUTOMATIC_POOL_SIZE, "stream threads + " + POOL_SPARE_CONNECTIONS))
            .doc("Postgres connections; 0 means stream threads + " + POOL_SPARE_CONNECTIONS + "; else at least "
                    + "acidic.stream.threads (a stream thread holds one through each phase)"));
    public static final Setting<Duration> TRANSACTION_IDLE_TIMEOUT = define(Setting.duration("acidic.transaction.idle.timeout",
            DEFAULT_TRANSACTION_IDLE_TIMEOUT).bound(Bound.positive(DAY, "60s"))
            .doc("Postgres ends a phase transaction left idle this long (idle_in_transaction_session_timeout), so a frozen "
                    + "or partitioned-away instance cannot hold a key's row lock forever; keep it above the longest non-SQL "
                    + "work (an HTTP call) a step does"));
    public static final Setting<Integer> BATCH_MAX = define(Setting.integer("acidic.batch.max", DEFAULT_BATCH_MAX)
            .bound(Bound.between(1, 10_000))
            .doc("most new requests of one partition whose phases share Postgres transactions (one commit per round of "
                    + "phases instead of one per phase); 1 turns batching off"));
    public static final Setting<Duration> BATCH_LINGER = define(Setting.duration("acidic.batch.linger", DEFAULT_BATCH_LINGER)
            .bound(Bound.positive(DAY, "2ms"))
            .doc("longest a request waits for others to batch with; also the stream threads' poll timeout when idle"));
    public static final Setting<Integer> KEY_MAX_BYTES = define(Setting.integer("acidic.key.max.bytes", DEFAULT_KEY_MAX_BYTES)
            .bound(Bound.between(1, 2048))
            .doc("longest idempotency key in UTF-8 bytes; longer keys are rejected (at most 2048: Postgres indexes the key)"));
    public static final Setting<Integer> REQUEST_MAX_BYTES = define(Setting.integer("acidic.request.max.bytes",
            DEFAULT_REQUEST_MAX_BYTES).bound(Bound.atLeast(64))
            .doc("largest request value in bytes; larger requests are rejected and copied to the DLQ"));
    public static final Setting<Integer> ARGS_MAX_DEPTH = define(Setting.integer("acidic.args.max.depth", DEFAULT_ARGS_MAX_DEPTH)
            .bound(Bound.between(1, 500))
            .doc("deepest nesting of objects and arrays in a request's args (args itself is 1); deeper requests are rejected"));
    public static final Setting<Integer> RECORD_MAX_FAILURES = define(Setting.integer("acidic.record.max.failures",
            DEFAULT_RECORD_MAX_FAILURES).bound(Bound.between(1, 1_000))
            .doc("times handling one input record may fail (a processor bug or an unexpected error, not a step's failure,"
                    + " counted in Postgres across restarts) before it is answered PROCESSING_FAILED, copied to the DLQ and"
                    + " skipped, so no record can stall its partition"));
    public static final Setting<Integer> RESULT_MAX_BYTES = define(Setting.integer("acidic.result.max.bytes",
            DEFAULT_RESULT_MAX_BYTES).bound(Bound.between(1_024, 64 * 1_048_576))
            .doc("largest job result (PhaseResult.finish) in UTF-8 JSON bytes; a larger one fails the attempt with an error"
                    + " that says so (results travel in events and completions: keep big data in your tables and return a"
                    + " reference); at most the producer's max.request.size less 64 KiB"));
    public static final Setting<Integer> ERROR_MESSAGE_MAX_CHARS = define(Setting.integer("acidic.error.message.max.chars",
            DEFAULT_ERROR_MESSAGE_MAX_CHARS).bound(Bound.between(100, 1_000_000))
            .doc("longest error message kept from a failed step; a longer one is cut and marked with its full length (the"
                    + " stored stack trace is cut at 16000 characters)"));
    public static final Setting<Duration> STEP_TIMEOUT = define(Setting.duration("acidic.step.timeout", DEFAULT_STEP_TIMEOUT)
            .bound(Bound.positive(DAY, "30s"))
            .doc("longest a step may run; past it the step is interrupted, its phase rolled back (its connection closed) "
                    + "and a failed attempt counted, so a hung step cannot hold its partition; must be below the main "
                    + "consumer's max.poll.interval.ms (5m) and, under exactly-once, the producer's transaction.timeout.ms, "
                    + "which defaults to this plus acidic.drive.budget plus " + Durations.format(KafkaOverrides.TRANSACTION_TIMEOUT_MARGIN)
                    + " (a longer transaction timeout also holds read_committed readers back longer after a crash)"));
    public static final Setting<Duration> STATEMENT_TIMEOUT = define(Setting.duration("acidic.statement.timeout",
            STATEMENT_TIMEOUT_OF_STEP).bound(Bound.positive(DAY, "30s").orExactly(STATEMENT_TIMEOUT_OF_STEP, "the step timeout"))
            .doc("Postgres statement_timeout of the processor's connections (a step's own SQL included); 0 means "
                    + "acidic.step.timeout"));
    public static final Setting<Boolean> MIGRATE_ON_START = define(Setting.bool("acidic.migrate.on.start", true)
            .doc("apply pending migrations and the jobs' schema at start; false only checks that the schema is current, "
                    + "for a role with DML rights alone (run the migrate command as the owner)"));
    public static final Setting<Integer> HTTP_PORT = define(Setting.integer("acidic.http.port", 8080)
            .bound(Bound.between(0, 65535))
            .doc("port of the processor's HTTP endpoint (/metrics, /health/live, /health/ready, the dashboard at / and its "
                    + "/api); 0 turns it off"));
    public static final Setting<String> HTTP_HOST = define(Setting.string("acidic.http.host", "127.0.0.1")
            .doc("address the HTTP endpoint binds to; any other than a loopback address needs acidic.http.token (or "
                    + "acidic.http.auth=none)"));
    public static final Setting<String> HTTP_TOKEN = define(Setting.string("acidic.http.token", "").secret()
            .doc("bearer token every HTTP request must carry (Authorization: Bearer <token>); secret: never logged"));
    public static final Setting<String> HTTP_AUTH = define(Setting.lowerCase("acidic.http.auth", "token")
            .bound(Bound.oneOf(List.of("token", "none")))
            .doc("token: requests need acidic.http.token when one is set, and one must be set to bind beyond loopback; "
                    + "none: serve without a token wherever bound (say so on purpose, e.g. behind a proxy that authenticates)"));
    public static final Setting<Boolean> METRICS_ENABLED = define(Setting.bool("acidic.metrics.enabled", true)
            .doc("record the processor's metrics (Micrometer, served at /metrics in Prometheus' format)"));
    public static final Setting<String> LOG_FORMAT = define(Setting.lowerCase("acidic.log.format", "text")
            .bound(Bound.oneOf(List.of("text", "json")))
            .doc("text, or json: one JSON object per line (logback's JsonEncoder), with key, job, step and run"));

    /** Every setting above, in declaration order, plus the Kafka and JDBC pass-through prefixes. */
    public static final Registry REGISTRY = new Registry("acidic.", DECLARED,
            List.of(new Registry.PassThrough(KAFKA_PREFIX, true), new Registry.PassThrough(JDBC_PROPERTIES_PREFIX, false)),
            Set.of("ACIDIC_FAULTS"));

    private AcidicSettings() {}

    private static <T> Setting<T> define(Setting<T> s) {
        DECLARED.add(s);
        return s;
    }
}
