package dev.acidic.api;

/**
 * One atomic phase of a job.
 *
 * <p>A step runs inside the phase's Postgres transaction: everything it writes through
 * {@link StepContext#connection()} commits together with the advance of the job's recovery point,
 * or rolls back with it. Anything the step does outside that connection (an HTTP call, a file) can
 * happen more than once, because the phase can roll back after the call returned; pass
 * {@link StepContext#idempotencyKey()} (or a key derived from it) to the foreign system.
 *
 * <p>Throwing rolls the phase back and schedules a retry with backoff; throw
 * {@link TerminalJobException} to fail the job without retrying.
 */
@FunctionalInterface
public interface Step {
    PhaseResult run(StepContext ctx) throws Exception;
}
