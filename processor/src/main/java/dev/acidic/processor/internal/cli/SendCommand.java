package dev.acidic.processor.internal.cli;

import dev.acidic.api.Completion;
import dev.acidic.api.EventType;
import dev.acidic.api.JobClient;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A command that sends something to the requests topic under a job's key and waits for what
 * becomes of it ({@link AnswerWaiter}); {@code submit} and the commands that change a job.
 */
abstract class SendCommand implements Callable<Integer> {
    /** How long the job client waits for the completions topic when it starts. */
    static final Duration CLIENT_START = Duration.ofSeconds(30);

    final Io io;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "30s", converter = Converters.WaitConverter.class,
            description = "how long to wait for the answer (default: ${DEFAULT-VALUE}); 0: only send")
    Duration wait;

    @Mixin
    OutputOption output;

    SendCommand(Io io) {
        this.io = io;
    }

    /** The key to send under. */
    abstract String key();

    /** {@code submit}, {@code cancel}, ... as the answer names it. */
    abstract String name();

    /** The journal entry that shows it applied; null: any new entry. */
    abstract EventType appliedBy();

    /** Sends, returning the answer's future. */
    abstract CompletableFuture<Completion> send(JobClient client);

    /** Checks the arguments before anything is opened; throws a picocli ParameterException for a usage error. */
    void validate() {}

    @Override
    public Integer call() {
        validate();
        String what = name().equals(Answer.SUBMIT) ? "submit" : "jobs " + name();
        try (Backends b = Backends.open(io, what, true)) {
            if (b == null) {
                return CommandLines.USAGE;
            }
            JobClient client = b.client(CLIENT_START);
            Answer a = new AnswerWaiter(b.queries()).await(key(), name(), appliedBy(), () -> send(client), client::flush, wait);
            if (output.table()) {
                io.out().print(a.text(wait));
            } else {
                JsonOutput.print(io.out(), output.format, a);
            }
            return a.exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            io.err().println(what + " interrupted");
            return 1;
        } catch (SQLException | RuntimeException e) {
            io.err().println(what + " failed: " + e.getMessage());
            return 1;
        }
    }
}
