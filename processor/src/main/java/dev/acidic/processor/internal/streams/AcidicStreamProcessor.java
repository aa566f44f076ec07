package dev.acidic.processor.internal.streams;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobError;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.internal.engine.Backoff;
import dev.acidic.processor.internal.engine.DriveResult;
import dev.acidic.processor.internal.engine.Engine;
import dev.acidic.processor.internal.engine.EngineSettings;
import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.store.RecordFailures;
import dev.acidic.processor.internal.store.SqlErrors;
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
 * publication until the key is driven again (the request is redelivered, or a timer or
 * continuation fires), and the cursor keeps anything from going out twice.
 */
final class AcidicStreamProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(AcidicStreamProcessor.class);

    private final AcidicConfig cfg;
    private final DataSource ds;
    private final Engine engine;
    private final RequestDecoder decoder;
    private ProcessorContext<byte[], byte[]> ctx;
    private Replies replies;
    private JournalPublisher publisher;
    private TimerStore timers;
    private PendingBatch pending;
    private PoisonGuard guard;
    private int partition;

    AcidicStreamProcessor(AcidicConfig cfg, JobRegistry jobs, DataSource ds) {
        this.cfg = cfg;
        this.ds = ds;
        this.engine = new Engine(ds, jobs, new EngineSettings(cfg.instanceId(), cfg.lockTimeout(),
                new Backoff(cfg.retryInitialDelay(), cfg.retryFactor(), cfg.retryMaxDelay(), cfg.retryMaxAttempts()),
                cfg.driveBudget(), cfg.transactionIdleTimeout(), cfg.stepTimeout(), cfg.resultMaxBytes(), cfg.errorMessageMaxChars()));
        this.decoder = new RequestDecoder(new RequestDecoder.Limits(cfg.keyMaxBytes(), cfg.requestMaxBytes(), cfg.argsMaxDepth()),
                jobs);
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.ctx = context;
        this.partition = context.taskId().partition();
        this.replies = new Replies(context, cfg.maxRecordBytes());
        this.guard = new PoisonGuard(new RecordFailures(ds), cfg.recordMaxFailures(), replies, cfg.continuationsTopic());
        this.publisher = new JournalPublisher(context, context.getStateStore(Outputs.CURSORS), ds, replies);
        this.timers = new TimerStore(context, context.getStateStore(Outputs.TIMERS), cfg.timerInterval(), cfg.driveBudget(),
                key -> driveOrRetryLater(key, key.getBytes(StandardCharsets.UTF_8)));
        this.pending = new PendingBatch(context, context.getStateStore(Outputs.PENDING), cfg.batchMax(), cfg.batchLinger(),
                this::driveBatch);
        pending.restore();
        timers.resume();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata md = ctx.recordMetadata().orElseThrow();
        Header rid = record.headers().lastHeader(Completion.REQUEST_ID_HEADER);
        Pending src = new Pending(record.key(), record.value(), rid == null ? null : rid.value(), md.topic(), md.partition(),
                md.offset(), record.timestamp());
        guard.handle(src, () -> handle(src));
    }

    private void handle(Pending src) {
        Faults.hitUnchecked(Faults.Point.HANDLE_RECORD, src.key() == null ? null : RequestDecoder.preview(src.key()));
        if (src.topic().equals(cfg.continuationsTopic())) {
            String key = src.key() == null ? null : RequestDecoder.decodeKey(src.key());
            if (key != null) {
                driveOrRetryLater(key, src.key());
            }
            return;
        }
        RequestDecoder.Accepted a = decodeOrAnswer(src);
        if (a != null) {
            accept(src, a.key(), a.request());
        }
    }

    /** The request {@code src} holds, or null once it was answered (rejected) or sent to the DLQ. */
    private RequestDecoder.Accepted decodeOrAnswer(Pending src) {
        RequestDecoder.Decoded decoded = decoder.decode(src.key(), src.value());
        if (decoded instanceof RequestDecoder.Unanswerable u) {
            replies.dlq(src, u.reason());
        } else if (decoded instanceof RequestDecoder.Rejected r) {
            replies.reject(src, r.key(), r.job(), r.reason(), r.message(), r.toDlq());
        } else if (decoded instanceof RequestDecoder.Accepted a) {
            return a;
        }
        return null;
    }

    private void accept(Pending src, String key, JobRequest request) {
        // Batching needs exactly-once: only then do the pending store and the input offsets commit
        // together. Under at-least-once they can part after a crash, and a request driven from the
        // restored store would come again as a record, and be answered twice.
        if (cfg.batchMax() <= 1 || !cfg.exactlyOnce() || pending.driveAtOnce()) {
            drive(new PendingBatch.Queued(null, src, key, request));
            PendingBatch.markThreadBusy();
            return;
        }
        pending.add(src, key, request);
    }

    /** Drives one request by itself. */
    private void drive(PendingBatch.Queued q) {
        DriveResult d;
        try {
            d = engine.drive(q.key(), q.request(), partition);
        } catch (SQLException e) {
            answerFailure(q, e);
            return;
        }
        handle(q.key(), q.source().key(), q.request(), d, q.source().requestId());
    }

    /** Drives pending requests as one batch and answers each, in arrival order. */
    private void driveBatch(List<PendingBatch.Queued> queued) {
        List<PendingBatch.Queued> batch = new ArrayList<>(queued.size());
        for (PendingBatch.Queued q : queued) {
            if (!q.restored()) {
                batch.add(q);
                continue;
            }
            // restored from the store: decoded by this version's rules, answered if it refuses it
            RequestDecoder.Accepted a = decodeOrAnswer(q.source());
            if (a != null) {
                batch.add(new PendingBatch.Queued(q.storeKey(), q.source(), a.key(), a.request()));
            }
        }
        List<Engine.Item> items = new ArrayList<>(batch.size());
        for (PendingBatch.Queued q : batch) {
            items.add(new Engine.Item(q.key(), q.request()));
        }
        List<Engine.Outcome> outcomes = engine.driveBatch(items, partition);
        if (log.isDebugEnabled()) {
            log.debug("task partition {}: drove a batch of {} requests", partition, items.size());
        }
        for (int i = 0; i < batch.size(); i++) {
            PendingBatch.Queued q = batch.get(i);
            Engine.Outcome o = outcomes.get(i);
            if (o.failure() != null) {
                answerFailure(q, o.failure());
            } else {
                handle(q.key(), q.source().key(), q.request(), o.result(), q.source().requestId());
            }
        }
    }

    /**
     * A request Postgres refused: its data (a NUL byte, say) is rejected; an outage fails this
     * attempt so that the request is processed again, never dropped.
     */
    private void answerFailure(PendingBatch.Queued q, SQLException e) {
        if (SqlErrors.isDataError(e)) {
            replies.reject(q.source(), q.key(), q.request().job(), Completion.INVALID_REQUEST,
                    "Postgres refused the request's data: " + e.getMessage(), true);
            return;
        }
        throw new IllegalStateException("cannot claim key '" + q.key() + "' (job " + q.request().job()
                + "): Postgres unavailable; the request will be processed again", e);
    }

    /**
     * @param answerTo the request-id header value of the request being handled, copied onto
     *     completions that answer that request alone (rejection, replay); null for timers and
     *     continuations
     */
    private void handle(String key, byte[] keyBytes, JobRequest request, DriveResult d, byte[] answerTo) {
        boolean terminalPublished = publisher.publish(key, keyBytes, d);
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
            case CONTINUE -> ctx.forward(new Record<>(keyBytes, AcidicTopology.SamePartition.value(partition),
                    ctx.currentSystemTimeMs()), Outputs.CONTINUE);
            case LOST, MISSING -> { }
            default -> throw new IllegalStateException("unexpected drive result " + d.kind());
        }
    }

    private void driveOrRetryLater(String key, byte[] keyBytes) {
        DriveResult d;
        try {
            d = engine.drive(key, null, partition);
        } catch (SQLException e) {
            log.warn("cannot drive key '{}': {}; trying again in 1 s", key, e.toString());
            timers.schedule(key, 1_000);
            return;
        }
        handle(key, keyBytes, null, d, null);
    }
}
