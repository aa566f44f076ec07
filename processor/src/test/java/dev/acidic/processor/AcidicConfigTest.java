package dev.acidic.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class AcidicConfigTest {

    @Test
    void defaultsAreDocumentedAndValid() {
        AcidicConfig c = AcidicConfig.defaults();
        assertEquals(Duration.ofSeconds(10), c.lockTimeout());
        assertEquals(6, c.partitions());
        assertEquals("acidic.requests", c.requestsTopic());
        assertEquals("acidic.continuations", c.continuationsTopic());
        assertTrue(c.exactlyOnce());
        assertFalse(c.instanceId().isBlank());
        for (AcidicConfig.Setting s : AcidicConfig.SETTINGS) {
            assertFalse(s.doc().isBlank(), "doc of " + s.key());
            assertTrue(s.envName().startsWith("ACIDIC_"));
        }
    }

    @Test
    void environmentVariablesMapToSettingsAndDurationsAcceptBothForms() {
        AcidicConfig c = AcidicConfig.fromEnv(Map.of(
                "ACIDIC_BOOTSTRAP_SERVERS", "broker:9092",
                "ACIDIC_JDBC_URL", "jdbc:postgresql://db:5432/acidic",
                "ACIDIC_JDBC_USER", "acidic",
                "ACIDIC_JDBC_PASSWORD", "s3cret",
                "ACIDIC_APPLICATION_ID", "rides",
                "ACIDIC_INSTANCE_ID", "node-1",
                "ACIDIC_LOCK_TIMEOUT", "PT5S",
                "ACIDIC_STREAM_THREADS", "4",
                "ACIDIC_RETRY_INITIAL_DELAY", "500ms",
                "ACIDIC_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"));
        assertEquals("broker:9092", c.bootstrapServers());
        assertEquals("rides", c.applicationId());
        assertEquals("node-1", c.instanceId());
        assertEquals(Duration.ofSeconds(5), c.lockTimeout());
        assertEquals(4, c.streamThreads());
        assertEquals(Duration.ofMillis(500), c.retryInitialDelay());
        assertEquals("SASL_SSL", c.kafka().get("security.protocol"));
        assertEquals("rides.continuations", c.continuationsTopic());
        assertEquals("other.continuations", c.withApplicationId("other").continuationsTopic(),
                "the derived internal topic follows the application id");
        assertEquals(Duration.ofSeconds(5), AcidicConfig.fromEnv(Map.of("ACIDIC_LOCK_TIMEOUT", "5s")).lockTimeout());
    }

    @Test
    void badValuesAreRejectedNamingKeyValueAndFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AcidicConfig.fromEnv(Map.of("ACIDIC_LOCK_TIMEOUT", "soon")));
        assertTrue(e.getMessage().contains("acidic.lock.timeout") && e.getMessage().contains("ACIDIC_LOCK_TIMEOUT")
                && e.getMessage().contains("'soon'") && e.getMessage().contains("5s"), e.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> AcidicConfig.fromEnv(Map.of("ACIDIC_PROCESSING_GUARANTEE", "exactly_once")));
        assertTrue(g.getMessage().contains("exactly_once_v2 or at_least_once"), g.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> AcidicConfig.fromEnv(Map.of("ACIDIC_LOCK_TIMOUT", "5s")));
        assertTrue(t.getMessage().contains("unknown setting 'acidic.lock.timout'"), t.getMessage());
    }

    @Test
    void toStringMasksSecrets() {
        Properties p = new Properties();
        p.setProperty("acidic.jdbc.password", "hunter2");
        p.setProperty("acidic.jdbc.url", "jdbc:postgresql://db/acidic?user=a&password=hunter3");
        p.setProperty("acidic.kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"hunter4\";");
        p.setProperty("acidic.kafka.ssl.truststore.password", "hunter5");
        String s = AcidicConfig.fromProperties(p).toString();
        for (String secret : new String[] {"hunter2", "hunter3", "hunter4", "hunter5"}) {
            assertFalse(s.contains(secret), "leaked " + secret + " in " + s);
        }
        assertTrue(s.contains("acidic.jdbc.password=****"));
    }

    @Test
    void withCopiesValidateLikeEverySource() {
        AcidicConfig c = AcidicConfig.defaults().withLockTimeout(Duration.ofSeconds(2)).withTopicPrefix("t1.");
        assertEquals(Duration.ofSeconds(2), c.lockTimeout());
        assertEquals("t1.acidic.events", c.eventsTopic());
        assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.STREAM_THREADS, "0"));
    }

    @Test
    void inputLimitsAndBatchingHaveSafeDefaultsAndBounds() {
        AcidicConfig c = AcidicConfig.defaults();
        assertEquals(255, c.keyMaxBytes());
        assertEquals(1_048_576, c.requestMaxBytes());
        assertEquals(32, c.argsMaxDepth());
        assertEquals(64, c.batchMax());
        assertEquals(Duration.ofMillis(2), c.batchLinger());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.KEY_MAX_BYTES, "5000"));
        assertTrue(key.getMessage().contains(AcidicConfig.KEY_MAX_BYTES), key.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.ARGS_MAX_DEPTH, "0"));
        assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.REQUEST_MAX_BYTES, "10"));
        assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.BATCH_MAX, "0"));
        assertEquals(1, c.with(AcidicConfig.BATCH_MAX, "1").batchMax(), "1 turns batching off");
    }

    @Test
    void stepAndStatementTimeoutsDefaultTogetherAndStayPositive() {
        AcidicConfig c = AcidicConfig.defaults();
        assertEquals(Duration.ofSeconds(30), c.stepTimeout());
        assertEquals(Duration.ofSeconds(30), c.effectiveStatementTimeout(), "0 means the step timeout");
        assertEquals(Duration.ofSeconds(5), c.with(AcidicConfig.STEP_TIMEOUT, "5s").effectiveStatementTimeout());
        assertEquals(Duration.ofMillis(400), c.with(AcidicConfig.STATEMENT_TIMEOUT, "400ms").effectiveStatementTimeout());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.STEP_TIMEOUT, "0"));
        assertTrue(zero.getMessage().contains(AcidicConfig.STEP_TIMEOUT), zero.getMessage());
        // Postgres takes statement_timeout in int milliseconds (about 24 days): a day at most
        assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.STEP_TIMEOUT, "30d"));
        assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.STATEMENT_TIMEOUT, "30d"));
    }
}
