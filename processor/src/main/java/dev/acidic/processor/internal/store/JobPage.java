package dev.acidic.processor.internal.store;

import java.util.List;

/**
 * A page of {@link JobQueries#list}.
 *
 * @param jobs newest first
 * @param next the cursor of the following page ({@link JobFilter#withBefore}); null on the last page
 */
public record JobPage(List<JobSummary> jobs, PageCursor next) {
    public JobPage {
        jobs = List.copyOf(jobs);
    }
}
