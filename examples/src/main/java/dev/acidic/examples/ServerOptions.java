package dev.acidic.examples;

import picocli.CommandLine.Option;

/** Where {@code demo} and {@code bench} find Kafka and Postgres; unset, they start embedded ones. */
final class ServerOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "an external Kafka (default: an embedded one)")
    String bootstrapServers;

    @Option(names = "--jdbc-url", paramLabel = "URL", description = "an external Postgres (default: an embedded one)")
    String jdbcUrl;

    @Option(names = "--jdbc-user", paramLabel = "U", defaultValue = "postgres", description = "(default: ${DEFAULT-VALUE})")
    String jdbcUser;

    @Option(names = "--jdbc-password", paramLabel = "P", defaultValue = "", description = "(default: none)")
    String jdbcPassword;
}
