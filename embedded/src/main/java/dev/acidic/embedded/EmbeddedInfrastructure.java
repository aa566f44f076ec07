package dev.acidic.embedded;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A real single-node Kafka and a real Postgres on 127.0.0.1, started in this JVM with their files
 * under a directory of yours: for demos, local development and tests, never production.
 */
public final class EmbeddedInfrastructure implements AutoCloseable {
    private final EmbeddedKafka kafka;
    private final EmbeddedPostgresServer postgres;

    private EmbeddedInfrastructure(EmbeddedKafka kafka, EmbeddedPostgresServer postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
    }

    /** Starts whichever of the two is asked for. */
    public static EmbeddedInfrastructure start(Path dir, boolean startKafka, boolean startPostgres) throws IOException {
        EmbeddedKafka k = startKafka ? EmbeddedKafka.start(dir) : null;
        try {
            return new EmbeddedInfrastructure(k, startPostgres ? EmbeddedPostgresServer.start(dir) : null);
        } catch (IOException | RuntimeException e) {
            if (k != null) {
                k.close();
            }
            throw e;
        }
    }

    /** Bootstrap servers of the embedded broker; null if none was started. */
    public String bootstrapServers() {
        return kafka == null ? null : kafka.bootstrapServers();
    }

    /** JDBC URL of the embedded Postgres (user {@code postgres}, no password); null if none was started. */
    public String jdbcUrl() {
        return postgres == null ? null : postgres.jdbcUrl();
    }

    /** The embedded Postgres' user; null if none was started. */
    public String jdbcUser() {
        return postgres == null ? null : postgres.user();
    }

    /** The embedded Postgres' password (empty: trust on loopback); null if none was started. */
    public String jdbcPassword() {
        return postgres == null ? null : postgres.password();
    }

    @Override
    public void close() throws IOException {
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}
