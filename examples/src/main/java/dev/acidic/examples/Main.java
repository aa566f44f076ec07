package dev.acidic.examples;

import dev.acidic.processor.Cli;

/**
 * Entry point of {@code acidic-examples.jar}: the processor CLI with the example jobs on board,
 * plus {@code demo} and {@code bench}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("demo")) {
            System.exit(Demo.run(args, System.out));
        }
        if (args.length > 0 && args[0].equals("bench")) {
            System.exit(Bench.run(args, System.out));
        }
        System.exit(Cli.run(args, System.getenv(), System.out, System.err, new EmbeddedServers()));
    }
}
