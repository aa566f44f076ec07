package dev.acidic.processor.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistryTest {
    private static final Registry R = AcidicSettings.REGISTRY;

    @Test
    void everyDeclaredSettingIsDocumentedUniqueAndNamedForTheEnvironment() {
        List<Setting<?>> all = R.settings();
        assertEquals(48, all.size(), "a setting added or lost: update the README table too");
        Set<String> envNames = new HashSet<>();
        for (Setting<?> s : all) {
            assertFalse(s.doc().isBlank(), "doc of " + s.key());
            assertTrue(s.key().matches("acidic\\.[a-z0-9.]+"), s.key());
            assertEquals(s.key().toUpperCase(java.util.Locale.ROOT).replace('.', '_'), s.envName());
            assertTrue(envNames.add(s.envName()), "two settings share " + s.envName());
            assertEquals(s.key(), R.keyForEnv(s.envName()), "the environment name leads back to the key");
        }
        assertEquals("ACIDIC_LOCK_TIMEOUT", AcidicSettings.LOCK_TIMEOUT.envName());
    }

    @Test
    void everyDefaultIsAcceptedAndSurvivesItsOwnTextForm() {
        for (Setting<?> s : R.settings()) {
            roundTrip(s);
        }
        assertEquals("10s", AcidicSettings.LOCK_TIMEOUT.shownDefault());
        assertEquals("100ms", AcidicSettings.COMMIT_INTERVAL.shownDefault());
        assertEquals("<hostname>", AcidicSettings.INSTANCE_ID.shownDefault());
        assertEquals("", AcidicSettings.BOOTSTRAP_SERVERS.shownDefault(), "no default shows as empty");
    }

    private static <T> void roundTrip(Setting<T> s) {
        assertTrue(s.accepts(s.defaultValue()), "default of " + s.key() + " is out of its own bound");
        assertEquals(s.defaultValue(), s.parse(s.format(s.defaultValue())), s.key());
    }

    @Test
    void parsesOverDefaultsAndKeepsPassThroughApart() {
        Values v = R.parse(Map.of("acidic.lock.timeout", " 5s ", "acidic.stream.threads", "4",
                "acidic.kafka.security.protocol", "SSL", "acidic.jdbc.properties.sslmode", "verify-full", "other.key", "ignored"));
        assertEquals(Duration.ofSeconds(5), v.get(AcidicSettings.LOCK_TIMEOUT));
        assertEquals(4, v.get(AcidicSettings.STREAM_THREADS));
        assertEquals(AcidicSettings.DEFAULT_STEP_TIMEOUT, v.get(AcidicSettings.STEP_TIMEOUT));
        assertEquals(Map.of("security.protocol", "SSL"), v.passThrough(AcidicSettings.KAFKA_PREFIX));
        assertEquals(Map.of("sslmode", "verify-full"), v.passThrough(AcidicSettings.JDBC_PROPERTIES_PREFIX));
        assertEquals("5s", v.toMap().get("acidic.lock.timeout"));
        assertEquals("SSL", v.toMap().get("acidic.kafka.security.protocol"));
        assertFalse(v.toMap().containsKey("other.key"), "keys outside acidic.* are not ours");
        assertEquals(v, R.parse(v.toMap()), "the map form reads back to equal values");
    }

    @Test
    void outOfBoundValuesNameTheSettingTheValueAndTheAcceptedRange() {
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class,
                () -> R.parse(Map.of("acidic.stream.threads", "65")));
        assertEquals("setting acidic.stream.threads (env ACIDIC_STREAM_THREADS) has invalid value '65': use a value from 1 to 64",
                threads.getMessage());
        IllegalArgumentException step = assertThrows(IllegalArgumentException.class,
                () -> R.parse(Map.of("acidic.step.timeout", "0")));
        assertTrue(step.getMessage().contains("acidic.step.timeout") && step.getMessage().contains("'0'")
                && step.getMessage().contains("positive duration up to 1d"), step.getMessage());
        IllegalArgumentException pool = assertThrows(IllegalArgumentException.class,
                () -> R.parse(Map.of("acidic.db.pool.size", "-1")));
        assertTrue(pool.getMessage().contains("use 0 (stream threads + 2) or a value from 1 to 1000"), pool.getMessage());
        IllegalArgumentException rf = assertThrows(IllegalArgumentException.class,
                () -> R.parse(Map.of("acidic.replication.factor", "0")));
        assertTrue(rf.getMessage().contains("use -1 (the broker default) or a value from 1 to 32767"), rf.getMessage());
        assertEquals(-1, R.parse(Map.of("acidic.replication.factor", "-1")).get(AcidicSettings.REPLICATION_FACTOR));
        IllegalArgumentException topic = assertThrows(IllegalArgumentException.class,
                () -> R.parse(Map.of("acidic.topic.events", "has space")));
        assertTrue(topic.getMessage().contains("acidic.topic.events") && topic.getMessage().contains("[a-zA-Z0-9._-]"),
                topic.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> R.parse(Map.of("acidic.migrate.on.start", "maybe")));
        assertTrue(type.getMessage().contains("use true or false") && type.getMessage().contains("default is 'true'"),
                type.getMessage());
        assertEquals("at_least_once", R.parse(Map.of("acidic.processing.guarantee", "AT_LEAST_ONCE"))
                .get(AcidicSettings.PROCESSING_GUARANTEE), "read case-insensitively");
    }

    @Test
    void aSecretSettingsBadValueIsNotEchoed() {
        Setting<Integer> pin = Setting.integer("acidic.test.pin", 1).secret().doc("a secret number");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pin.parse("12x34"));
        assertFalse(e.getMessage().contains("12x34"), e.getMessage());
        assertEquals(null, e.getCause(), "a cause would quote the value in a stack trace");
        assertTrue(e.getMessage().contains("has invalid value '****'"), e.getMessage());
        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class, () -> AcidicSettings.PARTITIONS.parse("12x34"));
        assertTrue(plain.getMessage().contains("'12x34'"), "a plain setting shows its value: " + plain.getMessage());
    }

    @Test
    void unknownKeysUnderThePrefixAreRejectedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> R.parse(Map.of("acidic.lock.timout", "5s")));
        assertTrue(e.getMessage().startsWith("unknown setting 'acidic.lock.timout' (env ACIDIC_LOCK_TIMOUT)"), e.getMessage());
        assertTrue(e.getMessage().contains("acidic.lock.timeout") && e.getMessage().contains("acidic.kafka.*"), e.getMessage());
    }

    @Test
    void environmentNamesMapToKeysAndPassThroughKeepsItsSpelling() {
        assertEquals("acidic.kafka.main.consumer.session.timeout.ms", R.keyForEnv("ACIDIC_KAFKA_MAIN_CONSUMER_SESSION_TIMEOUT_MS"));
        assertEquals("acidic.jdbc.properties.sslrootcert", R.keyForEnv("ACIDIC_JDBC_PROPERTIES_SSLROOTCERT"));
        assertEquals("acidic.topic.requests", R.keyForEnv("ACIDIC_TOPIC_REQUESTS"));
        Map<String, String> fromEnv = R.fromEnvironment(Map.of("ACIDIC_LOCK_TIMEOUT", "5s", "ACIDIC_FAULTS", "x", "PATH", "/bin"));
        assertEquals(Map.of("acidic.lock.timeout", "5s"), fromEnv, "ACIDIC_FAULTS and non-ACIDIC variables are not settings");
    }

    @Test
    void aKeyIsDeclaredOnce() {
        Setting<String> a = Setting.string("acidic.x", "").doc("x");
        assertThrows(IllegalArgumentException.class, () -> new Registry("acidic.", List.of(a, a), List.of(), Set.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new Registry("acidic.", List.of(Setting.string("other.x", "").doc("x")), List.of(), Set.of()));
    }
}
