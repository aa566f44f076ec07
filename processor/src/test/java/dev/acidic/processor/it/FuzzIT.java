package dev.acidic.processor.it;

import static dev.acidic.processor.it.FuzzBytes.header;
import static dev.acidic.processor.it.FuzzBytes.hex;
import static dev.acidic.processor.it.FuzzBytes.strictUtf8;
import static dev.acidic.processor.it.FuzzRecords.MAX_RECORD;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.internal.config.AcidicSettings;
import dev.acidic.processor.internal.config.CrossChecks;
import dev.acidic.processor.it.FuzzRecords.Expect;
import dev.acidic.processor.it.FuzzRecords.Limits;
import dev.acidic.processor.it.FuzzRecords.Rec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Fuzz test: thousands of random and mutated records, interleaved with valid requests, go through
 * raw producers to a real processor (embedded Kafka and Postgres). The processor must stay up (no
 * stream thread replaced), every valid job must finish exactly once, and every bad record must be
 * answered: by a completion under its key when it has one, and by a DLQ copy when it could not be
 * decoded or was malformed.
 *
 * <p>A share of the records, valid and bad alike, goes through producers with {@code compression.type}
 * gzip, zstd or lz4, and some are over the processor's limits: values past acidic.request.max.bytes
 * and past the producer's 1 MiB max.request.size (which the broker takes compressed), keys past
 * acidic.key.max.bytes, args nested too deep, headers of a megabyte; others sit just under the limits
 * and must run, those just over them are answered INVALID_REQUEST ({@link FuzzLimits}). The second
 * test does the same against the default limits (acidic.request.max.bytes 960 KiB); the third with
 * acidic.request.max.bytes at the largest value the processor starts with under the producer's
 * 1 MiB max.request.size (that less twice acidic.key.max.bytes and 16 KiB), where a valid request
 * at the limit, queued for its batch, makes the largest record the processor writes: its
 * pending-store entry, with its key and a request id of the longest size taken. Each test sends a
 * few such requests, as large as its limits allow, and checks that some valid requests at the size
 * limit went through the pending store (the last two with a longer batch linger, so that they do),
 * and that it kept nothing.
 *
 * <p>Reproducible: the seed (fixed unless {@code -Dfuzz.seed=random}) is printed and can be set with
 * {@code -Dfuzz.seed=N}; the counts with {@code -Dfuzz.bad=N}, {@code -Dfuzz.valid=N} and
 * {@code -Dfuzz.limits=N} (first test).
 */
class FuzzIT {
    /** Smaller than the 960 KiB default so oversized requests fit through the broker's limit even uncompressed. */
    private static final int REQUEST_MAX = 65_536;
    /** The processor's store of requests waiting for their batch (Outputs.PENDING); changelog {@code <app id>-<store>-changelog}. */
    private static final String PENDING_STORE = "acidic-pending";
    /**
     * The batch linger of the tests of few, large records (the default limits, the largest request
     * limit): megabyte records arrive slower than the default 2 ms linger, so most would reach an
     * idle thread and be driven at once; with this, those following a drive wait for their batch in
     * the pending store, as under load.
     */
    private static final String QUEUEING_LINGER = "100ms";
    /** Valid requests as large as the limits allow in every run (FuzzLimits.largestValid), besides those drawn at random. */
    private static final int LARGEST_VALID = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** How long to go on collecting answers once a stream thread has died (which fails the test). */
    private static final Duration AFTER_THREAD_DEATH = Duration.ofSeconds(20);

    private Harness h;

    @Test
    void randomAndMutatedRecordsAmongValidRequestsAreAllAnsweredAndTheValidJobsRunExactlyOnce() throws Exception {
        long seed = seed();
        run("fuzz", Map.of(AcidicConfig.REQUEST_MAX_BYTES, Integer.toString(REQUEST_MAX)),
                new Limits(AcidicSettings.DEFAULT_KEY_MAX_BYTES, REQUEST_MAX, AcidicSettings.DEFAULT_ARGS_MAX_DEPTH),
                new Random(seed), "fuzz-" + seed + ":", Integer.getInteger("fuzz.valid", 600), Integer.getInteger("fuzz.bad", 3000),
                Integer.getInteger("fuzz.limits", 120), seed);
    }

