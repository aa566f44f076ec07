package dev.acidic.processor.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.embedded.EmbeddedKafka;
import dev.acidic.embedded.EmbeddedPostgresServer;
import dev.acidic.processor.internal.store.Migrator;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * One real Kafka broker and one real Postgres per test JVM, started on first use and stopped at
 * JVM exit. Files live under {@code target/test-infra}. Tests isolate themselves with their own
 * topics, application ids and idempotency keys.
 */
public final class TestInfra {
    private static TestInfra instance;

    public final EmbeddedKafka kafka;
    public final EmbeddedPostgresServer postgres;
    public final HikariDataSource db;

    private TestInfra() throws Exception {
        Path dir = Path.of("target", "test-infra").toAbsolutePath();
        kafka = EmbeddedKafka.start(dir);
        postgres = EmbeddedPostgresServer.start(dir);
        HikariConfig h = new HikariConfig();
        h.setJdbcUrl(postgres.jdbcUrl());
        h.setUsername(postgres.user());
        h.setPassword(postgres.password());
        h.setMaximumPoolSize(4);
        h.setPoolName("test-assertions");
        db = new HikariDataSource(h);
        Migrator.migrate(db);
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(TestJobs.SCHEMA);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            db.close();
            kafka.close();
            try {
                postgres.close();
            } catch (Exception ignored) {
                // the JVM is going away
            }
        }));
    }

    /** A pool of {@code poolSize} on a new database as {@link #createDatabase} makes it; the caller closes it. */
    public HikariDataSource ownDatabase(String prefix, int poolSize) throws SQLException {
        return pool(createDatabase(prefix), poolSize);
    }

    /** A pool of {@code poolSize} on the database at {@code url} of the test Postgres; the caller closes it. */
    public HikariDataSource pool(String url, int poolSize) {
        HikariConfig h = new HikariConfig();
        h.setJdbcUrl(url);
        h.setUsername(postgres.user());
        h.setPassword(postgres.password());
        h.setMaximumPoolSize(poolSize);
        return new HikariDataSource(h);
    }

    /**
     * A new database on the test Postgres, migrated and with the test jobs' tables, for a test that
     * must see no other test's keys (a completer sweeps every unfinished key of its partitions).
     *
     * @return its JDBC URL (user and password as {@link #postgres})
     */
    public String createDatabase(String prefix) throws SQLException {
        String name = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        String url = postgres.jdbcUrl().replaceAll("/postgres$", "/" + name);
        try (HikariDataSource own = pool(url, 1)) {
            Migrator.migrate(own);
            try (Connection c = own.getConnection(); Statement st = c.createStatement()) {
                st.execute(TestJobs.SCHEMA);
            }
        }
        return url;
    }

    public static synchronized TestInfra get() {
        if (instance == null) {
            try {
                instance = new TestInfra();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start embedded Kafka and Postgres for tests", e);
            }
        }
        return instance;
    }
}
