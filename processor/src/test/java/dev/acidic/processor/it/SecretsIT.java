package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.Cli;
import dev.acidic.embedded.EmbeddedKafka;
import dev.acidic.embedded.EmbeddedPostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The processor reaches Kafka over TLS with SASL/PLAIN and Postgres over verified TLS with a
 * password, all from pass-through settings, and none of those secrets appears in any log line (Kafka's and Hikari's
 * own included, at their most talkative useful levels), exception, {@code toString()} or CLI output.
 */
class SecretsIT {
    private static final String SASL_PASSWORD = "sasl-" + UUID.randomUUID();
    private static final String TRUST_PASSWORD = "trust-" + UUID.randomUUID();
    private static final String JDBC_PASSWORD = "jdbc-" + UUID.randomUUID();
    private static final String URL_PASSWORD = "jdbcurl-" + UUID.randomUUID();
    private static final String SSL_KEY_PASSWORD = "sslpw-" + UUID.randomUUID();
    private static final String URL_SSL_PASSWORD = "urlsslpw-" + UUID.randomUUID();
    private static final String WRONG_PASSWORD = "wrong-" + UUID.randomUUID();
    private static final String MALFORMED_SECRET = "malformed-" + UUID.randomUUID();
    private static final List<String> SECRETS = List.of(SASL_PASSWORD, TRUST_PASSWORD, JDBC_PASSWORD, URL_PASSWORD,
            SSL_KEY_PASSWORD, URL_SSL_PASSWORD, WRONG_PASSWORD, MALFORMED_SECRET);

    private static EmbeddedKafka broker;
    private static EmbeddedPostgresServer tlsPostgres;
    private static Path serverCert;
    private static Path trustStore;
    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
    private static final Map<String, Level> LEVELS = new HashMap<>();

