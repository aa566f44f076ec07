package dev.acidic.processor.internal.streams;

import dev.acidic.processor.internal.faults.Faults;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.processor.internals.DefaultKafkaClientSupplier;

/**
 * Kafka clients that hit {@link Faults.Point#AFTER_KAFKA_COMMIT} right after Kafka Streams commits
 * input offsets that include the requests topic's (the transaction under exactly-once, the
 * consumer offsets under at-least-once). Commits without a request offset (continuations only, or
 * an exactly-once transaction with no offsets) do not count. Installed only when a fault is armed,
 * so production clients are the plain ones.
 *
 * <p>Only the first hit is reached at a deterministic moment: Streams commits a task when it
 * consumed records or ran a punctuator, and then commits all its consumed offsets again, so how
 * many commits a run makes (one for all of a test's requests, or several) depends on timing.
 */
public final class FaultingClientSupplier extends DefaultKafkaClientSupplier {
    private final String requestsTopic;

    /** @param requestsTopic the topic whose committed offsets make a commit count */
    public FaultingClientSupplier(String requestsTopic) {
        this.requestsTopic = requestsTopic;
    }

    private boolean carriesRequests(Map<TopicPartition, OffsetAndMetadata> offsets) {
        return offsets.keySet().stream().anyMatch(tp -> tp.topic().equals(requestsTopic));
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()) {
            // used by its stream thread only
            private boolean requestsInTransaction;

            @Override
            public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
                super.sendOffsetsToTransaction(offsets, group);
                requestsInTransaction |= carriesRequests(offsets);
            }

            @Override
            public void commitTransaction() {
                super.commitTransaction();
                boolean hit = requestsInTransaction;
                requestsInTransaction = false;
                if (hit) {
                    Faults.hitUnchecked(Faults.Point.AFTER_KAFKA_COMMIT, null);
                }
            }

            @Override
            public void abortTransaction() {
                requestsInTransaction = false;
                super.abortTransaction();
            }
        };
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()) {
            @Override
            public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                super.commitSync(offsets);
                if (carriesRequests(offsets)) {
                    Faults.hitUnchecked(Faults.Point.AFTER_KAFKA_COMMIT, null);
                }
            }

            @Override
            public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
                super.commitSync(offsets, timeout);
                if (carriesRequests(offsets)) {
                    Faults.hitUnchecked(Faults.Point.AFTER_KAFKA_COMMIT, null);
                }
            }
        };
    }
}
