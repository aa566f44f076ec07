package dev.acidic.processor.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.EventType;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobError;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.TerminalJobException;
import dev.acidic.processor.internal.store.Children;
import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.StagedJob;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's pure rules: what a step's {@link PhaseResult}, a step failure or a recovery point
 * the definition no longer has (mapped to a current step, or failing the job) turn into, as
 * journal entries, the key row's new state and whether the drive stops. No SQL and no step runs
 * here; the callers write the result in the phase's transaction.
 */
final class Transitions {
    /** Longest stack trace kept with an error; the rest is cut. */
    static final int MAX_STACK_CHARS = 16_000;

    private Transitions() {}

    /** A transition: the phase outcome, and the journal entries and row update to write in its transaction. */
    record Outcome(Phase phase, List<JournalEntry> entries, KeyStore.RowUpdate update) {}

    /** What a wait needs to know of the job's surroundings, read in the phase's transaction when asked. */
    interface Waits {
        /** Whether a signal named {@code name} has arrived for the job. */
        boolean signalArrived(String name);

        /** The job's children (those spawned in this phase included) and how many have ended. */
        Children.Tally childTally();
    }

    /**
     * What a step that returned {@code result} leads to.
     *
     * @param row the key row the step ran on (its recovery point is the step)
     * @param staged the jobs the step staged (children it spawned among them), the last of which has
     *     ordinal {@code stagedSeq}
     * @param waits asked when the result waits for a signal or for children
     * @throws TerminalJobException for a {@code recoverTo} a step the job does not have
     */
    static Outcome afterStep(JobDefinition def, KeyRow row, PhaseResult result, String owner, List<StagedJob> staged,
            long stagedSeq, Waits waits) {
        String rp = row.recoveryPoint();
        int attempt = row.attempts() + 1;
        String next;
        JsonNode finalResult = null;
        Instant notBefore = null;
        String awaiting = null;
        boolean halt = false;
        ObjectNode waiting = null; // the WAITING entry's data, when the job waits
        Children.Tally childrenDone = null; // when a wait for children ended at once
        boolean awaitsChildren = false;
        if (result instanceof PhaseResult.Next) {
            next = def.stepAfter(rp).orElse(KeyRow.FINISHED);
        } else if (result instanceof PhaseResult.RecoverTo r) {
            if (!def.hasStep(r.step())) {
                throw new TerminalJobException("step '" + rp + "' returned recoverTo('" + r.step() + "') but job '"
                        + def.name() + "' has no such step; its steps are " + def.stepNames());
            }
            next = r.step();
        } else if (result instanceof PhaseResult.Finish f) {
            next = KeyRow.FINISHED;
            finalResult = f.result();
        } else if (result instanceof PhaseResult.Repeat) {
            next = rp;
        } else if (result instanceof PhaseResult.WaitUntil w) {
            next = def.stepAfter(rp).orElse(KeyRow.FINISHED);
            if (!next.equals(KeyRow.FINISHED)) {
                notBefore = w.instant();
                waiting = JournalEntry.newData(row.run()).put("for", "time").put("retryAt", notBefore.toString());
            }
        } else if (result instanceof PhaseResult.AwaitSignal a) {
            next = def.stepAfter(rp).orElse(KeyRow.FINISHED);
            if (!next.equals(KeyRow.FINISHED) && !waits.signalArrived(a.name())) { // one that came first ends the wait at once
                notBefore = row.dbNow().plus(a.timeout());
                awaiting = a.name();
                waiting = JournalEntry.newData(row.run()).put("for", "signal").put("name", a.name())
                        .put("retryAt", notBefore.toString());
            }
        } else if (result instanceof PhaseResult.AwaitChildren) {
            next = def.stepAfter(rp).orElse(KeyRow.FINISHED);
            if (!next.equals(KeyRow.FINISHED)) {
                Children.Tally t = waits.childTally();
                if (t.unfinished() > 0) {
                    awaiting = Children.AWAITING;
                    awaitsChildren = true;
                    waiting = JournalEntry.newData(row.run()).put("for", "children").put("unfinished", t.unfinished())
                            .put("children", t.spawned());
                } else {
                    childrenDone = t; // all ended already (or none spawned): the wait ends at once
                }
            }
        } else if (result instanceof PhaseResult.Halt) {
            next = def.stepAfter(rp).orElse(KeyRow.FINISHED);
            halt = !next.equals(KeyRow.FINISHED);
        } else {
            throw new IllegalStateException("unsupported phase result " + result);
        }
        Instant now = row.dbNow();
        long seq = row.lastSeq();
        List<JournalEntry> entries = new ArrayList<>(2);
        for (StagedJob sj : staged) {
            if (row.key().equals(sj.request().parent())) {
                ObjectNode d = JournalEntry.newData(row.run()).put("child", sj.targetKey()).put("job", sj.request().job());
                entries.add(new JournalEntry(++seq, EventType.CHILD_SPAWNED, rp, d, now));
            }
        }
        ObjectNode rpData = JournalEntry.newData(row.run()).put("recoveryPoint", next).put("attempt", attempt).put("by", owner);
        if (notBefore != null) {
            rpData.put("retryAt", notBefore.toString());
        }
        if (awaiting != null) {
            rpData.put("awaiting", awaiting);
        }
        entries.add(new JournalEntry(++seq, EventType.RECOVERY_POINT, rp, rpData, now));
        if (halt) {
            entries.add(new JournalEntry(++seq, EventType.HALTED, rp, JournalEntry.newData(row.run()).put("recoveryPoint", next), now));
        }
        if (waiting != null) {
            entries.add(new JournalEntry(++seq, EventType.WAITING, rp, waiting.put("recoveryPoint", next), now));
        }
        if (childrenDone != null) {
            entries.add(childrenDone(row.run(), ++seq, next, childrenDone, now));
        }
        boolean finished = next.equals(KeyRow.FINISHED);
        if (finished) {
            ObjectNode d = JournalEntry.newData(row.run());
            d.set("result", finalResult);
            entries.add(new JournalEntry(++seq, EventType.SUCCEEDED, rp, d, now));
        }
        DriveResult.Kind stop = finished ? DriveResult.Kind.DONE : halt ? DriveResult.Kind.HALTED
                : awaitsChildren ? DriveResult.Kind.AWAITING : notBefore != null ? DriveResult.Kind.WAIT : null;
        long retryIn = notBefore == null ? 0 : Math.max(0, notBefore.toEpochMilli() - now.toEpochMilli());
        boolean keepLock = !finished && !halt && notBefore == null && !awaitsChildren;
        return new Outcome(new Phase(stop, next, entries, staged, retryIn), entries, new KeyStore.RowUpdate(next,
                finished ? "SUCCEEDED" : halt ? "HALTED" : "RUNNING", 0, finalResult, null, seq, stagedSeq, notBefore, keepLock,
                awaiting));
    }

