package dev.acidic.examples;

import dev.acidic.embedded.EmbeddedInfrastructure;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code servers}: a real Kafka and a real Postgres for trying Acidic out on a machine that has
 * neither (nor Docker), printing the {@code ACIDIC_*} variables that point a processor, or the
 * {@code jobs} and {@code submit} commands, at them. Development only: loopback, one node, files
 * under {@code --dir}.
 */
@Command(name = "servers", mixinStandardHelpOptions = true,
        description = {"Start an embedded Kafka and Postgres (development only) and print the ACIDIC_* variables that point a "
            + "processor at them; run until Ctrl-C."})
final class ServersCommand implements Callable<Integer> {
    private final PrintStream out;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "target/acidic/servers",
            description = "where their files go (default: ${DEFAULT-VALUE})")
    Path dir;

    ServersCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        EmbeddedInfrastructure servers = start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                servers.close();
            } catch (IOException e) {
                System.err.println("stopping the servers: " + e);
            }
            stopped.countDown();
        }, "acidic-servers-shutdown"));
        stopped.await();
        return 0;
    }

    /** Starts both and prints how to use them; the caller stops them. */
    EmbeddedInfrastructure start() throws IOException {
        EmbeddedInfrastructure servers = EmbeddedInfrastructure.start(dir.toAbsolutePath(), true, true);
        out.println("Kafka and Postgres are running (embedded, for development). In another terminal:");
        out.println();
        out.println("export ACIDIC_BOOTSTRAP_SERVERS=" + servers.bootstrapServers());
        out.println("export ACIDIC_JDBC_URL=" + servers.jdbcUrl());
        out.println("export ACIDIC_JDBC_USER=" + servers.jdbcUser());
        out.println();
        out.println("Ctrl-C stops them.");
        out.flush();
        return servers;
    }
}
