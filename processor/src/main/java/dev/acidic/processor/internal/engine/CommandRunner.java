package dev.acidic.processor.internal.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.Completion;
import dev.acidic.api.EventType;
import dev.acidic.api.JobCommand;
import dev.acidic.processor.internal.store.JournalEntry;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.Lifecycle;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * Applies a command to a job in one transaction, with its key row locked (so a phase running on
 * another connection finishes, commits or rolls back, first; the next phase then finds the new
 * status and stops): a signal is kept and wakes the job if it waits for it; a cancel ends a job
 * that is running, waiting, halted or between retries; a resume lets a halted job go on; a retry
 * sends a failed or cancelled job back to its recovery point as its next run. What a
 * command changes is journaled, so its events go out with the key's others, in seq order.
 */
final class CommandRunner {
    private final DataSource ds;
    private final KeyStore store;
    private final Lifecycle lifecycle = new Lifecycle();

    CommandRunner(DataSource ds, KeyStore store) {
        this.ds = ds;
        this.store = store;
    }

    Engine.CommandOutcome apply(String key, JobCommand cmd, Integer partition) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                Engine.CommandOutcome o = applyIn(c, key, cmd, partition);
                c.commit();
                return o;
            } catch (SQLException | RuntimeException e) {
                Connections.rollbackQuietly(c, e);
                throw e;
            }
        }
    }

    private Engine.CommandOutcome applyIn(Connection c, String key, JobCommand cmd, Integer partition) throws SQLException {
        KeyRow row = store.lockRow(c, key);
        if (row == null) {
            return Engine.CommandOutcome.rejected(Completion.NO_SUCH_JOB, "no job under key '" + key + "': a " + cmd.command()
                    + " needs a job to act on");
        }
        if (partition != null && row.partition() != null && !row.partition().equals(partition)) {
            return new Engine.CommandOutcome(new DriveResult(DriveResult.Kind.ELSEWHERE, row, row.lastSeq(), List.of(), List.of(), 0),
                    null, null, false, false);
        }
        return switch (cmd.command()) {
            case JobCommand.SIGNAL -> signal(c, key, cmd, row);
            case JobCommand.CANCEL -> cancel(c, key, cmd, row);
            case JobCommand.RESUME -> resume(c, key, row);
            case JobCommand.RETRY -> retry(c, key, row);
            default -> throw new IllegalArgumentException("unknown command '" + cmd.command() + "' must be refused when decoded");
        };
    }

    private Engine.CommandOutcome signal(Connection c, String key, JobCommand cmd, KeyRow row) throws SQLException {
        if (row.finished()) {
            return Engine.CommandOutcome.rejected(Completion.ALREADY_FINISHED, "job '" + row.job() + "' under key '" + key + "' has"
                    + " ended (" + row.status() + "); signal '" + cmd.name() + "' was not delivered");
        }
        lifecycle.putSignal(c, key, cmd.name(), cmd.payload());
        boolean wakes = row.running() && cmd.name().equals(row.awaiting());
        JournalEntry e = entry(row, EventType.SIGNALLED, cmd.name(), JournalEntry.newData(row.run()).put("recoveryPoint", row.recoveryPoint()));
        store.appendJournal(c, key, List.of(e));
        if (wakes) {
            lifecycle.setStatus(c, key, "RUNNING", null, e.seq()); // due now: the next drive runs the step that reads it
        } else {
            store.setLastSeq(c, key, e.seq());
        }
        return new Engine.CommandOutcome(result(DriveResult.Kind.WAIT, row, e), null, null, false, wakes);
    }

    private Engine.CommandOutcome cancel(Connection c, String key, JobCommand cmd, KeyRow row) throws SQLException {
        if (row.finished()) {
            return new Engine.CommandOutcome(result(DriveResult.Kind.DONE, row, null), null, null, true, false);
        }
        String reason = cmd.reason() == null || cmd.reason().isBlank() ? "cancelled" : cmd.reason();
        ObjectNode error = Transitions.error("Cancelled", reason, row.recoveryPoint(), row.attempts(), null);
        ObjectNode d = JournalEntry.newData(row.run()).put("recoveryPoint", row.recoveryPoint());
        d.set("error", error);
        JournalEntry e = entry(row, EventType.CANCELLED, row.recoveryPoint(), d);
        store.appendJournal(c, key, List.of(e));
        lifecycle.setStatus(c, key, "CANCELLED", error, e.seq());
        return new Engine.CommandOutcome(result(DriveResult.Kind.DONE, row, e), null, null, false, false);
    }

    private Engine.CommandOutcome resume(Connection c, String key, KeyRow row) throws SQLException {
        if (row.finished()) {
            return Engine.CommandOutcome.rejected(Completion.ALREADY_FINISHED, "job '" + row.job() + "' under key '" + key + "' has"
                    + " ended (" + row.status() + "); there is nothing to resume");
        }
        if (!row.halted()) {
            return Engine.CommandOutcome.rejected(Completion.NOT_HALTED, "job '" + row.job() + "' under key '" + key + "' is not"
                    + " halted (it is " + row.status() + "); resume applies to a job stopped by PhaseResult.halt()");
        }
        JournalEntry e = entry(row, EventType.RESUMED, row.recoveryPoint(), JournalEntry.newData(row.run()).put("recoveryPoint",
                row.recoveryPoint()));
        store.appendJournal(c, key, List.of(e));
        lifecycle.setStatus(c, key, "RUNNING", null, e.seq());
        return new Engine.CommandOutcome(result(DriveResult.Kind.WAIT, row, e), null, null, false, true);
    }

    private Engine.CommandOutcome retry(Connection c, String key, KeyRow row) throws SQLException {
        if (!"FAILED".equals(row.status()) && !"CANCELLED".equals(row.status())) {
            return Engine.CommandOutcome.rejected(Completion.NOT_RETRYABLE, "job '" + row.job() + "' under key '" + key + "' is "
                    + row.status() + "; retry applies to a job that failed or was cancelled");
        }
        int run = row.run() + 1;
        JournalEntry e = entry(row, EventType.RETRIED, row.recoveryPoint(), JournalEntry.newData(run).put("recoveryPoint",
                row.recoveryPoint()));
        store.appendJournal(c, key, List.of(e));
        lifecycle.retry(c, key, e.seq());
        return new Engine.CommandOutcome(result(DriveResult.Kind.WAIT, row, e), null, null, false, true);
    }

    private static JournalEntry entry(KeyRow row, EventType type, String step, ObjectNode data) {
        return new JournalEntry(row.lastSeq() + 1, type, step, data, row.dbNow());
    }

    private static DriveResult result(DriveResult.Kind kind, KeyRow row, JournalEntry written) {
        return new DriveResult(kind, row, row.lastSeq(), written == null ? List.of() : List.of(written), List.of(), 0);
    }
}
