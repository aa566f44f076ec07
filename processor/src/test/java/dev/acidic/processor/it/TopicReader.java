package dev.acidic.processor.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
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
 * record through another consumer (the client's) finds it here too. The topic's end is asked of an
 * admin client of its own: asked of the reading consumer, it would queue behind that consumer's
 * fetch, which the broker holds up to fetch.max.wait.ms (500 ms) when there is nothing to read.
 */
public final class TopicReader implements AutoCloseable {
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);
    /** Whether this thread is inside {@link #await}, whose condition needs no catching up. */
    private static final ThreadLocal<Boolean> IN_AWAIT = ThreadLocal.withInitial(() -> false);
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<ConsumerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();
    private final String bootstrap;
    private final List<TopicPartition> parts = new ArrayList<>();
    /** How far the reader has read each partition, as of its last poll. */
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private Admin admin; // guarded by this
    private final Thread thread;
    private volatile boolean closed;

    public TopicReader(String bootstrap, String topic) {
        this.bootstrap = bootstrap;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
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
        try {
            while (!closed) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                for (TopicPartition tp : parts) {
                    positions.put(tp, consumer.position(tp));
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** Waits until every record committed to the topic before this call has been read. */
    public void sync() {
        long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
        Map<TopicPartition, Long> end = endOffsets();
        while (!end.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), -1L) >= e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the reader did not catch up with the topic's end " + end + " within " + SYNC_TIMEOUT
                        + "; it is at " + positions);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** The last stable offset of each partition: what a read_committed reader can reach. */
    private synchronized Map<TopicPartition, Long> endOffsets() {
        if (admin == null) {
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        }
        try {
            return admin.listOffsets(parts.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())),
                            new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("cannot read the end offsets of " + parts + ": " + e, e);
        }
    }

    public List<ConsumerRecord<String, byte[]>> records() {
        return List.copyOf(records);
    }

    /** The values under {@code key}, after catching up with the topic (see {@link #sync}). */
    public List<byte[]> valuesOf(String key) {
        if (!IN_AWAIT.get()) {
            sync();
        }
        List<byte[]> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (key.equals(r.key())) {
                out.add(r.value());
            }
        }
        return out;
    }

    /**
     * Waits until {@code condition} holds over the records read so far. It is looked at again and
     * again, so what it reads need not be caught up first: inside it, {@link #valuesOf} of any
     * reader answers at once.
     */
    public void await(Predicate<List<ConsumerRecord<String, byte[]>>> condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean outer = !IN_AWAIT.get();
        IN_AWAIT.set(true);
        try {
            while (System.nanoTime() < deadline) {
                if (condition.test(records())) {
                    return;
                }
                Thread.sleep(20);
            }
        } finally {
            if (outer) {
                IN_AWAIT.remove();
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; have " + records.size() + " records");
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
        }
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
