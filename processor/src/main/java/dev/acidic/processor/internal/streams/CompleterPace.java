package dev.acidic.processor.internal.streams;

import java.time.Duration;

/**
 * When a task's completer sweeps and how much one sweep may take: pure arithmetic. A punctuation
 * costs an exactly-once commit of its task (Kafka Streams commits after any), so the sweep runs
 * at half the idle time, not at the timer interval; a key stranded at {@code t} is driven by
 * {@code t + 1.5 idle} at the latest (at most 5 minutes later for long idle times).
 *
 * @param idle how long a key must lie untouched; zero turns the completer off
 * @param budget the drive budget: the most a sweep spends driving keys before it yields the thread
 */
record CompleterPace(Duration idle, Duration budget) {
    /** Most keys one sweep looks at (oldest first). */
    static final int BATCH = 100;
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    static final Duration MAX_INTERVAL = Duration.ofMinutes(5);

    boolean off() {
        return idle.isZero();
    }

    /** Half the idle time, between 1 s and 5 min. */
    Duration interval() {
        return clamp(idle.dividedBy(2), MIN_INTERVAL, MAX_INTERVAL);
    }

    /**
     * After a sweep that left idle keys behind (a full batch, or the budget spent before the last
     * key): the next comes sooner, yet leaves the thread most of its time for other work.
     */
    Duration backlogInterval() {
        return clamp(budget.multipliedBy(2), MIN_INTERVAL, interval());
    }

    /** The wait before the next sweep, given how many keys this one found and how many it drove. */
    Duration next(int found, int driven) {
        return found >= BATCH || driven < found ? backlogInterval() : interval();
    }

    /** Longest the sweep's query may run on the stream thread: the budget, at least 1 s. */
    Duration statementTimeout() {
        return budget.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : budget;
    }

    private static Duration clamp(Duration d, Duration min, Duration max) {
        return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }
}
