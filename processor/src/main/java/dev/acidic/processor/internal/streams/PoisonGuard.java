package dev.acidic.processor.internal.streams;

import dev.acidic.api.Completion;
import dev.acidic.processor.internal.metrics.AcidicMetrics;
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
 * <p>The same holds for what a punctuator drives: a due timer (counted by key and due time), a
 * key the completer found idle (counted by key and last run) and
 * each request of a batch drained from the pending store (counted by its own coordinates, not
 * those of whatever record was being processed when the batch filled). A failure counted by an
 * inner guard goes up as {@link Counted}, which outer guards pass on without counting it again.
 */
final class PoisonGuard {
    private final AcidicMetrics metrics;
    private static final Logger log = LoggerFactory.getLogger(PoisonGuard.class);

    /** The count topic of the completer's drives (with the key). */
    static final String COMPLETER = "acidic-completer";

    private final RecordFailures failures;
    private final int maxFailures;
    private final Replies replies;
    private final String continuationsTopic;

    PoisonGuard(RecordFailures failures, int maxFailures, Replies replies, String continuationsTopic, AcidicMetrics metrics) {
        this.metrics = metrics;
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
        handleDrive(new Driven("the timer of key '" + key + "' (task " + partition + ", due " + dueAt + ")",
                Outputs.TIMERS + ":" + key, partition, dueAt), drive);
    }

    /**
     * Runs the completer's drive of {@code key}, whose last phase ran at {@code lastRunAt} (counted
     * by key and that time, so every sweep that meets the same stranded key counts against it);
     * one that fails every time fails its stream thread only {@code acidic.record.max.failures}
     * times, then it is given up with an error naming the key, at each later sweep too.
     */
    void handleSweep(String key, int partition, long lastRunAt, Runnable drive) {
        handleDrive(new Driven("the completer's drive of key '" + key + "' (task " + partition + ", last run " + lastRunAt
                + ")", COMPLETER + ":" + key, partition, lastRunAt), drive);
    }

    /** What a punctuator drives, and the coordinates its failures are counted under. */
    private record Driven(String what, String countTopic, int partition, long countOffset) {}

    private void handleDrive(Driven d, Runnable drive) {
        try {
            drive.run();
        } catch (RuntimeException e) {
            int n = count(e, d.countTopic(), d.partition(), d.countOffset());
            if (n < maxFailures) {
                log.warn("{} failed ({} of {} tries): {}; the stream thread is replaced and it is tried again", d.what(), n,
                        maxFailures, e.toString());
                throw new Counted(e);
            }
            metrics.poisonRecord();
            log.error("{} failed {} times (acidic.record.max.failures), the last with {}; it was dropped: the job is driven"
                    + " again by its next request, or by the completer once the key has been idle for acidic.completer.idle"
                    + " (counted the same way, should that drive fail every time too); this is a processor bug, please report"
                    + " it with this stack", d.what(), n, e.toString(), e);
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
        metrics.poisonRecord();
        String message = "handling the record failed " + n + " times (acidic.record.max.failures), the last with " + e
                + "; it was skipped";
        if (src.topic().equals(continuationsTopic)) {
            log.error("{}-{}@{}: the continuation of key '{}' {}; the job is driven again by its next request, or by the"
                    + " completer once the key has been idle for acidic.completer.idle; this is a processor bug, please report"
                    + " it with this stack", src.topic(), src.partition(),
                    src.offset(), key, message, e);
            return;
        }
        log.error("{}-{}@{} (key '{}'): {}; answered {} and copied to the DLQ; this is a processor bug, please report it with"
                + " this stack", src.topic(), src.partition(), src.offset(), key, message, Completion.PROCESSING_FAILED, e);
        String decodedKey = src.key() == null ? null : RequestDecoder.decodeKey(src.key());
        if (decodedKey == null) {
            replies.dlq(src, Completion.PROCESSING_FAILED, Completion.PROCESSING_FAILED + ": " + message);
        } else {
            replies.reject(src, decodedKey, null, Completion.PROCESSING_FAILED, message, true);
        }
    }

    /** Whether a failure may be the record's own, not Kafka's (fencing, migration) or an outage's. */
    static boolean isTheRecords(RuntimeException e) {
        return !(e instanceof KafkaException) && !(e instanceof Counted) && !SqlErrors.isUnavailable(e);
    }
}
