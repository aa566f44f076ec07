package dev.acidic.processor.internal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.JobError;
import dev.acidic.processor.internal.store.JobDetail;
import dev.acidic.processor.internal.store.JobSummary;
import java.util.ArrayList;
import java.util.List;

/** The table output of {@code jobs show}: the row, then a section per part of the job (pure). */
final class ShowText {
    private ShowText() {}

    static String detail(JobDetail d) {
        JobSummary s = d.summary();
        StringBuilder sb = new StringBuilder();
        Table head = new Table("FIELD", "VALUE");
        head.row("key", s.key()).row("job", s.job()).row("status", ListText.status(s))
                .row("recovery point", ListText.step(s))
                .row("run", s.run()).row("attempts", s.attempts())
                .row("parent", s.parentKey())
                .row("created", Texts.millis(s.createdAt())).row("last run", Texts.millis(s.lastRunAt()))
                .row("next attempt", Texts.millis(s.nextAttemptAt())).row("ended", Texts.millis(s.finishedAt()))
                .row("locked by", d.lockedBy() == null ? null : d.lockedBy() + " since " + Texts.millis(d.lockedAt()))
                .row("partition", d.partition())
                .row("steps", d.steps() == null ? null : String.join(", ", d.steps()))
                .row("job id", d.jobId());
        String fields = head.render();
        sb.append(fields.substring(fields.indexOf('\n') + 1)); // a key/value list needs no header line
        section(sb, "arguments");
        sb.append(indent(JsonOutput.pretty(d.args())));
        if (d.result() != null) {
            section(sb, "result");
            sb.append(indent(JsonOutput.pretty(d.result())));
        }
        if (s.error() != null) {
            section(sb, "error");
            sb.append(indent(error(s.error(), d.errorStack())));
        }
        if (!d.values().isEmpty()) {
            section(sb, "values" + more(d.values().size(), d.valuesTotal()));
            Table t = new Table("NAME", "VALUE");
            d.values().forEach((k, v) -> t.row(k, JsonOutput.line(v)));
            sb.append(indent(t.render()));
        }
        section(sb, "timeline" + (d.timelineOmitted() > 0 ? " (the newest " + d.timeline().size() + "; " + d.timelineOmitted()
                + " older entries not shown)" : ""));
        sb.append(indent(timeline(d.timeline()).render()));
        if (!d.staged().isEmpty()) {
            section(sb, "staged jobs" + more(d.staged().size(), d.stagedTotal()));
            Table t = new Table("#", "KEY", "JOB", "STAGED");
            for (JobDetail.StagedRequest r : d.staged()) {
                t.row(r.ordinal(), r.key(), r.request() == null ? null : r.request().path("job").asText(null), Texts.millis(r.stagedAt()));
            }
            sb.append(indent(t.render()));
        }
        if (!d.children().isEmpty()) {
            section(sb, "children" + more(d.children().size(), d.childrenTotal()));
            Table t = new Table("KEY", "JOB", "STATUS", "RUN", "SPAWNED", "ENDED");
            for (JobDetail.ChildJob c : d.children()) {
                t.row(c.key(), c.job(), c.status() == null ? "(not started)" : c.status(), c.run(), Texts.millis(c.spawnedAt()),
                        Texts.millis(c.finishedAt()));
            }
            sb.append(indent(t.render()));
        }
        return sb.toString();
    }

    /** The journal: one row per entry, with how long the job stood there and what the entry says. */
    static Table timeline(List<JobDetail.TimelineEntry> entries) {
        Table t = new Table("SEQ", "RUN", "AT", "TOOK", "EVENT", "STEP", "DETAIL");
        for (JobDetail.TimelineEntry e : entries) {
            t.row(e.seq(), e.run(), Texts.millis(e.at()), Texts.millisDuration(e.tookMs()), e.type(), e.step(), detail(e));
        }
        return t;
    }

    /** What an entry adds to its type and step, in a few words. */
    static String detail(JobDetail.TimelineEntry e) {
        List<String> parts = new ArrayList<>();
        if (e.recoveryPoint() != null && !e.type().isTerminal()) {
            parts.add("-> " + e.recoveryPoint());
        }
        if (e.detail() != null) {
            JsonNode d = e.detail();
            d.fieldNames().forEachRemaining(f -> parts.add(f + "=" + (d.get(f).isTextual() ? d.get(f).asText() : d.get(f).toString())));
        }
        if (e.attempt() != null) {
            parts.add("attempt " + e.attempt());
        }
        if (e.retryAt() != null) {
            parts.add("until " + Texts.millis(e.retryAt()));
        }
        if (e.error() != null) {
            parts.add(ListText.error(e.error()));
        }
        if (e.result() != null) {
            parts.add("result " + JsonOutput.line(e.result()));
        }
        return parts.isEmpty() ? null : String.join(", ", parts);
    }

    /**
     * Where the error happened, then its stack as stored (already cut to a bound; its first line
     * names the type and message), or the type and message alone when no stack was kept.
     */
    static String error(JobError e, String stack) {
        StringBuilder sb = new StringBuilder();
        if (e.step() != null || e.attempt() != null) {
            sb.append("in step ").append(e.step()).append(e.attempt() == null ? "" : ", attempt " + e.attempt()).append('\n');
        }
        if (stack != null) {
            sb.append(stack.endsWith("\n") ? stack : stack + "\n");
        } else {
            sb.append(e.type() == null ? "" : e.type()).append(e.message() == null ? "" : ": " + e.message()).append('\n');
        }
        return sb.toString();
    }

    private static String more(int shown, long total) {
        return total > shown ? " (" + shown + " of " + total + ")" : "";
    }

    private static void section(StringBuilder sb, String title) {
        sb.append('\n').append(title).append('\n');
    }

    private static String indent(String text) {
        StringBuilder sb = new StringBuilder();
        text.lines().forEach(l -> sb.append("  ").append(l).append('\n'));
        return sb.toString();
    }
}
