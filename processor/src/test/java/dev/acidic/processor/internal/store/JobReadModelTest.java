package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.EventType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The read model's pure parts: cursors, filters, the list's SQL shape, timelines and minute buckets. */
class JobReadModelTest {

    @Test
    void aCursorTokenRoundTripsToTheMicrosecondWithAnyKey() {
        PageCursor c = new PageCursor(Instant.parse("2025-06-01T10:00:00.123456Z"), "orders|42/ü 'x'");
        String token = c.token();
        assertTrue(token.matches("[A-Za-z0-9_-]+"), "URL- and shell-safe: " + token);
        assertEquals(c, PageCursor.parse(token));
    }

    @Test
    void aTokenThatIsNoCursorIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PageCursor.parse("not-a-cursor"));
        assertTrue(e.getMessage().contains("'not-a-cursor' is not a page cursor"), e.getMessage());
    }

    @Test
    void aFilterRefusesUnknownStatusesAndPagesOutOfBounds() {
        assertThrows(IllegalArgumentException.class, () -> JobFilter.all().withStatuses("DONE"));
        assertThrows(IllegalArgumentException.class, () -> JobFilter.all().withLimit(0));
        assertThrows(IllegalArgumentException.class, () -> JobFilter.all().withLimit(JobQueries.MAX_PAGE + 1));
        assertEquals("FAILED", JobFilter.status(" failed "));
    }

    @Test
    void theListReadsOneSeekPerStatusMergedInOrderWithEveryFilterBound() {
        JobQueries.Query all = JobQueries.listQuery(JobFilter.all());
        assertEquals(JobQueries.STATUSES.size(), all.sql().split("UNION ALL").length, all.sql());
        assertEquals(List.of("RUNNING", 51, "HALTED", 51, "SUCCEEDED", 51, "FAILED", 51, "CANCELLED", 51, 51), all.params());

        PageCursor cursor = new PageCursor(Instant.parse("2025-06-01T10:00:00Z"), "k");
        JobQueries.Query one = JobQueries.listQuery(new JobFilter(Set.of("FAILED"), "rides.create", Instant.parse("2025-05-01T00:00:00Z"),
                cursor, 20));
        assertFalse(one.sql().contains("UNION"), one.sql());
        assertFalse(one.sql().startsWith("("), "one seek needs no parentheses: " + one.sql());
        assertTrue(one.sql().contains("status = ? AND job = ? AND created_at >= ? AND (created_at, idempotency_key) < (?, ?)"), one.sql());
        assertEquals(6, one.params().size());
        assertEquals(21, one.params().get(5), "a row more than the page: is there another?");
    }

    @Test
    void eachTimelineEntryTookTheTimeUntilTheNextAndTheNewestHasNone() {
        Instant t0 = Instant.parse("2025-06-01T10:00:00Z");
        List<JournalEntry> entries = List.of(
                new JournalEntry(1, EventType.ACCEPTED, null, JournalEntry.newData(1).put("recoveryPoint", "a"), t0),
                new JournalEntry(2, EventType.RECOVERY_POINT, "a", JournalEntry.newData(1).put("recoveryPoint", "b"), t0.plusMillis(5)),
                new JournalEntry(3, EventType.WAITING, "a", JournalEntry.newData(1).put("recoveryPoint", "b").put("for", "signal")
                        .put("name", "go"), t0.plusMillis(5)),
                new JournalEntry(4, EventType.SIGNALLED, "go", JournalEntry.newData(1), t0.plusMillis(2_005)));
        List<JobDetail.TimelineEntry> t = JobDetail.timeline(entries);
        assertEquals(List.of(5L, 0L, 2_000L), t.subList(0, 3).stream().map(JobDetail.TimelineEntry::tookMs).toList());
        assertNull(t.get(3).tookMs());
        assertEquals("b", t.get(2).recoveryPoint());
        assertEquals("go", t.get(2).detail().path("name").asText(), "a lifecycle entry's detail");
        assertEquals(1, t.get(0).run());
    }

    @Test
    void theMinutesAreTheLastFifteenWithZerosWhereNothingEnded() {
        Instant now = Instant.parse("2025-06-01T10:14:30Z");
        List<JobStats.Minute> m = JobQueries.minutes(now, Map.of(Instant.parse("2025-06-01T10:14:00Z"), Map.of("SUCCEEDED", 3L, "FAILED", 1L),
                Instant.parse("2025-06-01T10:00:00Z"), Map.of("CANCELLED", 2L)));
        assertEquals(JobQueries.STATS_MINUTES, m.size());
        assertEquals(Instant.parse("2025-06-01T10:00:00Z"), m.get(0).start());
        assertEquals(2, m.get(0).cancelled());
        assertEquals(Instant.parse("2025-06-01T10:14:00Z"), m.get(14).start(), "the minute in progress comes last");
        assertEquals(4, m.get(14).total());
        assertEquals(0, m.get(7).total());
    }
}
