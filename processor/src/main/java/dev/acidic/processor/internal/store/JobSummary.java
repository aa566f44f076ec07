package dev.acidic.processor.internal.store;

import dev.acidic.api.JobError;
import java.time.Instant;

/**
 * One job as a list shows it: its key row without arguments, result or stack trace. Read-only.
 *
 * <p>The component names are the JSON field names of {@code jobs list -o json} (and of the HTTP
 * API that reuses this read model); they are a contract: add fields, never rename them.
 *
 * @param key the idempotency key
 * @param job the job's name
 * @param status {@code RUNNING}, {@code HALTED}, {@code SUCCEEDED}, {@code FAILED} or {@code CANCELLED}
 *     ({@link JobQueries#STATUSES})
 * @param recoveryPoint the step the job stands at; {@code $finished} once its last step committed
 * @param run 1, then one more for each retry command
 * @param attempts failed attempts of the current step
 * @param awaiting the signal a waiting job waits for, {@code $children} while it waits for its
 *     children, or null
 * @param parentKey the job that spawned this one, or null
 * @param createdAt when the key row was created (the list's order, newest first)
 * @param lastRunAt when a phase (or a command) last changed the row
 * @param nextAttemptAt not to be run before (a retry's backoff, a wait's end, a signal's timeout), or null
 * @param finishedAt when the job ended, or null
 * @param lastSeq the seq of the key's newest journal entry (event)
 * @param error the last error (type, message, step, attempt; the stack is in {@link JobDetail}), or null
 */
public record JobSummary(
        String key,
        String job,
        String status,
        String recoveryPoint,
        int run,
        int attempts,
        String awaiting,
        String parentKey,
        Instant createdAt,
        Instant lastRunAt,
        Instant nextAttemptAt,
        Instant finishedAt,
        long lastSeq,
        JobError error) {

    /** The job has ended (succeeded, failed or was cancelled); a halted one has not. */
    public boolean finished() {
        return finishedAt != null;
    }
}
