package dev.acidic.testkit;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobError;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.DirectEngine;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * Runs jobs on a {@link DirectEngine}: one {@link DriveLoop} for the kit's whole class, so a job
 * left waiting by one call (a retry, a wait longer than the call's timeout) goes on in the next.
 */
final class DirectRunner implements Runner {
    private final DirectEngine engine;
    private final DriveLoop loop;

    DirectRunner(DirectEngine engine) {
        this.engine = engine;
        this.loop = new DriveLoop(engine);
    }

    @Override
    public JobRun run(String key, JobRequest request, Duration timeout) throws SQLException, InterruptedException {
        loop.submit(key, request);
        loop.runFor(timeout);
        return read(engine, key, request.job(), loop.lastDrive(key));
    }

    @Override
    public JobRun send(String key, JobCommand command, Duration timeout) throws SQLException, InterruptedException {
        DirectEngine.CommandResult r = loop.command(key, command);
        loop.runFor(timeout);
        JobRun run = read(engine, key, null, loop.lastDrive(key));
        if (!r.applied()) {
            return new JobRun(key, run.job(), Completion.rejected(key, run.job(), r.rejectReason(), r.rejectMessage()), run.events(),
                    run.values(), run.staged());
        }
        return run;
    }

    /**
     * The job under {@code key} as it stands: its completion is its journal's terminal event (as a
     * processor publishes it), or a rejection if the last request for it did not match.
     */
    static JobRun read(DirectEngine engine, String key, String job, DirectEngine.Drive last) throws SQLException {
        List<JobEvent> events = engine.events(key);
        String name = events.isEmpty() ? (last != null && last.job() != null ? last.job() : job) : events.get(0).job();
        Completion completion = null;
        if (last != null && last.outcome() == DirectEngine.Outcome.MISMATCH) {
            completion = new Completion(key, CompletionStatus.REJECTED, job, null, new JobError(Completion.MISMATCHED_ARGUMENTS,
                    "key '" + key + "' is already used by job '" + last.job() + "' with other arguments; the existing job is unchanged",
                    null, null), Completion.MISMATCHED_ARGUMENTS, false);
        } else if (!events.isEmpty() && events.get(events.size() - 1).type().isTerminal()) {
            JobEvent end = events.get(events.size() - 1);
            CompletionStatus status = switch (end.type()) {
                case SUCCEEDED -> CompletionStatus.SUCCEEDED;
                case CANCELLED -> CompletionStatus.CANCELLED;
                default -> CompletionStatus.FAILED;
            };
            completion = new Completion(key, status, name, end.result(), end.error(), null, last != null && last.replay(), end.run());
        }
        List<JobRun.Staged> staged = engine.staged(key, 0).stream().map(s -> new JobRun.Staged(s.key(), s.request())).toList();
        return new JobRun(key, name, completion, events, engine.values(key), staged);
    }

    @Override
    public void close() {
        // the engine belongs to the kit
    }
}
