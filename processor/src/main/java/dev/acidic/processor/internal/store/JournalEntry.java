package dev.acidic.processor.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.EventType;
import dev.acidic.api.JobError;
import dev.acidic.api.JobEvent;
import dev.acidic.api.Wire;
import java.time.Instant;
import java.util.List;

/**
 * One row of {@code acidic_journal}: the durable form of an event. {@code data} holds the event's
 * optional fields (recoveryPoint, attempt, result, error, retryAt).
 */
public record JournalEntry(long seq, EventType type, String step, ObjectNode data, Instant at) {

    public JobEvent toEvent(String key, String job) {
        return new JobEvent(key, seq, type, job, step, text(data, "recoveryPoint"),
                data.hasNonNull("attempt") ? data.get("attempt").asInt() : null, at,
                data.get("result"), error(), instant(data, "retryAt"), data.hasNonNull("run") ? data.get("run").asInt() : null,
                detail());
    }

    /** The fields of {@link #data} a lifecycle event carries as its detail; null for other events. */
    private JsonNode detail() {
        List<String> fields = switch (type) {
            case WAITING -> List.of("for", "name", "unfinished", "children");
            case CHILD_SPAWNED -> List.of("child", "job");
            case CHILDREN_DONE -> List.of("children");
            default -> List.of();
        };
        if (fields.isEmpty()) {
            return null;
        }
        ObjectNode d = newData();
        for (String f : fields) {
            if (data.has(f)) {
                d.set(f, data.get(f));
            }
        }
        return d;
    }

    /** The run the entry belongs to; null for entries written before runs were recorded. */
    public Integer run() {
        return data.hasNonNull("run") ? data.get("run").asInt() : null;
    }

    public JobError error() {
        JsonNode e = data.get("error");
        if (e == null || e.isNull()) {
            return null;
        }
        return new JobError(text(e, "type"), text(e, "message"), text(e, "step"),
                e.hasNonNull("attempt") ? e.get("attempt").asInt() : null);
    }

    public JsonNode result() {
        JsonNode r = data.get("result");
        return r == null || r.isNull() ? null : r;
    }

    public static ObjectNode newData() {
        return Wire.objectNode();
    }

    /** An event's data, stamped with the job's {@code run}. */
    public static ObjectNode newData(int run) {
        return Wire.objectNode().put("run", run);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant instant(JsonNode n, String field) {
        String t = text(n, field);
        return t == null ? null : Instant.parse(t);
    }
}
