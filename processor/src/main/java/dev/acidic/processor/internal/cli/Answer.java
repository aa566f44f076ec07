package dev.acidic.processor.internal.cli;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobCommand;
import dev.acidic.processor.internal.store.JobSummary;
import java.time.Duration;
import java.util.Locale;

/**
 * What became of a request or command the CLI sent ({@code submit}, {@code jobs cancel|retry|resume|signal}):
 * the JSON the commands print with {@code -o json}, its exit code, and its table text (pure).
 *
 * @param key the job's key
 * @param command {@code submit}, {@code cancel}, {@code retry}, {@code resume} or {@code signal}
 * @param outcome how the wait ended
 * @param completion the answer, when the outcome is {@link Outcome#ANSWERED}
 * @param job the job's row when the wait ended without an answer (null if there is none)
 */
record Answer(String key, String command, Outcome outcome, Completion completion, JobSummary job) {
    static final String SUBMIT = "submit";

    /** How waiting for the answer ended (lower case in JSON). */
    enum Outcome {
        /** A completion answered: the job's own (it ended), a replay, or a rejection. */
        ANSWERED,
        /** It was applied and the job now rests: it waits for a signal, a time or its children, or is halted. */
        WAITING,
        /** It was applied, but the job had not ended nor come to rest when the wait was over. */
        RUNNING,
        /** Neither an answer nor a sign of it in the job's journal within the wait (is a processor running?). */
        NO_ANSWER,
        /** Only sent ({@code --wait 0}). */
        SENT;

        @JsonValue
        String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static Answer answered(String key, String command, Completion c) {
        return new Answer(key, command, Outcome.ANSWERED, c, null);
    }

    /**
     * 0 done (the job succeeded, a cancel cancelled it, it rests after the command, or it was only
     * sent), 3 no such job, 1 anything else: the job failed or was cancelled, the command was
     * rejected, or no end came within the wait.
     */
    int exitCode() {
        return switch (outcome) {
            case WAITING, SENT -> 0;
            case RUNNING, NO_ANSWER -> 1;
            case ANSWERED -> answeredCode();
        };
    }

    private int answeredCode() {
        if (completion.status() == CompletionStatus.REJECTED) {
            return Completion.NO_SUCH_JOB.equals(completion.reason()) ? CommandLines.NOT_FOUND : 1;
        }
        CompletionStatus wanted = JobCommand.CANCEL.equals(command) ? CompletionStatus.CANCELLED : CompletionStatus.SUCCEEDED;
        return completion.status() == wanted ? 0 : 1;
    }

    /** One or two lines for a person. */
    String text(Duration waited) {
        return switch (outcome) {
            case ANSWERED -> completionText();
            case WAITING -> what() + " applied; the job " + rest() + "\n";
            case RUNNING -> what() + " applied, but the job had not ended within " + Texts.duration(waited) + ": "
                    + (job == null ? "it is gone" : ListText.status(job) + " at step " + job.recoveryPoint()) + "\n"
                    + "follow it with: jobs show " + Texts.shell(java.util.List.of(key)) + "\n";
            case NO_ANSWER -> "no answer to the " + command + " for key '" + key + "' within " + Texts.duration(waited)
                    + ": is a processor running on these topics? The " + (SUBMIT.equals(command) ? "request" : "command")
                    + " stays on the requests topic and is applied when one reads it."
                    + (job == null ? "" : " The job under the key is " + ListText.status(job) + ".") + "\n";
            case SENT -> what() + " sent (not waiting for the answer)\n";
        };
    }

    private String what() {
        return (SUBMIT.equals(command) ? "request" : command) + " for key '" + key + "'";
    }

    private String rest() {
        if (job == null) {
            return "is gone";
        }
        if ("HALTED".equals(job.status())) {
            return "is halted at step " + job.recoveryPoint() + " (jobs resume continues it)";
        }
        if (job.awaiting() != null) {
            return job.awaiting().startsWith("$") ? "waits for its children"
                    : "waits for signal '" + job.awaiting() + "'" + (job.nextAttemptAt() == null ? "" : " until " + Texts.millis(job.nextAttemptAt()));
        }
        return "waits until " + Texts.millis(job.nextAttemptAt()) + " at step " + job.recoveryPoint();
    }

    private String completionText() {
        Completion c = completion;
        StringBuilder sb = new StringBuilder();
        sb.append(c.status()).append(c.replay() ? " (replay of the stored outcome)" : "").append(": ")
                .append(c.job() == null ? "" : "job " + c.job() + " ").append("key '").append(c.key()).append("'")
                .append(c.run() == null ? "" : ", run " + c.run()).append('\n');
        if (c.reason() != null) {
            sb.append("reason: ").append(c.reason()).append('\n');
        }
        if (c.error() != null) {
            sb.append("error: ").append(ListText.error(c.error())).append(c.error().step() == null ? "" : " (step " + c.error().step() + ")")
                    .append('\n');
        }
        if (c.result() != null) {
            sb.append("result: ").append(JsonOutput.line(c.result())).append('\n');
        }
        return sb.toString();
    }
}
