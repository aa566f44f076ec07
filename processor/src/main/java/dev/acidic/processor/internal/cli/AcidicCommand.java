package dev.acidic.processor.internal.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top command: without a subcommand it prints its usage, which lists every subcommand. */
@Command(name = "acidic", mixinStandardHelpOptions = true, commandListHeading = "%nCommands:%n",
        description = "Acidic: durable, exactly-once jobs; atomic phases in Postgres, driven by Kafka Streams.",
        footer = {"", "Every setting comes from an ACIDIC_* environment variable; 'settings' lists them.",
            "'<command> --help' shows a command's options."})
final class AcidicCommand implements Callable<Integer> {
    private final PrintStream out;

    @Spec
    private CommandSpec spec;

    AcidicCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(out);
        return 0;
    }
}
