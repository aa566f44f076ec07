package dev.acidic.processor.internal.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's durable timers (retries, deferrals, waits), in a changelogged state store keyed by due
 * time ({@link Timers}). The punctuator that fires them runs only while there are timers: Kafka
 * Streams commits a task after any punctuation, so an always-on one would make every idle thread
 * commit an exactly-once transaction each interval, for nothing.
 */
final class TimerStore {
    private static final int MAX_TIMERS_PER_PUNCTUATION = 1_000;

    private final ProcessorContext<byte[], byte[]> ctx;
    private final KeyValueStore<Bytes, byte[]> timers;
    private final Duration interval;
    private final long budgetNanos;
    private final BiConsumer<String, Long> fire;
    private Cancellable schedule;

    /** @param fire drives a key whose timer is due (key, due time in ms) */
    TimerStore(ProcessorContext<byte[], byte[]> ctx, KeyValueStore<Bytes, byte[]> timers, Duration interval, Duration budget,
            BiConsumer<String, Long> fire) {
        this.ctx = ctx;
        this.timers = timers;
        this.interval = interval;
        this.budgetNanos = budget.toNanos();
        this.fire = fire;
    }

    /** After a (re)start of the task: fire what the restored store holds. */
    void resume() {
        schedule = null;
        if (!isEmpty()) {
            punctuator();
        }
    }

    void schedule(String key, long inMillis) {
        timers.put(Timers.at(ctx.currentSystemTimeMs() + Math.max(0, inMillis), key), Timers.NONE);
        punctuator();
    }

    private void punctuator() {
        if (schedule == null) {
            schedule = ctx.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::fireDue);
        }
    }

    private boolean isEmpty() {
        try (KeyValueIterator<Bytes, byte[]> it = timers.all()) {
            return !it.hasNext();
        }
    }

    private void fireDue(long now) {
        long deadline = System.nanoTime() + budgetNanos;
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
            fire.accept(Timers.key(t), Timers.due(t));
        }
        if (isEmpty() && schedule != null) {
            schedule.cancel();
            schedule = null;
        }
    }
}
