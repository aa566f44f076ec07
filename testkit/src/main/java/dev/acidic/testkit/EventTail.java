package dev.acidic.testkit;

import dev.acidic.api.JobEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads an events topic from its beginning (read_committed) in the background, keeping every event by key. */
final class EventTail implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, List<JobEvent>> byKey = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    EventTail(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo pi : consumer.partitionsFor(topic, Duration.ofSeconds(20))) {
            parts.add(new TopicPartition(topic, pi.partition()));
        }
        if (parts.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("acidic-testkit: topic " + topic + " does not exist; the processor creates it at start");
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        thread = new Thread(this::poll, "acidic-testkit-events");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.key() != null) {
                        byKey.computeIfAbsent(r.key(), k -> new CopyOnWriteArrayList<>()).add(JobEvent.decode(r.value()));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** The events read so far for {@code key}, in the order they were published. */
    List<JobEvent> of(String key) {
        return List.copyOf(byKey.getOrDefault(key, List.of()));
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
