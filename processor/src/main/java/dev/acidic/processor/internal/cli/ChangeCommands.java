package dev.acidic.processor.internal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Completion;
import dev.acidic.api.EventType;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobCommand;
import dev.acidic.api.Wire;
import dev.acidic.api.WireFormatException;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jobs cancel|retry|resume|signal}: each sends a {@link JobCommand} on the requests topic
 * under the job's key, where the processor that owns the key applies it, and prints its answer.
 */
final class ChangeCommands {
    private ChangeCommands() {}

    static final String ANSWER_FOOTER = "-o json: {key, command, outcome (answered, waiting, running, no_answer or sent), "
            + "completion (as on the completions topic, when answered), job (as jobs list prints it, when not answered)}; "
            + "-o jsonl: the same on one line.";

    /** What the four share: the key, and the command to send. */
    abstract static class Change extends SendCommand {
        @Parameters(index = "0", paramLabel = "KEY", description = "the job's idempotency key")
        String key;

        Change(Io io) {
            super(io);
        }

        abstract JobCommand command();

        @Override
        String key() {
            return key;
        }

        @Override
        String name() {
            return command().command();
        }

        @Override
        CompletableFuture<Completion> send(JobClient client) {
            return client.submit(key, command());
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = {"Cancel a job that is running, waiting, halted or between retries; it runs no further phase.",
                "Exit status 0 once the job is cancelled (or was already), 1 if it ended otherwise first, 3 if there is no such job."},
            footer = {"", ANSWER_FOOTER})
    static final class Cancel extends Change {
        @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept as the cancelled job's error message")
        String reason;

        Cancel(Io io) {
            super(io);
        }

        @Override
        JobCommand command() {
            return JobCommand.cancel(reason);
        }

        @Override
        EventType appliedBy() {
            return EventType.CANCELLED;
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = {"Run a failed or cancelled job again from its recovery point, as its next run (attempts reset).",
                "Exit status 0 when the new run succeeds or comes to rest (waits, halts) within --wait, "
                    + "1 if it fails or the job is not retryable, 3 if there is no such job."},
            footer = {"", ANSWER_FOOTER})
    static final class Retry extends Change {
        Retry(Io io) {
            super(io);
        }

        @Override
        JobCommand command() {
            return JobCommand.retry();
        }

        @Override
        EventType appliedBy() {
            return EventType.RETRIED;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = {"Let a halted job go on from where it halted.",
                "Exit status 0 when it then succeeds or comes to rest within --wait, 1 if it fails or is not halted, "
                    + "3 if there is no such job."},
            footer = {"", ANSWER_FOOTER})
    static final class Resume extends Change {
        Resume(Io io) {
            super(io);
        }

        @Override
        JobCommand command() {
            return JobCommand.resume();
        }

        @Override
        EventType appliedBy() {
            return EventType.RESUMED;
        }
    }

    @Command(name = "signal", mixinStandardHelpOptions = true,
            description = {"Deliver signal NAME (with an optional JSON payload) to a job; one waiting for it wakes, "
                + "any other keeps it until it waits for it.",
                "Exit status 0 when the job then succeeds or comes to rest within --wait, 1 if it fails or has ended, "
                    + "3 if there is no such job."},
            footer = {"", ANSWER_FOOTER})
    static final class Signal extends Change {
        @Spec
        CommandSpec spec;

        @Parameters(index = "1", paramLabel = "NAME", description = "the signal's name")
        String signal;

        @Parameters(index = "2", arity = "0..1", paramLabel = "JSON", description = "the payload, any JSON value (default: none)")
        String payload;

        Signal(Io io) {
            super(io);
        }

        @Override
        void validate() {
            try {
                command();
            } catch (WireFormatException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }

        @Override
        JobCommand command() {
            JsonNode p = payload == null ? null : json(spec, "JSON", payload);
            return new JobCommand(JobCommand.SIGNAL, signal, p, null);
        }

        @Override
        EventType appliedBy() {
            return EventType.SIGNALLED;
        }
    }

    /** {@code text} as JSON, or a usage error naming the parameter. */
    static JsonNode json(CommandSpec spec, String param, String text) {
        try {
            return Wire.parse(text);
        } catch (RuntimeException e) {
            throw new ParameterException(spec.commandLine(), param + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
