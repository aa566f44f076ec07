package dev.acidic.processor.internal.engine;

import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.SqlErrors;
import dev.acidic.processor.internal.store.StagedJob;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.EventType;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobRequest;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.StepTimeoutException;
import dev.acidic.api.TerminalJobException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one key: claims it, then runs its atomic phases until it finishes, waits, fails or the time
 * budget is spent.
 *
 * <p>Every phase is one Postgres transaction that locks the key row FOR UPDATE, checks that this
 * instance still owns the key at the expected recovery point, runs the step on the same connection
 * and advances the recovery point. A zombie whose lock was taken over finds another owner (or
 * another recovery point) in that check and stops without running the step. Journal entries are
 * written in the same transaction; publishing them is the caller's job.
 *
 * <p>The stream thread is blocked for the whole drive. The budget bounds the number of phases; a
 * single step is bounded by the step time limit ({@link StepRunner}), its SQL by Postgres'
 * {@code statement_timeout}.
 */
public final class KeyDriver {
    private static final Logger log = LoggerFactory.getLogger(KeyDriver.class);
    /** The recovery point reported once the last step has committed. */
    public static final String FINISHED = "$finished";
    private static final int CONFLICT_RETRIES = 5;
    private static final long UNAVAILABLE_RETRY_MS = 1_000;
    private static final long BUSY_RETRY_MS = 500;

    private final DataSource ds;
    private final JobRegistry jobs;
    private final KeyStore store = new KeyStore();
    private final String owner;
    private final long lockTimeoutMs;
    private final Backoff backoff;
    private final long budgetNanos;
    private final long idleTimeoutMs;
    private final StepRunner steps;

    public KeyDriver(DataSource ds, JobRegistry jobs, String owner, Duration lockTimeout, Backoff backoff, Duration budget,
            Duration transactionIdleTimeout, Duration stepTimeout) {
        this.idleTimeoutMs = transactionIdleTimeout.toMillis();
        this.steps = new StepRunner(stepTimeout);
        this.ds = ds;
        this.jobs = jobs;
        this.owner = owner;
        this.lockTimeoutMs = lockTimeout.toMillis();
        this.backoff = backoff;
        this.budgetNanos = budget.toNanos();
    }

    /** How many given-up steps are still running in this JVM (they ignored the interrupt). */
    public static int stepsStillRunning() {
        return StepRunner.stragglers();
    }

    /** Claim outcome, internal to a drive. */
    private record Claim(DriveResult.Kind stop, KeyRow row, long seqBefore, List<JournalEntry> written, long retryInMillis) {}

    /**
     * Drives {@code key}. With a request, a missing key is created (recovery point = first step);
     * without one (timer, continuation) only an existing key is driven.
     *
     * @throws SQLException when Postgres cannot be reached for the claim: the caller must not
     *     consider the request handled (it would be lost), so it lets the record be redelivered
     */
    public DriveResult drive(String key, JobRequest request, Integer partition) throws SQLException {
        long deadline = System.nanoTime() + budgetNanos;
        Claim claim = claimWithRetries(key, request, partition);
        List<JournalEntry> written = new ArrayList<>(claim.written());
        KeyRow row = claim.row();
        if (claim.stop() != null) {
            long last = claim.seqBefore() + written.size();
            return result(claim.stop(), row, claim.seqBefore(), last, written, List.of(), claim.retryInMillis());
        }
        JobDefinition def = jobs.get(row.job());
        if (def == null) {
            // A stored job this processor does not know (removed, or a newer deployment's): leave it
            // locked-free for an instance that knows it, and look again later.
            log.warn("key '{}' stands at job '{}' which this processor does not run (known: {}); will look again in {} ms",
                    key, row.job(), jobs.names(), lockTimeoutMs);
            return result(DriveResult.Kind.WAIT, row, claim.seqBefore(), row.lastSeq(), written, List.of(), lockTimeoutMs);
        }
        return phases(key, def, row, claim.seqBefore(), row.recoveryPoint(), row.lastSeq(), written, new ArrayList<>(), deadline);
    }

