package dev.acidic.processor.internal.cli;

import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.store.Database;
import dev.acidic.processor.internal.store.Migrator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Applies the migrations and the jobs' schema as the schema's owner, optionally granting DML to the processor's role. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Apply the Postgres migrations and the jobs' schema (as the schema's owner), then exit.",
            "Needs ACIDIC_JDBC_URL (and ACIDIC_JDBC_USER / ACIDIC_JDBC_PASSWORD)."})
final class MigrateCommand implements Callable<Integer> {
    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    @Option(names = "--grant-to", paramLabel = "ROLE",
            description = "then let ROLE read and write (not change) every table of the schema")
    private String grantTo;

    // The same option as run's: a migrate that runs as the schema's owner (a one-shot container,
    // say) must see the jobs the processors will run, or their tables are never created.
    @Option(names = "--jobs", paramLabel = "PATH", split = "${sys:path.separator}",
            description = {"jars holding your jobs, or directories of such jars, as for run --jobs: their schema is applied too"})
    List<Path> jobs = List.of();

    MigrateCommand(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        AcidicConfig c = EnvConfig.loadForPostgres(env, err, "migrate");
        if (c == null) {
            return CommandLines.USAGE;
        }
        JobRegistry registry;
        try {
            registry = JobRegistry.discover(List.of(), JobJars.loader(jobs, Thread.currentThread().getContextClassLoader()));
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return CommandLines.USAGE;
        }
        int databases = c.jdbcUrls().size();
        for (int i = 0; i < databases; i++) {
            // with sharded keys every database gets the same schema: a step writes to its key's database
            String where = databases == 1 ? "" : "database " + i + " of " + databases + ": ";
            try (var pool = Database.pool(c.poolSettings(1, i))) {
                int n = Migrator.migrate(pool, registry.schema());
                out.println(where + "applied " + n + " migration(s) and the schema of jobs " + registry.names() + "; schema is current");
                if (grantTo != null) {
                    Migrator.grantDml(pool, grantTo);
                    out.println(where + "granted SELECT, INSERT, UPDATE, DELETE on every table of the schema to role " + grantTo);
                }
            } catch (SQLException | RuntimeException e) {
                err.println(where + "migrate failed: " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }
}
