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
 *
 * <p>The same holds for what a punctuator drives: a due timer (counted by key and due time) and
 * each request of a batch drained from the pending store (counted by its own coordinates, not
 * those of whatever record was being processed when the batch filled). A failure counted by an
 * inner guard goes up as {@link Counted}, which outer guards pass on without counting it again.
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

    /** A failure counted against its input already; the stream thread fails with it, uncounted by outer guards. */
    static final class Counted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Counted(RuntimeException cause) {
            super(cause.toString(), cause);
        }
    }

    /** Runs {@code handling} of {@code src}; returns normally once the record is dealt with, answered or skipped. */
    void handle(Pending src, Runnable handling) {
        try {
            handling.run();
        } catch (RuntimeException e) {
            String key = src.key() == null ? null : RequestDecoder.preview(src.key());
            int n = count(e, src.topic(), src.partition(), src.offset());
            if (n < maxFailures) {
                log.warn("handling {}-{}@{} (key '{}') failed ({} of {} tries): {}; the stream thread is replaced and the record"
                        + " processed again", src.topic(), src.partition(), src.offset(), key, n, maxFailures, e.toString());
                throw new Counted(e);
            }
            skip(src, key, n, e);
        }
    }

    /**
     * Runs the drive of {@code key}'s timer due at {@code dueAt}; one that fails every time is
     * dropped after {@code acidic.record.max.failures} tries, with an error naming the key.
     */
    void handleTimer(String key, int partition, long dueAt, Runnable drive) {
        try {
            drive.run();
        } catch (RuntimeException e) {
            int n = count(e, Outputs.TIMERS + ":" + key, partition, dueAt);
            if (n < maxFailures) {
                log.warn("the timer of key '{}' (task {}, due {}) failed ({} of {} tries): {}; the stream thread is replaced and the"
                        + " timer fires again", key, partition, dueAt, n, maxFailures, e.toString());
                throw new Counted(e);
            }
            log.error("the timer of key '{}' (task {}) failed {} times (acidic.record.max.failures), the last with {}; it was"
                    + " dropped, so the job waits until its key is driven again (send its request again); this is a processor bug,"
                    + " please report it with this stack", key, partition, n, e.toString(), e);
        }
    }

    /**
     * Counts a failure of the input at the given coordinates and returns the count, or rethrows
     * {@code e} when it is not the input's to count (Kafka's, an outage's, counted already) or
     * cannot be counted.
     */
    private int count(RuntimeException e, String topic, int partition, long offset) {
        if (!isTheRecords(e)) {
            throw e;
        }
        try {
            return failures.count(topic, partition, offset, e.toString());
        } catch (Exception countFailed) {
            e.addSuppressed(countFailed);
            throw e; // cannot count: handled as before, processed again
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
        return !(e instanceof KafkaException) && !(e instanceof Counted) && !SqlErrors.isUnavailable(e);
    }
}
