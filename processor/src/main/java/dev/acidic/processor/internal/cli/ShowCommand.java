package dev.acidic.processor.internal.cli;

import dev.acidic.processor.internal.store.JobDetail;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code jobs show KEY}: everything stored about one job. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Show one job: its row, arguments, result, error with its stack, values, its journal as a timeline "
            + "(with the time from each entry to the next: how long each phase took), staged jobs and children.",
            "Exit status 3 when there is no job under the key."},
        footer = {"", "-o json: {summary: JOB (as jobs list prints it), jobId, args, result, errorStack, steps, lockedBy, lockedAt, "
            + "partition, values {name: value}, valuesTotal, timeline [{seq, type, step, run, at, tookMs, recoveryPoint, attempt, "
            + "retryAt, error, result, detail}], timelineOmitted, staged [{ordinal, key, request, stagedAt}], stagedTotal, "
            + "children [{key, job, status, run, spawnedAt, finishedAt}], childrenTotal}; -o jsonl: the same on one line."})
final class ShowCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "KEY", description = "the job's idempotency key")
    private String key;

    @Mixin
    private OutputOption output;

    ShowCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        try (Backends b = Backends.open(io, "jobs show", false)) {
            if (b == null) {
                return CommandLines.USAGE;
            }
            Optional<JobDetail> d = b.queries().detail(key);
            if (d.isEmpty()) {
                io.err().println("no job under key '" + key + "'");
                return CommandLines.NOT_FOUND;
            }
            if (output.table()) {
                io.out().print(ShowText.detail(d.get()));
            } else {
                JsonOutput.print(io.out(), output.format, d.get());
            }
            return 0;
        } catch (SQLException | RuntimeException e) {
            io.err().println("jobs show failed: " + e.getMessage());
            return 1;
        }
    }
}
