package dev.acidic.processor.internal.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of jobs by job and status, and the jobs that ended in each of the last minutes.
 *
 * <p>The component names are the JSON field names of {@code jobs stats -o json}: add fields,
 * never rename them.
 *
 * @param at when the counts were taken (Postgres' clock)
 * @param counts one entry per job and status that has any key, by job then status
 * @param finishedPerMinute one entry per minute of the last {@link JobQueries#STATS_MINUTES},
 *     oldest first; the last is the minute in progress
 */
public record JobStats(Instant at, List<Count> counts, List<Minute> finishedPerMinute) {
    public JobStats {
        counts = List.copyOf(counts);
        finishedPerMinute = List.copyOf(finishedPerMinute);
    }

    /**
     * The stats of several databases (sharded keys) as one: counts added up per job and status,
     * ended jobs per minute of the latest window (the databases were read one after the other,
     * maybe across a minute's end).
     */
    public static JobStats sum(List<JobStats> each) {
        Map<List<String>, Long> counts = new TreeMap<>(Comparator.comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1)));
        JobStats latest = each.stream().max(Comparator.comparing(JobStats::at)).orElseThrow();
        Map<Instant, long[]> minutes = new LinkedHashMap<>();
        latest.finishedPerMinute().forEach(m -> minutes.put(m.start(), new long[3]));
        for (JobStats s : each) {
            s.counts().forEach(c -> counts.merge(List.of(c.job(), c.status()), c.count(), Long::sum));
            for (Minute m : s.finishedPerMinute()) {
                long[] n = minutes.get(m.start());
                if (n != null) {
                    n[0] += m.succeeded();
                    n[1] += m.failed();
                    n[2] += m.cancelled();
                }
            }
        }
        List<Count> c = new ArrayList<>();
        counts.forEach((k, n) -> c.add(new Count(k.get(0), k.get(1), n)));
        List<Minute> m = new ArrayList<>();
        minutes.forEach((start, n) -> m.add(new Minute(start, n[0], n[1], n[2])));
        return new JobStats(latest.at(), c, m);
    }

    /** How many keys of {@code job} are in {@code status}. */
    public record Count(String job, String status, long count) {}

    /** How many jobs ended in the minute from {@code start}, by how they ended. */
    public record Minute(Instant start, long succeeded, long failed, long cancelled) {
        public long total() {
            return succeeded + failed + cancelled;
        }
    }
}
