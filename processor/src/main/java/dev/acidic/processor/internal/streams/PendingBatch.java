package dev.acidic.processor.internal.streams;

import dev.acidic.api.JobRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * New requests waiting, for at most the linger, to be driven together as one batch. They live in
 * a changelogged store keyed by their input offset, so a request whose offset Kafka has committed
 * is never lost (after a crash the store is restored and the batch driven), and a record
 * delivered again maps to the entry it already has.
 */
final class PendingBatch {
    private static final Logger log = LoggerFactory.getLogger(PendingBatch.class);
    /**
     * A pending request, with its store key and decoded form; {@code key} and {@code request} are
     * null for an entry restored from the store, which is decoded again when its batch is driven
     * (by the decoder of the version running then, which may refuse what an older one accepted).
     */
    record Queued(Bytes storeKey, Pending source, String key, JobRequest request) {
        boolean restored() {
            return request == null;
        }
    }

    /**
     * When the last drive of requests on this stream thread ended (nanoTime), for all the tasks it
     * runs: a request reaching an idle thread is driven at once. Per thread, not per task: under
     * load a thread alternates between its tasks, and a task it just came back to is not idle.
     */
    private static final ThreadLocal<long[]> LAST_DRIVE_ENDED = ThreadLocal.withInitial(
            () -> new long[] {System.nanoTime() - TimeUnit.DAYS.toNanos(1)}); // never drove: idle

    private final ProcessorContext<byte[], byte[]> ctx;
    private final KeyValueStore<Bytes, byte[]> store;
    private final int batchMax;
    private final Duration linger;
    private final Consumer<List<Queued>> driveBatch;
    private final List<Queued> pending = new ArrayList<>();
    private final Set<Long> pendingOffsets = new HashSet<>();
    /** Highest requests offset driven from the store. */
    private long drivenThrough = -1;
    /** Wall-clock ms when the oldest pending request arrived. */
    private long oldestPendingAt;
    private Cancellable lingerSchedule;

    /** @param driveBatch drives and answers a batch (in arrival order) */
    PendingBatch(ProcessorContext<byte[], byte[]> ctx, KeyValueStore<Bytes, byte[]> store, int batchMax, Duration linger,
            Consumer<List<Queued>> driveBatch) {
        this.ctx = ctx;
        this.store = store;
        this.batchMax = batchMax;
        this.linger = linger;
        this.driveBatch = driveBatch;
    }

    /** The calling thread has just driven requests, so the next ones wait for their batch (tests call it too). */
    static void markThreadBusy() {
        LAST_DRIVE_ENDED.get()[0] = System.nanoTime();
    }

    /**
     * After a (re)start of the task: what was in memory is void (a revived task may init the same
     * processor again), the store, restored to the last commit, is the truth. Requests accepted
     * before a crash or a move of this task are driven first.
     */
    void restore() {
        pending.clear();
        pendingOffsets.clear();
        drivenThrough = -1;
        lingerSchedule = null;
        List<Bytes> unreadable = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                Pending p;
                try {
                    p = Pending.decode(kv.value);
                } catch (RuntimeException e) {
                    unreadable.add(kv.key);
                    log.error("task {}: dropping an unreadable entry of the pending store (store key {}, {} bytes: {}); it cannot be"
                            + " answered or driven. If it held a request, that request's offset was committed and the request is"
                            + " lost: send it again under its key", ctx.taskId(), kv.key, kv.value == null ? 0 : kv.value.length,
                            e.toString());
                    continue;
                }
                pending.add(new Queued(kv.key, p, null, null)); // decoded when driven
                pendingOffsets.add(p.offset());
            }
        }
        unreadable.forEach(store::delete);
        if (!pending.isEmpty()) {
            oldestPendingAt = 0; // waited long enough already: drained at the first tick
            lingerPunctuator();
        }
    }

    /**
     * Whether a request arriving now should be driven at once: nothing to batch with on an idle
     * stream thread. Under load the thread is busy driving, the next requests arrive within the
     * linger of its last drive and queue up into batches.
     */
    boolean driveAtOnce() {
        return pending.isEmpty() && System.nanoTime() - LAST_DRIVE_ENDED.get()[0] >= linger.toNanos();
    }

    /** Queues a request, and drives the batch once it is full. */
    void add(Pending src, String key, JobRequest request) {
        if (pendingOffsets.contains(src.offset()) || src.offset() <= drivenThrough) {
            return; // redelivered under at-least-once after its entry was restored from the changelog
        }
        if (pending.isEmpty()) {
            oldestPendingAt = ctx.currentSystemTimeMs();
            lingerPunctuator();
        }
        Bytes sk = Pending.storeKey(src.offset());
        store.put(sk, src.encode());
        pending.add(new Queued(sk, src, key, request));
        pendingOffsets.add(src.offset());
        if (pending.size() >= batchMax) {
            drain();
        }
    }

    /** Drives what is pending as one batch, then forgets it. */
    void drain() {
        if (pending.isEmpty()) {
            return;
        }
        List<Queued> batch = new ArrayList<>(pending);
        pending.clear();
        pendingOffsets.clear();
        for (Queued q : batch) {
            drivenThrough = Math.max(drivenThrough, q.source().offset());
        }
        driveBatch.accept(batch);
        LAST_DRIVE_ENDED.get()[0] = System.nanoTime();
        for (Queued q : batch) {
            store.delete(q.storeKey());
        }
    }

    /**
     * Starts the linger punctuator unless it runs; it drains once the oldest request has waited
     * the linger (not at every tick: a drain longer than the linger would otherwise make every
     * following tick drain a batch of one), and stops when nothing is pending.
     */
    private void lingerPunctuator() {
        if (lingerSchedule == null) {
            lingerSchedule = ctx.schedule(linger, PunctuationType.WALL_CLOCK_TIME, now -> {
                if (!pending.isEmpty() && now - oldestPendingAt >= linger.toMillis()) {
                    drain();
                }
                if (pending.isEmpty() && lingerSchedule != null) {
                    lingerSchedule.cancel();
                    lingerSchedule = null;
                }
            });
        }
    }
}
