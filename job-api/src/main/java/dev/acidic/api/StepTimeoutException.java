package dev.acidic.api;

/**
 * A step ran past the processor's step time limit ({@code acidic.step.timeout}). The engine
 * interrupted it, closed the connection of its phase (so nothing it still does can commit) and
 * counted a failed attempt; the step is retried like any other failure. This is the error type a
 * job's completion names when its last attempt timed out.
 */
public class StepTimeoutException extends RuntimeException {
    public StepTimeoutException(String message) {
        super(message);
    }
}
