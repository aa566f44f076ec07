package dev.acidic.processor.internal.streams;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.processor.internal.engine.DriveResult;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.metrics.AcidicMetrics;
import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.StagedJob;
import dev.acidic.processor.internal.store.StagedSql;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Publishes a key's journal entries and staged jobs beyond its cursor: events, the completion
 * with the terminal event, staged job requests. The cursor lives in a state store that commits
 * with the sends and the input offsets, so under exactly-once nothing goes out twice, even when
 * the process died between the Postgres commit and the Kafka commit.
 */
final class JournalPublisher {
    private final ProcessorContext<byte[], byte[]> ctx;
    private final KeyValueStore<String, byte[]> cursors;
    private final DataSource ds;
    private final KeyStore store = new KeyStore();
    private final StagedSql stagedSql = new StagedSql();
    private final Replies replies;
    private final AcidicMetrics metrics;

    JournalPublisher(ProcessorContext<byte[], byte[]> ctx, KeyValueStore<String, byte[]> cursors, DataSource ds, Replies replies,
            AcidicMetrics metrics) {
        this.metrics = metrics;
        this.ctx = ctx;
        this.cursors = cursors;
        this.ds = ds;
        this.replies = replies;
    }

    /**
     * Uses what the drive wrote when the cursor stood exactly where the drive began (the usual
     * case); otherwise, after a crash or a takeover, reads the gap from Postgres.
     *
     * @return whether a terminal event (and so the job's completion) was published
     */
    boolean publish(String key, byte[] keyBytes, DriveResult d) {
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
                    staged = stagedSql.after(c, key, cur.stagedSeq());
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
            metrics.event(d.job(), e.type(), e.step(), e.data().hasNonNull("retryAt"));
            Faults.hitUnchecked(Faults.Point.DURING_PUBLISH, key);
            if (e.type().isTerminal()) {
                CompletionStatus st = switch (e.type()) {
                    case SUCCEEDED -> CompletionStatus.SUCCEEDED;
                    case CANCELLED -> CompletionStatus.CANCELLED;
                    default -> CompletionStatus.FAILED;
                };
                replies.completion(keyBytes, new Completion(key, st, d.job(), e.result(), e.error(), null, false, e.run()), null);
                wakeParent(d.row().parentKey(), now);
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

    /**
     * A child that ended drives its parent, so that a parent waiting for its children looks again
     * (the drive of one that waits for other children, or does not wait, changes nothing). Sent to
     * the parent key's default partition, whose task forwards it home if the parent lives elsewhere;
     * with the completion, so it goes out once with it and again if the completion must.
     */
    private void wakeParent(String parentKey, long now) {
        if (parentKey != null) {
            ctx.forward(new Record<>(parentKey.getBytes(StandardCharsets.UTF_8), Continuation.drive(Continuation.ANY), now),
                    Outputs.CONTINUE);
        }
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
}
