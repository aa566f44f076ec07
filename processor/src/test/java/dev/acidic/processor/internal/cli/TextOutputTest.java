package dev.acidic.processor.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.EventType;
import dev.acidic.api.JobError;
import dev.acidic.api.Wire;
import dev.acidic.processor.internal.store.JobDetail;
import dev.acidic.processor.internal.store.JobPage;
import dev.acidic.processor.internal.store.JobStats;
import dev.acidic.processor.internal.store.JobSummary;
import dev.acidic.processor.internal.store.PageCursor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The table text of list, show and stats, from read-model values (no Postgres). */
class TextOutputTest {
    static final Instant T0 = Instant.parse("2025-06-01T10:00:00.250Z");

    static JobSummary job(String key, String status, String awaiting, JobError error) {
        boolean ended = List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(status);
        return new JobSummary(key, "rides.create", status, ended ? "$finished" : "charge", 2, error == null ? 0 : 3, awaiting, null, T0,
                T0.plusSeconds(1), null, ended ? T0.plusSeconds(2) : null, 7, error);
    }

    @Test
    void aPageListsItsJobsAndSaysHowToGetTheNext() {
        JobError err = new JobError("java.lang.IllegalStateException", "card declined", "charge", 3);
        JobPage page = new JobPage(List.of(job("k2", "FAILED", null, err), job("k1", "RUNNING", "approved", null)),
                new PageCursor(T0, "k1"));
        String text = ListText.page(page, "acidic jobs list --before TOKEN");
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).startsWith("KEY  JOB           STATUS"), text);
        assertTrue(lines.get(1).contains("FAILED") && lines.get(1).contains("IllegalStateException: card declined"), text);
        assertFalse(lines.get(1).contains("$finished"), "a job past its last step stands at none: " + text);
        assertTrue(lines.get(2).contains("RUNNING (waits for approved)") && lines.get(2).contains("charge"), text);
        assertEquals("2 job(s), newest first; next page: acidic jobs list --before TOKEN", lines.get(3));
        assertTrue(ListText.page(new JobPage(List.of(job("k", "SUCCEEDED", null, null)), null), null).endsWith("1 job(s), the last page\n"));
        assertEquals("no jobs match\n", ListText.page(new JobPage(List.of(), null), null));
    }

    @Test
    void statsPivotCountsByStatusWithTotalsAndDrawTheMinutes() {
        List<JobStats.Minute> minutes = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            minutes.add(new JobStats.Minute(Instant.parse("2025-06-01T10:00:00Z").plusSeconds(60L * i), i == 14 ? 40 : i, i == 14 ? 1 : 0, 0));
        }
        JobStats s = new JobStats(T0, List.of(new JobStats.Count("a.job", "SUCCEEDED", 10), new JobStats.Count("a.job", "FAILED", 2),
                new JobStats.Count("b.job", "RUNNING", 1)), minutes);
        String text = ListText.stats(s);
        assertTrue(text.contains("JOB         RUNNING  HALTED  SUCCEEDED  FAILED  CANCELLED  TOTAL"), text);
        assertTrue(text.contains("a.job       0        0       10         2       0          12"), text);
        assertTrue(text.contains("(all jobs)  1        0       10         2       0          13"), text);
        assertTrue(text.contains("10:14   40         1       0          " + "#".repeat(ListText.BAR)), text);
        assertTrue(text.contains("10:01   1          0       0          #\n"), "any count gets a mark: " + text);
        assertTrue(text.contains("10:00   0          0       0\n"), text);
    }

    @Test
    void showPrintsTheRowArgumentsErrorWithStackTimelineAndChildren() {
        JobError err = new JobError("dev.acidic.api.TerminalJobException", "card declined", "charge", 1);
        Map<String, JsonNode> values = new LinkedHashMap<>();
        values.put("cursor", Wire.parse("42"));
        JsonNode waiting = Wire.parse("{\"for\":\"signal\",\"name\":\"approved\"}");
        List<JobDetail.TimelineEntry> timeline = List.of(
                new JobDetail.TimelineEntry(1, EventType.ACCEPTED, null, 1, T0, 12L, "charge", null, null, null, null, null),
                new JobDetail.TimelineEntry(2, EventType.WAITING, "charge", 1, T0.plusMillis(12), 61_000L, "charge", null,
                        T0.plusSeconds(60), null, null, waiting),
                new JobDetail.TimelineEntry(3, EventType.FAILED, "charge", 1, T0.plusMillis(61_012), null, null, 1, null, err, null, null));
        JobDetail d = new JobDetail(job("orders:1", "FAILED", null, err), UUID.randomUUID(), Wire.parse("{\"user\":\"ann\"}"), null,
                "dev.acidic.api.TerminalJobException: card declined\n\tat dev.acidic.Step.run(Step.java:10)\n", List.of("charge", "ship"),
                null, null, 3, values, 1, timeline, 4, List.of(new JobDetail.StagedRequest(1, "orders:1/kid-0",
                        Wire.parse("{\"job\":\"kid\",\"args\":{}}"), T0)), 1,
                List.of(new JobDetail.ChildJob("orders:1/kid-0", "kid", "SUCCEEDED", 1, T0, T0.plusSeconds(1)),
                        new JobDetail.ChildJob("orders:1/kid-1", "kid", null, null, T0, null)), 2);
        String text = ShowText.detail(d);
        assertTrue(text.startsWith("key             orders:1\n"), text);
        assertTrue(text.contains("\nsteps           charge, ship\n"), text);
        assertTrue(text.contains("\narguments\n  {\n    \"user\" : \"ann\"\n  }\n"), text);
        assertTrue(text.contains("\nerror\n  in step charge, attempt 1\n"
                + "  dev.acidic.api.TerminalJobException: card declined\n  \tat dev.acidic.Step.run(Step.java:10)\n\n"), text);
        assertTrue(ShowText.error(new JobError("Boom", "no stack kept", "s", null), null).equals("in step s\nBoom: no stack kept\n"));
        assertTrue(text.contains("\nvalues\n  NAME    VALUE\n  cursor  42\n"), text);
        assertTrue(text.contains("timeline (the newest 3; 4 older entries not shown)"), text);
        assertTrue(text.contains("2    1    2025-06-01T10:00:00.262Z  1m01s  WAITING   charge  -> charge, for=signal, name=approved, until"),
                text);
        assertTrue(text.contains("3    1    2025-06-01T10:01:01.262Z  -      FAILED    charge  attempt 1, TerminalJobException: card declined"),
                text);
        assertTrue(text.contains("\nstaged jobs\n  #  KEY             JOB  STAGED\n  1  orders:1/kid-0  kid"), text);
        assertTrue(text.contains("orders:1/kid-1  kid  (not started)"), text);
    }
}
