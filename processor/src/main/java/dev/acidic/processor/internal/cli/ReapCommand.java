package dev.acidic.processor.internal.cli;

import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.internal.config.Durations;
import dev.acidic.processor.internal.store.Database;
import dev.acidic.processor.internal.store.Migrator;
import dev.acidic.processor.internal.store.Reaper;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Deletes the finished keys older than a retention now, as a processor's reaper does every round
 * (same batches, pauses and lock: while a processor reaps, this waits for nothing and says so).
 * Exit 0 done, 1 failed or another instance is reaping, 2 usage or configuration error.
 */
@Command(name = "reap", mixinStandardHelpOptions = true,
        description = {"Delete finished keys older than the retention (with their journal, values and staged jobs) now, "
            + "in batches of ACIDIC_REAPER_BATCH, as the processors' reaper does; then exit.",
            "Needs ACIDIC_JDBC_URL (and ACIDIC_JDBC_USER / ACIDIC_JDBC_PASSWORD)."},
        footer = {"", "-o json: {dryRun, olderThan, keys, journalEntries, values, stagedJobs, recordFailures, batches, tookMs, database} "
            + "(a dry run: keys alone, the rest null), database null; -o jsonl: the same on one line. With "
            + "sharded keys (ACIDIC_JDBC_SHARDS) each database is reaped in turn, one report each, database its index."})
final class ReapCommand implements Callable<Integer> {
    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    @Option(names = "--older-than", paramLabel = "DURATION",
            description = "finished longer ago than this, such as 72h or 30d (default: ACIDIC_RETENTION)")
    private String olderThan;

    @Option(names = "--dry-run", description = "only count the keys that would be deleted")
    private boolean dryRun;

    @Mixin
    private OutputOption output;

    /**
     * The {@code -o json} of a reap: how many rows of each kind went (or, in a dry run, how many keys
     * would go: {@code keys} alone, the rest null).
     */
    record Report(boolean dryRun, String olderThan, long keys, Long journalEntries, Long values, Long stagedJobs, Long recordFailures,
            Integer batches, Long tookMs, Integer database) {}

    ReapCommand(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        AcidicConfig c = EnvConfig.loadForPostgres(env, err, "reap");
        if (c == null) {
            return CommandLines.USAGE;
        }
        Duration age;
        try {
            age = olderThan == null ? c.retention() : Durations.parse(olderThan);
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            err.println("--older-than: " + e.getMessage());
            return CommandLines.USAGE;
        }
        if (age.isZero() || age.isNegative()) {
            err.println(olderThan == null ? AcidicConfig.RETENTION + " is 0 (keep everything): give --older-than DURATION"
                    : "--older-than must be positive, not '" + olderThan + "'");
            return CommandLines.USAGE;
        }
        int databases = c.jdbcUrls().size();
        for (int i = 0; i < databases; i++) {
            // sharded keys: each database is reaped in turn, under its own lock
            int code = reap(c, i, databases == 1 ? null : i, age);
            if (code != 0) {
                return code;
            }
        }
        return 0;
    }

    /** @param db the database's index with sharded keys, null with one database */
    private int reap(AcidicConfig c, int database, Integer db, Duration age) {
        String where = db == null ? "" : "database " + db + ": ";
        Reaper reaper = new Reaper(Database.unpooled(c.poolSettings(1, database)), c.reaperBatch());
        try {
            Migrator.verify(Database.unpooled(c.poolSettings(1, database)));
            String shown = Durations.format(age);
            if (dryRun) {
                long n = reaper.count(age);
                if (output.table()) {
                    out.println(where + "would delete " + n + " finished keys older than " + shown);
                } else {
                    JsonOutput.print(out, output.format, new Report(true, shown, n, null, null, null, null, null, null, db));
                }
                return 0;
            }
            Reaper.Outcome o = reaper.reap(age, () -> false);
            if (!o.ran()) {
                err.println(where + "another instance is reaping right now; nothing deleted (its round takes these keys too)");
                return 1;
            }
            if (!output.table()) {
                JsonOutput.print(out, output.format, new Report(false, shown, o.keys(), o.journalEntries(), o.values(), o.stagedJobs(),
                        o.recordFailures(), o.batches(), o.took().toMillis(), db));
                return 0;
            }
            out.printf("%sdeleted %d finished keys older than %s (%d journal entries, %d values, %d staged jobs) and %d poison-record"
                    + " counts in %d batches, %d ms%n", where, o.keys(), shown, o.journalEntries(), o.values(), o.stagedJobs(),
                    o.recordFailures(), o.batches(), o.took().toMillis());
            return 0;
        } catch (SQLException | RuntimeException e) {
            err.println(where + "reap failed: " + e.getMessage());
            return 1;
        }
    }
}
