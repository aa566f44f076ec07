package dev.acidic.processor.internal.streams;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobError;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.internal.engine.DriveResult;
import dev.acidic.processor.internal.engine.Engine;
import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.engine.LogContext;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.metrics.AcidicMetrics;
import dev.acidic.processor.internal.store.PostgresHealth;
import dev.acidic.processor.internal.store.RecordFailures;
import dev.acidic.processor.internal.store.Shards;
import dev.acidic.processor.internal.store.SqlErrors;
import dev.acidic.processor.internal.store.Sweeps;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's processor: decodes requests, has the engine drive their keys, and maps what a drive
 * did to outputs (published journal, completions, timers, continuations).
 *
 * <p>Exactly-once rests on one rule: anything sent to Kafka is derived from committed Postgres
 * state and accounted for in the cursor store, which commits atomically with the sends and the
 * input offsets. A crash between the Postgres commit and the Kafka commit therefore only delays
 * publication until the key is driven again (the request is redelivered, a timer or continuation
 * fires, or the {@link Completer} finds the key idle), and the cursor keeps anything from going
 * out twice. One cursor per key: a key is driven only by the task of its home partition (stored
 * with the key when it is created); a record for it that reaches another task is forwarded home.
 *
 * <p>A Postgres outage fails nothing: a request that meets one waits (parked in the pending store
 * under exactly-once, held by its stream thread under at-least-once) and due keys are pushed back
 * until {@link PostgresHealth} sees Postgres answer again.
 */
