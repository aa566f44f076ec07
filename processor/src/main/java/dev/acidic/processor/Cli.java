package dev.acidic.processor;

import dev.acidic.processor.internal.cli.CommandLines;
import java.io.PrintStream;
import java.util.Map;
import picocli.CommandLine;

/**
 * The processor's command line: {@code run} starts a processor with the jobs found on the
 * classpath, configured from {@code ACIDIC_*} variables; {@code migrate} only applies the database
 * migrations; {@code settings} lists every setting with its default; {@code reap} deletes the finished keys
 * older than the retention now. {@code --help} on any command
 * prints its generated usage; a main class can add commands of its own (picocli {@code @Command}
 * objects), which the top-level usage then lists too.
 *
 * <p>Exit codes: 0 ok, 1 failure, 2 usage or configuration error (the message names the option or
 * setting, and the accepted values where there is a fixed set).
 */
public final class Cli {
    private Cli() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        return run(args, System.getenv(), out, err, null);
    }

    /** Runs a command with {@code env} in place of the process environment, and no local infrastructure. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
        return run(args, env, out, err, null);
    }

    /**
     * Runs a command with {@code env} in place of the process environment.
     *
     * @param local starts Kafka and Postgres for {@code run} when the configuration names none; null: none
     * @param subcommands more commands, as for {@link #commandLine}
     * @return the exit code
     * @throws Exception what a command threw (after parsing succeeded)
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, LocalInfrastructure local,
            Object... subcommands) throws Exception {
        Exception[] failure = new Exception[1];
        CommandLine cl = commandLine(env, out, err, local, subcommands);
        // picocli would print the stack trace and answer 1; callers (tests, main) want the exception itself
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            failure[0] = e;
            return 1;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        if (failure[0] != null) {
            throw failure[0];
        }
        return rc;
    }

    /**
     * The command line, ready to {@link CommandLine#execute execute}: {@code run}, {@code migrate},
     * {@code settings}, {@code reap}, then {@code subcommands} in order, then {@code help}.
     *
     * @param subcommands objects annotated with picocli's {@code @Command} (or {@link CommandLine}s);
     *     each gets {@code --version} answered like the others
     */
    public static CommandLine commandLine(Map<String, String> env, PrintStream out, PrintStream err, LocalInfrastructure local,
            Object... subcommands) {
        return CommandLines.create(env, out, err, local, subcommands);
    }
}
