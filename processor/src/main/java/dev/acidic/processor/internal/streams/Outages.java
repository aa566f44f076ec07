package dev.acidic.processor.internal.streams;

import dev.acidic.processor.internal.store.PostgresHealth;
import dev.acidic.processor.internal.store.SqlErrors;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a task does with a request or command that meets a Postgres outage: under exactly-once it
 * is parked in the pending store (which commits with its input offset) and handled once Postgres
 * answers; under at-least-once nothing else holds it, so its stream thread waits. Either way no
 * connection attempt is made while {@link PostgresHealth} knows Postgres is away, and nothing
 * throws into Kafka Streams (which replaced the stream thread, again and again).
 */
final class Outages {
    private static final Logger log = LoggerFactory.getLogger(Outages.class);

    private final PostgresHealth health;
    private final PendingBatch pending;
    private final boolean exactlyOnce;
    private final Duration maxPollInterval;

    Outages(PostgresHealth health, PendingBatch pending, boolean exactlyOnce, Duration maxPollInterval) {
        this.health = health;
        this.pending = pending;
        this.exactlyOnce = exactlyOnce;
        this.maxPollInterval = maxPollInterval;
    }

    /**
     * Runs the handling of a pending request {@code q} drained from the store; one that meets an
     * outage is added to {@code waiting}, to stay pending.
     */
    void orWait(PendingBatch.Queued q, java.util.List<PendingBatch.Queued> waiting, Runnable handling) {
        try {
            handling.run();
        } catch (RuntimeException e) {
            if (!SqlErrors.isUnavailable(e)) {
                throw e;
            }
            health.markDown(e);
            waiting.add(q);
        }
    }

    /**
     * Runs the handling of {@code q}; one that meets an outage is parked in the pending store
     * (exactly-once), or waits for Postgres and runs again (at-least-once).
     */
    void untilDone(PendingBatch.Queued q, Runnable handling) {
        while (true) {
            if (health.isDown()) {
                if (exactlyOnce) {
                    pending.park(q); // no connection attempt while Postgres is away: handled once it answers
                    return;
                }
                // no connection attempt meanwhile; giving up is an outage, never counted against the record
                awaitPostgres(q, new IllegalStateException("Postgres is unreachable",
                        new java.sql.SQLTransientConnectionException("Postgres did not answer the processor's prober")));
            }
            try {
                handling.run();
                return;
            } catch (RuntimeException e) {
                if (!SqlErrors.isUnavailable(e)) {
                    throw e;
                }
                health.markDown(e);
                if (exactlyOnce) {
                    pending.park(q); // in the store, committed with this record's offset: nothing is lost
                    return;
                }
                awaitPostgres(q, e);
            }
        }
    }

    /**
     * Under at-least-once nothing durable holds a request but its uncommitted offset, so its
     * stream thread waits for Postgres, up to half the main consumer's max.poll.interval.ms; past
     * that it gives up (the thread is replaced, the request processed again).
     */
    private void awaitPostgres(PendingBatch.Queued q, RuntimeException outage) {
        long limit = System.nanoTime() + maxPollInterval.toNanos() / 2;
        while (health.isDown()) {
            if (System.nanoTime() > limit) {
                throw outage;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw outage;
            }
        }
        log.debug("Postgres answers again; handling key '{}' again", q.key());
    }
}
