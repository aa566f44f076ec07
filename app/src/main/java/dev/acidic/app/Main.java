package dev.acidic.app;

import dev.acidic.processor.Cli;

/**
 * {@code java -jar acidic-processor.jar <command>}: the processor's command line ({@code run},
 * {@code migrate}, {@code jobs}, {@code submit}, {@code reap}, {@code settings}) with no jobs of
 * its own. {@code run --jobs PATH} (or jars on the class path) brings yours; Kafka and Postgres
 * are named by {@code ACIDIC_BOOTSTRAP_SERVERS} and {@code ACIDIC_JDBC_URL} (nothing embedded).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        Cli.main(args);
    }
}
