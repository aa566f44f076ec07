package dev.acidic.processor;

import dev.acidic.processor.internal.store.Database;
import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.store.Migrator;
import java.io.PrintStream;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The processor's command line: {@code run} starts a processor with the jobs found on the
 * classpath, configured from {@code ACIDIC_*} variables; {@code migrate} only applies the database
 * migrations; {@code settings} lists every setting with its default.
 */
public final class Cli {
    private Cli() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        return run(args, System.getenv(), out, err, null);
    }

    /** Runs a command with {@code env} in place of the process environment, and no local infrastructure. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
        return run(args, env, out, err, null);
    }

    /**
     * Runs a command with {@code env} in place of the process environment.
     *
     * @param local starts Kafka and Postgres for {@code run} when the configuration names none; null: none
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, LocalInfrastructure local)
            throws Exception {
        String cmd = args.length == 0 ? "help" : args[0];
        switch (cmd) {
            case "run" -> {
                return runProcessor(env, err, local);
            }
            case "migrate" -> {
                return migrate(args, env, out, err);
            }
            case "settings" -> {
                for (AcidicConfig.Setting s : AcidicConfig.SETTINGS) {
                    out.printf("%-28s %-26s default %-22s %s%n", s.key(), s.envName(),
                            s.defaultValue().isEmpty() ? "(none)" : s.defaultValue(), s.doc());
                }
                return 0;
            }
            default -> {
                out.println("usage: java -jar acidic-examples.jar <command>");
                out.println("  run       start a processor (configured from ACIDIC_* environment variables)");
                out.println("  migrate [--grant-to ROLE]");
                out.println("            apply the Postgres migrations and the jobs' schema (as the schema's owner), then exit;");
                out.println("            --grant-to lets ROLE read and write (not change) every table of the schema");
                out.println("  settings  list every setting, its environment variable and default");
                return cmd.equals("help") || cmd.equals("--help") ? 0 : 2;
            }
        }
    }

    private static int migrate(String[] args, Map<String, String> env, PrintStream out, PrintStream err) throws SQLException {
        String grantTo = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--grant-to") && i + 1 < args.length) {
                grantTo = args[++i];
            } else {
                err.println("migrate: unknown argument '" + args[i] + "'; usage: migrate [--grant-to ROLE]");
                return 2;
            }
        }
        AcidicConfig c;
        try {
            c = AcidicConfig.fromEnv(env);
        } catch (IllegalArgumentException e) {
            err.println("configuration error: " + e.getMessage());
            return 2;
        }
        if (c.jdbcUrl().isBlank()) {
            err.println("migrate needs ACIDIC_JDBC_URL (and ACIDIC_JDBC_USER / ACIDIC_JDBC_PASSWORD)");
            return 2;
        }
        JobRegistry jobs = JobRegistry.discover(List.of(), Thread.currentThread().getContextClassLoader());
        try (var pool = Database.pool(c.poolSettings(1))) {
            int n = Migrator.migrate(pool, jobs.schema());
            out.println("applied " + n + " migration(s) and the schema of jobs " + jobs.names() + "; schema is current");
            if (grantTo != null) {
                Migrator.grantDml(pool, grantTo);
                out.println("granted SELECT, INSERT, UPDATE, DELETE on every table of the schema to role " + grantTo);
            }
        } catch (SQLException | RuntimeException e) {
            err.println("migrate failed: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private static int runProcessor(Map<String, String> env, PrintStream err, LocalInfrastructure local) throws InterruptedException {
        AcidicConfig config;
        try {
            config = AcidicConfig.fromEnv(env);
        } catch (IllegalArgumentException e) {
            err.println("configuration error: " + e.getMessage());
            return 2;
        }
        AcidicProcessor processor = AcidicProcessor.builder(config).localInfrastructure(local).build();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            processor.close();
            done.countDown();
        }, "acidic-shutdown"));
        processor.start();
        processor.awaitShutdown();
        boolean requested = done.getCount() == 0;
        processor.close();
        return requested ? 0 : 1;
    }
}
