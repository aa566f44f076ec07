package dev.acidic.processor.internal.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code jobs}: the operator's commands on jobs; without a subcommand it prints its usage. */
@Command(name = "jobs", mixinStandardHelpOptions = true, commandListHeading = "%nCommands:%n",
        description = {"List, inspect, cancel, retry, resume and signal jobs; count them.",
            "Reads Postgres (ACIDIC_JDBC_URL, ...); changes go through the requests topic (ACIDIC_BOOTSTRAP_SERVERS, ...), "
                + "applied by the processor that owns the key: nothing here writes a job's row."},
        footer = {"", "Every command takes -o table|json|jsonl. Exit status: 0 done, 1 the job or the command failed "
            + "(or no answer within --wait), 2 usage or configuration error, 3 no such job."})
final class JobsCommand implements Callable<Integer> {
    private final PrintStream out;

    @Spec
    private CommandSpec spec;

    JobsCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(out);
        return 0;
    }
}
