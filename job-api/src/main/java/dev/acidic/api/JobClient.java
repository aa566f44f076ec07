package dev.acidic.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits job requests and awaits their completions.
 *
 * <p>The client reads the completions topic from its end as of {@link Builder#build()} (it joins no
 * consumer group), so it sees the completions of requests it submits afterwards. Each submitted
 * request carries a request id header: a rejection or replay answers only that request, while the
 * job's own completion answers every pending {@link #submit} of the key (a duplicate absorbed by a
 * running job is answered by that job's one completion). Thread-safe; close it when done.
 */
public final class JobClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobClient.class);

    private final String requestsTopic;
    private final String completionsTopic;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, List<Waiter>> waiting = new ConcurrentHashMap<>();
    private final List<Consumer<Completion>> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch positioned = new CountDownLatch(1);
    private final Thread poller;
    private volatile boolean closed;
    private volatile RuntimeException pollerFailure;

    private JobClient(Builder b) {
        this.requestsTopic = b.requestsTopic;
        this.completionsTopic = b.completionsTopic;
        Properties p = new Properties();
        p.putAll(b.kafka);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Properties c = new Properties();
        c.putAll(b.kafka);
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        this.poller = new Thread(this::pollLoop, "acidic-client-completions");
        this.poller.setDaemon(true);
        this.poller.start();
        try {
            if (!positioned.await(b.startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                close();
                throw new IllegalStateException("JobClient could not find topic '" + completionsTopic + "' at "
                        + b.bootstrapServers + " within " + b.startTimeout + "; is the processor running and the topic created?");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting JobClient", e);
        }
        if (pollerFailure != null) {
            close();
            throw pollerFailure;
        }
    }

    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /**
     * Sends {@code request} under {@code key} and returns a future completed by the key's next
     * completion (the job's outcome, a replay, or a rejection).
     */
    public CompletableFuture<Completion> submit(String key, JobRequest request) {
        String requestId = UUID.randomUUID().toString();
        CompletableFuture<Completion> answer = register(key, requestId);
        send(key, request.encode(), requestId).whenComplete((md, err) -> {
            if (err != null) {
                answer.completeExceptionally(err);
            }
        });
        return answer;
    }

    /**
     * Sends {@code command} for the job under {@code key}. The future completes when the command
     * is on the topic; its effects show as events (SIGNALLED, RESUMED, CANCELLED) and, for a
     * cancel, as the job's completion. A command the processor refuses is answered by a
     * {@code REJECTED} completion carrying the command's request id ({@link #awaitCompletion}
     * registered before sending sees it).
     */
    public CompletableFuture<RecordMetadata> send(String key, JobCommand command) {
        return send(key, command.encode(), UUID.randomUUID().toString());
    }

    /**
     * Sends {@code command} for the job under {@code key} and returns a future completed by its
     * answer: a rejection ({@code REJECTED} with a reason such as {@code NO_SUCH_JOB}) or a replay
     * that answers this command alone (it carries the command's request id), or else the job's
     * next own completion, whichever comes first. A signal or resume that is applied may leave a
     * job waiting for a long time: bound the wait with {@code get(timeout)}.
     */
    public CompletableFuture<Completion> submit(String key, JobCommand command) {
        String requestId = UUID.randomUUID().toString();
        CompletableFuture<Completion> answer = register(key, requestId);
        send(key, command.encode(), requestId).whenComplete((md, err) -> {
            if (err != null) {
                answer.completeExceptionally(err);
            }
        });
        return answer;
    }

    /** Sends a raw value under {@code key} to the requests topic, without awaiting a completion. */
    public CompletableFuture<RecordMetadata> send(String key, byte[] value) {
        return send(key, value, null);
    }

    private CompletableFuture<RecordMetadata> send(String key, byte[] value, String requestId) {
        CompletableFuture<RecordMetadata> sent = new CompletableFuture<>();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(requestsTopic, key, value);
        if (requestId != null) {
            record.headers().add(Completion.REQUEST_ID_HEADER, requestId.getBytes(StandardCharsets.UTF_8));
        }
        producer.send(record, (md, err) -> {
            if (err != null) {
                sent.completeExceptionally(err);
            } else {
                sent.complete(md);
            }
        });
        return sent;
    }

    /** A future completed by the next completion published for {@code key} (whoever it answers). */
    public CompletableFuture<Completion> awaitCompletion(String key) {
        return register(key, null);
    }

    /** A pending answer: {@code requestId} null accepts any completion of the key. */
    private record Waiter(String requestId, CompletableFuture<Completion> future) {}

    private CompletableFuture<Completion> register(String key, String requestId) {
        Objects.requireNonNull(key, "key");
        CompletableFuture<Completion> f = new CompletableFuture<>();
        waiting.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(new Waiter(requestId, f));
        if (closed) {
            f.completeExceptionally(new IllegalStateException("JobClient is closed"));
        }
        return f;
    }

    /** Submits and waits; throws {@link TimeoutException} if no completion arrives in time. */
    public Completion submitAndWait(String key, JobRequest request, Duration timeout) throws Exception {
        try {
            return submit(key, request).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            TimeoutException t = new TimeoutException("no completion for key '" + key + "' (job " + request.job()
                    + ") on '" + completionsTopic + "' within " + timeout);
            t.initCause(e);
            throw t;
        }
    }

    /** Registers a listener for every completion this client reads (called on the poll thread). */
    public void onCompletion(Consumer<Completion> listener) {
        listeners.add(listener);
    }

    public void flush() {
        producer.flush();
    }

    private void pollLoop() {
        try {
            List<TopicPartition> parts = new ArrayList<>();
            while (!closed && parts.isEmpty()) {
                for (PartitionInfo pi : consumer.partitionsFor(completionsTopic, Duration.ofSeconds(5))) {
                    parts.add(new TopicPartition(pi.topic(), pi.partition()));
                }
                if (parts.isEmpty()) {
                    Thread.sleep(100);
                }
            }
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position); // resolve the lazy seek before anyone submits
            positioned.countDown();
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    dispatch(r);
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                pollerFailure = new IllegalStateException("completion poller woken up unexpectedly", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            pollerFailure = e;
            log.error("JobClient stopped reading '{}': {}", completionsTopic, e.toString(), e);
            waiting.values().forEach(l -> l.forEach(w -> w.future().completeExceptionally(e)));
        } finally {
            positioned.countDown();
            consumer.close();
        }
    }

    private void dispatch(ConsumerRecord<String, byte[]> r) {
        Completion c;
        try {
            c = Completion.decode(r.value());
        } catch (WireFormatException e) {
            log.warn("skipping undecodable completion at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            return;
        }
        for (Consumer<Completion> l : listeners) {
            l.accept(c);
        }
        if (r.key() == null) {
            return;
        }
        Header h = r.headers().lastHeader(Completion.REQUEST_ID_HEADER);
        List<Waiter> ws = waiting.get(r.key());
        if (ws == null) {
            return;
        }
        if (h != null) {
            // the answer to one request (a rejection or a replay): its sender gets it, and whoever
            // awaits the key's next completion, whatever it answers
            String id = new String(h.value(), StandardCharsets.UTF_8);
            for (Waiter w : ws) {
                if (id.equals(w.requestId()) || w.requestId() == null) {
                    ws.remove(w);
                    w.future().complete(c);
                }
            }
        } else {
            // the job's own completion answers every request for the key
            for (Waiter w : ws) {
                ws.remove(w);
                w.future().complete(c);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        consumer.wakeup();
        try {
            poller.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        IllegalStateException gone = new IllegalStateException("JobClient closed before a completion arrived");
        waiting.values().forEach(l -> l.forEach(w -> w.future().completeExceptionally(gone)));
    }

    public static final class Builder {
        private final String bootstrapServers;
        private final Map<String, Object> kafka = new HashMap<>();
        private String requestsTopic = "acidic.requests";
        private String completionsTopic = "acidic.completions";
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        }

        public Builder requestsTopic(String topic) {
            this.requestsTopic = Objects.requireNonNull(topic);
            return this;
        }

        public Builder completionsTopic(String topic) {
            this.completionsTopic = Objects.requireNonNull(topic);
            return this;
        }

        /** Any Kafka client setting (TLS, SASL, ...) applied to both the producer and the consumer. */
        public Builder kafkaProperty(String name, Object value) {
            kafka.put(name, value);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public JobClient build() {
            return new JobClient(this);
        }
    }
}
