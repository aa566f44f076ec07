package dev.acidic.processor.internal.cli;

import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.store.JobStats;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code jobs stats}: counts by job and status, and the jobs ended per minute lately. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Count the jobs by job and status, and the jobs that ended in each of the last "
            + JobQueries.STATS_MINUTES + " minutes (Postgres' clock)."},
        footer = {"", "-o json: {at, counts [{job, status, count}], finishedPerMinute [{start, succeeded, failed, cancelled}]}; "
            + "-o jsonl: the same on one line."})
final class StatsCommand implements Callable<Integer> {
    private final Io io;

    @Mixin
    private OutputOption output;

    StatsCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        try (Backends b = Backends.open(io, "jobs stats", false)) {
            if (b == null) {
                return CommandLines.USAGE;
            }
            JobStats s = b.queries().stats();
            if (output.table()) {
                io.out().print(ListText.stats(s));
            } else {
                JsonOutput.print(io.out(), output.format, s);
            }
            return 0;
        } catch (SQLException | RuntimeException e) {
            io.err().println("jobs stats failed: " + e.getMessage());
            return 1;
        }
    }
}
