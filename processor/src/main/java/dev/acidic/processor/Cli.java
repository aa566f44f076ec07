package dev.acidic.processor;

import dev.acidic.processor.internal.Database;
import dev.acidic.processor.internal.Migrator;
import java.io.PrintStream;
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
        String cmd = args.length == 0 ? "help" : args[0];
        switch (cmd) {
            case "run" -> {
                return runProcessor(err);
            }
            case "migrate" -> {
                AcidicConfig c = AcidicConfig.fromEnv();
                if (c.jdbcUrl().isBlank()) {
                    err.println("migrate needs ACIDIC_JDBC_URL (and ACIDIC_JDBC_USER / ACIDIC_JDBC_PASSWORD)");
                    return 2;
                }
                try (var pool = Database.pool(c, c.jdbcUrl(), c.jdbcUser(), c.jdbcPassword(), 1)) {
                    int n = Migrator.migrate(pool);
                    out.println("applied " + n + " migration(s); schema is current");
                }
                return 0;
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
                out.println("  migrate   apply the Postgres migrations and exit");
                out.println("  settings  list every setting, its environment variable and default");
                return cmd.equals("help") || cmd.equals("--help") ? 0 : 2;
            }
        }
    }

    private static int runProcessor(PrintStream err) throws InterruptedException {
        AcidicConfig config;
        try {
            config = AcidicConfig.fromEnv();
        } catch (IllegalArgumentException e) {
            err.println("configuration error: " + e.getMessage());
            return 2;
        }
        AcidicProcessor processor = AcidicProcessor.builder(config).build();
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
