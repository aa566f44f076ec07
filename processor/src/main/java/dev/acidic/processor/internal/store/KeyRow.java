package dev.acidic.processor.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A key row as read under {@code FOR UPDATE}, with lock age and due time computed by Postgres
 * (its clock, not the JVM's, decides whether a lock expired).
 *
 * @param lockAgeMillis now() - locked_at, or -1 when unlocked
 * @param dueInMillis next_attempt_at - now(); &lt;= 0 when due or unset
 * @param partition the key's home: the requests partition whose task created it and alone drives
 *     it; null for a key created without one (by an older version), which the next drive sets
 * @param steps the step names of the job definition the key last ran a phase under (or was
 *     created by), in order; null for a key created before they were stored
 * @param awaiting the signal a waiting job waits for (its timeout is the due time), {@link Children#AWAITING}
 *     for a job waiting for its children, or null
 * @param run 1, then one more for each retry command
 * @param parentKey the job that spawned this one (driven again when this one ends), or null
 */
public record KeyRow(
        String key,
        UUID jobId,
        String job,
        String recoveryPoint,
        String status,
        String lockedBy,
        long lockAgeMillis,
        long dueInMillis,
        int attempts,
        JsonNode args,
        JsonNode result,
        JsonNode error,
        long lastSeq,
        long stagedSeq,
        Instant dbNow,
        Integer partition,
        List<String> steps,
        String awaiting,
        int run,
        String parentKey) {

    /** The recovery point stored once the last step has committed. */
    public static final String FINISHED = "$finished";

    /** The job has ended (succeeded, failed or was cancelled); a halted job has not. */
    public boolean finished() {
        return "SUCCEEDED".equals(status) || "FAILED".equals(status) || "CANCELLED".equals(status);
    }

    /** The job may run phases (it is neither halted nor ended). */
    public boolean running() {
        return "RUNNING".equals(status);
    }

    /** The job waits until every child it spawned has ended. */
    public boolean awaitingChildren() {
        return Children.AWAITING.equals(awaiting);
    }

    public boolean halted() {
        return "HALTED".equals(status);
    }
}
