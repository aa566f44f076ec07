package dev.acidic.processor.internal.store;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which jobs {@link JobQueries#list} returns, newest first.
 *
 * @param statuses any of {@link JobQueries#STATUSES}; empty: every status
 * @param job only jobs of this name; null: every job
 * @param since only jobs created at or after this; null: no bound
 * @param before only jobs after this cursor in the list's order (the next page); null: from the newest
 * @param limit how many jobs a page holds, 1 to {@link JobQueries#MAX_PAGE}
 */
public record JobFilter(Set<String> statuses, String job, Instant since, PageCursor before, int limit) {
    public static final int DEFAULT_LIMIT = 50;

    public JobFilter {
        statuses = Set.copyOf(statuses);
        for (String s : statuses) {
            if (!JobQueries.STATUSES.contains(s)) {
                throw new IllegalArgumentException("status '" + s + "' is not one of " + JobQueries.STATUSES);
            }
        }
        if (limit < 1 || limit > JobQueries.MAX_PAGE) {
            throw new IllegalArgumentException("a page holds 1 to " + JobQueries.MAX_PAGE + " jobs, not " + limit);
        }
    }

    /** Every job, newest first, a page of {@link #DEFAULT_LIMIT}. */
    public static JobFilter all() {
        return new JobFilter(Set.of(), null, null, null, DEFAULT_LIMIT);
    }

    public JobFilter withStatuses(String... s) {
        return new JobFilter(Set.of(s), job, since, before, limit);
    }

    public JobFilter withJob(String name) {
        return new JobFilter(statuses, name, since, before, limit);
    }

    public JobFilter withSince(Instant from) {
        return new JobFilter(statuses, job, from, before, limit);
    }

    public JobFilter withBefore(PageCursor cursor) {
        return new JobFilter(statuses, job, since, cursor, limit);
    }

    public JobFilter withLimit(int n) {
        return new JobFilter(statuses, job, since, before, n);
    }

    /** The statuses to read, in {@link JobQueries#STATUSES} order: the given ones, or all. */
    List<String> statusesToRead() {
        return statuses.isEmpty() ? JobQueries.STATUSES
                : JobQueries.STATUSES.stream().filter(statuses::contains).toList();
    }

    /** A status as a user may type it ({@code failed}), as stored ({@code FAILED}). */
    public static String status(String given) {
        String s = given.trim().toUpperCase(Locale.ROOT);
        if (!JobQueries.STATUSES.contains(s)) {
            throw new IllegalArgumentException("status '" + given + "' is not one of " + JobQueries.STATUSES);
        }
        return s;
    }
}
