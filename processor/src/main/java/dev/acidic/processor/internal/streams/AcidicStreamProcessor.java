package dev.acidic.processor.internal.streams;

import dev.acidic.processor.internal.engine.Backoff;
import dev.acidic.processor.internal.engine.DriveResult;
import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.engine.KeyDriver;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.SqlErrors;
import dev.acidic.processor.internal.store.StagedJob;
import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobError;
import dev.acidic.api.JobRequest;
import dev.acidic.api.WireFormatException;
import dev.acidic.processor.AcidicConfig;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's processor: decodes requests, drives keys, publishes their journal from Postgres and
 * keeps the per-key publish cursor and the timers in state stores.
 *
 * <p>Exactly-once rests on one rule: anything sent to Kafka is derived from committed Postgres
 * state and accounted for in the cursor store, which commits atomically with the sends and the
 * input offsets. A crash between the Postgres commit and the Kafka commit therefore only delays
 * publication until the key is driven again (the request is redelivered, or a timer or
 * continuation fires), and the cursor keeps anything from going out twice.
 */
final class AcidicStreamProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(AcidicStreamProcessor.class);
    private static final int MAX_TIMERS_PER_PUNCTUATION = 1_000;

    private final AcidicConfig cfg;
    private final JobRegistry jobs;
    private final DataSource ds;
    private final KeyDriver driver;
    private final KeyStore store = new KeyStore();
    private ProcessorContext<byte[], byte[]> ctx;
    private KeyValueStore<String, byte[]> cursors;
    private KeyValueStore<Bytes, byte[]> timers;
    private KeyValueStore<Bytes, byte[]> pendingStore;
    /** Requests in the pending store, in arrival order, with their store keys and decoded form. */
    private final List<Queued> pending = new ArrayList<>();
    private final java.util.Set<Long> pendingOffsets = new java.util.HashSet<>();
    /**
     * When the last drive of requests on this stream thread ended (nanoTime), for all the tasks it
     * runs: a request reaching an idle thread is driven at once. Per thread, not per task: under
     * load a thread alternates between its tasks, and a task it just came back to is not idle.
     */
    private static final ThreadLocal<long[]> LAST_DRIVE_ENDED = ThreadLocal.withInitial(
            () -> new long[] {System.nanoTime() - java.util.concurrent.TimeUnit.DAYS.toNanos(1)}); // never drove: idle
    /** For tests: the calling thread has just driven requests, so the next ones wait for their batch. */
    static void markThreadBusy() {
        LAST_DRIVE_ENDED.get()[0] = System.nanoTime();
    }

    /** Highest requests offset this processor drove from the pending store. */
    private long drivenThrough = -1;
    private org.apache.kafka.streams.processor.Cancellable timerSchedule;
    private org.apache.kafka.streams.processor.Cancellable lingerSchedule;
    /** Wall-clock ms when the oldest pending request arrived. */
    private long oldestPendingAt;
    private int partition;

    private record Queued(Bytes storeKey, Pending source, String key, JobRequest request) {}

    AcidicStreamProcessor(AcidicConfig cfg, JobRegistry jobs, DataSource ds) {
        this.cfg = cfg;
        this.jobs = jobs;
        this.ds = ds;
        this.driver = new KeyDriver(ds, jobs, cfg.instanceId(), cfg.lockTimeout(),
                new Backoff(cfg.retryInitialDelay(), cfg.retryFactor(), cfg.retryMaxDelay(), cfg.retryMaxAttempts()),
                cfg.driveBudget(), cfg.transactionIdleTimeout(), cfg.stepTimeout());
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.ctx = context;
        this.cursors = context.getStateStore(Outputs.CURSORS);
        this.timers = context.getStateStore(Outputs.TIMERS);
        this.pendingStore = context.getStateStore(Outputs.PENDING);
        this.partition = context.taskId().partition();
        // A revived task (after an aborted transaction) may init this same object again: what
        // was in memory is void, the store (restored to the last commit) is the truth.
        pending.clear();
        pendingOffsets.clear();
        drivenThrough = -1;
        timerSchedule = null;
        lingerSchedule = null;
        // requests accepted before a crash or a move of this task: drive them first
        try (KeyValueIterator<Bytes, byte[]> it = pendingStore.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                Pending p = Pending.decode(kv.value);
                pending.add(new Queued(kv.key, p, Keys.decode(p.key()), JobRequest.decode(p.value())));
                pendingOffsets.add(p.offset());
            }
        }
        try (KeyValueIterator<Bytes, byte[]> it = timers.all()) {
            if (it.hasNext()) {
                timerPunctuator();
            }
        }
        if (!pending.isEmpty()) {
            lingerPunctuator();
        }
    }

    /*
     * Both punctuators run only while they have work. Kafka Streams commits a task after any
     * punctuation, so a punctuator left running every few milliseconds would make each idle
     * thread commit an exactly-once transaction every commit interval, for nothing: CPU on the
     * broker and a stream thread blocked in commits while requests wait.
     */

    /** Starts the timer punctuator unless it runs; it stops itself once the timer store is empty. */
    private void timerPunctuator() {
        if (timerSchedule == null) {
            timerSchedule = ctx.schedule(cfg.timerInterval(), PunctuationType.WALL_CLOCK_TIME, this::fireTimers);
        }
    }

    /**
     * Starts the linger punctuator unless it runs; it drains once the oldest request has waited
     * the linger (not at every tick: a drain longer than the linger would otherwise make every
     * following tick drain a batch of one), and stops when nothing is pending.
     */
    private void lingerPunctuator() {
        if (lingerSchedule == null) {
            lingerSchedule = ctx.schedule(cfg.batchLinger(), PunctuationType.WALL_CLOCK_TIME, now -> {
                if (!pending.isEmpty() && now - oldestPendingAt >= cfg.batchLinger().toMillis()) {
                    drainPending();
                }
                if (pending.isEmpty() && lingerSchedule != null) {
                    lingerSchedule.cancel();
                    lingerSchedule = null;
                }
            });
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata md = ctx.recordMetadata().orElseThrow();
        if (md.topic().equals(cfg.continuationsTopic())) {
            String key = record.key() == null ? null : Keys.decode(record.key());
            if (key != null) {
                driveOrRetryLater(key, record.key());
            }
            return;
        }
        Header rid = record.headers().lastHeader(Completion.REQUEST_ID_HEADER);
        Pending src = new Pending(record.key(), record.value(), rid == null ? null : rid.value(), md.topic(), md.partition(),
                md.offset(), record.timestamp());
        if (record.key() == null) {
            dlq(src, "null key: the record cannot be answered by key");
            return;
        }
        String key = Keys.decode(record.key());
        if (key == null) {
            dlq(src, "key is not valid UTF-8: the record cannot be answered by key");
            return;
        }
        String keyProblem = Keys.problem(key, record.key().length, cfg.keyMaxBytes());
        if (keyProblem != null) {
            reject(src, key, null, Completion.INVALID_REQUEST, keyProblem, true);
            return;
        }
        if (record.value() != null && record.value().length > cfg.requestMaxBytes()) {
            reject(src, key, null, Completion.INVALID_REQUEST, "request of " + record.value().length
                    + " bytes exceeds the limit of " + cfg.requestMaxBytes() + " bytes (acidic.request.max.bytes)", true);
            return;
        }
        JobRequest request;
        try {
            request = JobRequest.decode(record.value());
        } catch (WireFormatException e) {
            reject(src, key, null, Completion.INVALID_REQUEST, e.getMessage(), true);
            return;
        }
        if (!request.args().isObject()) {
            reject(src, key, request.job(), Completion.INVALID_REQUEST, "\"args\" must be a JSON object, got "
                    + request.args().getNodeType(), true);
            return;
        }
        int depth = Keys.depth(request.args());
        if (depth > cfg.argsMaxDepth()) {
            reject(src, key, request.job(), Completion.INVALID_REQUEST, "\"args\" nest " + depth
                    + " levels deep, more than the limit of " + cfg.argsMaxDepth() + " (acidic.args.max.depth)", true);
            return;
        }
        String number = Keys.oversizedNumber(request.args());
        if (number != null) {
            reject(src, key, request.job(), Completion.INVALID_REQUEST, "\"args\" hold " + number
                    + "; send such values as strings", true);
            return;
        }
        if (jobs.get(request.job()) == null) {
            reject(src, key, request.job(), Completion.UNKNOWN_JOB, "no job named '" + request.job()
                    + "' is registered with this processor; known jobs: " + jobs.names(), false);
            return;
        }
        long[] lastDrive = LAST_DRIVE_ENDED.get();
        if (cfg.batchMax() <= 1 || !cfg.exactlyOnce()
                || (pending.isEmpty() && System.nanoTime() - lastDrive[0] >= cfg.batchLinger().toNanos())) {
            // Nothing to batch with: a request reaching an idle stream thread is driven at once,
            // with no wait and no pending-store write. Under load the thread is busy driving, the
            // next requests arrive within the linger of its last drive and queue up into batches.
            // Batching needs exactly-once: only then do the pending store and the input offsets
            // commit together. Under at-least-once they can part after a crash, and a request
            // driven from the restored store would come again as a record, and be answered twice.
            drive(new Queued(null, src, key, request));
            lastDrive[0] = System.nanoTime();
            return;
        }
        // Keyed by the request's offset: a record delivered again (at-least-once after a crash)
        // finds its entry restored and is not queued twice.
        Bytes sk = Pending.storeKey(md.offset());
        if (pendingOffsets.contains(md.offset()) || md.offset() <= drivenThrough) {
            // redelivered under at-least-once after its entry was restored from the changelog
            log.debug("request at {}-{}@{} is already pending or was driven from the pending store; skipping the copy",
                    md.topic(), md.partition(), md.offset());
            return;
        }
        if (pending.isEmpty()) {
            oldestPendingAt = ctx.currentSystemTimeMs();
            lingerPunctuator();
        }

        pendingStore.put(sk, src.encode());
        pending.add(new Queued(sk, src, key, request));
        pendingOffsets.add(md.offset());
        if (pending.size() >= cfg.batchMax()) {
            drainPending();
        }
    }

    /** Drives one request by itself. */
    private void drive(Queued q) {
        DriveResult d;
        try {
            d = driver.drive(q.key(), q.request(), partition);
        } catch (SQLException e) {
            answerFailure(q, e);
            return;
        }
        handle(q.key(), q.source().key(), q.request(), d, q.source().requestId());
    }

    /** Drives the pending requests as one batch and answers each, in arrival order. */
    private void drainPending() {
        if (pending.isEmpty()) {
            return;
        }
        List<Queued> batch = new ArrayList<>(pending);
        pending.clear();
        pendingOffsets.clear();
        List<KeyDriver.Item> items = new ArrayList<>(batch.size());
        for (Queued q : batch) {
            items.add(new KeyDriver.Item(q.key(), q.request()));
            drivenThrough = Math.max(drivenThrough, q.source().offset());
        }
        List<KeyDriver.Outcome> outcomes = driver.driveBatch(items, partition);
        LAST_DRIVE_ENDED.get()[0] = System.nanoTime();
        if (log.isDebugEnabled()) {
            log.debug("task partition {}: drove a batch of {} requests", partition, items.size());
        }
        for (int i = 0; i < batch.size(); i++) {
            Queued q = batch.get(i);
            KeyDriver.Outcome o = outcomes.get(i);
            if (o.failure() != null) {
                answerFailure(q, o.failure());
            } else {
                handle(q.key(), q.source().key(), q.request(), o.result(), q.source().requestId());
            }
            pendingStore.delete(q.storeKey());
        }
    }

    /**
     * A request Postgres refused: its data (a NUL byte, say) is rejected; an outage fails this
     * attempt so that the request is processed again, never dropped.
     */
    private void answerFailure(Queued q, SQLException e) {
        if (SqlErrors.isDataError(e)) {
            reject(q.source(), q.key(), q.request().job(), Completion.INVALID_REQUEST,
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
        boolean terminalPublished = publish(key, keyBytes, d);
        switch (d.kind()) {
            case MISMATCH -> forwardCompletion(keyBytes, new Completion(key, CompletionStatus.REJECTED, request.job(), null,
                    new JobError(Completion.MISMATCHED_ARGUMENTS, "key '" + key + "' is already used by job '" + d.job()
                            + "' with other arguments; the existing job is unchanged", null, null),
                    Completion.MISMATCHED_ARGUMENTS, false), answerTo);
            case DONE -> {
                if (request != null && d.wasFinished() && !terminalPublished) {
                    forwardCompletion(keyBytes, replay(key, d.row()), answerTo);
                }
            }
            case WAIT -> schedule(key, d.retryInMillis());
            case CONTINUE -> ctx.forward(new Record<>(keyBytes, AcidicTopology.SamePartition.value(partition),
                    ctx.currentSystemTimeMs()), Outputs.CONTINUE);
            case LOST, MISSING -> { }
            default -> throw new IllegalStateException("unexpected drive result " + d.kind());
        }
    }

    private void driveOrRetryLater(String key, byte[] keyBytes) {
        DriveResult d;
        try {
            d = driver.drive(key, null, partition);
        } catch (SQLException e) {
            log.warn("cannot drive key '{}': {}; trying again in 1 s", key, e.toString());
            schedule(key, 1_000);
            return;
        }
        handle(key, keyBytes, null, d, null);
    }

    /**
     * Publishes the key's journal entries and staged jobs beyond its cursor. Uses what this drive
     * wrote when the cursor stood exactly where the drive began (the usual case); otherwise, after
     * a crash or a takeover, reads the gap from Postgres.
     *
     * @return whether a terminal event (and so the job's completion) was published
     */
    private boolean publish(String key, byte[] keyBytes, DriveResult d) {
        if (d.jobId() == null) {
            return false;
        }
        Cursor cur = Cursor.of(cursors.get(key), d.jobId());
        List<JournalEntry> entries = d.written();
        List<StagedJob> staged = d.staged();
        boolean needEvents = d.lastSeq() > cur.eventSeq();
        boolean needStaged = d.stagedSeq() > cur.stagedSeq();
        if (!needEvents && !needStaged) {
            return false;
        }
        boolean eventsFromMemory = cur.eventSeq() == d.seqBefore() && contiguous(entries, d.seqBefore(), d.lastSeq());
        boolean stagedFromMemory = cur.stagedSeq() == d.stagedBefore() && staged.size() == d.stagedSeq() - d.stagedBefore();
        if ((needEvents && !eventsFromMemory) || (needStaged && !stagedFromMemory)) {
            try (Connection c = ds.getConnection()) {
                if (needEvents && !eventsFromMemory) {
                    entries = store.journalAfter(c, key, cur.eventSeq());
                }
                if (needStaged && !stagedFromMemory) {
                    staged = store.stagedAfter(c, key, cur.stagedSeq());
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot read the journal of key '" + key + "' to publish it", e);
            }
        }
        long eventSeq = cur.eventSeq();
        boolean terminal = false;
        long now = ctx.currentSystemTimeMs();
        for (JournalEntry e : entries) {
            if (e.seq() <= eventSeq) {
                continue;
            }
            ctx.forward(new Record<>(keyBytes, e.toEvent(key, d.job()).encode(), now), Outputs.EVENTS);
            Faults.hitUnchecked(Faults.Point.DURING_PUBLISH, key);
            if (e.type().isTerminal()) {
                CompletionStatus st = e.type() == dev.acidic.api.EventType.SUCCEEDED ? CompletionStatus.SUCCEEDED : CompletionStatus.FAILED;
                forwardCompletion(keyBytes, new Completion(key, st, d.job(), e.result(), e.error(), null, false), null);
                terminal = true;
            }
            eventSeq = e.seq();
        }
        long stagedSeq = cur.stagedSeq();
        for (StagedJob s : staged) {
            if (s.ordinal() <= stagedSeq) {
                continue;
            }
            ctx.forward(new Record<>(s.targetKey().getBytes(StandardCharsets.UTF_8), s.request().encode(), now), Outputs.STAGED);
            stagedSeq = s.ordinal();
        }
        cursors.put(key, new Cursor(d.jobId(), eventSeq, stagedSeq).encode());
        return terminal;
    }

    private static boolean contiguous(List<JournalEntry> entries, long from, long to) {
        if (entries.size() != to - from) {
            return false;
        }
        long expect = from + 1;
        for (JournalEntry e : entries) {
            if (e.seq() != expect++) {
                return false;
            }
        }
        return true;
    }

    private Completion replay(String key, KeyRow row) {
        CompletionStatus st = "SUCCEEDED".equals(row.status()) ? CompletionStatus.SUCCEEDED : CompletionStatus.FAILED;
        JobError err = null;
        if (row.error() != null && row.error().isObject()) {
            JsonNode e = row.error();
            err = new JobError(text(e, "type"), text(e, "message"), text(e, "step"),
                    e.hasNonNull("attempt") ? e.get("attempt").asInt() : null);
        }
        return new Completion(key, st, row.job(), row.result(), err, null, true);
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }

    private void schedule(String key, long inMillis) {
        timers.put(Timers.at(ctx.currentSystemTimeMs() + Math.max(0, inMillis), key), Timers.NONE);
        timerPunctuator();
    }

    private void fireTimers(long now) {
        long deadline = System.nanoTime() + cfg.driveBudget().toNanos();
        List<Bytes> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = timers.range(Timers.FROM, Timers.dueBy(now))) {
            while (it.hasNext() && due.size() < MAX_TIMERS_PER_PUNCTUATION) {
                due.add(it.next().key);
            }
        }
        for (Bytes t : due) {
            if (System.nanoTime() >= deadline) {
                return; // the rest stay due and run at the next punctuation, after other records
            }
            timers.delete(t);
            String key = Timers.key(t);
            driveOrRetryLater(key, key.getBytes(StandardCharsets.UTF_8));
        }
        try (KeyValueIterator<Bytes, byte[]> it = timers.all()) {
            if (!it.hasNext() && timerSchedule != null) {
                timerSchedule.cancel();
                timerSchedule = null;
            }
        }
    }

    private void forwardCompletion(byte[] keyBytes, Completion c, byte[] answerTo) {
        RecordHeaders h = new RecordHeaders();
        if (answerTo != null) {
            h.add(Completion.REQUEST_ID_HEADER, answerTo);
        }
        ctx.forward(new Record<>(keyBytes, c.encode(), ctx.currentSystemTimeMs(), h), Outputs.COMPLETIONS);
    }

    private void reject(Pending src, String key, String job, String reason, String message, boolean toDlq) {
        log.warn("rejecting request at {}-{}@{} (key '{}'): {} - {}", src.topic(), src.partition(), src.offset(), key, reason,
                message);
        forwardCompletion(src.key(), Completion.rejected(key, job, reason, message), src.requestId());
        if (toDlq) {
            dlq(src, reason + ": " + message);
        }
    }

    private void dlq(Pending src, String reason) {
        if (src.key() == null || Keys.decode(src.key()) == null) {
            log.warn("sending record {}-{}@{} to the DLQ: {}", src.topic(), src.partition(), src.offset(), reason);
        }
        RecordHeaders h = new RecordHeaders();
        h.add("acidic.reason", reason.getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.topic", src.topic().getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.partition", Integer.toString(src.partition()).getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.offset", Long.toString(src.offset()).getBytes(StandardCharsets.UTF_8));
        ctx.forward(new Record<>(src.key(), src.value(), src.timestamp(), h), Outputs.DLQ);
    }
}
