package dev.acidic.examples;

import dev.acidic.processor.Cli;

/**
 * Entry point of {@code acidic-examples.jar}: the processor CLI with the example jobs on board,
 * embedded Kafka and Postgres for {@code run} when none is configured, plus {@code demo} and
 * {@code bench}, and {@code servers} (an embedded Kafka and Postgres for any processor, such as
 * {@code acidic-processor.jar} with your jobs).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        System.exit(Cli.run(args, System.getenv(), System.out, System.err, new EmbeddedServers(), new DemoCommand(System.out),
                new BenchCommand(System.out), new ServersCommand(System.out)));
    }
}
