package dev.acidic.processor.internal.cli;

import dev.acidic.processor.LocalInfrastructure;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Builds the command line: {@code acidic} with {@code run}, {@code migrate}, {@code settings},
 * {@code jobs} (list, show, stats, cancel, retry, resume, signal), {@code submit}, {@code reap}, the
 * caller's own subcommands and {@code help}. Exit codes: 0 ok, 1 failure, 2 usage or
 * configuration error, 3 no such job.
 */
public final class CommandLines {
    public static final int USAGE = 2;
    /** No job under the key a command names. */
    public static final int NOT_FOUND = 3;

    private CommandLines() {}

    /**
     * @param extraSubcommands picocli {@code @Command} objects (or {@link CommandLine}s) listed after
     *     the processor's own commands
     */
    public static CommandLine create(Map<String, String> env, PrintStream out, PrintStream err, LocalInfrastructure local,
            Object... extraSubcommands) {
        Io io = new Io(env, out, err);
        CommandLine jobs = new CommandLine(new JobsCommand(out))
                .addSubcommand(new ListCommand(io))
                .addSubcommand(new ShowCommand(io))
                .addSubcommand(new StatsCommand(io))
                .addSubcommand(new ChangeCommands.Cancel(io))
                .addSubcommand(new ChangeCommands.Retry(io))
                .addSubcommand(new ChangeCommands.Resume(io))
                .addSubcommand(new ChangeCommands.Signal(io));
        CommandLine cl = new CommandLine(new AcidicCommand(out))
                .addSubcommand(new RunCommand(env, err, local))
                .addSubcommand(new MigrateCommand(env, out, err))
                .addSubcommand(new SettingsCommand(out))
                .addSubcommand(jobs)
                .addSubcommand(new SubmitCommand(io))
                .addSubcommand(new ReapCommand(env, out, err));
        for (Object sub : extraSubcommands) {
            cl.addSubcommand(sub);
        }
        cl.addSubcommand(new HelpCommand());
        String version = "acidic " + version();
        setVersion(cl, version);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler(CommandLines::usageError);
        return cl;
    }

    /** Every command answers {@code --version} with the same line, the subcommands the caller added too. */
    private static void setVersion(CommandLine cl, String version) {
        cl.getCommandSpec().version(version);
        cl.getSubcommands().values().forEach(sub -> setVersion(sub, version));
    }

    /**
     * The message alone (it names the option and, for a value out of a fixed set, the accepted
     * values), a suggestion for a misspelt option, and where the usage is: the full usage would
     * bury the one line that matters.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getColorScheme().errorText(e.getMessage()));
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return USAGE;
    }

    /** The project version, filtered into {@code version.properties} by the build. */
    static String version() {
        try (InputStream in = CommandLines.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "(unknown version)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "(unknown version)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
