package dev.acidic.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;

/**
 * What a running step can see and use. Valid only during {@link Step#run(StepContext)}; do not keep
 * it, or its connection, beyond that call.
 */
public interface StepContext {
    /** The job's idempotency key (the Kafka record key of its request). */
    String idempotencyKey();

    /** The job's name, e.g. {@code rides.create}. */
    String jobName();

    /** The name of the step being run (the job's current recovery point). */
    String step();

    /** The job's arguments as JSON. */
    JsonNode args();

    /** The job's arguments converted to {@code type} with Jackson. */
    <T> T args(Class<T> type);

    /** 1 on the first run of this step, 2 on its first retry, and so on. */
    int attempt();

    /** Whether an earlier run of this step failed (attempt greater than 1). */
    default boolean isRetry() {
        return attempt() > 1;
    }

    /**
     * The JDBC connection of this phase's transaction; the engine commits it together with the
     * recovery-point advance. {@code close}, {@code abort}, {@code commit}, {@code rollback()},
     * {@code setAutoCommit}, {@code setTransactionIsolation} and {@code setReadOnly} throw
     * {@link IllegalStateException} and fail the attempt (even if caught), so close the statements
     * you open, not the connection. A SQL error the step catches leaves the transaction aborted,
     * which also fails the attempt; to handle one and go on, run the statement inside a savepoint
     * ({@code setSavepoint()}, then {@code rollback(savepoint)}).
     */
    Connection connection();

    /**
     * The payload of the signal named {@code name} delivered to this job (see
     * {@link PhaseResult#awaitSignal}); empty if none arrived. The latest signal of a name wins.
     */
    java.util.Optional<JsonNode> signal(String name);

    /** The run of the job this step runs in: 1, then one more after each retry command. */
    int run();

    /** The job's persisted key/value context; writes commit with this phase. */
    JobValues values();

    /**
     * Stages a job transactionally: it is written in this phase's transaction and published to the
     * requests topic under {@code idempotencyKey} only after the phase commits. If the phase rolls
     * back, the staged job is never published.
     */
    void stage(String idempotencyKey, JobRequest request);

    /**
     * Spawns a child job: staged like {@link #stage} (published only if this phase commits), with
     * this job as its parent ({@code "parent"} in the request), and linked to this job so that
     * {@link PhaseResult#awaitChildren()} waits for it and {@link #children()} reports it. The
     * child's job must be one this processor runs; its key must not be this job's own. Spawning
     * the same child key twice links it once (the second request is answered like any repeat). A child key that already exists as
     * another job is answered as any request for it is: the link then reports that job's outcome.
     *
     * @throws IllegalArgumentException for an unknown job or this job's own key (the attempt fails)
     */
    void spawn(String childKey, JobRequest request);

    /**
     * The children this job spawned that have ended, in the order they were spawned: child key to
     * its completion (status, result or error, run). A child that has not ended (or not started
     * yet) is absent; after {@link PhaseResult#awaitChildren()} every child is present.
     */
    java.util.Map<String, Completion> children();
}
