package dev.acidic.testkit;

import dev.acidic.embedded.EmbeddedKafka;
import dev.acidic.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real Postgres (and, once a test class asks for it, the real Kafka) shared by every test class
 * of one test run, started on first use with their files under {@code target/acidic-testkit} and
 * stopped when JUnit closes its root store at the end of the run. Each test class gets a database
 * of its own on the shared server.
 */
final class SharedServers implements AutoCloseable {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedServers.class);
    private static final Path DIR = Path.of("target", "acidic-testkit");

    private EmbeddedPostgresServer postgres;
    private EmbeddedKafka kafka;

    static SharedServers of(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SharedServers.class, k -> new SharedServers(),
                SharedServers.class);
    }

    synchronized EmbeddedPostgresServer postgres() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgresServer.start(DIR.toAbsolutePath());
            } catch (IOException e) {
                throw new UncheckedIOException("acidic-testkit: cannot start the embedded Postgres under " + DIR.toAbsolutePath()
                        + ": " + e.getMessage(), e);
            }
        }
        return postgres;
    }

    synchronized EmbeddedKafka kafka() {
        if (kafka == null) {
            try {
                kafka = EmbeddedKafka.start(DIR.toAbsolutePath());
            } catch (IOException e) {
                throw new UncheckedIOException("acidic-testkit: cannot start the embedded Kafka under " + DIR.toAbsolutePath()
                        + ": " + e.getMessage(), e);
            }
        }
        return kafka;
    }

    /**
     * Creates an empty database named after {@code label} (plus a random suffix) on the shared
     * Postgres.
     *
     * @return its JDBC URL (user and password as {@link #postgres()}'s)
     */
    String createDatabase(String label) {
        EmbeddedPostgresServer pg = postgres();
        String clean = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        String name = "t_" + clean.substring(0, Math.min(clean.length(), 40)) + "_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password()); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("acidic-testkit: cannot create database " + name + ": " + e.getMessage(), e);
        }
        return pg.jdbcUrl().replaceAll("/postgres$", "/" + name);
    }

    @Override
    public synchronized void close() throws IOException {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }
}
