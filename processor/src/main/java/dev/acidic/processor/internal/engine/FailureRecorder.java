package dev.acidic.processor.internal.engine;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.TerminalJobException;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.KeyStore;
import java.sql.Connection;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a step failure in its own transaction, after the phase rolled back: the error, the
 * attempt count, the unlock and the next attempt (or FAILED).
 */
final class FailureRecorder {
    private static final Logger log = LoggerFactory.getLogger(FailureRecorder.class);

    private final DataSource ds;
    private final KeyStore store;
    private final String owner;
    private final FailurePolicy policy;
    private final int messageMaxChars;

    FailureRecorder(DataSource ds, KeyStore store, String owner, FailurePolicy policy, int messageMaxChars) {
        this.messageMaxChars = messageMaxChars;
        this.ds = ds;
        this.store = store;
        this.owner = owner;
        this.policy = policy;
    }

    /**
     * The failed attempt of the step at {@code row}'s recovery point, to be written in the caller's
     * transaction, which holds the row's lock (a batch round, after rolling back to the step's
     * savepoint); logged now, as the round is expected to commit.
     */
    Transitions.Outcome inTransaction(String key, JobDefinition def, KeyRow row, Throwable failure) throws Exception {
        Faults.hit(Faults.Point.RECORD_FAILURE, key);
        Transitions.Outcome o = Transitions.afterFailure(row, failure, policy, owner, messageMaxChars);
        logged(def, key, row, failure, o);
        return o;
    }

    @SuppressWarnings("try") // the scope is the point: the MDC holds while the line is logged
    private Transitions.Outcome logged(JobDefinition def, String key, KeyRow row, Throwable failure, Transitions.Outcome o) {
        int attempt = row.attempts() + 1;
        String rp = row.recoveryPoint();
        try (LogContext lc = LogContext.of(key, def.name(), rp, row.run())) {
            log(def, key, failure, o, attempt, rp);
        }
        return o;
    }

    private void log(JobDefinition def, String key, Throwable failure, Transitions.Outcome o, int attempt, String rp) {
        if (o.phase().stop() == DriveResult.Kind.DONE) {
            log.warn("job '{}' key '{}' FAILED at step '{}' attempt {}{}: {}", def.name(), key, rp, attempt,
                    failure instanceof TerminalJobException ? " (terminal)" : " (attempts exhausted)", brief(failure));
        } else {
            log.info("job '{}' key '{}' step '{}' failed (attempt {} of {}): {}; retry in {} ms", def.name(), key, rp,
                    attempt, policy.maxAttempts(), brief(failure), o.phase().retryInMillis());
        }
    }

    /** The failure for a log line: its type and message, cut like the stored one. */
    private String brief(Throwable failure) {
        return failure.getClass().getName() + ": " + Transitions.cut(String.valueOf(failure.getMessage()), messageMaxChars);
    }

    /**
     * If the bookkeeping itself fails, the original error is logged with the bookkeeping failure
     * attached as suppressed, and the step runs again later without counting the attempt.
     */
    Phase record(String key, JobDefinition def, String rp, Throwable failure) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                Faults.hit(Faults.Point.RECORD_FAILURE, key);
                KeyRow row = store.lockRow(c, key);
                if (row == null || !row.running() || !owner.equals(row.lockedBy()) || !rp.equals(row.recoveryPoint())) {
                    c.rollback();
                    log.warn("key '{}': step '{}' failed ({}) but the key is no longer ours; leaving it to its owner", key, rp,
                            brief(failure));
                    return Phase.stop(DriveResult.Kind.LOST, List.of(), 0);
                }
                Transitions.Outcome o = Transitions.afterFailure(row, failure, policy, owner, messageMaxChars);
                store.appendJournal(c, key, o.entries());
                store.update(c, key, o.update());
                c.commit();
                logged(def, key, row, failure, o);
                return o.phase();
            } catch (Exception bookkeeping) {
                Connections.rollbackQuietly(c, bookkeeping);
                throw bookkeeping;
            }
        } catch (Exception bookkeeping) {
            failure.addSuppressed(bookkeeping);
            long retryIn = policy.retryDelay(1).toMillis();
            log.error("job '{}' key '{}' step '{}' failed, and recording that failure in Postgres failed too ({}); "
                    + "the step will run again in {} ms without counting this attempt", def.name(), key, rp,
                    bookkeeping.toString(), retryIn, failure);
            return Phase.stop(DriveResult.Kind.WAIT, List.of(), retryIn);
        }
    }
}