    /**
     * Runs the phases of a claimed key one transaction each, from {@code rp}, until it stops or
     * the deadline passes.
     *
     * @param written journal entries already committed by this drive (appended to)
     * @param staged staged jobs already committed by this drive (appended to)
     */
    private DriveResult phases(String key, JobDefinition def, KeyRow row, long seqBefore, String rp, long seq,
            List<JournalEntry> written, List<StagedJob> staged, long deadline) {
        while (true) {
            Phase p = phaseWithRetries(key, def, rp, seq);
            written.addAll(p.written());
            staged.addAll(p.staged());
            seq += p.written().size();
            if (p.stop() != null) {
                return new DriveResult(p.stop(), row.jobId(), row.job(), seqBefore, seq, written, row.stagedSeq(),
                        row.stagedSeq() + staged.size(), staged, p.retryInMillis(), row.finished(), row);
            }
            rp = p.nextRecoveryPoint();
            if (System.nanoTime() >= deadline) {
                return new DriveResult(DriveResult.Kind.CONTINUE, row.jobId(), row.job(), seqBefore, seq, written,
                        row.stagedSeq(), row.stagedSeq() + staged.size(), staged, 0, false, row);
            }
        }
    }

    // ---------------------------------------------------------------- batches

    /** A request to drive in a batch. */
    public record Item(String key, JobRequest request) {}

    /** What a batch did for one item: a result, or the Postgres failure that kept it from being claimed. */
    public record Outcome(DriveResult result, SQLException failure) {}

    /** A key driven in lockstep with others of its batch. */
    private static final class Lane {
        final int index;
        final String key;
        final JobDefinition def;
        final JobRequest request;
        KeyRow row;
        final List<JournalEntry> written = new ArrayList<>();
        final List<StagedJob> staged = new ArrayList<>();
        String rp;
        long seq;
        Phase pending; // this round's outcome, applied once the round commits
        StepTimeoutException timedOut; // this lane's step ran past the limit in a round that failed for it

        Lane(int index, String key, JobDefinition def, JobRequest request) {
            this.index = index;
            this.key = key;
            this.def = def;
            this.request = request;
        }

        void apply(Phase p) {
            written.addAll(p.written());
            staged.addAll(p.staged());
            seq += p.written().size();
            rp = p.nextRecoveryPoint();
        }

        DriveResult result(DriveResult.Kind kind, long retryIn) {
            return new DriveResult(kind, row.jobId(), row.job(), 0, seq, written, row.stagedSeq(),
                    row.stagedSeq() + staged.size(), staged, retryIn, false, row);
        }
    }

