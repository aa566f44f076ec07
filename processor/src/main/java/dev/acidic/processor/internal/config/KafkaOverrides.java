package dev.acidic.processor.internal.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Kafka client settings the processor's own rules depend on, read from the {@code acidic.kafka.*}
 * pass-through map the way Kafka Streams reads its properties: for the producer
 * {@code producer.<name>} over {@code <name>}; for the main consumer (the one whose poll loop runs
 * the steps) {@code main.consumer.<name>} over {@code consumer.<name>} over {@code <name>}.
 * Strings only: this package knows no Kafka types.
 */
public final class KafkaOverrides {
    public static final String TRANSACTION_TIMEOUT_MS = "transaction.timeout.ms";
    public static final String MAX_POLL_INTERVAL_MS = "max.poll.interval.ms";
    public static final String SESSION_TIMEOUT_MS = "session.timeout.ms";
    public static final String HEARTBEAT_INTERVAL_MS = "heartbeat.interval.ms";
    public static final String MAX_REQUEST_SIZE = "max.request.size";
    /** The producer's default {@code max.request.size}. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;
    public static final String PRODUCER_PREFIX = "producer.";
    public static final String CONSUMER_PREFIX = "consumer.";
    public static final String MAIN_CONSUMER_PREFIX = "main.consumer.";

    /** What the processor adds to the step timeout for the transaction timeout it sets. */
    public static final Duration TRANSACTION_TIMEOUT_MARGIN = Duration.ofSeconds(10);
    /** The consumer's (and so Streams') default {@code max.poll.interval.ms}. */
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMinutes(5);
    /**
     * The processor's main-consumer {@code session.timeout.ms} unless given: a dead instance's
     * partitions move after it (Kafka's own default is 45 s).
     */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(2);

    /** A value the user gave: under which {@code acidic.kafka.*} key, and its duration. */
    public record Given(String key, Duration value) {}

    private final Map<String, String> kafka;

    public KafkaOverrides(Map<String, String> kafka) {
        this.kafka = Map.copyOf(kafka);
    }

    public Optional<Given> producer(String name) {
        return first(List.of(PRODUCER_PREFIX + name, name));
    }

    public Optional<Given> mainConsumer(String name) {
        return first(List.of(MAIN_CONSUMER_PREFIX + name, CONSUMER_PREFIX + name, name));
    }

    /**
     * The producer's transaction timeout: the user's, else what one drive may take (its budget,
     * then the one step a round may still start before the budget ends) plus the margin.
     */
    public Duration transactionTimeout(Duration stepTimeout, Duration driveBudget) {
        return producer(TRANSACTION_TIMEOUT_MS).map(Given::value)
                .orElse(stepTimeout.plus(driveBudget).plus(TRANSACTION_TIMEOUT_MARGIN));
    }

    /** The largest record the processor's producer sends (its {@code max.request.size}). */
    public int maxRequestSize() {
        for (String n : List.of(PRODUCER_PREFIX + MAX_REQUEST_SIZE, MAX_REQUEST_SIZE)) {
            String v = kafka.get(n);
            if (v != null) {
                try {
                    return Integer.parseInt(v.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("setting " + AcidicSettings.KAFKA_PREFIX + n + " has invalid value '" + v
                            + "': use a number of bytes, such as 1048576");
                }
            }
        }
        return DEFAULT_MAX_REQUEST_SIZE;
    }

    public Duration maxPollInterval() {
        return mainConsumer(MAX_POLL_INTERVAL_MS).map(Given::value).orElse(DEFAULT_MAX_POLL_INTERVAL);
    }

    public Duration sessionTimeout() {
        return mainConsumer(SESSION_TIMEOUT_MS).map(Given::value).orElse(DEFAULT_SESSION_TIMEOUT);
    }

    private Optional<Given> first(List<String> names) {
        for (String n : names) {
            String v = kafka.get(n);
            if (v != null) {
                String key = AcidicSettings.KAFKA_PREFIX + n;
                try {
                    long ms = Long.parseLong(v.trim());
                    if (ms < 0) {
                        throw new NumberFormatException("negative");
                    }
                    return Optional.of(new Given(key, Duration.ofMillis(ms)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("setting " + key + " (env " + Setting.envName(key) + ") has invalid value '"
                            + v + "': use milliseconds, such as 60000");
                }
            }
        }
        return Optional.empty();
    }
}
