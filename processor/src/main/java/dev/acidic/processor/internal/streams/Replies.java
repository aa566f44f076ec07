package dev.acidic.processor.internal.streams;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobError;
import dev.acidic.processor.internal.store.KeyRow;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends completions, rejections and DLQ copies, with their headers. */
final class Replies {
    private static final Logger log = LoggerFactory.getLogger(Replies.class);

    private final ProcessorContext<byte[], byte[]> ctx;

    Replies(ProcessorContext<byte[], byte[]> ctx) {
        this.ctx = ctx;
    }

    /** @param answerTo the request-id header of the one request this answers, or null */
    void completion(byte[] keyBytes, Completion c, byte[] answerTo) {
        RecordHeaders h = new RecordHeaders();
        if (answerTo != null) {
            h.add(Completion.REQUEST_ID_HEADER, answerTo);
        }
        ctx.forward(new Record<>(keyBytes, c.encode(), ctx.currentSystemTimeMs(), h), Outputs.COMPLETIONS);
    }

    void reject(Pending src, String key, String job, String reason, String message, boolean toDlq) {
        log.warn("rejecting request at {}-{}@{} (key '{}'): {} - {}", src.topic(), src.partition(), src.offset(), key, reason,
                message);
        completion(src.key(), Completion.rejected(key, job, reason, message), src.requestId());
        if (toDlq) {
            dlq(src, reason + ": " + message);
        }
    }

    /** Copies the raw record to the DLQ, with why and where it came from in headers. */
    void dlq(Pending src, String reason) {
        if (src.key() == null || RequestDecoder.decodeKey(src.key()) == null) {
            log.warn("sending record {}-{}@{} to the DLQ: {}", src.topic(), src.partition(), src.offset(), reason);
        }
        RecordHeaders h = new RecordHeaders();
        h.add("acidic.reason", reason.getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.topic", src.topic().getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.partition", Integer.toString(src.partition()).getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.offset", Long.toString(src.offset()).getBytes(StandardCharsets.UTF_8));
        ctx.forward(new Record<>(src.key(), src.value(), src.timestamp(), h), Outputs.DLQ);
    }

    /** The stored outcome of a finished key, answering a later request for it. */
    static Completion replay(String key, KeyRow row) {
        CompletionStatus st = "SUCCEEDED".equals(row.status()) ? CompletionStatus.SUCCEEDED : CompletionStatus.FAILED;
        JobError err = null;
        if (row.error() != null && row.error().isObject()) {
            JsonNode e = row.error();
            err = new JobError(text(e, "type"), text(e, "message"), text(e, "step"),
                    e.hasNonNull("attempt") ? e.get("attempt").asInt() : null);
        }
        return new Completion(key, st, row.job(), row.result(), err, null, true);
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }
}
