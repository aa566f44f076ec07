package dev.acidic.processor.internal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Completion;
import dev.acidic.api.EventType;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobRequest;
import dev.acidic.api.WireFormatException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code submit KEY JOB [ARGS_JSON]}: sends a job request and prints its completion. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Submit a job: send {\"job\": JOB, \"args\": ARGS_JSON} under KEY to the requests topic and print its completion.",
            "Exit status 0 when the job succeeds (a replay of a success too) or comes to rest (waits, halts) within --wait, "
                + "1 if it fails, is rejected or has not ended in time, 2 for a usage error."},
        footer = {"", ChangeCommands.ANSWER_FOOTER})
final class SubmitCommand extends SendCommand {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KEY", description = "the job's idempotency key")
    private String key;

    @Parameters(index = "1", paramLabel = "JOB", description = "the job's name")
    private String job;

    @Parameters(index = "2", arity = "0..1", paramLabel = "ARGS_JSON", description = "the arguments, a JSON object (default: {})")
    private String args;

    SubmitCommand(Io io) {
        super(io);
    }

    @Override
    void validate() {
        try {
            request();
        } catch (WireFormatException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private JobRequest request() {
        JsonNode a = args == null ? null : ChangeCommands.json(spec, "ARGS_JSON", args);
        if (a != null && !a.isObject()) {
            throw new ParameterException(spec.commandLine(), "ARGS_JSON must be a JSON object, not " + a.getNodeType()
                    .name().toLowerCase(Locale.ROOT) + " " + args);
        }
        return new JobRequest(job, a);
    }

    @Override
    String key() {
        return key;
    }

    @Override
    String name() {
        return Answer.SUBMIT;
    }

    @Override
    EventType appliedBy() {
        return null;
    }

    @Override
    CompletableFuture<Completion> send(JobClient client) {
        return client.submit(key, request());
    }
}