    /** The entry that ends a wait for children: {@code t} of them, all ended; the job goes on at {@code next}. */
    static JournalEntry childrenDone(int run, long seq, String next, Children.Tally t, Instant now) {
        ObjectNode d = JournalEntry.newData(run).put("recoveryPoint", next).put("children", t.spawned());
        return new JournalEntry(seq, EventType.CHILDREN_DONE, next, d, now);
    }

    /**
     * What a phase does before running a step: null when the definition has the step at the row's
     * recovery point (run it); a move to the step the definition maps it to, when it is a former
     * step declared with {@code renamedStep} / {@code removedStep} (journaled as a
     * {@code RECOVERY_POINT} with {@code remappedFrom}, committed as a phase of its own that runs
     * no step; the drive goes on at the mapped step); else the job fails with
     * {@link JobError#DEFINITION_CHANGED}. Each is a job outcome, never an exception: a changed
     * definition cannot make a stream thread fail.
     */
    static Outcome beforeStep(String key, JobDefinition def, KeyRow row, String owner) {
        String rp = row.recoveryPoint();
        if (def.hasStep(rp)) {
            return null;
        }
        return def.resolve(rp).map(step -> remapped(row, step, owner)).orElseGet(() -> definitionChanged(key, def, row));
    }

    /** Whether the row's stored step list is not {@code def}'s (another version ran it, or none was stored). */
    static boolean stepsChanged(JobDefinition def, KeyRow row) {
        return !def.stepNames().equals(row.steps());
    }

    /**
     * A former step's job moved to {@code step}: the attempts and the last error belonged to the
     * former step (or to its older code), so they start afresh, as after any committed phase.
     */
    static Outcome remapped(KeyRow row, String step, String owner) {
        String from = row.recoveryPoint();
        ObjectNode d = JournalEntry.newData(row.run()).put("recoveryPoint", step).put("remappedFrom", from).put("by", owner);
        JournalEntry moved = new JournalEntry(row.lastSeq() + 1, EventType.RECOVERY_POINT, from, d, row.dbNow());
        List<JournalEntry> entries = List.of(moved);
        return new Outcome(new Phase(null, step, entries, List.of(), 0), entries,
                new KeyStore.RowUpdate(step, "RUNNING", 0, null, null, moved.seq(), row.stagedSeq(), null, true));
    }

