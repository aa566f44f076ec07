package dev.acidic.examples;

import dev.acidic.processor.Cli;

/** Entry point of {@code acidic-examples.jar}: the processor CLI with the example jobs on board. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        System.exit(Cli.run(args, System.out, System.err));
    }
}
