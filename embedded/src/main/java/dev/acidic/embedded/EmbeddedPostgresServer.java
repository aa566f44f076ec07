package dev.acidic.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A real Postgres server (zonky embedded binaries) listening on loopback, with its data and the
 * unpacked binaries under the given directory. Durability settings stay at Postgres defaults.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private final Path dataDir;
    private final Path workDir;
    private final int port;
    private final Map<String, String> serverConfig;
    private EmbeddedPostgres pg;

    private EmbeddedPostgresServer(Path dataDir, Path workDir, int port, Map<String, String> serverConfig) {
        this.dataDir = dataDir;
        this.workDir = workDir;
        this.port = port;
        this.serverConfig = Map.copyOf(serverConfig);
    }

    public static EmbeddedPostgresServer start(Path dir) throws IOException {
        return start(dir, Map.of());
    }

    /** Starts with extra {@code postgresql.conf} settings (say, {@code ssl=on} and its files, for TLS tests). */
    public static EmbeddedPostgresServer start(Path dir, Map<String, String> serverConfig) throws IOException {
        Files.createDirectories(dir);
        Path work = dir.resolve("pg-binaries");
        Files.createDirectories(work);
        EmbeddedPostgresServer s = new EmbeddedPostgresServer(Files.createTempDirectory(dir, "pg-data-"), work,
                EmbeddedKafka.freePort(), serverConfig);
        s.startServer();
        return s;
    }

    private void startServer() throws IOException {
        // Never let zonky clean: it deletes the data directory on close, and a restart must find it.
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder();
        serverConfig.forEach(b::setServerConfig);
        pg = b
                .setOverrideWorkingDirectory(workDir.toFile())
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setPGStartupWait(Duration.ofSeconds(30))
                .setServerConfig("max_connections", "200")
                .setServerConfig("listen_addresses", "127.0.0.1")
                // zonky turns synchronous_commit off by default: a committed phase could then be
                // lost in an OS crash. Acidic's promise (and its benchmark) needs Postgres' own
                // durable defaults.
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "on")
                .start();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return "";
    }

    /** Stops and starts the server on the same data and port (for outage tests). */
    public void restart() throws IOException {
        stopServer();
        startServer();
    }

    /** Stops the server, keeping its data and port, until {@link #startAgain()} (for outage tests). */
    public void stop() throws IOException {
        stopServer();
    }

    /** Starts a server {@link #stop() stopped} before, on the same data and port. */
    public void startAgain() throws IOException {
        if (pg == null) {
            startServer();
        }
    }

    private void stopServer() throws IOException {
        if (pg != null) {
            pg.close();
            pg = null;
        }
    }

    @Override
    public void close() throws IOException {
        stopServer();
        deleteRecursively(dataDir);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
