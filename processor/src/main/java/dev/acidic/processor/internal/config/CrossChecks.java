package dev.acidic.processor.internal.config;

import static dev.acidic.processor.internal.config.AcidicSettings.APPLICATION_ID;
import static dev.acidic.processor.internal.config.AcidicSettings.CONTINUATIONS_TOPIC;
import static dev.acidic.processor.internal.config.AcidicSettings.DB_POOL_SIZE;
import static dev.acidic.processor.internal.config.AcidicSettings.DRIVE_BUDGET;
import static dev.acidic.processor.internal.config.AcidicSettings.ERROR_MESSAGE_MAX_CHARS;
import static dev.acidic.processor.internal.config.AcidicSettings.HTTP_AUTH;
import static dev.acidic.processor.internal.config.AcidicSettings.HTTP_HOST;
import static dev.acidic.processor.internal.config.AcidicSettings.HTTP_PORT;
import static dev.acidic.processor.internal.config.AcidicSettings.HTTP_TOKEN;
import static dev.acidic.processor.internal.config.AcidicSettings.EXACTLY_ONCE;
import static dev.acidic.processor.internal.config.AcidicSettings.KEY_MAX_BYTES;
import static dev.acidic.processor.internal.config.AcidicSettings.LOCK_TIMEOUT;
import static dev.acidic.processor.internal.config.AcidicSettings.PROCESSING_GUARANTEE;
import static dev.acidic.processor.internal.config.AcidicSettings.REQUEST_MAX_BYTES;
import static dev.acidic.processor.internal.config.AcidicSettings.RETRY_INITIAL_DELAY;
import static dev.acidic.processor.internal.config.AcidicSettings.RESULT_MAX_BYTES;
import static dev.acidic.processor.internal.config.AcidicSettings.RETRY_MAX_DELAY;
import static dev.acidic.processor.internal.config.AcidicSettings.STEP_TIMEOUT;
import static dev.acidic.processor.internal.config.AcidicSettings.STREAM_THREADS;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules between settings, run on every configuration built. A conflict that breaks the
 * processor is an error naming both settings, their values and the fix; one that only weakens a
 * guarantee is a warning the processor logs at start.
 */
