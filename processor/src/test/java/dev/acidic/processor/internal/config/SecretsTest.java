package dev.acidic.processor.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {

    @Test
    void secretKeysAreMaskedWhole() {
        assertEquals("****", Secrets.mask("acidic.jdbc.password", "hunter2", false));
        assertEquals("****", Secrets.mask("acidic.kafka.sasl.jaas.config", "PlainLoginModule required password=\"h\";", false));
        assertEquals("****", Secrets.mask("acidic.kafka.ssl.truststore.password", "h", false));
        assertEquals("****", Secrets.mask("acidic.kafka.ssl.keystore.key", "-----BEGIN", false));
        assertEquals("****", Secrets.mask("acidic.kafka.sasl.oauthbearer.token.endpoint.secret", "h", false));
        assertEquals("****", Secrets.mask("acidic.jdbc.properties.sslpassword", "h", false));
        assertEquals("****", Secrets.mask("acidic.anything", "h", true), "declared secret, whatever its name");
        assertEquals("", Secrets.mask("acidic.jdbc.password", "", false), "an empty secret shows it is unset");
    }

    @Test
    void passwordsInsideOtherValuesAreMasked() {
        assertEquals("jdbc:postgresql://db/acidic?user=a&password=****&sslmode=require",
                Secrets.mask("acidic.jdbc.url", "jdbc:postgresql://db/acidic?user=a&password=hunter3&sslmode=require", false));
        assertEquals("jdbc:postgresql://db/acidic?sslpassword=****&PASSWORD=****",
                Secrets.maskInline("jdbc:postgresql://db/acidic?sslpassword=k3y&PASSWORD=hunter3"));
        assertEquals("postgresql://acidic:****@db:5432/acidic", Secrets.maskInline("postgresql://acidic:hunter6@db:5432/acidic"));
        assertEquals("jdbc:postgresql://db:5432/acidic", Secrets.maskInline("jdbc:postgresql://db:5432/acidic"), "nothing to hide");
        assertEquals("broker-1:9092,broker-2:9092", Secrets.mask("acidic.bootstrap.servers", "broker-1:9092,broker-2:9092", false));
    }

    @Test
    void aDeclaredSecretIsMaskedInTheValuesMap() {
        Values v = AcidicSettings.REGISTRY.parse(Map.of("acidic.jdbc.password", "hunter2",
                "acidic.jdbc.url", "jdbc:postgresql://db/a?password=hunter3", "acidic.kafka.sasl.jaas.config", "x password=\"hunter4\";"));
        Map<String, String> shown = v.toMaskedMap();
        assertEquals("****", shown.get("acidic.jdbc.password"));
        assertEquals("****", shown.get("acidic.kafka.sasl.jaas.config"));
        assertEquals("jdbc:postgresql://db/a?password=****", shown.get("acidic.jdbc.url"));
        assertTrue(AcidicSettings.JDBC_PASSWORD.isSecret());
        assertFalse(v.toString().contains("hunter"), v.toString());
        assertEquals("hunter2", v.toMap().get("acidic.jdbc.password"), "the unmasked map still carries it, for the driver");
    }
}
