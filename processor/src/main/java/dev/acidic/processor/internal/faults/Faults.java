package dev.acidic.processor.internal.faults;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named failure-injection points for crash tests. Inert unless armed: {@link #hit} costs one
 * volatile read on the hot path.
 *
 * <p>A processor JVM arms them from the {@code ACIDIC_FAULTS} environment variable, e.g.
 * {@code after-phase-commit=halt@2} (halt the JVM without shutdown hooks at the 2nd hit) or
 * {@code record-failure=throw@1}; tests in the same JVM arm them with {@link #arm}.
 */
public final class Faults {
    public enum Point {
        /** Claim transaction done, not yet committed. */
        BEFORE_CLAIM_COMMIT,
        /** Claim committed (key row created or locked). */
        AFTER_CLAIM_COMMIT,
        /** Inside the phase transaction, before the step runs (and so before its own writes). */
        BEFORE_STEP,
        /** Inside a step, after its own writes; hit by steps that call {@link #hit} (test jobs do). */
        AFTER_STEP_WRITES,
        /** Step returned, phase result applied, not yet committed. */
        BEFORE_PHASE_COMMIT,
        /** Phase committed in Postgres; the Kafka transaction that publishes it is still open. */
        AFTER_PHASE_COMMIT,
        /** Between two records forwarded while publishing a key's journal. */
        DURING_PUBLISH,
        /** Kafka Streams committed (EOS: transaction committed; at-least-once: offsets committed). */
        AFTER_KAFKA_COMMIT,
        /** Recording a step failure, before its transaction does anything. */
        RECORD_FAILURE;

        public String spec() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** What happens at an armed point. */
    @FunctionalInterface
    public interface Action {
        void at(Point point, String key) throws Exception;
    }

    private static final Map<Point, Action> ACTIONS = new ConcurrentHashMap<>();
    private static volatile boolean armed;

    private Faults() {}

    public static void hit(Point point, String key) throws Exception {
        if (!armed) {
            return;
        }
        Action a = ACTIONS.get(point);
        if (a != null) {
            a.at(point, key);
        }
    }

    public static void arm(Point point, Action action) {
        ACTIONS.put(point, action);
        armed = true;
    }

    /** Whether any point is armed (so wrappers that cost something are installed only then). */
    public static boolean armed() {
        return armed;
    }

    /** {@link #hit} for places that cannot throw checked exceptions. */
    public static void hitUnchecked(Point point, String key) {
        try {
            hit(point, key);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static void reset() {
        ACTIONS.clear();
        armed = false;
    }

    /** An action that fires on the {@code n}th hit only (1-based). */
    public static Action onHit(int n, Action action) {
        AtomicInteger hits = new AtomicInteger();
        return (p, k) -> {
            if (hits.incrementAndGet() == n) {
                action.at(p, k);
            }
        };
    }

    /** Arms points from a spec such as {@code after-phase-commit=halt@2,record-failure=throw@1}. */
    public static void armFromSpec(String spec) {
        if (spec == null || spec.isBlank()) {
            return;
        }
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            String[] what = kv.length > 1 ? kv[1].split("@", 2) : new String[] {"halt"};
            Point point = Point.valueOf(kv[0].trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            int n = what.length > 1 ? Integer.parseInt(what[1]) : 1;
            Action action = switch (what[0]) {
                case "halt" -> (p, k) -> {
                    System.err.println("ACIDIC_FAULTS: halting at " + p.spec() + " (key " + k + ")");
                    System.err.flush();
                    Runtime.getRuntime().halt(86);
                };
                case "throw" -> (p, k) -> {
                    throw new IllegalStateException("injected fault at " + p.spec() + " (key " + k + ")");
                };
                default -> throw new IllegalArgumentException("unknown fault action '" + what[0] + "' in ACIDIC_FAULTS; use halt or throw");
            };
            arm(point, onHit(n, action));
        }
    }
}