    @BeforeAll
    static void secureBroker() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "secrets-it", UUID.randomUUID().toString().substring(0, 8)))
                .toAbsolutePath();
        Path keyStore = dir.resolve("broker.p12");
        trustStore = dir.resolve("trust.p12");
        String storePassword = "broker-store-pw";
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname",
                "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", storePassword, "-keypass", storePassword);
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(), "-storepass", storePassword,
                "-file", dir.resolve("broker.pem").toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", dir.resolve("broker.pem").toString(), "-storetype",
                "PKCS12", "-keystore", trustStore.toString(), "-storepass", TRUST_PASSWORD);
        broker = EmbeddedKafka.start(dir, new EmbeddedKafka.Secure(keyStore, storePassword, Map.of("acidic", SASL_PASSWORD)));
        // The same certificate serves a Postgres that takes TLS; its key as PKCS#8 PEM, owner-only.
        serverCert = dir.resolve("broker.pem");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keyStore)) {
            ks.load(in, storePassword.toCharArray());
        }
        byte[] key = ks.getKey("broker", storePassword.toCharArray()).getEncoded();
        Path keyFile = dir.resolve("server.key");
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key)
                + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        tlsPostgres = EmbeddedPostgresServer.start(dir.resolve("pg"), Map.of("ssl", "on", "ssl_cert_file", serverCert.toString(),
                "ssl_key_file", keyFile.toString()));
        try (Connection c = DriverManager.getConnection(tlsPostgres.jdbcUrl(), tlsPostgres.user(), tlsPostgres.password());
                Statement st = c.createStatement()) {
            st.execute(TestJobs.SCHEMA);
        }

        LOGS.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(LOGS);
        // the levels at which the libraries print their whole configuration
        for (var e : Map.of("org.apache.kafka", Level.INFO, "com.zaxxer.hikari", Level.DEBUG, "dev.acidic", Level.DEBUG).entrySet()) {
            Logger l = (Logger) LoggerFactory.getLogger(e.getKey());
            LEVELS.put(e.getKey(), l.getLevel());
            l.setLevel(e.getValue());
        }
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
        LEVELS.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
        if (broker != null) {
            broker.close();
        }
        if (tlsPostgres != null) {
            try {
                tlsPostgres.close();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "keytool " + args[0] + ": " + out);
    }

    /** The processor's settings: Kafka over the broker's SASL_SSL listener, Postgres with passwords. */
    private static Map<String, String> secureSettings(String saslPassword) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(AcidicConfig.BOOTSTRAP_SERVERS, broker.secureBootstrapServers());
        m.put("acidic.kafka.security.protocol", "SASL_SSL");
        m.put("acidic.kafka.sasl.mechanism", "PLAIN");
        m.put("acidic.kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"acidic\" password=\"" + saslPassword + "\";");
        m.put("acidic.kafka.ssl.truststore.type", "PKCS12");
        m.put("acidic.kafka.ssl.truststore.location", trustStore.toString());
        m.put("acidic.kafka.ssl.truststore.password", TRUST_PASSWORD);
        m.put(AcidicConfig.JDBC_URL, tlsPostgres.jdbcUrl() + "?password=" + URL_PASSWORD + "&sslpassword=" + URL_SSL_PASSWORD);
        m.put(AcidicConfig.JDBC_PASSWORD, JDBC_PASSWORD);
        m.put("acidic.jdbc.properties.sslmode", "verify-full");
        m.put("acidic.jdbc.properties.sslrootcert", serverCert.toString());
        m.put("acidic.jdbc.properties.sslpassword", SSL_KEY_PASSWORD);
        return m;
    }

    @Test
    void secretsReachKafkaAndPostgresButNoLogExceptionOrOutput() throws Exception {
        List<String> texts = new ArrayList<>();

        // 1. TLS + SASL from pass-through settings: the processor only reaches the broker that way.
        try (Harness h = new Harness("secrets", secureSettings(SASL_PASSWORD), broker.bootstrapServers())) {
            h.start();
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                answers.add(h.client().submit(h.key("job-" + i), JobRequest.of("test.three-steps", Map.of("i", i))));
            }
            for (var a : answers) {
                assertEquals(CompletionStatus.SUCCEEDED, a.get(60, TimeUnit.SECONDS).status());
            }
            assertEquals(List.of(true), connectionsUseTls(h), "every processor connection uses TLS (verify-full)");
            String shown = h.processors().get(0).effectiveConfig().toString();
            texts.add(shown);
            assertTrue(shown.contains("acidic.kafka.sasl.jaas.config=****") && shown.contains("acidic.jdbc.password=****")
                    && shown.contains("acidic.kafka.ssl.truststore.password=****") && shown.contains("password=****"), shown);
        }

        // The sslmode setting reaches the driver: with it off, no connection uses TLS (the driver's
        // default, prefer, would).
        Map<String, String> plain = secureSettings(SASL_PASSWORD);
        plain.put("acidic.jdbc.properties.sslmode", "disable");
        try (Harness h = new Harness("secrets-nossl", plain, broker.bootstrapServers())) {
            h.start();
            assertEquals(List.of(false), connectionsUseTls(h), "sslmode=disable was passed through");
        }

        // 2. A wrong SASL password is refused by the broker (so the setting is really used), and
        //    the error names the failure without the password.
        try (Harness wrong = new Harness("secrets-wrong", secureSettings(WRONG_PASSWORD), broker.bootstrapServers())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, wrong::start);
            String text = stackTrace(e);
            texts.add(text);
            assertTrue(text.contains("Authentication failed"), text);
        }

        // 3. A malformed JAAS entry holding a secret: rejected, the secret not echoed.
        Map<String, String> malformed = secureSettings(SASL_PASSWORD);
        malformed.put("acidic.kafka.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"acidic\" password=\"" + MALFORMED_SECRET + "\"");
        try (Harness bad = new Harness("secrets-malformed", malformed, broker.bootstrapServers())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, bad::start);
            texts.add(stackTrace(e));
        }

        // 4. The command line: its settings listing, a configuration error, and migrate.
        Map<String, String> env = new HashMap<>();
        secureSettings(SASL_PASSWORD).forEach((k, v) -> env.put(k.toUpperCase(java.util.Locale.ROOT).replace('.', '_'), v));
        env.put("ACIDIC_STREAM_THREADS", "many");
        texts.add(cli(env, "settings"));
        texts.add(cli(env, "run"));
        assertTrue(texts.get(texts.size() - 1).contains("acidic.stream.threads"), texts.get(texts.size() - 1));
        env.remove("ACIDIC_STREAM_THREADS");
        String migrate = cli(env, "migrate");
        texts.add(migrate);
        assertTrue(migrate.contains("schema is current"), migrate);

        // Nothing anywhere.
        List<String> logged = new ArrayList<>();
        synchronized (LOGS) {
            for (ILoggingEvent e : List.copyOf(LOGS.list)) {
                logged.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())));
            }
        }
        assertTrue(logged.stream().anyMatch(l -> l.contains("sasl.jaas.config = [hidden]")),
                "Kafka's configuration dump was captured, so it was checked");
        assertTrue(logged.stream().anyMatch(l -> l.contains("Acidic processor ready")), "the processor's own log was captured");
        texts.addAll(logged);
        for (String secret : SECRETS) {
            for (String t : texts) {
                assertFalse(t.contains(secret), "a secret leaked in: " + t);
            }
        }
    }

    /** Whether each of the harness's processor's Postgres connections uses TLS (distinct values). */
    private static List<Boolean> connectionsUseTls(Harness h) throws Exception {
        try (Connection c = DriverManager.getConnection(tlsPostgres.jdbcUrl(), tlsPostgres.user(), tlsPostgres.password());
                var ps = c.prepareStatement("SELECT DISTINCT s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) "
                        + "WHERE a.application_name = ?")) {
            ps.setString(1, "acidic-" + h.config.instanceId());
            List<Boolean> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getBoolean(1));
                }
            }
            return out;
        }
    }

    private static String cli(Map<String, String> env, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = Cli.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
        return "rc=" + rc + "\n" + out.toString(StandardCharsets.UTF_8);
    }

    private static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }
}
