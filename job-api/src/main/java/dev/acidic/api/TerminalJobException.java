package dev.acidic.api;

/**
 * Thrown by a step to fail its job at once, without retries: the phase rolls back and the job ends
 * {@code FAILED} with this exception's message in the completion. Use it for outcomes no retry can
 * change (invalid input, a permanently refused operation).
 */
public class TerminalJobException extends RuntimeException {
    public TerminalJobException(String message) {
        super(message);
    }

    public TerminalJobException(String message, Throwable cause) {
        super(message, cause);
    }
}
