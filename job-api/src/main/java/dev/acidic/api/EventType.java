package dev.acidic.api;

/** The lifecycle events of a job, published to the events topic in journal order. */
public enum EventType {
    /** The key was claimed for the first time; the job stands at its first step. */
    ACCEPTED,
    /** A phase committed; the job now stands at {@code recoveryPoint}. */
    RECOVERY_POINT,
    /** A phase rolled back because its step threw; {@code error} and {@code retryAt} say more. */
    STEP_FAILED,
    /** The key was locked by another owner; the job is tried again at {@code retryAt}. */
    DEFERRED,
    /** The job finished successfully with {@code result}. */
    SUCCEEDED,
    /** The job failed for good with {@code error}. */
    FAILED,
    /** A signal named {@code step} arrived for the job (see {@code PhaseResult.awaitSignal}). */
    SIGNALLED,
    /** The job stopped after a phase that returned {@code halt()}; it stands at {@code recoveryPoint} until resumed. */
    HALTED,
    /** A halted job was resumed; it goes on at {@code recoveryPoint}. */
    RESUMED,
    /** The job was cancelled ({@code error} holds the reason); it runs no further phase. */
    CANCELLED,
    /** A failed or cancelled job was sent back to its recovery point; its {@code run} is one more. */
    RETRIED,
    /**
     * The job released its key to wait: for a time ({@code "for":"time"}, until {@code retryAt}), a
     * signal ({@code "for":"signal"}, {@code "name"}, until {@code retryAt} at the latest) or its
     * children ({@code "for":"children"}, {@code "unfinished"} of them).
     */
    WAITING,
    /** A step spawned a child job ({@code "child"}: its key, {@code "job"}: its job); it is published when the phase commits. */
    CHILD_SPAWNED,
    /** Every child of a job waiting for them has ended ({@code "children"}: how many); it goes on at {@code recoveryPoint}. */
    CHILDREN_DONE,
    /** The job was refused before running (reserved; Acidic 0.1 answers refusals by completion only). */
    REJECTED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
