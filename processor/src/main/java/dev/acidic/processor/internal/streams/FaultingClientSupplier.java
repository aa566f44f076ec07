package dev.acidic.processor.internal.streams;

import dev.acidic.processor.internal.faults.Faults;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
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
 * (the transaction under exactly-once, the consumer offsets under at-least-once). Installed only
 * when a fault is armed, so production clients are the plain ones.
 */
public final class FaultingClientSupplier extends DefaultKafkaClientSupplier {
    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public void commitTransaction() {
                super.commitTransaction();
                Faults.hitUnchecked(Faults.Point.AFTER_KAFKA_COMMIT, null);
            }
        };
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer()) {
            @Override
            public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                super.commitSync(offsets);
                Faults.hitUnchecked(Faults.Point.AFTER_KAFKA_COMMIT, null);
            }

            @Override
            public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
                super.commitSync(offsets, timeout);
                Faults.hitUnchecked(Faults.Point.AFTER_KAFKA_COMMIT, null);
            }
        };
    }
}
