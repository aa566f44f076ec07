package dev.acidic.api;

import com.fasterxml.jackson.databind.JsonNode;
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

    record WaitUntil(Instant instant) implements PhaseResult {
        public WaitUntil {
            Objects.requireNonNull(instant, "waitUntil(instant): instant must not be null");
        }
    }
}
