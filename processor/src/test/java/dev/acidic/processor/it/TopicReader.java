package dev.acidic.processor.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a whole topic from the beginning (read_committed) in the background and keeps every record.
 * {@link #valuesOf} first catches up with everything committed before the call, so a test that saw a
 * record through another consumer (the client's) finds it here too.
 */
public final class TopicReader implements AutoCloseable {
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<ConsumerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();
    private final List<CountDownLatch> syncsAsked = new ArrayList<>(); // guarded by itself
    private final Thread thread;
    private volatile boolean closed;

    public TopicReader(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (parts.isEmpty()) {
            for (PartitionInfo pi : consumer.partitionsFor(topic, Duration.ofSeconds(5))) {
                parts.add(new TopicPartition(topic, pi.partition()));
            }
            if (parts.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    consumer.close();
                    throw new IllegalStateException("topic " + topic + " does not exist; start a processor first");
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        thread = new Thread(() -> readUntilClosed(parts), "reader-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    private void readUntilClosed(List<TopicPartition> parts) {
        List<CountDownLatch> serving = new ArrayList<>();
        Map<TopicPartition, Long> target = null;
        try {
            while (!closed) {
                try {
                    consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                    if (target == null) {
                        synchronized (syncsAsked) {
                            serving.addAll(syncsAsked);
                            syncsAsked.clear();
                        }
                        if (!serving.isEmpty()) {
                            target = consumer.endOffsets(parts); // the last stable offsets, under read_committed
                        }
                    }
                    if (target != null && caughtUp(target)) {
                        serving.forEach(CountDownLatch::countDown);
                        serving.clear();
                        target = null;
                    }
                } catch (WakeupException e) {
                    // closing, or a sync asked to be served without waiting out the poll
                }
            }
        } finally {
            consumer.close();
        }
    }

    private boolean caughtUp(Map<TopicPartition, Long> target) {
        for (Map.Entry<TopicPartition, Long> e : target.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Waits until every record committed to the topic before this call has been read. */
    public void sync() {
        CountDownLatch done = new CountDownLatch(1);
        synchronized (syncsAsked) {
            syncsAsked.add(done);
        }
        consumer.wakeup();
        try {
            if (!done.await(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the reader did not catch up with the topic's end within " + SYNC_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public List<ConsumerRecord<String, byte[]>> records() {
        return List.copyOf(records);
    }

    /** The values under {@code key}, after catching up with the topic (see {@link #sync}). */
    public List<byte[]> valuesOf(String key) {
        sync();
        List<byte[]> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (key.equals(r.key())) {
                out.add(r.value());
            }
        }
        return out;
    }

    /** Waits until {@code condition} holds over the records read so far. */
    public void await(Predicate<List<ConsumerRecord<String, byte[]>>> condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.test(records())) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; have " + records.size() + " records");
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
