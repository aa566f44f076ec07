package dev.acidic.processor.internal.streams;

import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.internal.store.PostgresHealth;
import dev.acidic.processor.internal.store.SqlErrors;
import dev.acidic.processor.internal.store.Sweeps;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's completer: a periodic sweep over the keys homed on the task's partition that are
 * unfinished and idle ({@link Sweeps}), each driven again as a due timer would be. Every other
 * trigger lives on the Kafka side (the request, a timer, a continuation); when one is lost (a
 * timer dropped after failing every time, an operator's mistake, a bug), the job would wait
 * forever. Idle means untouched for {@code acidic.completer.idle}, so a key that some trigger still
 * drives is left to it.
 *
 * <p>The sweep runs on the stream thread: it looks only while Postgres is known to answer, its
 * query has a statement timeout, and it drives keys (oldest first) until the drive budget is spent;
 * what it leaves is found again by the next sweep, which then comes sooner ({@link CompleterPace}).
 */
final class Completer {
    private static final Logger log = LoggerFactory.getLogger(Completer.class);
    /**
     * The task that sweeps keys with no home ({@code kafka_partition} NULL: written by hand, or by
     * a caller of the engine with no partition), and adopts them (the claim stores its partition).
     * Every version of the processor stored the partition of the task that created or drove a key,
     * so such a key was never driven by a task, no task's cursor has published any of its journal,
     * and any one task may take it; partition 0 always exists. (murmur2 of the key would pick the
     * partition a Java producer sends its next request to, but needs the topic's partition count,
     * which a task does not know; a request landing elsewhere is forwarded home, one more hop.)
     */
    static final int UNHOMED_KEYS_TASK = 0;

    private final ProcessorContext<byte[], byte[]> ctx;
    private final Sweeps sweeps;
    private final CompleterPace pace;
    private final PostgresHealth health;
    private final BiConsumer<String, Long> drive;
    private Cancellable schedule;
    private Duration every;

    /** @param drive drives an idle key (key, its last run in epoch ms) as a due timer would */
    Completer(ProcessorContext<byte[], byte[]> ctx, Sweeps sweeps, CompleterPace pace, PostgresHealth health,
            BiConsumer<String, Long> drive) {
        this.ctx = ctx;
        this.sweeps = sweeps;
        this.pace = pace;
        this.health = health;
        this.drive = drive;
    }

    /** What the task of {@code partition} sweeps. */
    static Sweeps.Criteria criteria(int partition, AcidicConfig cfg, CompleterPace pace, Collection<String> jobs) {
        return new Sweeps.Criteria(partition, partition == UNHOMED_KEYS_TASK, pace.idle(), cfg.lockTimeout(), jobs,
                CompleterPace.BATCH, pace.statementTimeout());
    }

    /** Schedules the sweeps (after the task's (re)start); nothing when the completer is off. */
    void start() {
        if (!pace.off()) {
            reschedule(pace.interval());
        }
    }

    private void reschedule(Duration next) {
        if (next.equals(every)) {
            return;
        }
        if (schedule != null) {
            schedule.cancel();
        }
        every = next;
        schedule = ctx.schedule(next, PunctuationType.WALL_CLOCK_TIME, now -> sweep());
    }

    private void sweep() {
        int partition = sweeps.criteria().partition();
        if (health.isDown()) {
            log.debug("completer: Postgres is away; partition {} is swept once it answers", partition);
            return;
        }
        List<Sweeps.Idle> found;
        try {
            found = sweeps.find();
        } catch (SQLException | RuntimeException e) {
            if (SqlErrors.isUnavailable(e)) {
                health.markDown(e);
            } else {
                log.warn("completer: cannot look for idle keys of partition {}: {}; looking again in {} (a query cancelled by"
                        + " its statement timeout, {}, wants the index acidic_keys_unfinished, or a longer acidic.drive.budget)",
                        partition, e.toString(), every, pace.statementTimeout());
            }
            return;
        }
        if (found.isEmpty()) {
            log.debug("completer: no idle keys on partition {}", partition);
            reschedule(pace.interval());
            return;
        }
        Sweeps.Idle oldest = found.get(0);
        log.info("completer: re-driving {} idle keys of partition {}, oldest idle since {} (key '{}', job {}, last run {}):"
                + " nothing else was driving them", found.size(), partition, oldest.idleSince(), oldest.key(), oldest.job(),
                oldest.lastRunAt());
        int driven = driveWithinBudget(found);
        if (driven < found.size()) {
            log.debug("completer: drove {} of {} idle keys of partition {} within the drive budget; the rest in {}", driven,
                    found.size(), partition, pace.next(found.size(), driven));
        }
        reschedule(pace.next(found.size(), driven));
    }

    /** Drives the keys in order until the budget is spent (the first one always) or Postgres goes away; returns how many. */
    private int driveWithinBudget(List<Sweeps.Idle> keys) {
        long deadline = System.nanoTime() + pace.budget().toNanos();
        int driven = 0;
        for (Sweeps.Idle k : keys) {
            if (driven > 0 && (System.nanoTime() >= deadline || health.isDown())) {
                break;
            }
            drive.accept(k.key(), k.lastRunAt().toEpochMilli());
            driven++;
        }
        return driven;
    }
}
