package dev.acidic.processor.internal.faults;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named failure-injection points for crash tests. Inert unless armed: {@link #hit} costs one
 * volatile read on the hot path.
 *
 * <p>A processor JVM started with {@code -Dacidic.faults.enabled=true} arms them from the
 * {@code ACIDIC_FAULTS} environment variable, e.g. {@code after-phase-commit=halt@2} (halt the JVM
 * without shutdown hooks at the 2nd hit) or {@code record-failure=throw@1}; the variable alone arms
 * nothing (a production process that inherits it only logs a warning). Tests in the same JVM arm
 * points with {@link #arm}.
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
        /**
         * Kafka Streams committed input offsets that include request offsets (EOS: transaction
         * committed; at-least-once: offsets committed). Commits without one do not count.
         */
        AFTER_KAFKA_COMMIT,
        /** Recording a step failure, before its transaction does anything. */
        RECORD_FAILURE,
        /** A request record reached its task, before anything is done with it. */
        HANDLE_RECORD,
        /** A key's timer came due, before its key is driven. */
        FIRE_TIMER;

        public String spec() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** What happens at an armed point. */
    @FunctionalInterface
    public interface Action {
        void at(Point point, String key) throws Exception;
    }

    /** The environment variable holding the spec. */
    public static final String ENV = "ACIDIC_FAULTS";
    /** The JVM system property that must be {@code true} before {@link #ENV} is honoured. */
    public static final String ENABLED_PROPERTY = "acidic.faults.enabled";

    private static final Logger log = LoggerFactory.getLogger(Faults.class);
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

    /**
     * Arms points from {@code env}'s {@link #ENV} only when {@code enabledProperty} (the value of the
     * JVM property {@link #ENABLED_PROPERTY}) is {@code true}; otherwise a spec present is ignored
     * with a warning, so an environment variable alone can never make a processor halt.
     *
     * @return whether a spec was armed
     */
    public static boolean armFromEnvironment(Map<String, String> env, String enabledProperty) {
        String spec = env.get(ENV);
        if (spec == null || spec.isBlank()) {
            return false;
        }
        if (!"true".equals(enabledProperty)) {
            log.warn("{} is set ('{}') but fault injection is off: it is for crash tests only, which also pass -D{}=true;"
                    + " nothing is armed. Unset {} in this process's environment.", ENV, spec, ENABLED_PROPERTY, ENV);
            return false;
        }
        log.warn("fault injection armed from {}: {}", ENV, spec);
        armFromSpec(spec);
        return true;
    }

    /** {@link #armFromEnvironment(Map, String)} for this process's environment and system properties. */
    public static boolean armFromEnvironment() {
        return armFromEnvironment(System.getenv(), System.getProperty(ENABLED_PROPERTY));
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
                default -> throw new IllegalArgumentException("unknown fault action '" + what[0] + "' in " + ENV + "; use halt or throw");
            };
            arm(point, onHit(n, action));
        }
    }
}
