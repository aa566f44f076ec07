package dev.acidic.processor.internal.cli;

import dev.acidic.api.JobClient;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.internal.store.Database;
import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.store.Migrator;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * What the {@code jobs} and {@code submit} commands talk to, opened from the {@code ACIDIC_*}
 * configuration as a processor reads it: Postgres for reading (a connection per query, opened
 * and closed: a one-shot command has no use for a pool, and an unreachable database fails at once
 * rather than after a pool's start-up retries), and a {@link JobClient} on the processor's topics
 * for changing a job.
 */
final class Backends implements AutoCloseable {
    private final AcidicConfig config;
    private final List<DataSource> databases;
    private JobClient client;

    private Backends(AcidicConfig config, List<DataSource> databases) {
        this.config = config;
        this.databases = databases;
    }

    /**
     * Opens Postgres for {@code command} and checks that its schema is the one this version reads.
     *
     * @param kafkaToo whether the command also needs Kafka (it changes a job)
     * @return null after printing why when the configuration lacks what the command needs
     *     (the command exits {@link CommandLines#USAGE})
     * @throws SQLException when Postgres cannot be reached or its schema is not current
     */
    static Backends open(Io io, String command, boolean kafkaToo) throws SQLException {
        AcidicConfig c = EnvConfig.loadForPostgres(io.env(), io.err(), command);
        if (c == null) {
            return null;
        }
        if (kafkaToo && c.bootstrapServers().isBlank()) {
            io.err().println(command + " needs ACIDIC_BOOTSTRAP_SERVERS: it sends the command through the requests topic");
            return null;
        }
        List<DataSource> databases = new ArrayList<>();
        for (int i = 0; i < c.jdbcUrls().size(); i++) { // every database of sharded keys
            DataSource db = Database.unpooled(c.poolSettings(1, i));
            Migrator.verify(db);
            databases.add(db);
        }
        return new Backends(c, databases);
    }

    JobQueries queries() {
        return new JobQueries(databases);
    }

    /**
     * A client on the processor's requests and completions topics, with the {@code ACIDIC_KAFKA_*}
     * settings every client takes (TLS, SASL), not those for one kind of the processor's clients
     * ({@code producer.*}, {@code consumer.*}, ...).
     *
     * @param startTimeout how long to wait for the completions topic
     */
    JobClient client(Duration startTimeout) {
        if (client == null) {
            client = config.jobClient(startTimeout);
        }
        return client;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
