package dev.acidic.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a step asks the engine to do once its phase commits.
 *
 * <p>The result is applied in the same transaction as the step's own writes, so "the step ran" and
 * "the job moved on" are never observed apart.
 */
public sealed interface PhaseResult {

    /** Advance to the following step; after the last step the job succeeds with a null result. */
    static PhaseResult next() {
        return Next.INSTANCE;
    }

    /** Jump to the named step (it must be a step of the job) and run it as the next phase. */
    static PhaseResult recoverTo(String step) {
        return new RecoverTo(step);
    }

    /** Succeed now with a JSON result (anything Jackson can serialise; null allowed). */
    static PhaseResult finish(Object result) {
        return new Finish(Wire.toTree(result));
    }

    /** Run this same step again as a new phase, e.g. to walk a cursor in bounded chunks. */
    static PhaseResult repeat() {
        return Repeat.INSTANCE;
    }

    /**
     * Advance to the following step, but not before {@code instant}: the key is released and a
     * durable timer continues the job then.
     */
    static PhaseResult waitUntil(Instant instant) {
        return new WaitUntil(instant);
    }

    /**
     * Advance to the following step once a signal named {@code name} has arrived for this job
     * (a {@code {"command":"signal","name":...}} record under its key), or {@code timeout} has
     * passed, whichever comes first; the key is released meanwhile. A signal that arrived before is
     * kept, so the wait then ends at once. The next step reads it with {@link StepContext#signal}
     * (empty after a timeout).
     */
    static PhaseResult awaitSignal(String name, Duration timeout) {
        return new AwaitSignal(name, timeout);
    }

    /**
     * Advance to the following step, then stop in status {@code HALTED} until a
     * {@code {"command":"resume"}} record arrives under the job's key (or a cancel ends it).
     */
    static PhaseResult halt() {
        return Halt.INSTANCE;
    }

    /**
     * Advance to the following step once every child job this job spawned ({@link
     * StepContext#spawn}) has ended, whatever its outcome; the key is released meanwhile, and each
     * child's end drives it again. The next step reads the outcomes with {@link
     * StepContext#children()}. Children that already ended (or none spawned) end the wait at once.
     * Returned by the last step, it ends the job like {@link #next()} (the children run on).
     */
    static PhaseResult awaitChildren() {
        return AwaitChildren.INSTANCE;
    }

    final class AwaitChildren implements PhaseResult {
        static final AwaitChildren INSTANCE = new AwaitChildren();

        private AwaitChildren() {}

        @Override
        public String toString() {
            return "awaitChildren()";
        }
    }

    final class Next implements PhaseResult {
        static final Next INSTANCE = new Next();

        private Next() {}

        @Override
        public String toString() {
            return "next()";
        }
    }

    final class Repeat implements PhaseResult {
        static final Repeat INSTANCE = new Repeat();

        private Repeat() {}

        @Override
        public String toString() {
            return "repeat()";
        }
    }

    record RecoverTo(String step) implements PhaseResult {
        public RecoverTo {
            Objects.requireNonNull(step, "recoverTo(step): step name must not be null");
        }
    }

    record Finish(JsonNode result) implements PhaseResult {}

    final class Halt implements PhaseResult {
        static final Halt INSTANCE = new Halt();

        private Halt() {}

        @Override
        public String toString() {
            return "halt()";
        }
    }

    record AwaitSignal(String name, Duration timeout) implements PhaseResult {
        public AwaitSignal {
            Objects.requireNonNull(name, "awaitSignal(name, timeout): name must not be null");
            Objects.requireNonNull(timeout, "awaitSignal(name, timeout): timeout must not be null");
            if (name.isEmpty() || name.length() > JobCommand.NAME_MAX_CHARS) {
                throw new IllegalArgumentException("awaitSignal(name, timeout): a signal name has 1 to " + JobCommand.NAME_MAX_CHARS
                        + " characters, got " + name.length());
            }
            if (name.startsWith(JobCommand.RESERVED_PREFIX)) {
                throw new IllegalArgumentException("awaitSignal(name, timeout): a signal name must not start with \""
                        + JobCommand.RESERVED_PREFIX + "\" (reserved), got \"" + name + "\"");
            }
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("awaitSignal(name, timeout): timeout must not be negative, got " + timeout);
            }
        }
    }

    record WaitUntil(Instant instant) implements PhaseResult {
        public WaitUntil {
            Objects.requireNonNull(instant, "waitUntil(instant): instant must not be null");
        }
    }
}
