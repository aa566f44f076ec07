package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobStatsTest {
    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
    private static final Instant T1 = Instant.parse("2026-12-03T10:01:00Z");

    @Test
    void theStatsOfSeveralDatabasesAddUpPerJobStatusAndMinute() {
        JobStats a = new JobStats(T1, List.of(new JobStats.Count("mail", "FAILED", 2), new JobStats.Count("mail", "SUCCEEDED", 5)),
                List.of(new JobStats.Minute(T0, 1, 0, 0), new JobStats.Minute(T1, 2, 1, 0)));
        JobStats b = new JobStats(T1.plusSeconds(1), List.of(new JobStats.Count("bill", "RUNNING", 1),
                new JobStats.Count("mail", "SUCCEEDED", 3)), List.of(new JobStats.Minute(T0, 4, 0, 1), new JobStats.Minute(T1, 0, 0, 2)));
        JobStats sum = JobStats.sum(List.of(a, b));
        assertEquals(T1.plusSeconds(1), sum.at(), "the latest moment");
        assertEquals(List.of(new JobStats.Count("bill", "RUNNING", 1), new JobStats.Count("mail", "FAILED", 2),
                new JobStats.Count("mail", "SUCCEEDED", 8)), sum.counts(), "by job, then status");
        assertEquals(List.of(new JobStats.Minute(T0, 5, 0, 1), new JobStats.Minute(T1, 2, 1, 2)), sum.finishedPerMinute());
    }

    @Test
    void databasesReadAcrossAMinutesEndCountInTheLatestWindow() {
        Instant t2 = T1.plusSeconds(60);
        JobStats before = new JobStats(T1.plusSeconds(59), List.of(), List.of(new JobStats.Minute(T0, 7, 0, 0),
                new JobStats.Minute(T1, 1, 0, 0)));
        JobStats after = new JobStats(t2.plusMillis(5), List.of(), List.of(new JobStats.Minute(T1, 2, 0, 0),
                new JobStats.Minute(t2, 0, 1, 0)));
        JobStats sum = JobStats.sum(List.of(before, after));
        assertEquals(List.of(new JobStats.Minute(T1, 3, 0, 0), new JobStats.Minute(t2, 0, 1, 0)), sum.finishedPerMinute(),
                "the minute that left the window is dropped, the one in both is added up, the new one kept");
    }
}
