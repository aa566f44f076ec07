package dev.acidic.examples;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The exactly-once check of a workload: each job succeeded once, each of its three effect rows
 * exists once, its events have no duplicate {@code (key, seq)}, and one completion arrived.
 * W1F's step runs are checked by {@link BenchStepRuns}.
 */
final class BenchCheck {
    private static final int EVENTS_PER_JOB = 5; // ACCEPTED, three RECOVERY_POINTs, SUCCEEDED

    private final BenchDb db;

    BenchCheck(BenchDb db) {
        this.db = db;
    }

    /**
     * @param exactEvents whether the event count must be exact (a killed instance may publish an
     *     event again after a takeover; the duplicate-(key, seq) check still holds then)
     * @return [summary, failure or null]
     */
    String[] verify(BenchFleet f, String prefix, int n, Map<TopicPartition, Long> eventsFrom, boolean exactEvents)
            throws Exception {
        return verify(f, prefix, n, eventsFrom, exactEvents, 0);
    }

    /** @param stepFailures planned failed attempts, each adding a {@code STEP_FAILED} event */
    String[] verify(BenchFleet f, String prefix, int n, Map<TopicPartition, Long> eventsFrom, boolean exactEvents,
            int stepFailures) throws Exception {
        long effects;
        long distinctEffects;
        long succeeded;
        try (Connection c = db.connect()) {
            long[] e = BenchDb.longs(c, "SELECT count(*), count(DISTINCT (idempotency_key, step)) FROM sample_effects "
                    + "WHERE left(idempotency_key, ?) = ?", prefix);
            effects = e[0];
            distinctEffects = e[1];
            succeeded = BenchDb.longs(c, "SELECT count(*) FILTER (WHERE status = 'SUCCEEDED') FROM acidic_keys "
                    + "WHERE left(idempotency_key, ?) = ?", prefix)[0];
        }
        long[] ev = f.countEvents(prefix, eventsFrom, f.eventsEnd());
        int dupCompletions = f.duplicateCompletions.get();
        int bad = f.unsuccessful();
        List<String> failures = new ArrayList<>();
        if (effects != 3L * n || distinctEffects != 3L * n) {
            failures.add("effect rows " + effects + " (distinct " + distinctEffects + "), expected " + 3L * n);
        }
        if (succeeded != n) {
            failures.add("succeeded keys " + succeeded + ", expected " + n);
        }
        long events = (long) EVENTS_PER_JOB * n + stepFailures;
        if (ev[1] != 0 || (exactEvents ? ev[0] != events : ev[0] < events)) {
            failures.add("events " + ev[0] + " with " + ev[1] + " duplicate (key, seq), expected " + events);
        }
        if (f.arrived.size() != n || dupCompletions != 0 || bad != 0) {
            failures.add("completions " + f.arrived.size() + " (+" + dupCompletions + " duplicates, " + bad + " not SUCCEEDED)");
        }
        String summary = String.format("%d effects, %d events, 0 dup (key,seq), %d completions", effects, ev[0], f.arrived.size());
        return new String[] {failures.isEmpty() ? summary : "FAIL " + String.join("; ", failures),
                failures.isEmpty() ? null : String.join("; ", failures)};
    }
}
