package dev.acidic.processor.internal.store;

import java.time.Instant;
import java.util.List;

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

    /** How many keys of {@code job} are in {@code status}. */
    public record Count(String job, String status, long count) {}

    /** How many jobs ended in the minute from {@code start}, by how they ended. */
    public record Minute(Instant start, long succeeded, long failed, long cancelled) {
        public long total() {
            return succeeded + failed + cancelled;
        }
    }
}
