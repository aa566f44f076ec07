package dev.acidic.processor.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrossChecksTest {

    private static List<String> check(Map<String, String> given) {
        return CrossChecks.check(AcidicSettings.REGISTRY.parse(given));
    }

    private static String error(Map<String, String> given) {
        return assertThrows(IllegalArgumentException.class, () -> check(given)).getMessage();
    }

    private static void assertNames(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + p + "' missing from: " + message);
        }
    }

    @Test
    void defaultsPassWithoutWarnings() {
        assertEquals(List.of(), check(Map.of()));
    }

    @Test
    void shardedKeysNeedNamedDistinctDatabasesAndEnoughPartitions() {
        assertNames(error(Map.of("acidic.jdbc.shards", "jdbc:postgresql://b/acidic")), "acidic.jdbc.shards is set but acidic.jdbc.url"
                + " is empty");
        assertNames(error(Map.of("acidic.jdbc.url", "jdbc:postgresql://a/acidic", "acidic.jdbc.shards",
                "jdbc:postgresql://b/acidic, jdbc:postgresql://a/acidic")), "name a database twice");
        assertEquals(List.of(), check(Map.of("acidic.jdbc.url", "jdbc:postgresql://a/acidic", "acidic.jdbc.shards",
                "jdbc:postgresql://b/acidic,jdbc:postgresql://c/acidic,")), "three databases over the default 6 partitions");
        List<String> warnings = check(Map.of("acidic.jdbc.url", "jdbc:postgresql://a/acidic", "acidic.jdbc.shards",
                "jdbc:postgresql://b/acidic,jdbc:postgresql://c/acidic", "acidic.partitions", "2"));
        assertEquals(1, warnings.size(), warnings.toString());
        assertNames(warnings.get(0), "3 databases", "acidic.partitions is 2", "some databases get no keys");
    }

    @Test
    void stepTimeoutAndDriveBudgetMustBeBelowAUserGivenTransactionTimeout() {
        String plain = error(Map.of("acidic.kafka.transaction.timeout.ms", "20000"));
        assertNames(plain, "acidic.step.timeout (30s)", "acidic.drive.budget (500ms)", "acidic.kafka.transaction.timeout.ms (20000 ms)",
                "raise", "above 30500");
        String prefixed = error(Map.of("acidic.step.timeout", "20s", "acidic.kafka.transaction.timeout.ms", "60000",
                "acidic.kafka.producer.transaction.timeout.ms", "20000"));
        assertNames(prefixed, "acidic.kafka.producer.transaction.timeout.ms (20000 ms)");
        assertEquals(List.of(), check(Map.of("acidic.kafka.producer.transaction.timeout.ms", "30501")), "just above is fine");
        assertNames(error(Map.of("acidic.kafka.producer.transaction.timeout.ms", "30500")), "acidic.drive.budget");
        assertNames(error(Map.of("acidic.kafka.producer.transaction.timeout.ms", "40000", "acidic.drive.budget", "10s")),
                "acidic.drive.budget (10s)", "above 40000");
        assertEquals(List.of(), check(Map.of("acidic.kafka.transaction.timeout.ms", "1000",
                "acidic.processing.guarantee", "at_least_once")), "no transactions without exactly-once");
    }

    @Test
    void anUnsetTransactionTimeoutFollowsTheStepTimeoutAndAGivenOneIsHonoured() {
        KafkaOverrides none = new KafkaOverrides(Map.of());
        assertEquals(Duration.ofMillis(40_500), none.transactionTimeout(Duration.ofSeconds(30), Duration.ofMillis(500)));
        KafkaOverrides given = new KafkaOverrides(Map.of("transaction.timeout.ms", "90000"));
        assertEquals(Duration.ofSeconds(90), given.transactionTimeout(Duration.ofSeconds(30), Duration.ofMillis(500)));
        KafkaOverrides both = new KafkaOverrides(Map.of("transaction.timeout.ms", "90000", "producer.transaction.timeout.ms", "70000"));
        assertEquals(Duration.ofSeconds(70), both.transactionTimeout(Duration.ofSeconds(30), Duration.ofMillis(500)), "the producer. form wins, as in Streams");
        assertNames(error(Map.of("acidic.kafka.transaction.timeout.ms", "soon")),
                "acidic.kafka.transaction.timeout.ms (env ACIDIC_KAFKA_TRANSACTION_TIMEOUT_MS) has invalid value 'soon'");
    }

    @Test
    void stepTimeoutMustBeBelowMaxPollInterval() {
        String byDefault = error(Map.of("acidic.step.timeout", "5m"));
        assertNames(byDefault, "acidic.step.timeout (5m)", "acidic.kafka.max.poll.interval.ms (300000 ms, Kafka's default)",
                "lower acidic.step.timeout");
        String given = error(Map.of("acidic.step.timeout", "2m", "acidic.kafka.main.consumer.max.poll.interval.ms", "60000"));
        assertNames(given, "acidic.kafka.main.consumer.max.poll.interval.ms (60000 ms)",
                "raise acidic.kafka.main.consumer.max.poll.interval.ms above 120500");
        assertEquals(List.of(), check(Map.of("acidic.step.timeout", "6m", "acidic.kafka.max.poll.interval.ms", "600000")));
        assertNames(error(Map.of("acidic.step.timeout", "299s", "acidic.drive.budget", "2s")), "acidic.drive.budget (2s)",
                "above 301000");
    }

    @Test
    void aTransactionTimeoutPastTheBrokersDefaultLimitIsAWarning() {
        List<String> w = check(Map.of("acidic.step.timeout", "20m", "acidic.kafka.max.poll.interval.ms", "3600000"));
        assertEquals(1, w.size(), w.toString());
        assertNames(w.get(0), "1210500 ms", "acidic.step.timeout", "transaction.max.timeout.ms");
    }

    @Test
    void aLockTimeoutLongerThanTheSessionTimeoutIsAWarningNamingBoth() {
        List<String> w = check(Map.of("acidic.lock.timeout", "30s"));
        assertEquals(1, w.size(), w.toString());
        assertNames(w.get(0), "acidic.lock.timeout (30s) is longer than",
                "acidic.kafka.main.consumer.session.timeout.ms (10000 ms, the processor's default)", "takes 30s instead of 10s",
                "lower acidic.lock.timeout to 10s");
        List<String> given = check(Map.of("acidic.lock.timeout", "20s", "acidic.kafka.session.timeout.ms", "15000"));
        assertEquals(1, given.size(), given.toString());
        assertNames(given.get(0), "acidic.kafka.session.timeout.ms (15000 ms)", "or raise acidic.kafka.session.timeout.ms");
        assertEquals(List.of(), check(Map.of("acidic.lock.timeout", "20s", "acidic.kafka.session.timeout.ms", "45000")));
        assertEquals(List.of(), check(Map.of("acidic.lock.timeout", "3s")), "a shorter lock only makes takeovers quicker");
    }

    @Test
    void anExplicitPoolMustHoldAConnectionPerStreamThread() {
        String e = error(Map.of("acidic.db.pool.size", "3", "acidic.stream.threads", "4"));
        assertNames(e, "acidic.db.pool.size (3) is below acidic.stream.threads (4)", "at least 4", "6 is what 0");
        assertEquals(List.of(), check(Map.of("acidic.db.pool.size", "4", "acidic.stream.threads", "4")));
        assertEquals(List.of(), check(Map.of("acidic.db.pool.size", "0", "acidic.stream.threads", "64")), "0 = automatic");
    }

    @Test
    void retryMaxDelayMustNotBeBelowTheInitialDelay() {
        assertNames(error(Map.of("acidic.retry.initial.delay", "10s", "acidic.retry.max.delay", "5s")),
                "acidic.retry.max.delay (5s) is below acidic.retry.initial.delay (10s)");
    }

    @Test
    void theDerivedContinuationsTopicMustBeATopicName() {
        assertNames(error(Map.of("acidic.application.id", "my app")), "acidic.topic.continuations", "acidic.application.id",
                "'my app.continuations'");
        assertEquals(List.of(), check(Map.of("acidic.application.id", "my app", "acidic.topic.continuations", "c")));
    }

    @Test
    void everyErrorIsReportedAtOnce() {
        String e = error(Map.of("acidic.db.pool.size", "1", "acidic.retry.max.delay", "1ms"));
        assertNames(e, "acidic.db.pool.size", "acidic.retry.max.delay");
    }

    @Test
    void resultsAndErrorMessagesMustFitTheProducersLargestRecord() {
        String result = error(Map.of("acidic.result.max.bytes", "1048576"));
        assertNames(result, "acidic.result.max.bytes (1048576)", "acidic.kafka.max.request.size, 1048576 bytes",
                "at most " + (1_048_576 - CrossChecks.OUTPUT_OVERHEAD_BYTES));
        assertEquals(List.of(), check(Map.of("acidic.result.max.bytes", "1048576", "acidic.kafka.producer.max.request.size", "2097152")),
                "a larger producer record makes room");
        String message = error(Map.of("acidic.error.message.max.chars", "400000"));
        assertNames(message, "acidic.error.message.max.chars (400000", "at most " + (1_048_576 - CrossChecks.OUTPUT_OVERHEAD_BYTES) / 3);
        assertNames(error(Map.of("acidic.kafka.max.request.size", "lots")), "acidic.kafka.max.request.size", "'lots'", "bytes");
    }

    /** An accepted request goes on whole in the processor's own records (pending entry, forwarding home). */
    @Test
    void requestsMustFitTheRecordsThatCarryThemOn() {
        int room = 1_048_576 - 2 * 255 - CrossChecks.REQUEST_OVERHEAD_BYTES;
        assertNames(error(Map.of("acidic.request.max.bytes", "1048576")), "acidic.request.max.bytes (1048576)",
                "acidic.kafka.max.request.size, 1048576 bytes", "pending-store entry", "at most " + room);
        assertEquals(List.of(), check(Map.of("acidic.request.max.bytes", Integer.toString(room))), "just fits");
        assertNames(error(Map.of("acidic.request.max.bytes", Integer.toString(room), "acidic.key.max.bytes", "2048")),
                "acidic.request.max.bytes");
        assertEquals(List.of(), check(Map.of("acidic.request.max.bytes", "1048576", "acidic.kafka.max.request.size", "2097152")));
    }

    @Test
    void anHttpEndpointBeyondLoopbackNeedsATokenOrAnExplicitAuthNone() {
        assertNames(error(Map.of("acidic.http.host", "0.0.0.0")), "acidic.http.host 0.0.0.0 is not a loopback address",
                "acidic.http.token", "acidic.http.auth=none", "acidic.http.port=0");
        assertEquals(List.of(), check(Map.of("acidic.http.host", "0.0.0.0", "acidic.http.token", "s3cret")));
        assertEquals(List.of(), check(Map.of("acidic.http.host", "10.1.2.3", "acidic.http.auth", "none")), "said on purpose");
        assertEquals(List.of(), check(Map.of("acidic.http.host", "0.0.0.0", "acidic.http.port", "0")), "nothing served");
        for (String loopback : List.of("127.0.0.1", "localhost", "::1", "127.0.1.1")) {
            assertEquals(List.of(), check(Map.of("acidic.http.host", loopback)), loopback);
        }
        assertNames(error(Map.of("acidic.http.auth", "maybe")), "acidic.http.auth");
    }
}
