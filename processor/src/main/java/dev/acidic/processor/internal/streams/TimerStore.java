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
 * time ({@link Timers}). The punctuator that fires them runs only when the earliest timer is due
 * (at most every {@code acidic.timer.interval}): Kafka Streams commits a task after any
 * punctuation, so one ticking every interval made a task commit an exactly-once transaction every
 * 100 ms for as long as any timer waited, a retry minutes away included.
 */
final class TimerStore {
    private static final int MAX_TIMERS_PER_PUNCTUATION = 1_000;

    private final ProcessorContext<byte[], byte[]> ctx;
    private final KeyValueStore<Bytes, byte[]> timers;
    private final Duration interval;
    private final long budgetNanos;
    private final BiConsumer<String, Long> fire;
    private Cancellable schedule;
    /** Wall-clock ms at which the punctuator next runs (meaningless while {@code schedule} is null). */
    private long scheduledFor;

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
    /** Timers waiting in this task's store (the store's estimate). */
    long pending() {
        try {
            return timers.approximateNumEntries();
        } catch (RuntimeException closing) { // read from the metrics thread while the task closes
            return 0;
        }
    }

    void resume() {
        schedule = null;
        if (earliestDue() >= 0) {
            // the context's clock is not set while a task initialises: look after one interval,
            // and from there follow the earliest timer
            schedule = ctx.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::fireDue);
            scheduledFor = Long.MIN_VALUE;
        }
    }

    void schedule(String key, long inMillis) {
        long now = ctx.currentSystemTimeMs();
        long due = now + Math.max(0, inMillis);
        timers.put(Timers.at(due, key), Timers.NONE);
        punctuateAt(due, now);
    }

    /**
     * Makes the punctuator run at {@code dueMillis} (no sooner than an interval after {@code now}),
     * unless it runs by then anyway.
     */
    private void punctuateAt(long dueMillis, long now) {
        long at = Math.max(dueMillis, now + interval.toMillis());
        if (schedule != null && scheduledFor <= at) {
            return;
        }
        if (schedule != null) {
            schedule.cancel();
        }
        schedule = ctx.schedule(Duration.ofMillis(at - now), PunctuationType.WALL_CLOCK_TIME, this::fireDue);
        scheduledFor = at;
    }

    /** Due time of the earliest timer, or -1 if there is none. */
    private long earliestDue() {
        try (KeyValueIterator<Bytes, byte[]> it = timers.all()) {
            return it.hasNext() ? Timers.due(it.next().key) : -1;
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
                break; // the rest stay due and run at the next punctuation, after other records
            }
            timers.delete(t);
            fire.accept(Timers.key(t), Timers.due(t));
        }
        // firing may have scheduled timers (and so moved the punctuator); from here it follows the earliest
        if (schedule != null) {
            schedule.cancel();
            schedule = null;
        }
        long earliest = earliestDue();
        if (earliest >= 0) {
            punctuateAt(earliest, now);
        }
    }
}
