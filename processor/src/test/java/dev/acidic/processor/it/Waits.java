package dev.acidic.processor.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting on a condition in tests, rather than sleeping a fixed time. */
public final class Waits {
    private Waits() {}

    /** Returns once {@code condition} holds; fails after {@code timeout} naming {@code what}. */
    public static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
