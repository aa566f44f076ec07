package dev.acidic.processor.internal.engine;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.SqlErrors;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives several new requests with their phases sharing transactions: round one inserts every new
 * key and runs its first phase, each later round runs the next phase of every key still going,
 * and each round commits once. The semantics per key are those of a single drive: each phase
 * locks its key row, checks ownership and recovery point, and commits its step's writes with the
 * recovery point's advance; only the commit is shared. Keys that already exist, repeat within the
 * batch or sit in a round that fails (a step threw, a deadlock, Postgres went away) continue one
 * by one, after the batch, so a failure is counted against its own key alone.
 */
final class BatchDriver {
    private static final Logger log = LoggerFactory.getLogger(BatchDriver.class);

    private final DataSource ds;
    private final JobRegistry jobs;
    private final KeyStore store;
    private final String owner;
    private final StepRunner steps;
    private final Claimer claimer;
    private final PhaseRunner runner;
    /** Why the last round that failed was rolled back (stream-thread confined, like the driver). */
    private Throwable lastRoundFailure;

    /** The parts a batch shares with single drives. */
    record Parts(DataSource ds, JobRegistry jobs, KeyStore store, StepRunner steps, Claimer claimer, PhaseRunner runner) {}

    BatchDriver(Parts parts, String owner) {
        this.ds = parts.ds();
        this.jobs = parts.jobs();
        this.store = parts.store();
        this.steps = parts.steps();
        this.claimer = parts.claimer();
        this.runner = parts.runner();
        this.owner = owner;
    }

    /** What drives one key alone (for the keys a batch cannot take). */
    interface Single {
        DriveResult drive(String key, JobRequest request, Integer partition) throws SQLException;
    }

    /** A key driven in lockstep with others of its batch. */
    private static final class Lane {
        final int index;
        final String key;
        final JobDefinition def;
        final JobRequest request;
        Progress progress;
        String rp;
        Phase pending; // this round's outcome, applied once the round commits
        Throwable failed; // this lane's step failed (threw, or ran past the limit) in a round rolled back for it

        Lane(int index, String key, JobDefinition def, JobRequest request) {
            this.index = index;
            this.key = key;
            this.def = def;
            this.request = request;
        }

        void apply(Phase p) {
            progress.add(p);
            rp = p.nextRecoveryPoint();
        }
    }