    @Test
    void compressedRecordsAtAndPastTheDefaultLimitsAreAnsweredAndThoseUnderThemRun() throws Exception {
        long seed = seed();
        run("fuzz-defaults", Map.of(AcidicConfig.BATCH_LINGER, QUEUEING_LINGER), new Limits(AcidicSettings.DEFAULT_KEY_MAX_BYTES,
                AcidicSettings.DEFAULT_REQUEST_MAX_BYTES, AcidicSettings.DEFAULT_ARGS_MAX_DEPTH), new Random(seed + 1),
                "fuzz-" + seed + "-defaults:", 150, 0, 80, seed);
    }

    /**
     * The largest request limit the processor accepts with the producer's default max.request.size:
     * a valid request there, queued for its batch, is written again whole in the pending store's
     * changelog, with its key and request id, and that record must still fit (one that did not put
     * the exactly-once transaction in error and looped its stream thread).
     */
    @Test
    void recordsAtAndPastTheLargestRequestLimitAllowedAreAnsweredAndThoseUnderItRun() throws Exception {
        long seed = seed();
        int largest = MAX_RECORD - 2 * AcidicSettings.DEFAULT_KEY_MAX_BYTES - CrossChecks.REQUEST_OVERHEAD_BYTES;
        run("fuzz-largest", Map.of(AcidicConfig.REQUEST_MAX_BYTES, Integer.toString(largest),
                AcidicConfig.BATCH_LINGER, QUEUEING_LINGER),
                new Limits(AcidicSettings.DEFAULT_KEY_MAX_BYTES, largest, AcidicSettings.DEFAULT_ARGS_MAX_DEPTH),
                new Random(seed + 2), "fuzz-" + seed + "-largest:", 120, 0, 80, seed);
    }

    /** Fixed by default, so the suite is deterministic; -Dfuzz.seed=random explores new inputs. */
    private static long seed() {
        String seedProperty = System.getProperty("fuzz.seed", "20261129");
        return seedProperty.equals("random") ? System.nanoTime() : Long.parseLong(seedProperty);
    }

