package dev.acidic.processor.internal;

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
        AFTER_CLAIM_COMMIT,
        BEFORE_STEP,
        AFTER_PHASE_COMMIT,
        RECORD_FAILURE,
        BEFORE_PUBLISH;

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
