package dev.acidic.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
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
        assertEquals(983_040, c.requestMaxBytes(), "room for the key, the request id and framing in a 1 MiB record");
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

    @Test
    void theCompleterIdlesAMinuteByDefaultAtLeastASecondAndZeroTurnsItOff() {
        AcidicConfig c = AcidicConfig.defaults();
        assertEquals(Duration.ofMinutes(1), c.completerIdle());
        assertEquals(Duration.ZERO, c.with(AcidicConfig.COMPLETER_IDLE, "0").completerIdle());
        assertEquals(Duration.ofSeconds(2), c.with(AcidicConfig.COMPLETER_IDLE, "2s").completerIdle());
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> c.with(AcidicConfig.COMPLETER_IDLE, "500ms"));
        assertTrue(tooShort.getMessage().contains(AcidicConfig.COMPLETER_IDLE) && tooShort.getMessage().contains("1s"),
                tooShort.getMessage());
    }

    @Test
    void theRetentionIs72HoursByDefaultAtLeastASecondAndZeroKeepsEverything() {
        AcidicConfig c = AcidicConfig.defaults();
        assertEquals(Duration.ofHours(72), c.retention());
        assertEquals(Duration.ZERO, c.with(AcidicConfig.RETENTION, "0").retention());
        assertEquals(Duration.ofDays(30), c.with(AcidicConfig.RETENTION, "30d").retention());
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.RETENTION, "500ms"));
        assertTrue(tooShort.getMessage().contains(AcidicConfig.RETENTION) && tooShort.getMessage().contains("keep everything"),
                tooShort.getMessage());
        assertEquals(1_000, c.reaperBatch());
        assertEquals(50, c.with(AcidicConfig.REAPER_BATCH, "50").reaperBatch());
        assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.REAPER_BATCH, "0"));
    }

    @Test
    void theListingDerivesFromTheDeclarations() {
        assertEquals(48, AcidicConfig.SETTINGS.size());
        AcidicConfig.Setting lock = AcidicConfig.SETTINGS.stream().filter(s -> s.key().equals(AcidicConfig.LOCK_TIMEOUT)).findFirst()
                .orElseThrow();
        assertEquals("ACIDIC_LOCK_TIMEOUT", lock.envName());
        assertEquals("10s", lock.defaultValue());
        assertFalse(lock.secret());
        assertTrue(AcidicConfig.SETTINGS.stream().filter(AcidicConfig.Setting::secret).map(AcidicConfig.Setting::key).toList()
                .contains(AcidicConfig.JDBC_PASSWORD));
        assertEquals("", AcidicConfig.SETTINGS.get(0).defaultValue(), "bootstrap servers: no default");
    }

    @Test
    void rulesBetweenSettingsRunOnEveryBuildAndSeveralSettingsChangeTogether() {
        AcidicConfig c = AcidicConfig.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.with(AcidicConfig.STEP_TIMEOUT, "10m"));
        assertTrue(e.getMessage().contains(AcidicConfig.STEP_TIMEOUT) && e.getMessage().contains("max.poll.interval.ms"), e.getMessage());
        AcidicConfig longSteps = c.with(Map.of(AcidicConfig.STEP_TIMEOUT, "10m", "acidic.kafka.max.poll.interval.ms", "900000"));
        assertEquals(Duration.ofMinutes(10), longSteps.stepTimeout());
        IllegalArgumentException env = assertThrows(IllegalArgumentException.class,
                () -> AcidicConfig.fromEnv(Map.of("ACIDIC_DB_POOL_SIZE", "1", "ACIDIC_STREAM_THREADS", "2")));
        assertTrue(env.getMessage().contains("acidic.db.pool.size (1) is below acidic.stream.threads (2)"), env.getMessage());
        assertEquals(List.of(), c.warnings());
        assertEquals(1, c.withLockTimeout(Duration.ofSeconds(30)).warnings().size());
    }

    @Test
    void theTransactionTimeoutIsTheStepTimeoutPlusAMarginUnlessGiven() {
        AcidicConfig c = AcidicConfig.defaults();
        assertEquals(Duration.ofMillis(40_500), c.kafkaOverrides().transactionTimeout(c.stepTimeout(), c.driveBudget()));
        AcidicConfig given = c.with("acidic.kafka.producer.transaction.timeout.ms", "120000");
        assertEquals(Duration.ofMinutes(2), given.kafkaOverrides().transactionTimeout(given.stepTimeout(), given.driveBudget()));
        assertThrows(IllegalArgumentException.class, () -> c.with("acidic.kafka.producer.transaction.timeout.ms", "10000"),
                "an explicit value below the step timeout is refused, not silently raised");
    }

    @Test
    void poolSettingsCarryTheEffectiveLimits() {
        AcidicConfig c = AcidicConfig.defaults().withInstanceId("node-1").with(Map.of(AcidicConfig.STEP_TIMEOUT, "7s",
                AcidicConfig.TRANSACTION_IDLE_TIMEOUT, "45s", "acidic.jdbc.properties.sslmode", "require"))
                .withJdbc("jdbc:postgresql://db/a", "u", "pw");
        var p = c.poolSettings(c.effectivePoolSize());
        assertEquals("acidic-node-1", p.name());
        assertEquals(4, p.size(), "stream threads + 2");
        assertEquals(Duration.ofSeconds(7), p.statementTimeout(), "0 = the step timeout");
        assertEquals(Duration.ofSeconds(45), p.idleInTransactionTimeout());
        assertEquals(Map.of("sslmode", "require"), p.driverProperties());
        assertEquals("pw", p.password());
        assertFalse(p.toString().contains("pw,") || p.toString().contains("=pw"), p.toString());
        assertEquals(Duration.ofSeconds(2), c.with(AcidicConfig.STATEMENT_TIMEOUT, "2s").poolSettings(1).statementTimeout());
    }

    @Test
    void shardedKeysGetAPoolPerDatabaseInOrder() {
        AcidicConfig c = AcidicConfig.fromEnv(Map.of("ACIDIC_INSTANCE_ID", "node-1", "ACIDIC_JDBC_URL", "jdbc:postgresql://a/acidic",
                "ACIDIC_JDBC_SHARDS", " jdbc:postgresql://b/acidic , jdbc:postgresql://c/acidic"));
        assertEquals(List.of("jdbc:postgresql://a/acidic", "jdbc:postgresql://b/acidic", "jdbc:postgresql://c/acidic"), c.jdbcUrls());
        assertEquals("jdbc:postgresql://c/acidic", c.poolSettings(3, 2).jdbcUrl());
        assertEquals("acidic-node-1-shard2", c.poolSettings(3, 2).name());
        assertEquals(c.poolSettings(3), c.poolSettings(3, 0), "database 0 is acidic.jdbc.url");
        assertEquals(List.of("jdbc:postgresql://a/acidic"), c.with(AcidicConfig.JDBC_SHARDS, "").jdbcUrls(), "not sharded");
    }

    @Test
    void equalWhenEverySettingIs() {
        AcidicConfig a = AcidicConfig.defaults().withInstanceId("x");
        AcidicConfig b = AcidicConfig.fromEnv(Map.of("ACIDIC_INSTANCE_ID", "x"));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertFalse(a.equals(b.withLockTimeout(Duration.ofSeconds(11))));
        assertEquals(a, AcidicConfig.fromEnv(Map.of()).withInstanceId("x").with(a.toMap()), "toMap reads back");
        assertTrue(a.toString().contains("acidic.lock.timeout=10s"), a.toString());
    }

    @Test
    void theUrlsSslPasswordIsMaskedToo() {
        String s = AcidicConfig.defaults().with(AcidicConfig.JDBC_URL, "jdbc:postgresql://db/a?sslpassword=k3y&password=pw9").toString();
        assertFalse(s.contains("k3y") || s.contains("pw9"), s);
        assertTrue(s.contains("sslpassword=****"), s);
    }
}