    private void run(String label, Map<String, String> overrides, Limits limits, Random rnd, String keyPrefix, int validCount,
            int badCount, int limitCount, long seed) throws Exception {
        String repro = "(reproduce with -Dfuzz.seed=" + seed + ")";
        System.out.println("FuzzIT " + label + " seed " + seed + ": " + badCount + " bad records, " + limitCount
                + " over or near the limits " + limits + " and " + LARGEST_VALID + " as large as they allow, " + validCount
                + " valid requests " + repro);
        FuzzRecords g = new FuzzRecords(rnd, keyPrefix, limits);
        FuzzLimits overLimits = new FuzzLimits(g);

        ConcurrentLinkedQueue<ILoggingEvent> errors = new ConcurrentLinkedQueue<>();
        AppenderBase<ILoggingEvent> errorLog = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                if (e.getLevel().isGreaterOrEqual(Level.ERROR)) {
                    errors.add(e);
                }
            }
        };
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        errorLog.setContext(root.getLoggerContext());
        errorLog.start();
        root.addAppender(errorLog);
        long started = System.nanoTime();
        h = new Harness(label, overrides);
        try {
            AcidicProcessor processor = h.start();
            h.completions();
            h.dlq();
            System.out.printf("FuzzIT processor running after %d ms%n", ms(started));

            // Generate: valid requests spread at random among the bad records, plus a tail of valid
            // requests after all of them (they must still run if the bad ones broke nothing).
            int tail = Math.max(1, validCount / 12);
            List<Rec> body = new ArrayList<>();
            for (int i = 0; i < validCount - tail; i++) {
                body.add(g.valid());
            }
            for (int i = 0; i < badCount; i++) {
                body.add(g.bad());
            }
            for (int i = 0; i < limitCount; i++) {
                body.add(overLimits.next());
            }
            for (int i = 0; i < LARGEST_VALID; i++) {
                body.add(overLimits.largestValid());
            }
            Collections.shuffle(body, rnd);
            List<Rec> after = new ArrayList<>();
            for (int i = 0; i < tail; i++) {
                after.add(g.valid());
            }
            List<Rec> recs = new ArrayList<>(body);
            recs.addAll(after);
            for (Rec r : recs) {
                g.classify(r);
                overLimits.assignCodec(r);
            }
            produce(List.of(body, after));
            System.out.printf("FuzzIT produced %d records (%d MB) in %d ms%n", recs.size(),
                    recs.stream().mapToLong(Rec::size).sum() / 1_000_000, ms(started));

            awaitAnswers(recs, processor, errors, repro);
            awaitInputCommitted(repro);
            System.out.printf("FuzzIT every record answered after %d ms%n", ms(started));
            Map<String, List<ConsumerRecord<byte[], byte[]>>> completions = new HashMap<>();
            List<ConsumerRecord<byte[], byte[]>> completionRecords = readAll(h.config.completionsTopic());
            List<String> failures = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> c : completionRecords) {
                String k = c.key() == null ? null : strictUtf8(c.key());
                if (k == null) {
                    failures.add("a completion has a null or non-UTF-8 key: " + hex(c.key(), 80));
                    continue;
                }
                completions.computeIfAbsent(k, x -> new ArrayList<>()).add(c);
            }
            Map<String, List<ConsumerRecord<byte[], byte[]>>> dlq = new HashMap<>();
            List<ConsumerRecord<byte[], byte[]>> dlqRecords = readAll(h.config.dlqTopic());
            for (ConsumerRecord<byte[], byte[]> d : dlqRecords) {
                dlq.computeIfAbsent(FuzzChecks.header(d, "acidic.source.partition") + "@" + FuzzChecks.header(d, "acidic.source.offset"),
                        x -> new ArrayList<>()).add(d);
            }

            new FuzzChecks(h, keyPrefix).check(recs, completions, completionRecords.size(), dlq, dlqRecords.size(), failures);
            FuzzChecks.checkPendingStore(recs, readAll(h.config.applicationId() + "-" + PENDING_STORE + "-changelog"),
                    h.config.requestsTopic(), limits.requestMax(), failures);
            if (processor.state() != KafkaStreams.State.RUNNING) {
                failures.add("the processor's Streams client is " + processor.state() + ", not RUNNING");
            }
            if (processor.threadReplacements() != 0) {
                failures.add(processor.threadReplacements() + " stream thread(s) failed and were replaced");
            }
            List<String> threadErrors = relevantErrors(errors, recs);
            if (!threadErrors.isEmpty()) {
                failures.add(threadErrors.size() + " ERROR log line(s) from the processor or its stream threads: "
                        + threadErrors.subList(0, Math.min(5, threadErrors.size())));
            }
            FuzzChecks.summarize(recs, completions, dlq);
            System.out.printf("FuzzIT finished in %d ms with %d failure(s) %s%n", ms(started), failures.size(), repro);
            failures.stream().limit(200).forEach(f -> System.out.println("FuzzIT FAILURE " + f));
            assertTrue(failures.isEmpty(), failures.size() + " failure(s) " + repro + ", first ones:\n"
                    + String.join("\n", failures.subList(0, Math.min(25, failures.size()))));
        } finally {
            root.detachAppender(errorLog);
            errorLog.stop();
            h.close();
        }
    }

    // ---------------------------------------------------------------- producing and waiting

    /**
     * Sends each record through the producer of its codec: a plain one with Kafka's defaults, and
     * one per compression type whose max.request.size lets a large but compressible record through
     * (the broker checks the compressed batch). Each phase is sent and flushed before the next.
     */
    private void produce(List<List<Rec>> phases) throws Exception {
        Map<String, KafkaProducer<byte[], byte[]>> producers = new LinkedHashMap<>();
        try {
            List<String> codecs = new ArrayList<>(List.of("none"));
            codecs.addAll(FuzzLimits.CODECS);
            for (String codec : codecs) {
                Properties p = new Properties();
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, h.infra.kafka.bootstrapServers());
                p.put(ProducerConfig.ACKS_CONFIG, "all");
                p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
                if (!codec.equals("none")) {
                    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
                    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 * 1_048_576));
                    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1_048_576));
                }
                producers.put(codec, new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer()));
            }
            for (List<Rec> recs : phases) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (Rec r : recs) {
                    sent.add(producers.get(r.codec).send(new ProducerRecord<>(h.config.requestsTopic(), null, null, r.key, r.value,
                            r.headers)));
                }
                for (KafkaProducer<byte[], byte[]> producer : producers.values()) {
                    producer.flush();
                }
                for (int i = 0; i < recs.size(); i++) {
                    RecordMetadata md;
                    try {
                        md = sent.get(i).get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw new AssertionError("cannot send " + recs.get(i).describe(), e);
                    }
                    recs.get(i).partition = md.partition();
                    recs.get(i).offset = md.offset();
                    recs.get(i).timestamp = md.timestamp();
                }
            }
        } finally {
            producers.values().forEach(KafkaProducer::close);
        }
    }

    /** Waits until every record with an answerable key has a completion and every other one a DLQ copy. */
    private void awaitAnswers(List<Rec> recs, AcidicProcessor processor, ConcurrentLinkedQueue<ILoggingEvent> errors, String repro)
            throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long lastReport = System.nanoTime();
        long firstDeath = 0;
        while (true) {
            Set<String> answered = new HashSet<>();
            for (ConsumerRecord<String, byte[]> c : h.completions().records()) {
                answered.add(c.key());
            }
            Set<String> copied = new HashSet<>();
            for (ConsumerRecord<String, byte[]> d : h.dlq().records()) {
                copied.add(header(d.headers().lastHeader("acidic.source.partition")) + "@"
                        + header(d.headers().lastHeader("acidic.source.offset")));
            }
            List<Rec> missing = new ArrayList<>();
            for (Rec r : recs) {
                boolean byCopy = r.expect == Expect.DLQ_ONLY || r.expect == Expect.UNANSWERABLE;
                if (!(byCopy ? copied.contains(r.partition + "@" + r.offset) : answered.contains(r.keyText))) {
                    missing.add(r);
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            if (System.nanoTime() - lastReport > 2_000_000_000L) {
                lastReport = System.nanoTime();
                long validLeft = missing.stream().filter(r -> r.expect == Expect.SUCCEED).count();
                System.out.printf("FuzzIT waiting: %d records unanswered (%d of them valid requests)%n", missing.size(), validLeft);
            }
            if (firstDeath == 0 && (!relevantErrors(errors, recs).isEmpty() || processor.threadReplacements() > 0)) {
                firstDeath = System.nanoTime();
            }
            // a dead stream thread fails the test anyway: wait a little for the rest, not the whole timeout
            boolean stalled = firstDeath != 0 && System.nanoTime() - firstDeath > AFTER_THREAD_DEATH.toNanos();
            if (System.nanoTime() > deadline || stalled) {
                StringBuilder b = new StringBuilder(missing.size() + " of " + recs.size() + " records got no answer "
                        + (stalled ? "(stopped waiting " + ms(firstDeath) + " ms after the first error)"
                                : "within " + TIMEOUT.toSeconds() + " s")
                        + "; processor state " + processor.state() + ", " + processor.threadReplacements()
                        + " stream thread(s) replaced " + repro + ".\nUnanswered records (the first of each partition, then others):");
                Map<Integer, Rec> firstPerPartition = new TreeMap<>();
                for (Rec r : missing) {
                    firstPerPartition.merge(r.partition, r, (a, c) -> a.offset <= c.offset ? a : c);
                }
                firstPerPartition.values().forEach(r -> b.append("\n  ").append(r.describe()));
                missing.stream().filter(r -> !firstPerPartition.containsValue(r) && r.expect != Expect.SUCCEED).limit(20)
                        .forEach(r -> b.append("\n  ").append(r.describe()));
                List<String> errs = relevantErrors(errors, recs);
                b.append("\nRecords a stream thread died on:");
                Set<String> culprits = new HashSet<>();
                for (String e : errs) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("partition=(\\d+), offset=(\\d+)").matcher(e);
                    if (m.find()) {
                        culprits.add(m.group(1) + "@" + m.group(2));
                    }
                }
                recs.stream().filter(r -> culprits.contains(r.partition + "@" + r.offset))
                        .forEach(r -> b.append("\n  ").append(r.describe()));
                b.append("\nERROR log lines (").append(errs.size()).append("), first ones:");
                errs.stream().limit(8).forEach(e -> b.append("\n  ").append(e));
                System.out.println("FuzzIT FAILURE " + b);
                throw new AssertionError(b.toString());
            }
            Thread.sleep(100);
        }
    }

    /** Waits until the processor has committed its input offsets to the end of the requests topic. */
    private void awaitInputCommitted(String repro) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, h.infra.kafka.bootstrapServers());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (Admin admin = Admin.create(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (var e : admin.describeTopics(List.of(h.config.requestsTopic())).allTopicNames().get().entrySet()) {
                e.getValue().partitions().forEach(pi -> parts.add(new TopicPartition(e.getKey(), pi.partition())));
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            parts.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get();
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(h.config.applicationId())
                        .partitionsToOffsetAndMetadata().get();
                List<String> behind = new ArrayList<>();
                for (TopicPartition tp : parts) {
                    OffsetAndMetadata c = committed.get(tp);
                    long at = c == null ? 0 : c.offset();
                    if (at < ends.get(tp).offset()) {
                        behind.add(tp + " at " + at + " of " + ends.get(tp).offset());
                    }
                }
                if (behind.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("every record was answered, but the processor has not committed its input: " + behind
                            + " " + repro);
                }
                Thread.sleep(50);
            }
        }
    }

    /** Every committed record of a topic, read to its end with a consumer of its own. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, h.infra.kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "4194304");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(10))) {
                parts.add(new TopicPartition(topic, pi.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("cannot read " + topic + " to its end " + ends);
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * ERROR lines of this processor (its stream threads carry the application id in their names) or
     * of Acidic code, but for the one line that says a completion under a key too long for any
     * record could not be sent (Expect.UNANSWERABLE).
     */
    private List<String> relevantErrors(ConcurrentLinkedQueue<ILoggingEvent> errors, List<Rec> recs) {
        Set<String> unanswerable = new HashSet<>();
        for (Rec r : recs) {
            if (r.expect == Expect.UNANSWERABLE) {
                unanswerable.add("cannot send the REJECTED completion of key '" + FuzzBytes.keyPreview(r.key) + "'");
            }
        }
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : errors) {
            String m = e.getFormattedMessage();
            boolean expected = e.getLoggerName().endsWith(".Replies") && unanswerable.stream().anyMatch(m::startsWith);
            if (!expected && (e.getThreadName().contains(h.name) || e.getLoggerName().startsWith("dev.acidic"))) {
                IThrowableProxy t = e.getThrowableProxy();
                while (t != null && t.getCause() != null) {
                    t = t.getCause();
                }
                out.add("[" + e.getThreadName() + "] " + e.getLoggerName() + " - " + FuzzBytes.printable(m, 1_000)
                        + (t == null ? "" : " / caused by " + t.getClassName() + ": " + t.getMessage()));
            }
        }
        return out;
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
