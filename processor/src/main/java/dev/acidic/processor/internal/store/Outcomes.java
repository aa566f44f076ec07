package dev.acidic.processor.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobError;

/** A stored job outcome (a key row's status, result and error) as the completion clients read (pure). */
public final class Outcomes {
    private Outcomes() {}

    /**
     * @param status an ended key row's status (SUCCEEDED, FAILED or CANCELLED)
     * @param error the row's stored error (its stack is not part of a completion)
     */
    public static Completion completion(String key, String job, String status, JsonNode result, JsonNode error, int run,
            boolean replay) {
        CompletionStatus st = switch (status) {
            case "SUCCEEDED" -> CompletionStatus.SUCCEEDED;
            case "CANCELLED" -> CompletionStatus.CANCELLED;
            default -> CompletionStatus.FAILED;
        };
        JobError err = null;
        if (error != null && error.isObject()) {
            err = new JobError(text(error, "type"), text(error, "message"), text(error, "step"),
                    error.hasNonNull("attempt") ? error.get("attempt").asInt() : null);
        }
        return new Completion(key, st, job, result, err, null, replay, run);
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }
}
