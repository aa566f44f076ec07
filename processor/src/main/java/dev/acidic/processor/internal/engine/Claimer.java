package dev.acidic.processor.internal.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.EventType;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.store.Children;
import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.SqlErrors;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims a key in one transaction: creates its row (recovery point = first step) or finds it,
 * and decides whether this instance may run it now. Same key with other arguments or job is a
 * mismatch; a finished key a replay; a key locked by another owner less than the lock timeout
 * ago (Postgres' clock) is deferred until the lock expires; one waiting for its children stays
 * released until the last has ended (then its wait ends, journaled as CHILDREN_DONE). Otherwise the
 * key is locked for this instance, taking over an expired lock.
 */
final class Claimer {
    private static final Logger log = LoggerFactory.getLogger(Claimer.class);
    /** When to look again at a key whose row another connection holds in a phase right now. */
    private static final long BUSY_RETRY_MS = 500;

    private final DataSource ds;
    private final JobRegistry jobs;
    private final KeyStore store;
    private final String owner;
    private final long lockTimeoutMs;
    private final Children children = new Children();

    Claimer(DataSource ds, JobRegistry jobs, KeyStore store, String owner, long lockTimeoutMs) {
        this.ds = ds;
        this.jobs = jobs;
        this.store = store;
        this.owner = owner;
        this.lockTimeoutMs = lockTimeoutMs;
    }

    /**
     * A claim's outcome.
     *
     * @param stop why the drive stops at the claim; null when the key is now ours to run
     * @param row the key row as found (null if there is none)
     * @param written journal entries the claim committed (ACCEPTED, DEFERRED)
     */
    record Claim(DriveResult.Kind stop, KeyRow row, long seqBefore, List<JournalEntry> written, long retryInMillis) {
        DriveResult result() {
            return new DriveResult(stop, row, seqBefore, written, List.of(), retryInMillis);
        }
    }

    /** Claims, running the claim again at once after a deadlock or serialization conflict. */
    Claim claim(String key, JobRequest request, Integer partition) throws SQLException {
        SQLException last = null;
        for (int i = 0; i <= FailurePolicy.CONFLICT_RETRIES; i++) {
            try {
                return claimOnce(key, request, partition);
            } catch (SQLException e) {
                last = e;
                if (!SqlErrors.isConcurrencyConflict(e)) {
                    throw e; // unavailable: the pool already waited its connection timeout
                }
                log.debug("claim of key '{}' hit {} (attempt {}); retrying", key, e.getSQLState(), i + 1);
                Connections.pause(i);
            }
        }
        throw last;
    }

    private Claim claimOnce(String key, JobRequest request, Integer partition) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                Claim claim = claimIn(c, key, request, partition);
                Faults.hit(Faults.Point.BEFORE_CLAIM_COMMIT, key);
                c.commit();
                Faults.hit(Faults.Point.AFTER_CLAIM_COMMIT, key);
                return claim;
            } catch (SQLException e) {
                Connections.rollbackQuietly(c, e);
                if (SqlErrors.isLockNotAvailable(e)) {
                    c.setAutoCommit(true);
                    return whileBusy(c, key, request, partition);
                }
                throw e;
            } catch (Exception e) {
                Connections.rollbackQuietly(c, e);
                throw Connections.asSql(e);
            }
        }
    }

    /**
     * The key's row is held by a phase on another connection (a zombie's, or a twin task's): what
     * can be answered from its last committed state is answered now (another home, other
     * arguments, finished), so that no request goes unanswered; otherwise the key is looked at
     * again shortly, and a request for it is absorbed by the job running.
     */
    private Claim whileBusy(Connection c, String key, JobRequest request, Integer partition) throws SQLException {
        KeyRow row = store.readRow(c, key);
        if (row != null) {
            Claim answered = answerable(c, key, request, partition, row);
            if (answered != null) {
                return answered;
            }
        }
        log.info("key '{}' is in a phase on another connection right now; looking again in {} ms", key, BUSY_RETRY_MS);
        return new Claim(DriveResult.Kind.WAIT, null, 0, List.of(), BUSY_RETRY_MS);
    }

    /** What a claim answers from the row alone (homed elsewhere, mismatch, finished), or null. */
    private Claim answerable(Connection c, String key, JobRequest request, Integer partition, KeyRow row) throws SQLException {
        if (partition != null && row.partition() != null && !row.partition().equals(partition)) {
            return new Claim(DriveResult.Kind.ELSEWHERE, row, row.lastSeq(), List.of(), 0);
        }
        if (request != null && (!row.job().equals(request.job())
                || !store.sameArgs(c, key, request.args(), jobs.get(request.job()).identityIgnores()))) {
            return new Claim(DriveResult.Kind.MISMATCH, row, row.lastSeq(), List.of(), 0);
        }
        if (row.finished()) {
            return new Claim(DriveResult.Kind.DONE, row, row.lastSeq(), List.of(), 0);
        }
        if (row.halted()) {
            return new Claim(DriveResult.Kind.HALTED, row, row.lastSeq(), List.of(), 0); // until a resume
        }
        return null;
    }

    private Claim claimIn(Connection c, String key, JobRequest request, Integer partition) throws SQLException {
        if (request != null) {
            JobDefinition def = jobs.get(request.job());
            if (def == null) {
                throw new IllegalArgumentException("unknown job '" + request.job() + "' must be rejected before driving");
            }
            if (store.insertKey(c, key, UUID.randomUUID(), request, def.stepNames(), owner, partition)) {
                KeyRow row = store.lockRow(c, key);
                JournalEntry accepted = accepted(def, row, request);
                store.appendJournal(c, key, List.of(accepted));
                // a delayed start ("runAt"): accepted now, its first phase when due
                return new Claim(row.dueInMillis() > 0 ? DriveResult.Kind.WAIT : null, row, accepted.seq() - 1, List.of(accepted),
                        row.dueInMillis());
            }
        }
        KeyRow row = store.lockRowNoWait(c, key);
        if (row == null) {
            return new Claim(DriveResult.Kind.MISSING, null, 0, List.of(), 0);
        }
        Claim answered = answerable(c, key, request, partition, row);
        if (answered != null) {
            return answered;
        }
        boolean lockedElsewhere = row.lockedBy() != null && !row.lockedBy().equals(owner) && row.lockAgeMillis() < lockTimeoutMs;
        if (lockedElsewhere) {
            long retryIn = Math.max(1, lockTimeoutMs - row.lockAgeMillis());
            ObjectNode d = JournalEntry.newData(row.run())
                    .put("recoveryPoint", row.recoveryPoint())
                    .put("lockedBy", row.lockedBy())
                    .put("retryAt", row.dbNow().plusMillis(retryIn).toString());
            JournalEntry deferred = new JournalEntry(row.lastSeq() + 1, EventType.DEFERRED, row.recoveryPoint(), d, row.dbNow());
            store.appendJournal(c, key, List.of(deferred));
            store.setLastSeq(c, key, deferred.seq());
            return new Claim(DriveResult.Kind.WAIT, row, row.lastSeq(), List.of(deferred), retryIn);
        }
        if (row.dueInMillis() > 0) {
            return new Claim(DriveResult.Kind.WAIT, row, row.lastSeq(), List.of(), row.dueInMillis());
        }
        JournalEntry childrenDone = null;
        if (row.awaitingChildren()) {
            Children.Tally t = children.tally(c, key);
            if (t.unfinished() > 0) {
                return new Claim(DriveResult.Kind.AWAITING, row, row.lastSeq(), List.of(), 0); // a later child's end drives it
            }
            childrenDone = Transitions.childrenDone(row.run(), row.lastSeq() + 1, row.recoveryPoint(), t, row.dbNow());
            store.appendJournal(c, key, List.of(childrenDone));
            children.endWait(c, key, childrenDone.seq());
        }
        if (row.lockedBy() != null && !row.lockedBy().equals(owner)) {
            log.info("key '{}' (job {}): taking over the lock of '{}', idle for {} ms (lock timeout {} ms)", key, row.job(),
                    row.lockedBy(), row.lockAgeMillis(), lockTimeoutMs);
        }
        store.lock(c, key, owner, partition);
        return new Claim(null, row, row.lastSeq(), childrenDone == null ? List.of() : List.of(childrenDone), 0);
    }

    /**
     * The ACCEPTED entry of a key just created for {@code def}: seq 1, or the seq after the last
     * one of an earlier job under the key (its row deleted since), which the insert put in the row.
     */
    JournalEntry accepted(JobDefinition def, KeyRow row, JobRequest request) {
        ObjectNode d = JournalEntry.newData(row.run()).put("recoveryPoint", def.firstStep()).put("by", owner);
        if (row.dueInMillis() > 0 && request.runAt() != null) {
            d.put("retryAt", request.runAt().toString()); // a delayed start: when it runs
        }
        return new JournalEntry(row.lastSeq(), EventType.ACCEPTED, null, d, row.dbNow());
    }
}
