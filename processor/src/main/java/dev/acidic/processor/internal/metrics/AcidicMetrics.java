package dev.acidic.processor.internal.metrics;

import dev.acidic.api.EventType;
import dev.acidic.processor.internal.engine.EngineObserver;
import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.store.StatusCounts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor's own meters. Labels are bounded: job and step names come from the registered
 * definitions, statuses and event types from fixed sets, DLQ reasons from the rejection codes;
 * never a key or an error text. Job counts follow the published events, so they count what
 * consumers see: once per event, whatever retries or crashes happened underneath.
 *
 * <ul>
 *   <li>{@code acidic_jobs_started_total{job}}, {@code acidic_jobs_finished_total{job,status}}
 *   <li>{@code acidic_phase_seconds{job,step}} (histogram): a step's run and the application of its result
 *   <li>{@code acidic_step_failures_total{job,step}}, {@code acidic_retries_scheduled_total{job}}
 *   <li>{@code acidic_lock_deferrals_total}, {@code acidic_batch_keys} (histogram)
 *   <li>{@code acidic_poison_records_total}, {@code acidic_dlq_records_total{reason}}
 *   <li>{@code acidic_jobs{status}} (read from Postgres at most every {@link #STATUS_REFRESH}),
 *       {@code acidic_timers_pending}
 * </ul>
 */
public final class AcidicMetrics implements EngineObserver {
    private static final Logger log = LoggerFactory.getLogger(AcidicMetrics.class);
    /** How stale the job counts per status may be. */
    public static final Duration STATUS_REFRESH = Duration.ofSeconds(5);

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Set<LongSupplier> pendingTimers = ConcurrentHashMap.newKeySet();
    private final DistributionSummary batchKeys;
    private final Counter deferrals;
    private final Counter poison;
    private volatile Map<String, Long> statusCounts = Map.of();
    private volatile long statusReadAt = System.nanoTime() - STATUS_REFRESH.toNanos() - 1;

    /** Meters on {@code registry}; with {@code statuses} the job counts per status too. */
    public AcidicMetrics(MeterRegistry registry, StatusCounts statuses) {
        this.registry = registry;
        this.batchKeys = DistributionSummary.builder("acidic.batch.keys").description("new requests driven together in one batch")
                .publishPercentileHistogram().register(registry);
        this.deferrals = Counter.builder("acidic.lock.deferrals").description("claims that found the key locked by another owner")
                .register(registry);
        this.poison = Counter.builder("acidic.poison.records")
                .description("records whose handling failed acidic.record.max.failures times and were skipped").register(registry);
        Gauge.builder("acidic.timers.pending", this, m -> m.pendingTimers.stream().mapToLong(LongSupplier::getAsLong).sum())
                .description("durable timers waiting in this instance's tasks (approximate)").strongReference(true).register(registry);
        if (statuses != null) {
            for (String status : JobQueries.STATUSES) {
                Gauge.builder("acidic.jobs", statuses, s -> statusCount(s, status)).tag("status", status)
                        .description("jobs per status (RUNNING and HALTED exact up to " + StatusCounts.EXACT_CAP
                                + ", ended ones estimated from Postgres' statistics)")
                        .strongReference(true) // a gauge holds its state weakly: nothing else holds this one
                        .register(registry);
            }
        }
    }

    /** Meters that record nothing (acidic.metrics.enabled=false, or a topology under test). */
    public static AcidicMetrics none() {
        return new AcidicMetrics(new CompositeMeterRegistry(), null);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A published event of job {@code job} at {@code step} ({@code retryScheduled}: a STEP_FAILED with a retryAt). */
    public void event(String job, EventType type, String step, boolean retryScheduled) {
        switch (type) {
            case ACCEPTED -> counter("acidic.jobs.started", "job", job, null, null).increment();
            case SUCCEEDED, FAILED, CANCELLED -> counter("acidic.jobs.finished", "job", job, "status", type.name()).increment();
            case STEP_FAILED -> {
                counter("acidic.step.failures", "job", job, "step", String.valueOf(step)).increment();
                if (retryScheduled) {
                    counter("acidic.retries.scheduled", "job", job, null, null).increment();
                }
            }
            case DEFERRED -> deferrals.increment();
            default -> { }
        }
    }

    public void poisonRecord() {
        poison.increment();
    }

    /** A record copied to the DLQ for {@code reason}, one of the rejection codes. */
    public void dlqRecord(String reason) {
        counter("acidic.dlq.records", "reason", reason, null, null).increment();
    }

    /** Counts the timers of a task while it is open; {@link #untrackTimers} when it closes. */
    public void trackTimers(LongSupplier pending) {
        pendingTimers.add(pending);
    }

    public void untrackTimers(LongSupplier pending) {
        pendingTimers.remove(pending);
    }

    @Override
    public void stepRan(String job, String step, long nanos) {
        timers.computeIfAbsent(job + '\u0000' + step, k -> Timer.builder("acidic.phase").tag("job", job).tag("step", step)
                .description("a step's run and the application of its result (its commit not included)")
                .publishPercentileHistogram().register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void batchDriven(int keys) {
        batchKeys.record(keys);
    }

    private Counter counter(String name, String tag1, String value1, String tag2, String value2) {
        String id = name + '\u0000' + value1 + '\u0000' + value2;
        return counters.computeIfAbsent(id, k -> {
            Counter.Builder b = Counter.builder(name).tag(tag1, value1);
            if (tag2 != null) {
                b.tag(tag2, value2);
            }
            return b.register(registry);
        });
    }

    /** The count of {@code status}, read again when older than {@link #STATUS_REFRESH}; the last known one if Postgres fails. */
    private double statusCount(StatusCounts source, String status) {
        long now = System.nanoTime();
        if (now - statusReadAt > STATUS_REFRESH.toNanos()) {
            synchronized (this) {
                if (now - statusReadAt > STATUS_REFRESH.toNanos()) {
                    try {
                        statusCounts = source.read();
                    } catch (Exception e) {
                        log.debug("cannot read the job counts per status: {}", e.toString());
                    }
                    statusReadAt = System.nanoTime();
                }
            }
        }
        return statusCounts.getOrDefault(status, 0L);
    }
}