public final class CrossChecks {
    private static final Duration BROKER_MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);
    /** Room in a record for what surrounds a result or an error message: key (twice), other fields, headers. */
    public static final int OUTPUT_OVERHEAD_BYTES = 65_536;
    /** Room in a record for what goes with a request kept or forwarded: request id, topic name, framing. */
    public static final int REQUEST_OVERHEAD_BYTES = 16_384;
    private CrossChecks() {}

    /**
     * @return the warnings (empty when all is well)
     * @throws IllegalArgumentException listing every error
     */
    public static List<String> check(Values v) {
        List<String> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        KafkaOverrides kafka = new KafkaOverrides(v.passThrough(AcidicSettings.KAFKA_PREFIX));
        Duration step = v.get(STEP_TIMEOUT);
        Duration budget = v.get(DRIVE_BUDGET);
        Duration drive = step.plus(budget); // a round starts no step past its budget, so a drive takes at most this

        // A drive runs inside the Streams transaction of the record that drove it: one that
        // outlives it gets the transaction aborted by the broker and the stream thread fenced, so
        // its committed Postgres phases are never followed by their events. Only a value the user
        // gave can conflict: unset, the processor sets step timeout + drive budget + margin.
        if (v.get(PROCESSING_GUARANTEE).equals(EXACTLY_ONCE)) {
            kafka.producer(KafkaOverrides.TRANSACTION_TIMEOUT_MS).filter(t -> drive.compareTo(t.value()) >= 0).ifPresent(t ->
                    errors.add(STEP_TIMEOUT.key() + " (" + show(step) + ") plus " + DRIVE_BUDGET.key() + " (" + show(budget)
                            + ") must be below the Kafka producer's transaction timeout " + t.key() + " (" + t.value().toMillis()
                            + " ms): a drive that long has its transaction aborted and its stream thread fenced; raise " + t.key()
                            + " above " + drive.toMillis() + " (or remove it: the processor then uses their sum + "
                            + show(KafkaOverrides.TRANSACTION_TIMEOUT_MARGIN) + ") or lower " + STEP_TIMEOUT.key()));
        }
        // The broker refuses a producer whose transaction timeout exceeds its
        // transaction.max.timeout.ms (15 min by default): say so before the producer does.
        Duration txn = kafka.transactionTimeout(step, budget);
        if (v.get(PROCESSING_GUARANTEE).equals(EXACTLY_ONCE) && txn.compareTo(BROKER_MAX_TRANSACTION_TIMEOUT) > 0) {
            warnings.add("the Kafka producer's transaction timeout (" + txn.toMillis() + " ms, from " + STEP_TIMEOUT.key() + " "
                    + show(step) + ") exceeds the brokers' default transaction.max.timeout.ms (15 min): unless the brokers "
                    + "allow it, the producer is refused; lower " + STEP_TIMEOUT.key() + " or raise the brokers' limit");
        }
        // An endpoint reachable from elsewhere serves job data and takes cancel/retry: not without a token
        // unless the operator says so.
        if (v.get(HTTP_PORT) != 0 && !isLoopback(v.get(HTTP_HOST)) && v.get(HTTP_TOKEN).isBlank() && !v.get(HTTP_AUTH).equals("none")) {
            errors.add(HTTP_HOST.key() + " " + v.get(HTTP_HOST) + " is not a loopback address: set " + HTTP_TOKEN.key()
                    + " (a bearer token every request must carry) or, to serve without one on purpose, " + HTTP_AUTH.key()
                    + "=none (or " + HTTP_PORT.key() + "=0 to serve nothing)");
        }
        // A step holds its stream thread's poll loop: past max.poll.interval.ms the consumer
        // leaves the group and the partition moves while the step still runs.
        Duration maxPoll = kafka.maxPollInterval();
        if (drive.compareTo(maxPoll) >= 0) {
            var given = kafka.mainConsumer(KafkaOverrides.MAX_POLL_INTERVAL_MS);
            String key = given.map(KafkaOverrides.Given::key).orElse(AcidicSettings.KAFKA_PREFIX + KafkaOverrides.MAX_POLL_INTERVAL_MS);
            errors.add(STEP_TIMEOUT.key() + " (" + show(step) + ") plus " + DRIVE_BUDGET.key() + " (" + show(budget) + ") must be"
                    + " below the main consumer's " + key + " (" + maxPoll.toMillis() + " ms" + (given.isPresent() ? "" : ", Kafka's"
                    + " default") + "): a drive that long makes the consumer leave the group while it runs; lower "
                    + STEP_TIMEOUT.key() + " or raise " + key + " above " + drive.toMillis());
        }
        // Another instance only meets a key once the key's partition has moved to it: after the
        // owner's session timeout when the owner died. The lock does not guard correctness (the
        // row lock and the recovery-point check do), it only makes the new owner wait; a lock
        // longer than the session timeout makes every takeover wait for the lock, not the session.
        Duration session = kafka.sessionTimeout();
        Duration lock = v.get(LOCK_TIMEOUT);
        if (lock.compareTo(session) > 0) {
            var given = kafka.mainConsumer(KafkaOverrides.SESSION_TIMEOUT_MS);
            String key = given.map(KafkaOverrides.Given::key)
                    .orElse(AcidicSettings.KAFKA_PREFIX + KafkaOverrides.MAIN_CONSUMER_PREFIX + KafkaOverrides.SESSION_TIMEOUT_MS);
            warnings.add(LOCK_TIMEOUT.key() + " (" + show(lock) + ") is longer than the main consumer's " + key + " ("
                    + session.toMillis() + " ms" + (given.isPresent() ? "" : ", the processor's default") + "): a dead "
                    + "instance's partitions move after the session timeout, but its keys then wait out the lock, so a "
                    + "takeover takes " + show(lock) + " instead of " + show(session) + "; lower " + LOCK_TIMEOUT.key()
                    + " to " + show(session) + " or raise " + key);
        }
        int pool = v.get(DB_POOL_SIZE);
        int threads = v.get(STREAM_THREADS);
        if (pool != AcidicSettings.AUTOMATIC_POOL_SIZE && pool < threads) {
            errors.add(DB_POOL_SIZE.key() + " (" + pool + ") is below " + STREAM_THREADS.key() + " (" + threads + "): every stream "
                    + "thread holds a connection through each phase, so threads would wait for one inside a Kafka transaction; "
                    + "set " + DB_POOL_SIZE.key() + " to at least " + threads + " (" + (threads + AcidicSettings.POOL_SPARE_CONNECTIONS)
                    + " is what 0, the default, gives) or lower " + STREAM_THREADS.key());
        }
        // Results and error messages travel in events and completions, which must fit the
        // producer's largest record: one that does not fails its send and, before these limits,
        // stalled the partition (the thread failed and was replaced in a loop).
        int maxRecord = kafka.maxRequestSize();
        int result = v.get(RESULT_MAX_BYTES);
        if (result + OUTPUT_OVERHEAD_BYTES > maxRecord) {
            errors.add(RESULT_MAX_BYTES.key() + " (" + result + ") leaves no room in the producer's largest record ("
                    + AcidicSettings.KAFKA_PREFIX + KafkaOverrides.MAX_REQUEST_SIZE + ", " + maxRecord + " bytes) for the event or "
                    + "completion around a result; lower " + RESULT_MAX_BYTES.key() + " to at most " + (maxRecord - OUTPUT_OVERHEAD_BYTES)
                    + " or raise " + AcidicSettings.KAFKA_PREFIX + KafkaOverrides.MAX_REQUEST_SIZE
                    + " (and the topics' max.message.bytes)");
        }
        int message = v.get(ERROR_MESSAGE_MAX_CHARS);
        if (3L * message + OUTPUT_OVERHEAD_BYTES > maxRecord) {
            errors.add(ERROR_MESSAGE_MAX_CHARS.key() + " (" + message + ", up to 3 bytes each in UTF-8) leaves no room in the "
                    + "producer's largest record (" + AcidicSettings.KAFKA_PREFIX + KafkaOverrides.MAX_REQUEST_SIZE + ", "
                    + maxRecord + " bytes); lower " + ERROR_MESSAGE_MAX_CHARS.key() + " to at most "
                    + (maxRecord - OUTPUT_OVERHEAD_BYTES) / 3);
        }
        // An accepted request is written again, whole, in records of the processor's own: its
        // pending-store entry (key, value, request id) and, for a key homed elsewhere, the request
        // forwarded home. One the producer refuses fails its exactly-once transaction, and the
        // stream thread comes back to the same record forever.
        int request = v.get(REQUEST_MAX_BYTES);
        long requestRecord = (long) request + 2L * v.get(KEY_MAX_BYTES) + REQUEST_OVERHEAD_BYTES;
        if (requestRecord > maxRecord) {
            errors.add(REQUEST_MAX_BYTES.key() + " (" + request + ") leaves no room in the producer's largest record ("
                    + AcidicSettings.KAFKA_PREFIX + KafkaOverrides.MAX_REQUEST_SIZE + ", " + maxRecord + " bytes) for the records"
                    + " that carry an accepted request on (its pending-store entry, its forwarding to its key's home task): lower "
                    + REQUEST_MAX_BYTES.key() + " to at most " + (maxRecord - (requestRecord - request)) + " or raise "
                    + AcidicSettings.KAFKA_PREFIX + KafkaOverrides.MAX_REQUEST_SIZE + " (and the topics' max.message.bytes)");
        }
        if (v.get(RETRY_MAX_DELAY).compareTo(v.get(RETRY_INITIAL_DELAY)) < 0) {
            errors.add(RETRY_MAX_DELAY.key() + " (" + show(v.get(RETRY_MAX_DELAY)) + ") is below " + RETRY_INITIAL_DELAY.key() + " ("
                    + show(v.get(RETRY_INITIAL_DELAY)) + "); raise " + RETRY_MAX_DELAY.key() + " or lower " + RETRY_INITIAL_DELAY.key());
        }
        if (v.get(CONTINUATIONS_TOPIC).isEmpty()) {
            String derived = continuationsTopic(v.get(APPLICATION_ID));
            if (!CONTINUATIONS_TOPIC.accepts(derived)) {
                errors.add(CONTINUATIONS_TOPIC.key() + " is empty, so it derives from " + APPLICATION_ID.key() + " as '" + derived
                        + "', which is not a topic name (1-249 of [a-zA-Z0-9._-]); change " + APPLICATION_ID.key() + " or set "
                        + CONTINUATIONS_TOPIC.key());
            }
        }
        shards(v, errors, warnings);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        return List.copyOf(warnings);
    }

    /** Sharded keys need named databases, each once; more databases than partitions leave some empty. */
    private static void shards(Values v, List<String> errors, List<String> warnings) {
        List<String> shards = AcidicSettings.shardUrls(v.get(AcidicSettings.JDBC_SHARDS));
        if (shards.isEmpty()) {
            return;
        }
        if (v.get(AcidicSettings.JDBC_URL).isBlank()) {
            errors.add(AcidicSettings.JDBC_SHARDS.key() + " is set but " + AcidicSettings.JDBC_URL.key() + " is empty: sharded keys"
                    + " need named databases, database 0 being " + AcidicSettings.JDBC_URL.key() + " (the embedded Postgres is one"
                    + " database); set it, or remove " + AcidicSettings.JDBC_SHARDS.key());
        }
        List<String> all = new ArrayList<>(shards);
        all.add(0, v.get(AcidicSettings.JDBC_URL).strip());
        if (all.stream().distinct().count() < all.size()) {
            errors.add(AcidicSettings.JDBC_URL.key() + " and " + AcidicSettings.JDBC_SHARDS.key() + " name a database twice (" + all
                    + "): each shard needs a database of its own");
        }
        if (all.size() > v.get(AcidicSettings.PARTITIONS)) {
            warnings.add(all.size() + " databases (" + AcidicSettings.JDBC_URL.key() + " and " + AcidicSettings.JDBC_SHARDS.key()
                    + ") but " + AcidicSettings.PARTITIONS.key() + " is " + v.get(AcidicSettings.PARTITIONS) + ": partition p lives in"
                    + " database p mod " + all.size() + ", so some databases get no keys; use at least as many partitions");
        }
    }

    /** The continuations topic an empty {@code acidic.topic.continuations} stands for. */
    public static String continuationsTopic(String applicationId) {
        return applicationId + ".continuations";
    }

    private static String show(Duration d) {
        return Durations.format(d);
    }

    /** Whether {@code host} names this machine only: localhost, 127.0.0.0/8 or ::1 (by its text: nothing is resolved). */
    static boolean isLoopback(String host) {
        String h = host.trim().toLowerCase(java.util.Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]") || h.equals("0:0:0:0:0:0:0:1");
    }
}