    /** @return one outcome per item, in the items' order */
    List<Engine.Outcome> drive(List<Engine.Item> items, Integer partition, long deadline, Single single) {
        Engine.Outcome[] out = new Engine.Outcome[items.size()];
        List<Lane> lanes = new ArrayList<>();
        List<Integer> alone = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            Engine.Item it = items.get(i);
            JobDefinition def = jobs.get(it.request().job());
            if (def != null && seen.add(it.key())) {
                lanes.add(new Lane(i, it.key(), def, it.request()));
            } else {
                alone.add(i);
            }
        }
        lanes.sort(Comparator.comparing(l -> l.key)); // one lock order for every batch: no deadlocks among them
        List<Lane> continuing = new ArrayList<>();
        if (!lanes.isEmpty()) {
            List<Lane> claimed = claimRound(lanes, partition, deadline);
            if (claimed == null) {
                // the round failed: nothing of it committed; a lane whose step failed it is claimed
                // and its failure recorded, not run (and waited for) again
                for (Lane l : lanes) {
                    if (l.failed != null) {
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
            if (!phaseRound(round, deadline)) {
                boolean outage = SqlErrors.isUnavailable(lastRoundFailure);
                for (Lane l : round) {
                    if (outage) {
                        // not one by one: each would wait the pool's connection timeout in turn
                        out[l.index] = Engine.Outcome.of(l.progress.result(DriveResult.Kind.WAIT, FailurePolicy.UNAVAILABLE_RETRY_MS));
                    } else if (l.failed != null) {
                        Phase p = runner.recordFailure(l.key, l.def, l.rp, l.failed);
                        l.apply(p);
                        out[l.index] = Engine.Outcome.of(l.progress.result(p.stop(), p.retryInMillis()));
                    } else {
                        out[l.index] = Engine.Outcome.of(runner.phases(l.key, l.def, l.rp, l.progress, deadline));
                    }
                }
                continuing = List.of();
            } else {
                continuing = settle(round, out);
            }
        }
        for (Lane l : continuing) {
            out[l.index] = Engine.Outcome.of(l.progress.result(DriveResult.Kind.CONTINUE, 0));
        }
        alone.sort(null);
        SQLException outage = null;
        for (int i : alone) {
            Engine.Item it = items.get(i);
            if (outage != null) {
                out[i] = new Engine.Outcome(null, outage); // Postgres is away: no connection attempt for each in turn
                continue;
            }
            try {
                out[i] = Engine.Outcome.of(single.drive(it.key(), it.request(), partition));
            } catch (SQLException e) {
                out[i] = new Engine.Outcome(null, e);
                outage = SqlErrors.isUnavailable(e) ? e : null;
            }
        }
        return Arrays.asList(out);
    }

    /** Claims a new key whose first step failed a claim round, and counts that attempt. */
    private Engine.Outcome claimThenFail(Lane l, Integer partition) {
        try {
            Claimer.Claim claim = claimer.claim(l.key, l.request, partition);
            if (claim.stop() != null) {
                return Engine.Outcome.of(claim.result());
            }
            Phase p = runner.recordFailure(l.key, l.def, claim.row().recoveryPoint(), l.failed);
            Progress progress = new Progress(claim.row(), claim.seqBefore(), claim.written());
            progress.add(p);
            return Engine.Outcome.of(progress.result(p.stop(), p.retryInMillis()));
        } catch (SQLException e) {
            return new Engine.Outcome(null, e);
        }
    }

    /** Applies a committed round: lanes that stopped get their result; the rest go on. */
    private static List<Lane> settle(List<Lane> round, Engine.Outcome[] out) {
        List<Lane> next = new ArrayList<>();
        for (Lane l : round) {
            Phase p = l.pending;
            l.pending = null;
            l.apply(p);
            if (p.stop() != null) {
                out[l.index] = Engine.Outcome.of(l.progress.result(p.stop(), p.retryInMillis()));
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
    private List<Lane> claimRound(List<Lane> lanes, Integer partition, long deadline) {
        List<Lane> claimed = new ArrayList<>();
        boolean ok = inRound(lanes, c -> {
            List<KeyStore.NewKey> keys = new ArrayList<>(lanes.size());
            for (Lane l : lanes) {
                keys.add(new KeyStore.NewKey(l.key, UUID.randomUUID(), l.request, l.def.stepNames()));
            }
            Map<String, KeyRow> rows = store.insertKeys(c, keys, owner, partition);
            Map<String, List<JournalEntry>> journal = new LinkedHashMap<>();
            Map<String, KeyStore.RowUpdate> updates = new LinkedHashMap<>();
            for (Lane l : lanes) {
                KeyRow row = rows.get(l.key);
                if (row == null) {
                    continue; // the key existed already
                }
                JournalEntry accepted = claimer.accepted(l.def, row, l.request);
                l.progress = new Progress(row, accepted.seq() - 1, List.of(accepted));
                l.rp = row.recoveryPoint();
                claimed.add(l);
                if (row.dueInMillis() > 0) {
                    l.pending = Phase.stop(DriveResult.Kind.WAIT, List.of(), row.dueInMillis()); // a delayed start
                    journal.put(l.key, List.of(accepted));
                    continue;
                }
                if (spent(deadline)) {
                    l.pending = BUDGET_SPENT; // claimed and locked; its first step runs in its continuation
                    journal.put(l.key, List.of(accepted));
                    continue;
                }
                Transitions.Outcome o = step(c, l, row);
                l.pending = o.phase();
                List<JournalEntry> entries = new ArrayList<>(o.entries().size() + 1);
                entries.add(accepted);
                entries.addAll(o.entries());
                journal.put(l.key, entries);
                updates.put(l.key, o.update());
            }
            store.appendJournal(c, journal);
            store.update(c, updates);
            return claimed;
        }, Faults.Point.BEFORE_CLAIM_COMMIT, Faults.Point.AFTER_CLAIM_COMMIT);
        return ok ? claimed : null;
    }

    /** A later round: the next phase of each lane, in one transaction; false if it failed and was rolled back. */
    private boolean phaseRound(List<Lane> round, long deadline) {
        return inRound(round, c -> {
            List<String> keys = new ArrayList<>(round.size());
            round.forEach(l -> keys.add(l.key));
            Map<String, KeyRow> rows = store.lockRows(c, keys);
            Map<String, List<JournalEntry>> journal = new LinkedHashMap<>();
            Map<String, KeyStore.RowUpdate> updates = new LinkedHashMap<>();
            for (Lane l : round) {
                KeyRow row = rows.get(l.key);
                Transitions.Outcome o;
                if (!runner.stillOurs(l.key, l.rp, row)) {
                    l.pending = Phase.stop(DriveResult.Kind.LOST, List.of(), 0);
                    continue;
                } else if (spent(deadline)) {
                    l.pending = BUDGET_SPENT;
                    continue;
                } else {
                    o = runner.beforeStep(c, l.key, l.def, row); // a former step's move, or DEFINITION_CHANGED
                    if (o == null) {
                        o = step(c, l, row);
                    }
                }
                l.pending = o.phase();
                journal.put(l.key, o.entries());
                updates.put(l.key, o.update());
            }
            store.appendJournal(c, journal);
            store.update(c, updates);
            return round;
        }, null, null);
    }

    /**
     * A round starts no step once the drive's budget is spent: the rest of its lanes continue
     * through continuations. Before, every lane's step ran, so a round of 64 slow steps held the
     * stream thread (and its Kafka transaction) for 64 step times.
     */
    private static boolean spent(long deadline) {
        return System.nanoTime() >= deadline;
    }

    /** What a lane whose step a round did not start stops with. */
    private static final Phase BUDGET_SPENT = Phase.stop(DriveResult.Kind.CONTINUE, List.of(), 0);

    /** A lane's step failed its round; carries the lane's key and what the step threw. */
    private static final class LaneFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final String key;

        LaneFailure(String key, Throwable cause) {
            super(cause);
            this.key = key;
        }
    }

    /**
     * Runs a lane's step under a savepoint of the round: a step that fails rolls back to it, so
     * only its own writes go, and its failed attempt is written in the round, which commits for
     * every other lane; no neighbour's step runs again. A failure that is not the step's to count
     * (a deadlock, an outage) still fails the whole round.
     */
    private Transitions.Outcome step(Connection c, Lane l, KeyRow row) throws SQLException, LaneFailure {
        Savepoint sp = c.setSavepoint();
        try {
            return runner.executeStep(c, l.key, l.def, row);
        } catch (PhaseRunner.StepFailure f) {
            Throwable failure = f.getCause();
            if (!runner.counts(l.rp, failure)) {
                throw new LaneFailure(l.key, failure);
            }
            c.rollback(sp);
            try {
                return runner.failureInTransaction(l.key, l.def, row, failure);
            } catch (SQLException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e); // a fault hook's checked exception
            }
        }
    }

    /** The work of one round on its transaction's connection. */
    private interface RoundWork {
        List<Lane> run(Connection c) throws SQLException, LaneFailure;
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
                done = steps.supervise(() -> work.run(c), () -> Connections.abandon(c));
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
                Connections.rollbackQuietly(c, e);
                lastRoundFailure = e;
                for (Lane l : lanes) {
                    l.pending = null;
                    if (e instanceof StepRunner.TimedOut t && t.key.equals(l.key)) {
                        l.failed = t.exception(); // recorded after the rollback, not run (and waited for) again
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
            lastRoundFailure = e;
            log.debug("a batch round of {} keys could not start ({}); driving them one by one", lanes.size(), e.toString());
            return false;
        }
    }
}