    /**
     * A stored recovery point the current definition neither has nor maps: the job fails with
     * {@link JobError#DEFINITION_CHANGED}, naming the stored step, the steps the job ran under and
     * the current ones, and how to map it. The stored error also keeps both lists as arrays.
     */
    static Outcome definitionChanged(String key, JobDefinition def, KeyRow row) {
        String rp = row.recoveryPoint();
        String ranUnder = row.steps() == null
                ? "its steps then were not stored (the key predates that)"
                : "it ran under the steps " + row.steps();
        String message = "job '" + def.name() + "' key '" + key + "' stands at step '" + rp + "', which the current definition"
                + " neither has nor maps: " + ranUnder + ", the current steps are " + def.stepNames()
                + ". The job failed; to let such jobs continue, declare renamedStep(\"" + rp + "\", <step>) or removedStep(\"" + rp
                + "\", <step>) on the job's JobDefinition.Builder";
        ObjectNode err = error(JobError.DEFINITION_CHANGED, message, rp, row.attempts() + 1, null);
        if (row.steps() == null) {
            err.putNull("storedSteps");
        } else {
            row.steps().forEach(err.putArray("storedSteps")::add);
        }
        def.stepNames().forEach(err.putArray("currentSteps")::add);
        ObjectNode d = JournalEntry.newData(row.run());
        d.set("error", err);
        JournalEntry failed = new JournalEntry(row.lastSeq() + 1, EventType.FAILED, rp, d, row.dbNow());
        return new Outcome(Phase.stop(DriveResult.Kind.DONE, List.of(failed), 0), List.of(failed),
                new KeyStore.RowUpdate(rp, "FAILED", row.attempts(), null, err, failed.seq(), row.stagedSeq(), null, false));
    }

    /**
     * A failed attempt of the step at {@code row}'s recovery point: the job fails when the failure
     * is terminal or the attempts are spent, else the step is retried after the backoff delay.
     * The stored error keeps the stack; the journal's (and so the events') does not.
     */
    static Outcome afterFailure(KeyRow row, Throwable failure, FailurePolicy policy, String owner, int messageMaxChars) {
        String rp = row.recoveryPoint();
        int attempt = row.attempts() + 1;
        ObjectNode err = error(failure.getClass().getName(), cut(String.valueOf(failure.getMessage()), messageMaxChars), rp, attempt,
                failure);
        ObjectNode wireErr = err.deepCopy();
        wireErr.remove("stack");
        Instant now = row.dbNow();
        long seq = row.lastSeq();
        List<JournalEntry> entries = new ArrayList<>(2);
        ObjectNode sf = JournalEntry.newData(row.run()).put("recoveryPoint", rp).put("attempt", attempt).put("by", owner);
        if (policy.failsJob(failure, attempt)) {
            sf.set("error", wireErr);
            entries.add(new JournalEntry(++seq, EventType.STEP_FAILED, rp, sf, now));
            ObjectNode fd = JournalEntry.newData(row.run()).put("attempt", attempt);
            fd.set("error", wireErr);
            entries.add(new JournalEntry(++seq, EventType.FAILED, rp, fd, now));
            return new Outcome(Phase.stop(DriveResult.Kind.DONE, entries, 0), entries,
                    new KeyStore.RowUpdate(rp, "FAILED", attempt, null, err, seq, row.stagedSeq(), null, false));
        }
        Duration delay = policy.retryDelay(attempt);
        Instant retryAt = now.plus(delay);
        sf.put("retryAt", retryAt.toString());
        sf.set("error", wireErr);
        entries.add(new JournalEntry(++seq, EventType.STEP_FAILED, rp, sf, now));
        return new Outcome(Phase.stop(DriveResult.Kind.WAIT, entries, delay.toMillis()), entries,
                new KeyStore.RowUpdate(rp, "RUNNING", attempt, null, err, seq, row.stagedSeq(), retryAt, false));
    }

    /**
     * {@code text} cut to {@code max} characters (not splitting a surrogate pair), marked with its
     * full length, so a huge exception message cannot make an event or completion too large to send.
     */
    static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end) + "... [cut: " + text.length() + " characters in all, over acidic.error.message.max.chars ("
                + max + ")]";
    }

    /** An error as stored on the key row: type, message, step, attempt and (if given) the stack, cut at {@link #MAX_STACK_CHARS}. */
    static ObjectNode error(String type, String message, String step, int attempt, Throwable t) {
        ObjectNode e = JournalEntry.newData().put("type", type).put("message", message).put("step", step).put("attempt", attempt);
        if (t != null) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            String stack = sw.toString();
            e.put("stack", stack.length() > MAX_STACK_CHARS
                    ? stack.substring(0, MAX_STACK_CHARS) + "\n\t... (truncated: " + stack.length() + " characters in all)" : stack);
        }
        return e;
    }
}
