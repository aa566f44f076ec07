package dev.acidic.processor.internal;

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
    private int partition;

    AcidicStreamProcessor(AcidicConfig cfg, JobRegistry jobs, DataSource ds) {
        this.cfg = cfg;
        this.jobs = jobs;
        this.ds = ds;
        this.driver = new KeyDriver(ds, jobs, cfg.instanceId(), cfg.lockTimeout(),
                new Backoff(cfg.retryInitialDelay(), cfg.retryFactor(), cfg.retryMaxDelay(), cfg.retryMaxAttempts()),
                cfg.driveBudget(), cfg.transactionIdleTimeout());
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.ctx = context;
        this.cursors = context.getStateStore(Outputs.CURSORS);
        this.timers = context.getStateStore(Outputs.TIMERS);
        this.partition = context.taskId().partition();
        context.schedule(cfg.timerInterval(), PunctuationType.WALL_CLOCK_TIME, this::fireTimers);
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
        if (record.key() == null) {
            dlq(record, md, "null key: the record cannot be answered by key");
            return;
        }
        String key = Keys.decode(record.key());
        if (key == null) {
            dlq(record, md, "key is not valid UTF-8: the record cannot be answered by key");
            return;
        }
        String keyProblem = Keys.problem(key, record.key().length);
        if (keyProblem != null) {
            reject(record, md, key, null, Completion.INVALID_REQUEST, keyProblem, true);
            return;
        }
        JobRequest request;
        try {
            request = JobRequest.decode(record.value());
        } catch (WireFormatException e) {
            reject(record, md, key, null, Completion.INVALID_REQUEST, e.getMessage(), true);
            return;
        }
        if (!request.args().isObject()) {
            reject(record, md, key, request.job(), Completion.INVALID_REQUEST, "\"args\" must be a JSON object, got "
                    + request.args().getNodeType(), true);
            return;
        }
        if (jobs.get(request.job()) == null) {
            reject(record, md, key, request.job(), Completion.UNKNOWN_JOB, "no job named '" + request.job()
                    + "' is registered with this processor; known jobs: " + jobs.names(), false);
            return;
        }
        DriveResult d;
        try {
            d = driver.drive(key, request, partition);
        } catch (SQLException e) {
            if (SqlErrors.isDataError(e)) {
                reject(record, md, key, request.job(), Completion.INVALID_REQUEST,
                        "Postgres refused the request's data: " + e.getMessage(), true);
                return;
            }
            // Postgres is unreachable: fail this attempt so the record is redelivered, never dropped.
            throw new IllegalStateException("cannot claim key '" + key + "' (job " + request.job()
                    + "): Postgres unavailable; the request will be processed again", e);
        }
        handle(key, record.key(), request, d, record.headers().lastHeader(Completion.REQUEST_ID_HEADER));
    }

    /**
     * @param answerTo the request-id header of the request being handled, copied onto completions
     *     that answer that request alone (rejection, replay); null for timers and continuations
     */
    private void handle(String key, byte[] keyBytes, JobRequest request, DriveResult d, Header answerTo) {
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
    }

    private void forwardCompletion(byte[] keyBytes, Completion c, Header answerTo) {
        RecordHeaders h = new RecordHeaders();
        if (answerTo != null) {
            h.add(Completion.REQUEST_ID_HEADER, answerTo.value());
        }
        ctx.forward(new Record<>(keyBytes, c.encode(), ctx.currentSystemTimeMs(), h), Outputs.COMPLETIONS);
    }

    private void reject(Record<byte[], byte[]> record, RecordMetadata md, String key, String job, String reason, String message,
            boolean toDlq) {
        log.warn("rejecting request at {}-{}@{} (key '{}'): {} - {}", md.topic(), md.partition(), md.offset(), key, reason, message);
        forwardCompletion(record.key(), Completion.rejected(key, job, reason, message),
                record.headers().lastHeader(Completion.REQUEST_ID_HEADER));
        if (toDlq) {
            dlq(record, md, reason + ": " + message);
        }
    }

    private void dlq(Record<byte[], byte[]> record, RecordMetadata md, String reason) {
        if (record.key() == null || Keys.decode(record.key()) == null) {
            log.warn("sending record {}-{}@{} to the DLQ: {}", md.topic(), md.partition(), md.offset(), reason);
        }
        RecordHeaders h = new RecordHeaders();
        h.add("acidic.reason", reason.getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.topic", md.topic().getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.partition", Integer.toString(md.partition()).getBytes(StandardCharsets.UTF_8));
        h.add("acidic.source.offset", Long.toString(md.offset()).getBytes(StandardCharsets.UTF_8));
        ctx.forward(new Record<>(record.key(), record.value(), record.timestamp(), h), Outputs.DLQ);
    }
}
