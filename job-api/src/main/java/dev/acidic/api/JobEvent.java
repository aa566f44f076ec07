package dev.acidic.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A lifecycle event on the events topic. {@code seq} starts at 1 with {@link EventType#ACCEPTED}
 * and grows by one per event of a key, so consumers deduplicate by {@code (key, seq)}.
 *
 * @param recoveryPoint the step the job stands at after this event (null once it finished)
 * @param retryAt for {@code STEP_FAILED} and {@code DEFERRED}: when the job is tried again; for
 *     {@code WAITING} on a time or signal: when the wait ends at the latest
 * @param detail what a lifecycle event is about, absent for the others: {@code WAITING}
 *     {@code {"for":"time"|"signal"|"children", "name":..., "unfinished":n, "children":n}},
 *     {@code CHILD_SPAWNED} {@code {"child":key, "job":name}}, {@code CHILDREN_DONE}
 *     {@code {"children":n}}
 */
public record JobEvent(
        String key,
        long seq,
        EventType type,
        String job,
        String step,
        String recoveryPoint,
        Integer attempt,
        Instant at,
        JsonNode result,
        JobError error,
        Instant retryAt,
        Integer run,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) JsonNode detail) {

    public JobEvent {
        result = Wire.nullToNull(result);
        detail = Wire.nullToNull(detail);
    }

    /** An event with no detail. */
    public JobEvent(String key, long seq, EventType type, String job, String step, String recoveryPoint, Integer attempt, Instant at,
            JsonNode result, JobError error, Instant retryAt, Integer run) {
        this(key, seq, type, job, step, recoveryPoint, attempt, at, result, error, retryAt, run, null);
    }

    public static JobEvent decode(byte[] json) {
        return Wire.decode(json, JobEvent.class);
    }

    public byte[] encode() {
        return Wire.encode(this);
    }
}
