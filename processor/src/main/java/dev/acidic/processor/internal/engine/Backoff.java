package dev.acidic.processor.internal.engine;

import java.time.Duration;

/** Exponential retry delays: initial * factor^(failedAttempts-1), capped at max. */
public record Backoff(Duration initial, double factor, Duration max, int maxAttempts) {

    /** Delay before the next attempt, given how many attempts have failed so far (>= 1). */
    public Duration delayAfter(int failedAttempts) {
        double ms = initial.toMillis() * Math.pow(factor, Math.max(0, failedAttempts - 1));
        return ms >= max.toMillis() ? max : Duration.ofMillis((long) ms);
    }

    /** Whether another attempt is allowed after {@code failedAttempts} failures. */
    public boolean exhausted(int failedAttempts) {
        return failedAttempts >= maxAttempts;
    }
}
