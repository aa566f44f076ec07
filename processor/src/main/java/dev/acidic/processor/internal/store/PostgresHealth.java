package dev.acidic.processor.internal.store;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Postgres answers, as the processor last saw it. A stream thread that meets an outage
 * marks it down and goes on with other work (its request waits, its keys' timers are pushed back);
 * while down, no stream thread spends its time on a connection attempt (each would wait the
 * pool's connection timeout inside a Kafka transaction): one prober thread tries every
 * {@link #PROBE_INTERVAL} and marks it up when a connection is valid again.
 *
 * <p>Before this, an outage made the request path throw, and Kafka Streams replaced the stream
 * thread, again and again until Postgres came back. One log line per change of state.
 */
public final class PostgresHealth implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostgresHealth.class);
    static final Duration PROBE_INTERVAL = Duration.ofMillis(500);

    private final DataSource ds;
    /** When the current outage began (System.nanoTime()), or 0 while Postgres answers. */
    private final AtomicLong downSince = new AtomicLong();
    private final AtomicLong outages = new AtomicLong();
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "acidic-postgres-prober");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> probing;

    public PostgresHealth(DataSource ds) {
        this.ds = ds;
    }

    /** Whether the processor is degraded: Postgres did not answer and has not answered since. */
    public boolean isDown() {
        return downSince.get() != 0;
    }

    /** How many outages began since start (each counted once, however many threads met it). */
    public long outages() {
        return outages.get();
    }

    /** Records that Postgres did not answer ({@code cause}); the first thread to see it logs it and starts probing. */
    public synchronized void markDown(Throwable cause) {
        if (downSince.get() != 0 || prober.isShutdown()) {
            return;
        }
        long now = System.nanoTime();
        downSince.set(now == 0 ? 1 : now);
        outages.incrementAndGet();
        log.warn("Postgres is unreachable ({}): the processor is degraded; requests wait (kept in the task's pending store under"
                + " exactly-once, or held by their stream thread under at-least-once) and due keys are pushed back, nothing is"
                + " lost or counted against a job; checking every {} ms", cause.toString(), PROBE_INTERVAL.toMillis());
        probing = prober.scheduleWithFixedDelay(this::probe, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void probe() {
        try (Connection c = ds.getConnection()) {
            if (!c.isValid(1)) {
                return;
            }
        } catch (Exception e) {
            log.debug("Postgres still unreachable: {}", e.toString());
            return;
        }
        markUp();
    }

    private synchronized void markUp() {
        long since = downSince.getAndSet(0);
        if (probing != null) {
            probing.cancel(false);
            probing = null;
        }
        if (since != 0) {
            log.info("Postgres answers again after {} ms: the processor is no longer degraded; waiting requests and keys go on",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since));
        }
    }

    @Override
    public synchronized void close() {
        prober.shutdownNow();
    }
}
