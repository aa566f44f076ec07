package dev.acidic.examples;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One processor configuration under test: its child JVMs (own application id and topics), a
 * producer for requests and a thread that timestamps every completion as it arrives.
 */
final class BenchFleet implements AutoCloseable {
    final String app;
    final String requests;
    final String events;
    final String completions;
    final ProcessorJvms jvms;
    private final String bootstrap;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread collector;
    private volatile boolean running = true;
    private volatile String prefix = "\u0000";
    /** key -> arrival (nanoTime) of its first completion under the current prefix. */
    final Map<String, Long> arrived = new ConcurrentHashMap<>();
    /** key -> arrival in wall-clock ms, to set against Postgres timestamps. */
    final Map<String, Long> arrivedWall = new ConcurrentHashMap<>();
    final Map<String, byte[]> completionValues = new ConcurrentHashMap<>();
    final AtomicInteger duplicateCompletions = new AtomicInteger();

    BenchFleet(Path dir, String app, Map<String, String> baseEnv, int instances, int threads, String bootstrap) throws Exception {
        this.app = app;
        this.bootstrap = bootstrap;
        this.requests = app + ".requests";
        this.events = app + ".events";
        this.completions = app + ".completions";
        Map<String, String> env = new HashMap<>(baseEnv);
        env.put("ACIDIC_APPLICATION_ID", app);
        env.put("ACIDIC_TOPIC_REQUESTS", requests);
        env.put("ACIDIC_TOPIC_EVENTS", events);
        env.put("ACIDIC_TOPIC_COMPLETIONS", completions);
        env.put("ACIDIC_TOPIC_DLQ", app + ".requests.dlq");
        env.put("ACIDIC_STATE_DIR", dir.resolve("streams").toString());
        env.put("ACIDIC_STREAM_THREADS", Integer.toString(threads));
        jvms = new ProcessorJvms(dir, env, app, List.of("-Xmx1g", "-XX:+UseParallelGC"));
        jvms.start(instances);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer = new KafkaProducer<>(p);
        consumer = new KafkaConsumer<>(consumerProps());
        List<TopicPartition> parts = partitions(consumer, completions);
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
        collector = new Thread(this::collect, "bench-completions-" + app);
        collector.setDaemon(true);
        collector.start();
    }

    private Properties consumerProps() {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        // A read_committed fetch parked at the broker is not woken when a transaction commits,
        // only when the wait runs out: the wait bounds how late a completion is seen.
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
        return c;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
        List<TopicPartition> out = new ArrayList<>();
        c.partitionsFor(topic).forEach(pi -> out.add(new TopicPartition(topic, pi.partition())));
        return out;
    }

    private void collect() {
        while (running) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                long now = System.nanoTime();
                if (r.key() == null) {
                    continue;
                }
                String key = new String(r.key(), StandardCharsets.UTF_8);
                if (!key.startsWith(prefix)) {
                    continue;
                }
                if (arrived.putIfAbsent(key, now) == null) {
                    arrivedWall.put(key, System.currentTimeMillis());
                    completionValues.put(key, r.value());
                } else {
                    duplicateCompletions.incrementAndGet();
                }
            }
        }
        consumer.close();
    }

    /** Starts counting completions of keys under {@code newPrefix} only. */
    void track(String newPrefix) {
        arrived.clear();
        arrivedWall.clear();
        completionValues.clear();
        duplicateCompletions.set(0);
        prefix = newPrefix;
    }

    void send(String key, byte[] value) {
        producer.send(new ProducerRecord<>(requests, key.getBytes(StandardCharsets.UTF_8), value));
    }

    void flush() {
        producer.flush();
    }

    /** Completions under the tracked prefix whose status is not SUCCEEDED. */
    int unsuccessful() {
        int bad = 0;
        for (byte[] v : completionValues.values()) {
            if (Completion.decode(v).status() != CompletionStatus.SUCCEEDED) {
                bad++;
            }
        }
        return bad;
    }

    /** End offsets of the events topic now: where a workload's events begin. */
    Map<TopicPartition, Long> eventsEnd() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps())) {
            return c.endOffsets(partitions(c, events));
        }
    }

    /** Event counts of keys under {@code prefix} between two sets of offsets: [total, duplicate (key, seq)]. */
    long[] countEvents(String prefix, Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {
        Set<String> seen = new HashSet<>();
        long total = 0;
        long dups = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps())) {
            c.assign(from.keySet());
            from.forEach(c::seek);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && !reached(c, to)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= to.get(new TopicPartition(r.topic(), r.partition())) || r.key() == null) {
                        continue;
                    }
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (!key.startsWith(prefix)) {
                        continue;
                    }
                    total++;
                    if (!seen.add(key + "\u0000" + JobEvent.decode(r.value()).seq())) {
                        dups++;
                    }
                }
            }
        }
        return new long[] {total, dups};
    }

    private static boolean reached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> to) {
        for (Map.Entry<TopicPartition, Long> e : to.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        running = false;
        try {
            collector.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
        jvms.close();
    }
}
