package dev.acidic.processor;

import dev.acidic.processor.internal.faults.Faults;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The boundaries a crash test stops a processor at, for tests of your own jobs (the
 * {@code acidic-testkit} module's {@code crashAtEveryBoundary} is built on it). A hook installed
 * here is called, on the thread doing the work, each time any processor or {@link DirectEngine}
 * in this JVM reaches a boundary; with none installed a boundary costs one volatile read.
 *
 * <p>To simulate a crash, a hook throws {@link SimulatedCrash}: an {@link Error}, which the engine
 * neither retries nor records, so it ends the drive at once with the open transaction rolled back,
 * as a process killed at that instant would. (An exception thrown at {@link Boundary#BEFORE_STEP}
 * or {@link Boundary#BEFORE_PHASE_COMMIT} would instead count as a failed attempt of the step.)
 *
 * <p>Hazards: hooks are JVM-wide (one crash test at a time per JVM, and {@link #clear()} when done),
 * and a step that catches {@code Throwable} swallows the crash.
 */
public final class CrashPoints {
    private CrashPoints() {}

    /** Where a crash can be injected, in the order a job's phase meets them. */
    public enum Boundary {
        /** A key's claim is written, not yet committed (a new key's claim commits with its first phase). */
        BEFORE_CLAIM_COMMIT(Faults.Point.BEFORE_CLAIM_COMMIT),
        /** A key's claim committed. */
        AFTER_CLAIM_COMMIT(Faults.Point.AFTER_CLAIM_COMMIT),
        /** Inside a phase's transaction, its key row locked, before the step runs. */
        BEFORE_STEP(Faults.Point.BEFORE_STEP),
        /** The step ran: its writes and the recovery point's advance are in the transaction, not yet committed. */
        BEFORE_PHASE_COMMIT(Faults.Point.BEFORE_PHASE_COMMIT),
        /** The phase committed in Postgres; a processor's Kafka transaction that publishes it is still open. */
        AFTER_PHASE_COMMIT(Faults.Point.AFTER_PHASE_COMMIT),
        /** A processor is between two records of a key's journal it publishes (processors only). */
        DURING_PUBLISH(Faults.Point.DURING_PUBLISH),
        /**
         * A processor's Kafka commit that included request offsets went through (processors only; the
         * hook gets a null key; installed only if a hook is present when the processor starts).
         */
        AFTER_KAFKA_COMMIT(Faults.Point.AFTER_KAFKA_COMMIT);

        private final Faults.Point point;

        Boundary(Faults.Point point) {
            this.point = point;
        }
    }

    /** Called at a boundary; throw {@link SimulatedCrash} to crash there. */
    @FunctionalInterface
    public interface Hook {
        /**
         * @param key the idempotency key being worked on (null at {@link Boundary#AFTER_KAFKA_COMMIT})
         */
        void reached(Boundary boundary, String key) throws Exception;
    }

    /** What a hook throws to crash the drive it is called from. */
    public static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        public SimulatedCrash(String message) {
            super(message);
        }
    }

    /** Installs {@code hook} at every boundary, replacing any hook installed before. */
    public static void install(Hook hook) {
        Objects.requireNonNull(hook, "hook");
        Map<Faults.Point, Boundary> points = new EnumMap<>(Faults.Point.class);
        for (Boundary b : Boundary.values()) {
            points.put(b.point, b);
        }
        points.forEach((point, boundary) -> Faults.arm(point, (p, key) -> hook.reached(boundary, key)));
    }

    /** Removes every hook (and any fault armed in this JVM by other means). */
    public static void clear() {
        Faults.reset();
    }
}
