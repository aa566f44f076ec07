package dev.acidic.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A lifecycle event on the events topic. {@code seq} starts at 1 with {@link EventType#ACCEPTED}
 * and grows by one per event of a key, so consumers deduplicate by {@code (key, seq)}.
 *
 * @param recoveryPoint the step the job stands at after this event (null once it finished)
 * @param retryAt for {@code STEP_FAILED} and {@code DEFERRED}: when the job is tried again
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
        Integer run) {

    public JobEvent {
        result = Wire.nullToNull(result);
    }

    public static JobEvent decode(byte[] json) {
        return Wire.decode(json, JobEvent.class);
    }

    public byte[] encode() {
        return Wire.encode(this);
    }
}
