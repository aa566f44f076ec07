package dev.acidic.processor.internal.streams;

import dev.acidic.api.Completion;
import dev.acidic.processor.internal.metrics.AcidicMetrics;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.Outcomes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends completions, rejections and DLQ copies, with their headers, each sized to fit the
 * producer's largest record: a DLQ copy too large is cut (its headers say the original's size,
 * SHA-256 and where it still lies), a completion that cannot fit is not sent (named in the log).
 */
final class Replies {
    private static final Logger log = LoggerFactory.getLogger(Replies.class);
    /** Room in a record for headers and the record's own framing. */
    static final int RECORD_OVERHEAD_BYTES = 16_384;
    static final String TRUNCATED = "acidic.truncated";
    static final String ORIGINAL_SIZE = "acidic.original.size";
    static final String ORIGINAL_SHA256 = "acidic.original.sha256";
    static final String ORIGINAL_KEY_SIZE = "acidic.original.key.size";
    static final String ORIGINAL_KEY_SHA256 = "acidic.original.key.sha256";

    private final ProcessorContext<byte[], byte[]> ctx;
    private final int maxRecordBytes;
    private final AcidicMetrics metrics;

    /** @param maxRecordBytes the producer's {@code max.request.size} */
    Replies(ProcessorContext<byte[], byte[]> ctx, int maxRecordBytes, AcidicMetrics metrics) {
        this.ctx = ctx;
        this.metrics = metrics;
        this.maxRecordBytes = maxRecordBytes;
    }

    /** @param answerTo the request-id header of the one request this answers, or null */
    void completion(byte[] keyBytes, Completion c, byte[] answerTo) {
        RecordHeaders h = new RecordHeaders();
        if (answerTo != null && answerTo.length <= RequestDecoder.REQUEST_ID_MAX_BYTES) { // a longer one was refused with its request
            h.add(Completion.REQUEST_ID_HEADER, answerTo);
        }
        byte[] value = c.encode();
        long size = (long) (keyBytes == null ? 0 : keyBytes.length) + value.length + RECORD_OVERHEAD_BYTES;
        if (size > maxRecordBytes) {
            // only a key far over acidic.key.max.bytes gets here (results, errors, job names are bounded):
            // no consumer could be answered under such a key anyway
            log.error("cannot send the {} completion of key '{}' ({} bytes of key, {} of completion): larger than the producer's"
                    + " max.request.size ({}); not sent", c.status(), RequestDecoder.preview(keyBytes), keyBytes == null ? 0
                    : keyBytes.length, value.length, maxRecordBytes);
            return;
        }
        ctx.forward(new Record<>(keyBytes, value, ctx.currentSystemTimeMs(), h), Outputs.COMPLETIONS);
    }

    void reject(Pending src, String key, String job, String reason, String message, boolean toDlq) {
        log.warn("rejecting request at {}-{}@{} (key '{}'): {} - {}", src.topic(), src.partition(), src.offset(),
                RequestDecoder.preview(src.key()), reason, message);
        completion(src.key(), Completion.rejected(key, job, reason, message), src.requestId());
        if (toDlq) {
            dlq(src, reason, reason + ": " + message);
        }
    }

    /**
     * Copies the raw record to the DLQ, with why and where it came from in headers.
     *
     * @param code the reason's code, a bounded set (the metric's label)
     * @param reason the {@code acidic.reason} header: the code and what went wrong
     */
    void dlq(Pending src, String code, String reason) {
        metrics.dlqRecord(code);
        if (src.key() == null || RequestDecoder.decodeKey(src.key()) == null) {
            log.warn("sending record {}-{}@{} to the DLQ: {}", src.topic(), src.partition(), src.offset(), reason);
        }
        RecordHeaders h = new RecordHeaders();
        h.add("acidic.reason", reason.getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.topic", src.topic().getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.partition", Integer.toString(src.partition()).getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.offset", Long.toString(src.offset()).getBytes(StandardCharsets.UTF_8));
        byte[] key = src.key();
        byte[] value = src.value();
        int budget = maxRecordBytes - RECORD_OVERHEAD_BYTES;
        int keyLength = key == null ? 0 : key.length;
        int valueLength = value == null ? 0 : value.length;
        if ((long) keyLength + valueLength > budget) {
            h.add(TRUNCATED, "true".getBytes(StandardCharsets.UTF_8));
            if (keyLength > budget / 2) {
                h.add(ORIGINAL_KEY_SIZE, Integer.toString(keyLength).getBytes(StandardCharsets.UTF_8));
                h.add(ORIGINAL_KEY_SHA256, sha256(key).getBytes(StandardCharsets.UTF_8));
                key = Arrays.copyOf(key, budget / 2);
            }
            if (value != null && key.length + valueLength > budget) {
                h.add(ORIGINAL_SIZE, Integer.toString(valueLength).getBytes(StandardCharsets.UTF_8));
                h.add(ORIGINAL_SHA256, sha256(value).getBytes(StandardCharsets.UTF_8));
                value = Arrays.copyOf(value, budget - key.length);
            }
            log.warn("the DLQ copy of {}-{}@{} is cut to fit the producer's max.request.size ({}): {} + {} bytes of key and value;"
                    + " the original stays in {} at that offset until its retention ends", src.topic(), src.partition(),
                    src.offset(), maxRecordBytes, keyLength, valueLength, src.topic());
        }
        ctx.forward(new Record<>(key, value, src.timestamp(), h), Outputs.DLQ);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The stored outcome of a finished key, answering a later request for it. */
    static Completion replay(String key, KeyRow row) {
        return Outcomes.completion(key, row.job(), row.status(), row.result(), row.error(), row.run(), true);
    }
}
