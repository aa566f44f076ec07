package dev.acidic.processor.internal.cli;

import dev.acidic.processor.AcidicConfig;
import java.io.PrintStream;
import java.util.Map;

/** The configuration a command runs with, read from its environment. */
final class EnvConfig {
    private EnvConfig() {}

    /**
     * @return the configuration, or null when {@code env} does not make one (the reason is
     *     printed to {@code err}; the command exits {@link CommandLines#USAGE})
     */
    static AcidicConfig load(Map<String, String> env, PrintStream err) {
        try {
            return AcidicConfig.fromEnv(env);
        } catch (IllegalArgumentException e) {
            err.println("configuration error: " + e.getMessage());
            return null;
        }
    }

    /** Like {@link #load}, for a command that talks to Postgres only: null too when no JDBC URL is set. */
    static AcidicConfig loadForPostgres(Map<String, String> env, PrintStream err, String command) {
        AcidicConfig c = load(env, err);
        if (c != null && c.jdbcUrl().isBlank()) {
            err.println(command + " needs ACIDIC_JDBC_URL (and ACIDIC_JDBC_USER / ACIDIC_JDBC_PASSWORD)");
            return null;
        }
        return c;
    }
}
