package dev.acidic.processor.internal.engine;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The MDC of the processor's log lines: {@code key}, {@code job}, {@code step} and {@code run} of
 * what the line is about, set for a scope and restored when it closes (scopes nest: a drive's key,
 * then each phase's step). A JSON log carries them as fields; a text pattern may print them with
 * {@code %X{key}}.
 */
public final class LogContext implements AutoCloseable {
    public static final String KEY = "key";
    public static final String JOB = "job";
    public static final String STEP = "step";
    public static final String RUN = "run";

    private final Map<String, String> before = new HashMap<>(4);

    private LogContext() {}

    /** Sets the given (non-null) fields until {@link #close()}; null ones are left as they are. */
    public static LogContext of(String key, String job, String step, Integer run) {
        LogContext c = new LogContext();
        c.put(KEY, key);
        c.put(JOB, job);
        c.put(STEP, step);
        c.put(RUN, run == null ? null : run.toString());
        return c;
    }

    public static LogContext key(String key) {
        return of(key, null, null, null);
    }

    private void put(String name, String value) {
        if (value != null) {
            before.put(name, MDC.get(name));
            MDC.put(name, value);
        }
    }

    @Override
    public void close() {
        before.forEach((name, old) -> {
            if (old == null) {
                MDC.remove(name);
            } else {
                MDC.put(name, old);
            }
        });
    }
}
