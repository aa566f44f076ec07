package dev.acidic.processor.internal.streams;

import dev.acidic.api.Completion;
import dev.acidic.processor.internal.store.RecordFailures;
import dev.acidic.processor.internal.store.SqlErrors;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a record that cannot be handled from stalling its partition. Handling that throws fails
 * the stream thread (the Kafka transaction aborts, the thread is replaced, the record comes
 * again): right for a passing fault, an endless loop for a record that fails every time. Each
 * failure is counted in Postgres (outside the aborted transaction); at
 * {@code acidic.record.max.failures} the record is answered {@code PROCESSING_FAILED} with the
 * error, copied to the DLQ and skipped. Kafka's own exceptions (a fenced producer, a migrated task)
 * and an unreachable Postgres are not the record's fault and are never counted.
 */
final class PoisonGuard {
    private static final Logger log = LoggerFactory.getLogger(PoisonGuard.class);

    private final RecordFailures failures;
    private final int maxFailures;
    private final Replies replies;
    private final String continuationsTopic;

    PoisonGuard(RecordFailures failures, int maxFailures, Replies replies, String continuationsTopic) {
        this.failures = failures;
        this.maxFailures = maxFailures;
        this.replies = replies;
        this.continuationsTopic = continuationsTopic;
    }

    /** Runs {@code handling} of {@code src}; returns normally once the record is dealt with, answered or skipped. */
    void handle(Pending src, Runnable handling) {
        try {
            handling.run();
        } catch (RuntimeException e) {
            if (!isTheRecords(e)) {
                throw e;
            }
            int n;
            try {
                n = failures.count(src.topic(), src.partition(), src.offset(), e.toString());
            } catch (Exception countFailed) {
                e.addSuppressed(countFailed);
                throw e; // cannot count: handled as before, processed again
            }
            String key = src.key() == null ? null : RequestDecoder.preview(src.key());
            if (n < maxFailures) {
                log.warn("handling {}-{}@{} (key '{}') failed ({} of {} tries): {}; the stream thread is replaced and the record"
                        + " processed again", src.topic(), src.partition(), src.offset(), key, n, maxFailures, e.toString());
                throw e;
            }
            skip(src, key, n, e);
        }
    }

    private void skip(Pending src, String key, int n, RuntimeException e) {
        String message = "handling the record failed " + n + " times (acidic.record.max.failures), the last with " + e
                + "; it was skipped";
        if (src.topic().equals(continuationsTopic)) {
            log.error("{}-{}@{}: the continuation of key '{}' {}; the job waits until its key is driven again (send its request"
                    + " again); this is a processor bug, please report it with this stack", src.topic(), src.partition(),
                    src.offset(), key, message, e);
            return;
        }
        log.error("{}-{}@{} (key '{}'): {}; answered {} and copied to the DLQ; this is a processor bug, please report it with"
                + " this stack", src.topic(), src.partition(), src.offset(), key, message, Completion.PROCESSING_FAILED, e);
        String decodedKey = src.key() == null ? null : RequestDecoder.decodeKey(src.key());
        if (decodedKey == null) {
            replies.dlq(src, Completion.PROCESSING_FAILED + ": " + message);
        } else {
            replies.reject(src, decodedKey, null, Completion.PROCESSING_FAILED, message, true);
        }
    }

    /** Whether a failure may be the record's own, not Kafka's (fencing, migration) or an outage's. */
    static boolean isTheRecords(RuntimeException e) {
        return !(e instanceof KafkaException) && !SqlErrors.isUnavailable(e);
    }
}
