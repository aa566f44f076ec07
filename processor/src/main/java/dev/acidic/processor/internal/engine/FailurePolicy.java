package dev.acidic.processor.internal.engine;

import dev.acidic.api.StepTimeoutException;
import dev.acidic.api.TerminalJobException;
import dev.acidic.processor.internal.store.SqlErrors;
import java.time.Duration;

/**
 * Which failures count against a job, which are retried at once, and when a counted one is tried
 * again (pure: no I/O).
 *
 * <p>The step's own exceptions count as failed attempts. A database outage does not: the phase is
 * tried again later, uncounted, since the job did nothing wrong. A transaction that Postgres ended
 * because the phase stayed open past {@code acidic.transaction.idle.timeout} counts, since the
 * step (or a freeze of this instance) caused it, and retrying it uncounted could loop forever. A
 * deadlock or serialization conflict is retried at once a few times.
 */
final class FailurePolicy {
    /** Times a phase or claim that hit a deadlock or serialization conflict is run again at once. */
    static final int CONFLICT_RETRIES = 5;
    /** When a phase that could not run for the engine's own reasons (an outage) is tried again. */
    static final long UNAVAILABLE_RETRY_MS = 1_000;

    private final Backoff backoff;
    private final long idleTimeoutMs;

    FailurePolicy(Backoff backoff, Duration transactionIdleTimeout) {
        this.backoff = backoff;
        this.idleTimeoutMs = transactionIdleTimeout.toMillis();
    }

    enum Action {
        /** Run the phase again now, not counted (a concurrency conflict). */
        RETRY_NOW,
        /** Count a failed attempt of the step with {@link Verdict#failure()}. */
        COUNT,
        /** Try again in {@link #UNAVAILABLE_RETRY_MS}, not counted (the engine's own SQL failed, or Postgres is away). */
        RETRY_LATER
    }

    /** What to do about a failed phase, and the failure to record when it counts. */
    record Verdict(Action action, Throwable failure) {}

    /**
     * @param stepThrew whether the step itself (or the application of its result) threw, as
     *     opposed to the engine's statements around it
     * @param ranMs how long the phase's transaction was open
     * @param conflictRetries how many times this phase was already run again for a conflict
     */
    Verdict judge(String step, Throwable failure, boolean stepThrew, long ranMs, int conflictRetries) {
        if (failure instanceof StepTimeoutException) {
            return new Verdict(Action.COUNT, failure); // its connection was closed on purpose: not an outage
        }
        boolean conflict = SqlErrors.isConcurrencyConflict(failure);
        if (conflict && conflictRetries < CONFLICT_RETRIES) {
            return new Verdict(Action.RETRY_NOW, failure);
        }
        boolean unavailable = SqlErrors.isUnavailable(failure);
        if (SqlErrors.isIdleTimeout(failure) || (unavailable && ranMs >= idleTimeoutMs)) {
            return new Verdict(Action.COUNT, new IllegalStateException("the phase of step '" + step + "' was open for " + ranMs
                    + " ms, longer than acidic.transaction.idle.timeout (" + idleTimeoutMs
                    + " ms), so Postgres ended its transaction; keep slow non-SQL work shorter or raise the timeout", failure));
        }
        boolean stepsData = SqlErrors.isDataError(failure); // e.g. a result Postgres cannot store
        if ((!stepThrew && !stepsData) || conflict || unavailable) {
            return new Verdict(Action.RETRY_LATER, failure);
        }
        return new Verdict(Action.COUNT, failure);
    }

    /** Whether a failure of attempt {@code attempt} (1-based) ends the job. */
    boolean failsJob(Throwable failure, int attempt) {
        return failure instanceof TerminalJobException || backoff.exhausted(attempt);
    }

    /** The delay before the attempt after failed attempt {@code attempt}. */
    Duration retryDelay(int attempt) {
        return backoff.delayAfter(attempt);
    }

    int maxAttempts() {
        return backoff.maxAttempts();
    }
}
