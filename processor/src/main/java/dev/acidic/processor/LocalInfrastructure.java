package dev.acidic.processor;

import java.io.IOException;

/**
 * Starts the Kafka and Postgres that a configuration leaves out, for the demo, local runs and
 * tests. The processor library ships no servers: the {@code acidic-embedded} module has them, and
 * a main class (the examples jar's, a test's) wires them in with
 * {@link AcidicProcessor.Builder#localInfrastructure}. Without one, a configuration that names no
 * Kafka or no Postgres is an error.
 */
@FunctionalInterface
public interface LocalInfrastructure {
    /**
     * Starts whatever {@code config} names none of ({@code acidic.bootstrap.servers} or
     * {@code acidic.jdbc.url} empty), with files under {@code acidic.data.dir}.
     *
     * @return the configuration with the started servers' addresses filled in, and what to close
     *     once the processor has stopped
     */
    Started start(AcidicConfig config) throws IOException;

    /** The configuration to run with and the servers to stop afterwards. */
    record Started(AcidicConfig config, AutoCloseable servers) {}
}
