package dev.acidic.processor.internal.store;

import dev.acidic.processor.internal.config.Durations;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link Reaper} every {@link ReaperPace#interval()} on a thread of its own, never on a
 * stream thread: a round may take minutes and must not hold up a Kafka transaction. A round is
 * skipped while Postgres is known to be away, and when another instance holds the reaper's lock.
 * One INFO line per round that deleted something, DEBUG otherwise.
 */
public final class ReaperThread implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReaperThread.class);
    /** How long {@link #close()} waits for a batch under way to end. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final Reaper reaper;
    private final ReaperPace pace;
    private final PostgresHealth health;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "acidic-reaper");
        t.setDaemon(true);
        return t;
    });

    public ReaperThread(Reaper reaper, ReaperPace pace, PostgresHealth health) {
        this.reaper = reaper;
        this.pace = pace;
        this.health = health;
    }

    /** Schedules the rounds, the first one interval from now; nothing when the retention is 0. */
    public ReaperThread start() {
        if (pace.off()) {
            log.info("reaper off ({} = 0): finished keys are kept", "acidic.retention");
            return this;
        }
        long every = pace.interval().toMillis();
        executor.scheduleWithFixedDelay(this::round, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One round: deletes what is due, unless Postgres is away or another instance is reaping. */
    void round() {
        if (health.isDown()) {
            log.debug("reaper: Postgres is away; the next round looks again in {}", Durations.format(pace.interval()));
            return;
        }
        try {
            Reaper.Outcome o = reaper.reap(pace.retention(), closed::get);
            if (!o.ran()) {
                log.debug("reaper: another instance is reaping; skipping this round");
            } else if (o.keys() > 0 || o.recordFailures() > 0) {
                log.info("reaper: deleted {} finished keys older than {} ({} journal entries, {} values, {} staged jobs) and {}"
                        + " poison-record counts in {} batches, {} ms ({} keys/s, pauses included)", o.keys(),
                        Durations.format(pace.retention()), o.journalEntries(), o.values(), o.stagedJobs(), o.recordFailures(),
                        o.batches(), o.took().toMillis(), Math.round(o.keysPerSecond()));
            } else {
                log.debug("reaper: no finished key older than {}", Durations.format(pace.retention()));
            }
        } catch (Exception e) {
            if (SqlErrors.isUnavailable(e)) {
                health.markDown(e);
            } else if (!closed.get()) {
                log.warn("reaper: a round failed: {}; what it did not delete is looked at again in {} (a statement over {}"
                        + " wants a smaller acidic.reaper.batch)", e.toString(), Durations.format(pace.interval()),
                        Durations.format(Reaper.STATEMENT_TIMEOUT), e);
            }
        }
    }

    /** Stops the rounds: a batch under way ends (up to {@link #CLOSE_WAIT}), no other starts. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        executor.shutdownNow(); // interrupts a pause; a statement under way runs to its end
        try {
            if (!executor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("reaper: a batch is still running after {}; leaving it to Postgres (it commits or rolls back whole)",
                        CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