    /**
     * Drives several new requests with their phases sharing transactions: round one inserts every
     * new key and runs its first phase, each later round runs the next phase of every key still
     * going, and each round commits once. The semantics per key are those of {@link #drive}: each
     * phase locks its key row, checks ownership and recovery point, and commits its step's writes
     * with the recovery point's advance; only the commit is shared. Keys that already exist, repeat
     * within the batch or sit in a round that fails (a step threw, a deadlock, Postgres went away)
     * continue one by one through {@link #drive}, after the batch, so a failure is counted against
     * its own key alone.
     *
     * @return one outcome per item, in the items' order
     */
    public List<Outcome> driveBatch(List<Item> items, Integer partition) {
        long deadline = System.nanoTime() + budgetNanos;
        Outcome[] out = new Outcome[items.size()];
        List<Lane> lanes = new ArrayList<>();
        List<Integer> alone = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            JobDefinition def = jobs.get(it.request().job());
            if (def != null && seen.add(it.key())) {
                lanes.add(new Lane(i, it.key(), def, it.request()));
            } else {
                alone.add(i);
            }
        }
        lanes.sort(java.util.Comparator.comparing(l -> l.key)); // one lock order for every batch: no deadlocks among them
        List<Lane> continuing = new ArrayList<>();
        if (!lanes.isEmpty()) {
            List<Lane> claimed = claimRound(lanes, partition);
            if (claimed == null) {
                // the round failed: nothing of it committed; a lane whose step timed out is claimed
                // and its failure recorded, not run (and waited for) again
                for (Lane l : lanes) {
                    if (l.timedOut != null) {
                        out[l.index] = claimThenFail(l, partition);
                    } else {
                        alone.add(l.index);
                    }
                }
            } else {
                for (Lane l : lanes) {
                    if (!claimed.contains(l)) {
                        alone.add(l.index); // the key existed already
                    }
                }
                continuing = settle(claimed, out);
            }
        }
        while (!continuing.isEmpty() && System.nanoTime() < deadline) {
            List<Lane> round = continuing;
            if (!phaseRound(round)) {
                for (Lane l : round) {
                    if (l.timedOut != null) {
                        Phase p = recordFailure(l.key, l.def, l.rp, l.timedOut);
                        l.apply(p);
                        out[l.index] = new Outcome(l.result(p.stop(), p.retryInMillis()), null);
                    } else {
                        out[l.index] = new Outcome(phases(l.key, l.def, l.row, 0, l.rp, l.seq, l.written, l.staged, deadline), null);
                    }
                }
                continuing = List.of();
            } else {
                continuing = settle(round, out);
            }
        }
        for (Lane l : continuing) {
            out[l.index] = new Outcome(l.result(DriveResult.Kind.CONTINUE, 0), null);
        }
        alone.sort(null);
        for (int i : alone) {
            Item it = items.get(i);
            try {
                out[i] = new Outcome(drive(it.key(), it.request(), partition), null);
            } catch (SQLException e) {
                out[i] = new Outcome(null, e);
            }
        }
        return java.util.Arrays.asList(out);
    }

    /** Claims a new key whose first step timed out in a failed claim round, and counts that attempt. */
    private Outcome claimThenFail(Lane l, Integer partition) {
        try {
            Claim claim = claimWithRetries(l.key, l.request, partition);
            if (claim.stop() != null) {
                long last = claim.seqBefore() + claim.written().size();
                return new Outcome(result(claim.stop(), claim.row(), claim.seqBefore(), last, claim.written(), List.of(),
                        claim.retryInMillis()), null);
            }
            KeyRow row = claim.row();
            Phase p = recordFailure(l.key, l.def, row.recoveryPoint(), l.timedOut);
            List<JournalEntry> written = new ArrayList<>(claim.written());
            written.addAll(p.written());
            return new Outcome(new DriveResult(p.stop(), row.jobId(), row.job(), claim.seqBefore(), row.lastSeq() + p.written().size(),
                    written, row.stagedSeq(), row.stagedSeq(), List.of(), p.retryInMillis(), row.finished(), row), null);
        } catch (SQLException e) {
            return new Outcome(null, e);
        }
    }

    /** Applies a committed round: lanes that stopped get their result; the rest go on. */
    private static List<Lane> settle(List<Lane> round, Outcome[] out) {
        List<Lane> next = new ArrayList<>();
        for (Lane l : round) {
            Phase p = l.pending;
            l.pending = null;
            l.apply(p);
            if (p.stop() != null) {
                out[l.index] = new Outcome(l.result(p.stop(), p.retryInMillis()), null);
            } else {
                next.add(l);
            }
        }
        return next;
    }

    /**
     * Round one: inserts each lane's key (locked by this instance, ACCEPTED journaled) and runs its
     * first step, all in one transaction.
     *
     * @return the lanes whose key was new (the others existed already), or null if the round
     *     failed and was rolled back
     */
    private List<Lane> claimRound(List<Lane> lanes, Integer partition) {
        List<Lane> claimed = new ArrayList<>();
        boolean ok = inRound(lanes, c -> {
            List<KeyStore.NewKey> keys = new ArrayList<>(lanes.size());
            for (Lane l : lanes) {
                keys.add(new KeyStore.NewKey(l.key, UUID.randomUUID(), l.request, l.def.firstStep()));
            }
            Map<String, KeyRow> rows = store.insertKeys(c, keys, owner, partition);
            Map<String, List<JournalEntry>> journal = new LinkedHashMap<>();
            Map<String, KeyStore.RowUpdate> updates = new LinkedHashMap<>();
            for (Lane l : lanes) {
                KeyRow row = rows.get(l.key);
                if (row == null) {
                    continue; // the key existed already
                }
                ObjectNode d = JournalEntry.newData().put("recoveryPoint", l.def.firstStep()).put("by", owner);
                JournalEntry accepted = new JournalEntry(1, EventType.ACCEPTED, null, d, row.dbNow());
                l.row = row;
                l.written.add(accepted);
                l.seq = row.lastSeq();
                l.rp = row.recoveryPoint();
                StepOutcome o = executeStep(c, l.key, l.def, row);
                l.pending = o.phase();
                List<JournalEntry> entries = new ArrayList<>(o.entries().size() + 1);
                entries.add(accepted);
                entries.addAll(o.entries());
                journal.put(l.key, entries);
                updates.put(l.key, o.update());
                claimed.add(l);
            }
            store.appendJournal(c, journal);
            store.update(c, updates);
            return claimed;
        }, Faults.Point.BEFORE_CLAIM_COMMIT, Faults.Point.AFTER_CLAIM_COMMIT);
        return ok ? claimed : null;
    }

    /** A later round: the next phase of each lane, in one transaction; false if it failed and was rolled back. */
    private boolean phaseRound(List<Lane> round) {
        return inRound(round, c -> {
            List<String> keys = new ArrayList<>(round.size());
            round.forEach(l -> keys.add(l.key));
            Map<String, KeyRow> rows = store.lockRows(c, keys);
            Map<String, List<JournalEntry>> journal = new LinkedHashMap<>();
            Map<String, KeyStore.RowUpdate> updates = new LinkedHashMap<>();
            for (Lane l : round) {
                KeyRow row = rows.get(l.key);
                if (row == null || row.finished() || !owner.equals(row.lockedBy()) || !l.rp.equals(row.recoveryPoint())) {
                    log.info("key '{}': no longer ours at '{}' (now {} at '{}', locked by {}); stopping", l.key, l.rp,
                            row == null ? "gone" : row.status(), row == null ? null : row.recoveryPoint(),
                            row == null ? null : row.lockedBy());
                    l.pending = Phase.stop(DriveResult.Kind.LOST, List.of(), 0);
                } else if (!l.def.hasStep(l.rp)) {
                    l.pending = failUnknownRecoveryPoint(c, l.key, l.def, row);
                } else {
                    StepOutcome o = executeStep(c, l.key, l.def, row);
                    l.pending = o.phase();
                    journal.put(l.key, o.entries());
                    updates.put(l.key, o.update());
                }
            }
            store.appendJournal(c, journal);
            store.update(c, updates);
            return round;
        }, null, null);
    }

    /** The work of one round on its transaction's connection. */
    private interface RoundWork {
        List<Lane> run(Connection c) throws SQLException, StepFailure;
    }

    /**
     * Runs a round in one transaction and commits it, hitting the fault points around the commit
     * once per lane (and the claim points too in round one, whose commit is also the claim's).
     * On any failure the transaction is rolled back and false returned: the caller replays the
     * round's lanes one by one, where failures are retried and counted per key.
     */
    private boolean inRound(List<Lane> lanes, RoundWork work, Faults.Point beforeClaim, Faults.Point afterClaim) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            List<Lane> done;
            try {
                // the round's steps share one hand-over to a worker thread that the step limit watches
                done = steps.supervise(() -> work.run(c), () -> abandon(c));
                for (Lane l : done) {
                    if (beforeClaim != null) {
                        Faults.hit(beforeClaim, l.key);
                    }
                    Faults.hit(Faults.Point.BEFORE_PHASE_COMMIT, l.key);
                }
                c.commit();
            } catch (Throwable e) {
                if (e instanceof Error err && !(e instanceof AssertionError)) {
                    throw err;
                }
                rollbackQuietly(c, e);
                for (Lane l : lanes) {
                    l.pending = null;
                    if (e instanceof StepRunner.TimedOut t && t.key.equals(l.key)) {
                        l.timedOut = t.exception(); // recorded after the rollback, not run (and waited for) again
                    }
                }
                log.debug("a batch round of {} keys failed ({}); driving them one by one", lanes.size(), e.toString());
                return false;
            }
            try {
                for (Lane l : done) {
                    if (afterClaim != null) {
                        Faults.hit(afterClaim, l.key);
                    }
                    Faults.hit(Faults.Point.AFTER_PHASE_COMMIT, l.key);
                }
            } catch (Exception e) {
                // committed, but the caller must not carry on as if it had seen it: as in a single
                // phase, the records are processed again and the keys resume from Postgres
                throw new IllegalStateException(e);
            }
            return true;
        } catch (SQLException e) {
            log.debug("a batch round of {} keys could not start ({}); driving them one by one", lanes.size(), e.toString());
            return false;
        }
    }

    private DriveResult result(DriveResult.Kind kind, KeyRow row, long seqBefore, long lastSeq, List<JournalEntry> written,
            List<StagedJob> staged, long retryIn) {
        if (row == null) {
            return new DriveResult(kind, null, null, 0, 0, written, 0, 0, staged, retryIn, false, null);
        }
        return new DriveResult(kind, row.jobId(), row.job(), seqBefore, lastSeq, written, row.stagedSeq(), row.stagedSeq(),
                staged, retryIn, row.finished(), row);
    }

    // ---------------------------------------------------------------- claim

    private Claim claimWithRetries(String key, JobRequest request, Integer partition) throws SQLException {
        SQLException last = null;
        for (int i = 0; i <= CONFLICT_RETRIES; i++) {
            try {
                return claim(key, request, partition);
            } catch (SQLException e) {
                last = e;
                if (!SqlErrors.isConcurrencyConflict(e)) {
                    throw e; // unavailable: the pool already waited its connection timeout
                }
                log.debug("claim of key '{}' hit {} (attempt {}); retrying", key, e.getSQLState(), i + 1);
                pause(i);
            }
        }
        throw last;
    }

    private Claim claim(String key, JobRequest request, Integer partition) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                Claim claim = claimIn(c, key, request, partition);
                Faults.hit(Faults.Point.BEFORE_CLAIM_COMMIT, key);
                c.commit();
                Faults.hit(Faults.Point.AFTER_CLAIM_COMMIT, key);
                return claim;
            } catch (SQLException e) {
                rollbackQuietly(c, e);
                if (SqlErrors.isLockNotAvailable(e)) {
                    log.info("key '{}' is in a phase on another connection right now; looking again in {} ms", key, BUSY_RETRY_MS);
                    return new Claim(DriveResult.Kind.WAIT, null, 0, List.of(), BUSY_RETRY_MS);
                }
                throw e;
            } catch (Exception e) {
                rollbackQuietly(c, e);
                throw asSql(e);
            }
        }
    }

    private Claim claimIn(Connection c, String key, JobRequest request, Integer partition) throws SQLException {
        if (request != null) {
            JobDefinition def = jobs.get(request.job());
            if (def == null) {
                throw new IllegalArgumentException("unknown job '" + request.job() + "' must be rejected before driving");
            }
            UUID jobId = UUID.randomUUID();
            if (store.insertKey(c, key, jobId, request, def.firstStep(), owner, partition)) {
                KeyRow row = store.lockRow(c, key);
                ObjectNode d = JournalEntry.newData().put("recoveryPoint", def.firstStep()).put("by", owner);
                JournalEntry accepted = new JournalEntry(1, EventType.ACCEPTED, null, d, row.dbNow());
                store.appendJournal(c, key, List.of(accepted));
                return new Claim(null, row, 0, List.of(accepted), 0);
            }
        }
        KeyRow row = store.lockRowNoWait(c, key);
        if (row == null) {
            return new Claim(DriveResult.Kind.MISSING, null, 0, List.of(), 0);
        }
        if (request != null && (!row.job().equals(request.job())
                || !store.sameArgs(c, key, request.args(), jobs.get(request.job()).identityIgnores()))) {
            return new Claim(DriveResult.Kind.MISMATCH, row, row.lastSeq(), List.of(), 0);
        }
        if (row.finished()) {
            return new Claim(DriveResult.Kind.DONE, row, row.lastSeq(), List.of(), 0);
        }
        boolean lockedElsewhere = row.lockedBy() != null && !row.lockedBy().equals(owner) && row.lockAgeMillis() < lockTimeoutMs;
        if (lockedElsewhere) {
            long retryIn = Math.max(1, lockTimeoutMs - row.lockAgeMillis());
            ObjectNode d = JournalEntry.newData()
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
        if (row.lockedBy() != null && !row.lockedBy().equals(owner)) {
            log.info("key '{}' (job {}): taking over the lock of '{}', idle for {} ms (lock timeout {} ms)", key, row.job(),
                    row.lockedBy(), row.lockAgeMillis(), lockTimeoutMs);
        }
        store.lock(c, key, owner, partition);
        return new Claim(null, row, row.lastSeq(), List.of(), 0);
    }

    // ---------------------------------------------------------------- phases

    /** Phase outcome, internal to a drive. */
    private record Phase(DriveResult.Kind stop, String nextRecoveryPoint, List<JournalEntry> written, List<StagedJob> staged,
            long retryInMillis) {
        static Phase stop(DriveResult.Kind kind, List<JournalEntry> written, long retryIn) {
            return new Phase(kind, null, written, List.of(), retryIn);
        }
    }

    /**
     * Runs one phase, retrying deadlocks and serialization failures at once. Failures are sorted:
     * the step's own exceptions count as failed attempts; a database outage does not (the phase is
     * tried again later); a transaction Postgres ended because the phase stayed open past
     * {@code acidic.transaction.idle.timeout} counts, since the step (or a freeze of this
     * instance) caused it, and retrying it uncounted could loop forever.
     */
    private Phase phaseWithRetries(String key, JobDefinition def, String rp, long seq) {
        for (int i = 0; ; i++) {
            long started = System.nanoTime();
            Throwable failure;
            boolean stepThrew;
            try {
                return phase(key, def, rp);
            } catch (StepFailure f) {
                failure = f.getCause();
                stepThrew = true;
            } catch (SQLException e) {
                failure = e; // the engine's own statements
                stepThrew = false;
            }
            long ranMs = (System.nanoTime() - started) / 1_000_000;
            if (failure instanceof StepTimeoutException) {
                return recordFailure(key, def, rp, failure); // its connection was closed: not an outage
            }
            if (SqlErrors.isConcurrencyConflict(failure) && i < CONFLICT_RETRIES) {
                log.debug("phase '{}' of key '{}' hit a deadlock or serialization conflict; running it again (not counted)", rp, key);
                pause(i);
                continue;
            }
            if (SqlErrors.isIdleTimeout(failure) || (SqlErrors.isUnavailable(failure) && ranMs >= idleTimeoutMs)) {
                return recordFailure(key, def, rp, new IllegalStateException("the phase of step '" + rp + "' was open for " + ranMs
                        + " ms, longer than acidic.transaction.idle.timeout (" + idleTimeoutMs
                        + " ms), so Postgres ended its transaction; keep slow non-SQL work shorter or raise the timeout", failure));
            }
            boolean stepsData = SqlErrors.isDataError(failure); // e.g. a result Postgres cannot store
            if ((!stepThrew && !stepsData) || SqlErrors.isConcurrencyConflict(failure) || SqlErrors.isUnavailable(failure)) {
                log.warn("phase '{}' of key '{}' could not run: {}; retrying in {} ms (not counted as a failed attempt)", rp, key,
                        failure.toString(), UNAVAILABLE_RETRY_MS);
                return Phase.stop(DriveResult.Kind.WAIT, List.of(), UNAVAILABLE_RETRY_MS);
            }
            return recordFailure(key, def, rp, failure);
        }
    }

    /** A step (or its apply) threw; carries the original throwable. */
    private static final class StepFailure extends Exception {
        StepFailure(Throwable cause) {
            super(cause);
        }
    }

    private Phase phase(String key, JobDefinition def, String rp) throws SQLException, StepFailure {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            boolean committed = false;
            try {
                KeyRow row = store.lockRow(c, key);
                if (row == null || row.finished() || !owner.equals(row.lockedBy()) || !rp.equals(row.recoveryPoint())) {
                    log.info("key '{}': no longer ours at '{}' (now {} at '{}', locked by {}); stopping", key, rp,
                            row == null ? "gone" : row.status(), row == null ? null : row.recoveryPoint(),
                            row == null ? null : row.lockedBy());
                    c.rollback();
                    return Phase.stop(DriveResult.Kind.LOST, List.of(), 0);
                }
                if (!def.hasStep(rp)) {
                    Phase p = failUnknownRecoveryPoint(c, key, def, row);
                    c.commit();
                    committed = true;
                    return p;
                }
                Phase p = runStep(c, key, def, row);
                Faults.hit(Faults.Point.BEFORE_PHASE_COMMIT, key);
                c.commit();
                committed = true;
                Faults.hit(Faults.Point.AFTER_PHASE_COMMIT, key);
                return p;
            } catch (SQLException | RuntimeException e) {
                if (!committed) {
                    rollbackQuietly(c, e);
                }
                throw e;
            } catch (StepFailure e) {
                rollbackQuietly(c, e.getCause());
                throw e;
            } catch (Exception e) {
                // a fault hook that threw a checked exception
                if (!committed) {
                    rollbackQuietly(c, e);
                }
                throw new IllegalStateException(e);
            }
        }
    }

    private Phase runStep(Connection c, String key, JobDefinition def, KeyRow row) throws SQLException, StepFailure {
        StepOutcome o = executeStep(c, key, def, row);
        store.appendJournal(c, key, o.entries());
        store.update(c, key, o.update());
        return o.phase();
    }

    /** A step's result: the phase outcome and the bookkeeping still to write in its transaction. */
    private record StepOutcome(Phase phase, List<JournalEntry> entries, KeyStore.RowUpdate update) {}

    /** Runs the step at the row's recovery point and works out the journal entries and row update it leads to. */
    private StepOutcome executeStep(Connection c, String key, JobDefinition def, KeyRow row) throws StepFailure {
        String rp = row.recoveryPoint();
        int attempt = row.attempts() + 1;
        StepContextImpl ctx = new StepContextImpl(store, c, key, def.name(), rp, row.args(), attempt, row.stagedSeq());
        PhaseResult result;
        try {
            Faults.hit(Faults.Point.BEFORE_STEP, key);
            result = steps.step(def.step(rp), ctx, () -> abandon(c));
            if (result == null) {
                throw new IllegalStateException("step '" + rp + "' of job '" + def.name() + "' returned null; return a PhaseResult such as PhaseResult.next()");
            }
        } catch (Throwable t) {
            if (t instanceof Error err && !(t instanceof AssertionError)) {
                throw err;
            }
            throw new StepFailure(t);
        }
        Instant now = row.dbNow();
        long seq = row.lastSeq();
        List<JournalEntry> entries = new ArrayList<>();
        String next;
        String status = "RUNNING";
        JsonNode finalResult = null;
        Instant notBefore = null;
        boolean keepLock = true;
        if (result instanceof PhaseResult.Next) {
            Optional<String> after = def.stepAfter(rp);
            next = after.orElse(FINISHED);
        } else if (result instanceof PhaseResult.RecoverTo r) {
            if (!def.hasStep(r.step())) {
                throw new StepFailure(new TerminalJobException("step '" + rp + "' returned recoverTo('" + r.step()
                        + "') but job '" + def.name() + "' has no such step; its steps are " + def.stepNames()));
            }
            next = r.step();
        } else if (result instanceof PhaseResult.Finish f) {
            next = FINISHED;
            finalResult = f.result();
        } else if (result instanceof PhaseResult.Repeat) {
            next = rp;
        } else if (result instanceof PhaseResult.WaitUntil w) {
            next = def.stepAfter(rp).orElse(FINISHED);
            if (!next.equals(FINISHED)) {
                notBefore = w.instant();
                keepLock = false;
            }
        } else {
            throw new StepFailure(new IllegalStateException("unsupported phase result " + result));
        }
        ObjectNode rpData = JournalEntry.newData().put("recoveryPoint", next).put("attempt", attempt).put("by", owner);
        if (notBefore != null) {
            rpData.put("retryAt", notBefore.toString());
        }
        entries.add(new JournalEntry(++seq, EventType.RECOVERY_POINT, rp, rpData, now));
        if (next.equals(FINISHED)) {
            status = "SUCCEEDED";
            keepLock = false;
            ObjectNode d = JournalEntry.newData();
            d.set("result", finalResult);
            entries.add(new JournalEntry(++seq, EventType.SUCCEEDED, rp, d, now));
        }
        DriveResult.Kind stop = status.equals("SUCCEEDED") ? DriveResult.Kind.DONE
                : notBefore != null ? DriveResult.Kind.WAIT : null;
        long retryIn = notBefore == null ? 0 : Math.max(0, notBefore.toEpochMilli() - now.toEpochMilli());
        return new StepOutcome(new Phase(stop, next, entries, ctx.staged(), retryIn), entries,
                new KeyStore.RowUpdate(next, status, 0, finalResult, null, seq, ctx.stagedSeq(), notBefore, keepLock));
    }

    private Phase failUnknownRecoveryPoint(Connection c, String key, JobDefinition def, KeyRow row) throws SQLException {
        String message = "recovery point '" + row.recoveryPoint() + "' of key '" + key + "' is not a step of job '" + def.name()
                + "' (its steps are " + def.stepNames() + "); the job definition changed under a running job";
        log.error("failing job: {}", message);
        ObjectNode err = error("UnknownRecoveryPoint", message, row.recoveryPoint(), row.attempts() + 1, null);
        ObjectNode d = JournalEntry.newData();
        d.set("error", err);
        JournalEntry failed = new JournalEntry(row.lastSeq() + 1, EventType.FAILED, row.recoveryPoint(), d, row.dbNow());
        store.appendJournal(c, key, List.of(failed));
        store.update(c, key, new KeyStore.RowUpdate(row.recoveryPoint(), "FAILED", row.attempts(), null, err, failed.seq(),
                row.stagedSeq(), null, false));
        return Phase.stop(DriveResult.Kind.DONE, List.of(failed), 0);
    }

    // ---------------------------------------------------------------- failures

    /**
     * Records a step failure in its own transaction: error, attempt count, unlock, next attempt (or
     * FAILED). If that bookkeeping itself fails, the original error is logged with the bookkeeping
     * failure attached as suppressed, and the step is retried later without counting the attempt.
     */
    private Phase recordFailure(String key, JobDefinition def, String rp, Throwable failure) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                Faults.hit(Faults.Point.RECORD_FAILURE, key);
                KeyRow row = store.lockRow(c, key);
                if (row == null || row.finished() || !owner.equals(row.lockedBy()) || !rp.equals(row.recoveryPoint())) {
                    c.rollback();
                    log.warn("key '{}': step '{}' failed ({}) but the key is no longer ours; leaving it to its owner", key, rp,
                            failure.toString());
                    return Phase.stop(DriveResult.Kind.LOST, List.of(), 0);
                }
                int attempt = row.attempts() + 1;
                boolean terminal = failure instanceof TerminalJobException;
                boolean exhausted = backoff.exhausted(attempt);
                ObjectNode err = error(failure.getClass().getName(), String.valueOf(failure.getMessage()), rp, attempt, failure);
                ObjectNode wireErr = err.deepCopy();
                wireErr.remove("stack");
                List<JournalEntry> entries = new ArrayList<>();
                Instant now = row.dbNow();
                long seq = row.lastSeq();
                Phase out;
                if (terminal || exhausted) {
                    ObjectNode sf = JournalEntry.newData().put("recoveryPoint", rp).put("attempt", attempt).put("by", owner);
                    sf.set("error", wireErr);
                    entries.add(new JournalEntry(++seq, EventType.STEP_FAILED, rp, sf, now));
                    ObjectNode fd = JournalEntry.newData().put("attempt", attempt);
                    fd.set("error", wireErr);
                    entries.add(new JournalEntry(++seq, EventType.FAILED, rp, fd, now));
                    store.appendJournal(c, key, entries);
                    store.update(c, key, new KeyStore.RowUpdate(rp, "FAILED", attempt, null, err, seq, row.stagedSeq(), null, false));
                    log.warn("job '{}' key '{}' FAILED at step '{}' attempt {}{}: {}", def.name(), key, rp, attempt,
                            terminal ? " (terminal)" : " (attempts exhausted)", failure.toString());
                    out = Phase.stop(DriveResult.Kind.DONE, entries, 0);
                } else {
                    Duration delay = backoff.delayAfter(attempt);
                    Instant retryAt = now.plus(delay);
                    ObjectNode sf = JournalEntry.newData().put("recoveryPoint", rp).put("attempt", attempt).put("by", owner)
                            .put("retryAt", retryAt.toString());
                    sf.set("error", wireErr);
                    entries.add(new JournalEntry(++seq, EventType.STEP_FAILED, rp, sf, now));
                    store.appendJournal(c, key, entries);
                    store.update(c, key, new KeyStore.RowUpdate(rp, "RUNNING", attempt, null, err, seq, row.stagedSeq(), retryAt, false));
                    log.info("job '{}' key '{}' step '{}' failed (attempt {} of {}): {}; retry in {} ms", def.name(), key, rp, attempt,
                            backoff.maxAttempts(), failure.toString(), delay.toMillis());
                    out = Phase.stop(DriveResult.Kind.WAIT, entries, delay.toMillis());
                }
                c.commit();
                return out;
            } catch (Exception bookkeeping) {
                rollbackQuietly(c, bookkeeping);
                throw bookkeeping;
            }
        } catch (Exception bookkeeping) {
            failure.addSuppressed(bookkeeping);
            long retryIn = backoff.delayAfter(1).toMillis();
            log.error("job '{}' key '{}' step '{}' failed, and recording that failure in Postgres failed too ({}); "
                    + "the step will run again in {} ms without counting this attempt", def.name(), key, rp,
                    bookkeeping.toString(), retryIn, failure);
            return Phase.stop(DriveResult.Kind.WAIT, List.of(), retryIn);
        }
    }

    static ObjectNode error(String type, String message, String step, int attempt, Throwable t) {
        ObjectNode e = JournalEntry.newData().put("type", type).put("message", message).put("step", step).put("attempt", attempt);
        if (t != null) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            String stack = sw.toString();
            e.put("stack", stack.length() > 16_000 ? stack.substring(0, 16_000) + "\n\t... (truncated)" : stack);
        }
        return e;
    }

    /**
     * Makes a timed-out step's connection unusable: the socket is closed at once (Postgres rolls
     * the phase back, and SQL the step still sends fails), and the pool drops the connection.
     */
    private void abandon(Connection c) {
        try {
            // a statement still running on the server keeps its locks until it ends: cancel it first
            c.unwrap(org.postgresql.PGConnection.class).cancelQuery();
        } catch (SQLException | RuntimeException e) {
            log.debug("cancelling a timed-out step's statement: {}", e.toString());
        }
        try {
            c.abort(Runnable::run); // the pool sees the broken connection when it is closed, and drops it
        } catch (SQLException | RuntimeException e) {
            log.debug("aborting a timed-out step's connection: {}", e.toString());
        }
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
    }

    private static SQLException asSql(Exception e) {
        if (e instanceof SQLException s) {
            return s;
        }
        if (e instanceof RuntimeException r) {
            throw r;
        }
        return new SQLException(e.getMessage(), e);
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(Math.min(200, 5L << attempt) + (long) (Math.random() * 5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