final class AcidicStreamProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(AcidicStreamProcessor.class);
    /** When a key met in an outage, or pushed back during one, is looked at again. */
    private static final long OUTAGE_RETRY_MS = 1_000;
    /** The DLQ reason code of a record that cannot be answered (no key, a key that is not UTF-8). */
    static final String UNANSWERABLE = "UNANSWERABLE";

    private final AcidicConfig cfg;
    private final Shards shards;
    private DataSource ds;
    private PostgresHealth health;
    private Engine engine;
    private final RequestDecoder decoder;
    private final JobRegistry jobs;
    private final AcidicMetrics metrics;
    private ProcessorContext<byte[], byte[]> ctx;
    private Replies replies;
    private JournalPublisher publisher;
    private TimerStore timers;
    private PendingBatch pending;
    private PoisonGuard guard;
    private Forwarding forwarding;
    private Commands commands;
    private Outages outages;
    private int partition;
    private final java.util.function.LongSupplier pendingTimers = () -> timers.pending();

    AcidicStreamProcessor(AcidicConfig cfg, JobRegistry jobs, Shards shards, AcidicMetrics metrics) {
        this.cfg = cfg;
        this.metrics = metrics;
        this.shards = shards;
        this.jobs = jobs;
        this.decoder = new RequestDecoder(new RequestDecoder.Limits(cfg.keyMaxBytes(), cfg.requestMaxBytes(), cfg.argsMaxDepth()),
                jobs);
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.ctx = context;
        this.partition = context.taskId().partition();
        if (shards.layout().sharded() && partition >= shards.layout().partitions()) {
            throw new PartitionsAdded(cfg.requestsTopic(), partition, shards.layout());
        }
        Shards.Shard shard = shards.forPartition(partition); // this task's keys live there, and only there
        this.ds = shard.ds();
        this.health = shard.health();
        this.engine = new Engine(ds, jobs, cfg.engineSettings(shards.layout()), metrics);
        this.replies = new Replies(context, cfg.maxRecordBytes(), metrics);
        this.guard = new PoisonGuard(new RecordFailures(ds), cfg.recordMaxFailures(), replies, cfg.continuationsTopic(), metrics);
        this.publisher = new JournalPublisher(context, context.getStateStore(Outputs.CURSORS), ds, replies, metrics);
        this.forwarding = new Forwarding(context, partition, cfg.requestsTopic(), shards.layout().sharded(), replies);
        this.commands = new Commands(engine, publisher, replies, forwarding, partition);
        this.timers = new TimerStore(context, context.getStateStore(Outputs.TIMERS), cfg.timerInterval(), cfg.driveBudget(),
                (key, dueAt) -> guard.handleTimer(key, partition, dueAt, () -> {
                    Faults.hitUnchecked(Faults.Point.FIRE_TIMER, key);
                    driveOrRetryLater(key);
                }));
        this.pending = new PendingBatch(context, context.getStateStore(Outputs.PENDING), cfg.batchMax(), cfg.batchLinger(),
                this::driveBatch, health::isDown);
        this.outages = new Outages(health, pending, cfg.exactlyOnce(), cfg.maxPollInterval());
        pending.restore();
        timers.resume();
        metrics.trackTimers(pendingTimers);
        CompleterPace pace = new CompleterPace(cfg.completerIdle(), cfg.driveBudget());
        new Completer(context, new Sweeps(ds, Completer.criteria(partition, cfg, pace, jobs.names())), pace, health,
                (key, lastRunAt) -> guard.handleSweep(key, partition, lastRunAt, () -> driveOrRetryLater(key))).start();
    }

    @Override
    @SuppressWarnings("try") // the scope is the point: the key is in the MDC while the record is handled
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata md = ctx.recordMetadata().orElseThrow();
        Header rid = record.headers().lastHeader(Completion.REQUEST_ID_HEADER);
        byte[] value = record.value();
        boolean forwarded = md.topic().equals(cfg.continuationsTopic()) && Continuation.isRequest(value);
        Pending src = new Pending(record.key(), forwarded ? Continuation.requestValue(value) : value,
                rid == null ? null : rid.value(), md.topic(), md.partition(), md.offset(), record.timestamp());
        int to = md.topic().equals(cfg.continuationsTopic()) ? Continuation.partition(value) : partition;
        // a drive for a key whose home its sender did not know is driven here, or forwarded home
        int addressedTo = to == Continuation.ANY ? partition : to;
        long started = System.nanoTime();
        try (LogContext lc = LogContext.key(record.key() == null ? null : RequestDecoder.preview(record.key()))) {
            guard.handle(src, () -> handle(src, forwarded, addressedTo));
        }
        commitIfSlow(started);
    }

    /**
     * A drive slower than its budget (slow steps) asks Streams to commit soon, so that the Kafka
     * transaction it ran in does not stay open across the next records' drives too.
     */
    private void commitIfSlow(long startedNanos) {
        if (System.nanoTime() - startedNanos > cfg.driveBudget().toNanos()) {
            ctx.commit();
        }
    }

    /**
     * @param forwarded a request forwarded to its key's home task through the continuations topic
     * @param addressedTo the task a continuation was meant for (this one, unless partitions were added)
     */
    private void handle(Pending src, boolean forwarded, int addressedTo) {
        Faults.hitUnchecked(Faults.Point.HANDLE_RECORD, src.key() == null ? null : RequestDecoder.preview(src.key()));
        boolean drive = src.topic().equals(cfg.continuationsTopic()) && !forwarded;
        if (addressedTo != partition) {
            String key = src.key() == null ? null : RequestDecoder.decodeKey(src.key());
            forwarding.misrouted(src, key, addressedTo);
            if (drive && key != null) {
                timers.schedule(key, cfg.lockTimeout().toMillis()); // looked at again, and sent home once it can be
            } else if (!drive && key != null) {
                replies.reject(src, key, null, Completion.PROCESSING_FAILED, "the request reached task " + partition
                        + " instead of its key's home task " + addressedTo + ": partitions were added to " + cfg.requestsTopic()
                        + " and " + cfg.continuationsTopic() + " was not grown yet (processors grow it when they meet the new"
                        + " partitions, or at start); send the request again", true);
            }
            return;
        }
        if (drive) {
            String key = src.key() == null ? null : RequestDecoder.decodeKey(src.key());
            if (key != null) {
                driveOrRetryLater(key);
            }
            return;
        }
        if (shards.layout().sharded() && src.key() != null) {
            // sharded: a key lives in its partition's database alone, so a request that reached
            // another task (another partitioner, an explicit partition) goes there before anything
            // looks for the key, or it would be created a second time, in this task's database
            int home = AcidicTopology.partitionOf(src.key(), shards.layout().partitions());
            if (home != partition) {
                // answered here if it is no request at all (validation needs no database), so that
                // only what fits a record is forwarded
                if (decodeOrAnswer(src) != null) {
                    forwarding.home(RequestDecoder.preview(src.key()), src.key(), src, home);
                }
                return;
            }
        }
        RequestDecoder.Decoded decoded = decodeOrAnswer(src);
        if (decoded instanceof RequestDecoder.Accepted a) {
            accept(src, a.key(), a.request());
        } else if (decoded instanceof RequestDecoder.Commanded c) {
            pending.drain(); // requests that came before it first: a cancel right after its request finds the job
            outages.untilDone(new PendingBatch.Queued(null, src, c.key(), null), () -> command(src, c));
        }
    }

    /**
     * The request or command {@code src} holds ({@link RequestDecoder.Accepted} or
     * {@link RequestDecoder.Commanded}), or null once it was answered (rejected) or sent to the DLQ.
     */
    private RequestDecoder.Decoded decodeOrAnswer(Pending src) {
        RequestDecoder.Decoded decoded = decoder.decode(src.key(), src.value(), src.requestId());
        if (decoded instanceof RequestDecoder.Unanswerable u) {
            replies.dlq(src, UNANSWERABLE, u.reason());
            return null;
        } else if (decoded instanceof RequestDecoder.Rejected r) {
            replies.reject(src, r.key(), r.job(), r.reason(), r.message(), r.toDlq());
            return null;
        }
        return decoded;
    }

    private void command(Pending src, RequestDecoder.Commanded c) {
        boolean drive;
        try {
            drive = commands.run(src, c.key(), c.command());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot apply the " + c.command().command() + " for key '" + c.key() + "': "
                    + e.getMessage() + "; it will be applied again", e);
        }
        if (drive) {
            driveOrRetryLater(c.key());
        }
    }

    private void accept(Pending src, String key, JobRequest request) {
        PendingBatch.Queued q = new PendingBatch.Queued(null, src, key, request);
        // Batching needs exactly-once: only then do the pending store and the input offsets commit
        // together. Under at-least-once they can part after a crash, and a request driven from the
        // restored store would come again as a record, and be answered twice.
        if (cfg.batchMax() <= 1 || !cfg.exactlyOnce() || pending.driveAtOnce()) {
            drive(q);
            PendingBatch.markThreadBusy();
            return;
        }
        pending.add(q);
    }

    /** Drives one request by itself; one that meets an outage waits it out. */
    private void drive(PendingBatch.Queued q) {
        outages.untilDone(q, () -> {
            DriveResult d;
            try {
                d = engine.drive(q.key(), q.request(), partition);
            } catch (SQLException e) {
                answerFailure(q, e);
                return;
            }
            handle(q.key(), q.source(), q.request(), d);
        });
    }

    /**
     * Drives pending requests as one batch and answers each, in arrival order.
     *
     * @return the requests that met an outage: they stay pending
     */
    private List<PendingBatch.Queued> driveBatch(List<PendingBatch.Queued> queued) {
        List<PendingBatch.Queued> batch = new ArrayList<>(queued.size());
        List<PendingBatch.Queued> waiting = new ArrayList<>();
        for (PendingBatch.Queued q : queued) {
            if (!q.restored()) {
                batch.add(q);
                continue;
            }
            // restored from the store (or parked in an outage before it was decoded): decoded by
            // this version's rules, answered if it refuses it
            RequestDecoder.Decoded decoded = decodeOrAnswer(q.source());
            if (decoded instanceof RequestDecoder.Accepted a) {
                batch.add(new PendingBatch.Queued(q.storeKey(), q.source(), a.key(), a.request()));
            } else if (decoded instanceof RequestDecoder.Commanded c) {
                // in arrival order: the requests before it first, then the command by itself
                drive(batch, waiting);
                batch.clear();
                if (health.isDown()) {
                    waiting.add(q);
                    continue;
                }
                outages.orWait(q, waiting, () -> guard.handle(q.source(), () -> command(q.source(), c)));
            }
        }
        drive(batch, waiting);
        return waiting;
    }

    /** Drives {@code batch} (requests) as one batch and answers each; adds those that met an outage to {@code waiting}. */
    private void drive(List<PendingBatch.Queued> batch, List<PendingBatch.Queued> waiting) {
        if (health.isDown()) {
            waiting.addAll(batch); // an earlier part met an outage: no connection attempt for the rest
            return;
        }
        List<Engine.Item> items = new ArrayList<>(batch.size());
        for (PendingBatch.Queued q : batch) {
            items.add(new Engine.Item(q.key(), q.request()));
        }
        long started = System.nanoTime();
        List<Engine.Outcome> outcomes = engine.driveBatch(items, partition);
        commitIfSlow(started);
        if (log.isDebugEnabled()) {
            log.debug("task partition {}: drove a batch of {} requests", partition, items.size());
        }
        for (int i = 0; i < batch.size(); i++) {
            PendingBatch.Queued q = batch.get(i);
            Engine.Outcome o = outcomes.get(i);
            // counted against this request's own coordinates: a batch drains from a punctuator,
            // or while another record is processed
            outages.orWait(q, waiting, () -> guard.handle(q.source(), () -> {
                if (o.failure() != null) {
                    answerFailure(q, o.failure());
                } else {
                    handle(q.key(), q.source(), q.request(), o.result());
                }
            }));
        }
    }

    /**
     * A request Postgres refused: its data (a NUL byte, say) is rejected; an outage or any other
     * failure is thrown, for the caller to wait it out or the poison guard to count.
     */
    private void answerFailure(PendingBatch.Queued q, SQLException e) {
        if (SqlErrors.isDataError(e)) {
            replies.reject(q.source(), q.key(), q.request().job(), Completion.INVALID_REQUEST,
                    "Postgres refused the request's data: " + e.getMessage(), true);
            return;
        }
        throw new IllegalStateException("cannot claim key '" + q.key() + "' (job " + q.request().job() + "): " + e.getMessage()
                + "; the request will be processed again", e);
    }

    /**
     * @param src the request being handled, whose request-id header is copied onto completions
     *     that answer that request alone (rejection, replay); null for timers and continuations
     */
    private void handle(String key, Pending src, JobRequest request, DriveResult d) {
        byte[] keyBytes = src == null ? key.getBytes(StandardCharsets.UTF_8) : src.key();
        byte[] answerTo = src == null ? null : src.requestId();
        // a key homed elsewhere is published by its home task's cursor alone
        boolean terminalPublished = d.kind() != DriveResult.Kind.ELSEWHERE && publisher.publish(key, keyBytes, d);
        switch (d.kind()) {
            case MISMATCH -> replies.completion(keyBytes, new Completion(key, CompletionStatus.REJECTED, request.job(), null,
                    new JobError(Completion.MISMATCHED_ARGUMENTS, "key '" + key + "' is already used by job '" + d.job()
                            + "' with other arguments; the existing job is unchanged", null, null),
                    Completion.MISMATCHED_ARGUMENTS, false), answerTo);
            case DONE -> {
                if (request != null && d.wasFinished() && !terminalPublished) {
                    replies.completion(keyBytes, Replies.replay(key, d.row()), answerTo);
                }
            }
            case WAIT -> timers.schedule(key, d.retryInMillis());
            case CONTINUE -> ctx.forward(new Record<>(keyBytes, Continuation.drive(partition), ctx.currentSystemTimeMs()),
                    Outputs.CONTINUE);
            case ELSEWHERE -> forwarding.stored(key, keyBytes, src, d.row().partition());
            case LOST, MISSING, HALTED, AWAITING -> { }
            default -> throw new IllegalStateException("unexpected drive result " + d.kind());
        }
    }

    @SuppressWarnings("try") // the scope is the point: the key is in the MDC while it is driven
    private void driveOrRetryLater(String key) {
        if (health.isDown()) {
            timers.schedule(key, OUTAGE_RETRY_MS);
            return;
        }
        long started = System.nanoTime();
        try (LogContext lc = LogContext.key(key)) {
            handle(key, null, null, engine.drive(key, null, partition));
            commitIfSlow(started);
        } catch (SQLException | RuntimeException e) {
            if (SqlErrors.isUnavailable(e)) {
                health.markDown(e);
            } else if (e instanceof RuntimeException r) {
                throw r;
            } else {
                log.warn("cannot drive key '{}': {}; trying again in {} ms", key, e.toString(), OUTAGE_RETRY_MS);
            }
            timers.schedule(key, OUTAGE_RETRY_MS);
        }
    }

    @Override
    public void close() {
        metrics.untrackTimers(pendingTimers);
    }
}
