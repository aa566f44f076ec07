package dev.acidic.processor.internal.streams;

import dev.acidic.api.JobRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * New requests waiting, for at most the linger, to be driven together as one batch, and requests
 * parked while Postgres is away. They live in a changelogged store keyed by their input topic and
 * offset, so a request whose offset Kafka has committed is never lost (after a crash the store is
 * restored and the batch driven), and a record delivered again maps to the entry it already has.
 * Exactly-once only: the store and the input offsets commit together.
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
    private final Function<List<Queued>, List<Queued>> driveBatch;
    private final BooleanSupplier paused;
    private final List<Queued> pending = new ArrayList<>();
    private final Set<Bytes> pendingKeys = new HashSet<>();
    /** Wall-clock ms when the oldest pending request arrived. */
    private long oldestPendingAt;
    private Cancellable lingerSchedule;

    /**
     * @param driveBatch drives and answers a batch (in arrival order); returns the requests that
     *     met an outage, which stay pending
     * @param paused whether to drive nothing now (Postgres is away)
     */
    PendingBatch(ProcessorContext<byte[], byte[]> ctx, KeyValueStore<Bytes, byte[]> store, int batchMax, Duration linger,
            Function<List<Queued>, List<Queued>> driveBatch, BooleanSupplier paused) {
        this.ctx = ctx;
        this.store = store;
        this.batchMax = batchMax;
        this.linger = linger;
        this.driveBatch = driveBatch;
        this.paused = paused;
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
        pendingKeys.clear();
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
                pendingKeys.add(kv.key);
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
    void add(Queued q) {
        if (keep(q) && pending.size() >= batchMax) {
            drain();
        }
    }

    /**
     * Keeps a request that met an outage until Postgres answers: in the store, which commits with
     * the request's input offset, so it is neither lost nor driven twice.
     */
    void park(Queued q) {
        keep(q);
    }

    /** @return false if the request was pending already */
    private boolean keep(Queued q) {
        Pending src = q.source();
        Bytes sk = Pending.storeKey(src.topic(), src.offset());
        if (!pendingKeys.add(sk)) {
            return false; // delivered again while pending (a revived task's restored entry)
        }
        if (pending.isEmpty()) {
            oldestPendingAt = ctx.currentSystemTimeMs();
            lingerPunctuator();
        }
        store.put(sk, src.encode());
        pending.add(new Queued(sk, src, q.key(), q.request()));
        return true;
    }

    /**
     * Drives up to a batch of what is pending, then forgets what was answered; requests that met
     * an outage stay, first in line. Nothing is driven while paused.
     */
    void drain() {
        if (pending.isEmpty() || paused.getAsBoolean()) {
            return;
        }
        List<Queued> batch = new ArrayList<>(pending.subList(0, Math.min(pending.size(), Math.max(1, batchMax))));
        pending.subList(0, batch.size()).clear();
        List<Queued> waiting = driveBatch.apply(batch);
        LAST_DRIVE_ENDED.get()[0] = System.nanoTime();
        Set<Bytes> stay = new HashSet<>();
        waiting.forEach(q -> stay.add(q.storeKey()));
        for (Queued q : batch) {
            if (!stay.contains(q.storeKey())) {
                store.delete(q.storeKey());
                pendingKeys.remove(q.storeKey());
            }
        }
        pending.addAll(0, waiting);
        if (!pending.isEmpty()) {
            oldestPendingAt = waiting.isEmpty() ? oldestPendingAt : ctx.currentSystemTimeMs();
            lingerPunctuator();
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
