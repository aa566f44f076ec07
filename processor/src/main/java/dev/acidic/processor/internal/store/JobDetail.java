package dev.acidic.processor.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.EventType;
import dev.acidic.api.JobError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Everything stored about one job, read in one snapshot: its row, arguments, result, error stack,
 * values, journal (as a timeline), staged jobs and children. Each list is capped at
 * {@link JobQueries#DETAIL_ROWS} rows; the {@code ...Total} (or {@code timelineOmitted}) fields say
 * how many there are in all.
 *
 * <p>The component names are the JSON field names of {@code jobs show -o json} (and of the HTTP API
 * that reuses this read model): add fields, never rename them.
 *
 * @param summary the row as {@link JobQueries#list} shows it
 * @param jobId identity of this job instance (a key reaped and used again gets a new one)
 * @param args the job's arguments
 * @param result the result of a succeeded job, or null
 * @param errorStack the stack trace of {@code summary.error}, or null
 * @param steps the step names of the definition the job last ran under, in order (null for keys
 *     from before they were stored)
 * @param lockedBy the instance whose lock the row holds, or null
 * @param lockedAt when it took the lock, or null
 * @param partition the requests-topic partition that drives the key, or null
 * @param values the job's persisted values ({@code ctx.values()}) by name, in name order
 * @param timeline the newest journal entries, oldest first
 * @param timelineOmitted how many older entries the timeline leaves out
 * @param staged the jobs the job's phases staged, in staging order
 * @param children the jobs it spawned, in spawn order, with their state
 */
public record JobDetail(
        JobSummary summary,
        UUID jobId,
        JsonNode args,
        JsonNode result,
        String errorStack,
        List<String> steps,
        String lockedBy,
        Instant lockedAt,
        Integer partition,
        Map<String, JsonNode> values,
        long valuesTotal,
        List<TimelineEntry> timeline,
        long timelineOmitted,
        List<StagedRequest> staged,
        long stagedTotal,
        List<ChildJob> children,
        long childrenTotal) {

    /**
     * One journal entry: an event of the job, as on the events topic, plus how long the job stood
     * there.
     *
     * @param tookMs the time from this entry to the key's next one; null for the newest. A phase's
     *     entries carry the time its transaction began, so the last entry a phase wrote gets how
     *     long that phase took until the next began (its step, the commit and the hand-over; after
     *     {@code WAITING}, {@code HALTED} or {@code STEP_FAILED}: the wait), and the others it
     *     wrote get 0
     * @param recoveryPoint the step the job stands at after the entry
     * @param retryAt when a failed step is tried again, or a wait ends at the latest
     * @param detail what a lifecycle entry is about ({@code WAITING}, {@code CHILD_SPAWNED},
     *     {@code CHILDREN_DONE}); see {@code JobEvent}
     */
    public record TimelineEntry(long seq, EventType type, String step, Integer run, Instant at, Long tookMs, String recoveryPoint,
            Integer attempt, Instant retryAt, JobError error, JsonNode result, JsonNode detail) {}

    /**
     * A job staged by a phase ({@code ctx.stage}, {@code ctx.spawn}), published to the requests
     * topic after that phase committed.
     *
     * @param key the staged job's idempotency key
     * @param request the request as published ({@code {"job":...,"args":...}})
     */
    public record StagedRequest(long ordinal, String key, JsonNode request, Instant stagedAt) {}

    /**
     * A child job and its state, read from its own key row.
     *
     * @param job the child's job name
     * @param status the child's status; null while its request has not been claimed yet
     * @param run the child's run, or null like status
     */
    public record ChildJob(String key, String job, String status, Integer run, Instant spawnedAt, Instant finishedAt) {}

    /** Journal entries (oldest first) as timeline entries, each with the time until the next one (pure). */
    static List<TimelineEntry> timeline(List<JournalEntry> entries) {
        List<TimelineEntry> out = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            JournalEntry e = entries.get(i);
            Long took = i + 1 < entries.size() ? entries.get(i + 1).at().toEpochMilli() - e.at().toEpochMilli() : null;
            var ev = e.toEvent(null, null); // for its fields; a timeline entry names no key or job
            out.add(new TimelineEntry(e.seq(), e.type(), e.step(), e.run(), e.at(), took, ev.recoveryPoint(), ev.attempt(), ev.retryAt(),
                    ev.error(), ev.result(), ev.detail()));
        }
        return List.copyOf(out);
    }
}
