package dev.acidic.processor.internal.streams;

import dev.acidic.api.Completion;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what reached the wrong task to its key's home task, through the continuations topic. A
 * key's home is the requests partition whose task created it (stored with the key); only that
 * task drives the key, so only its cursor publishes the key's journal. Without this, a key whose
 * requests came from two partitioners (a Java producer's murmur2 and librdkafka's crc32, say), an
 * explicit partition, or partitions added later had its journal published twice, by two cursors.
 */
final class Forwarding {
    private static final Logger log = LoggerFactory.getLogger(Forwarding.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final ProcessorContext<byte[], byte[]> ctx;
    private final int partition;
    private final String requestsTopic;
    private final boolean sharded;
    private final Replies replies;
    private long forwarded;
    private long lastForwardLog = System.nanoTime() - LOG_EVERY_NANOS;
    private long lastMisrouteLog = System.nanoTime() - LOG_EVERY_NANOS;

    /** @param sharded whether keys are sharded: then a stored home other than this task is a row out of place */
    Forwarding(ProcessorContext<byte[], byte[]> ctx, int partition, String requestsTopic, boolean sharded, Replies replies) {
        this.ctx = ctx;
        this.partition = partition;
        this.requestsTopic = requestsTopic;
        this.sharded = sharded;
        this.replies = replies;
    }

    /**
     * Sends to {@code home} what the engine found homed there (the key's row names another
     * partition). With sharded keys that cannot be right: this task is the key's murmur2 home
     * (anything else was forwarded here before the lookup), and the task of the stored home
     * would send it straight back. Such a row was written by something other than a sharded
     * processor; it is reported, and a request for it answered, instead of going round for ever.
     */
    void stored(String key, byte[] keyBytes, Pending src, int home) {
        if (!sharded) {
            home(key, keyBytes, src, home);
            return;
        }
        String problem = "key '" + key + "' is stored in the database of partition " + partition + ", its murmur2 partition, but"
                + " homed on partition " + home + ": with sharded keys a key's home is its murmur2 partition, so the row was written"
                + " by something else (an unsharded processor or DirectEngine on this database, a copy, a hand edit); set its"
                + " kafka_partition to " + partition + " to let it run";
        log.error(problem);
        if (src != null) {
            replies.reject(src, key, null, Completion.PROCESSING_FAILED, problem, false);
        }
    }

    /**
     * Forwards to {@code home} the request {@code src} (its value and request-id header as they
     * came), or, for a key driven by a timer or continuation ({@code src} null), a drive.
     */
    void home(String key, byte[] keyBytes, Pending src, int home) {
        RecordHeaders h = new RecordHeaders();
        byte[] value;
        if (src == null) {
            value = Continuation.drive(home);
        } else {
            value = Continuation.request(home, src.value());
            if (src.requestId() != null) {
                h.add(Completion.REQUEST_ID_HEADER, src.requestId());
            }
        }
        ctx.forward(new Record<>(keyBytes, value, ctx.currentSystemTimeMs(), h), Outputs.CONTINUE);
        forwarded++;
        long now = System.nanoTime();
        if (now - lastForwardLog >= LOG_EVERY_NANOS) {
            lastForwardLog = now;
            log.info("key '{}' belongs to the task of {} partition {} but reached the task of partition {}: forwarded there ({} so"
                    + " far on this task). A producer whose partitioner is not Kafka's murmur2 (librdkafka clients default to"
                    + " crc32), an explicit partition, or partitions added to the topic do this; it costs one more hop",
                    key, requestsTopic, home, partition, forwarded);
        } else {
            log.debug("key '{}': forwarded to the task of partition {}", key, home);
        }
    }

    /**
     * A continuation addressed to another task reached this one: the continuations topic has fewer
     * partitions than the requests topic (partitions were added while processors ran).
     */
    void misrouted(Pending src, String key, int addressedTo) {
        long now = System.nanoTime();
        if (now - lastMisrouteLog >= LOG_EVERY_NANOS) {
            lastMisrouteLog = now;
            log.error("{}-{}@{} (key '{}') is addressed to the task of partition {} but reached partition {}: {} has more partitions"
                    + " than {}: partitions were added and it was not grown yet (a processor grows it when its Kafka Streams client"
                    + " meets the new partitions, or at start); until then keys homed on the new partitions wait and forwarded"
                    + " requests are answered {}", src.topic(), src.partition(),
                    src.offset(), key, addressedTo, partition, requestsTopic, src.topic(), Completion.PROCESSING_FAILED);
        }
    }
}
