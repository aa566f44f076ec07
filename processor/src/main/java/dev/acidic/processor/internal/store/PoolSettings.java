package dev.acidic.processor.internal.store;

import dev.acidic.processor.internal.config.Secrets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link Database#pool} needs to open the processor's connections, built by the caller from
 * its configuration (the store knows no processor configuration).
 *
 * @param name pool and {@code ApplicationName} of the connections ({@code acidic-<instance id>})
 * @param statementTimeout Postgres {@code statement_timeout}; the driver's socket timeout defaults to it plus 30 s
 * @param idleInTransactionTimeout Postgres {@code idle_in_transaction_session_timeout}
 * @param driverProperties JDBC driver properties given by the user; they win over the pool's own
 */
public record PoolSettings(String name, String jdbcUrl, String user, String password, int size, Duration statementTimeout,
        Duration idleInTransactionTimeout, Map<String, String> driverProperties) {

    public PoolSettings {
        if (size < 1) {
            throw new IllegalArgumentException("a pool needs at least one connection, not " + size);
        }
        driverProperties = Map.copyOf(driverProperties);
    }

    /** Without the password and with masked driver properties: safe to log. */
    @Override
    public String toString() {
        Map<String, String> props = new TreeMap<>();
        driverProperties.forEach((k, v) -> props.put(k, Secrets.mask(k, v, false)));
        return "PoolSettings{" + name + ", " + Secrets.maskInline(jdbcUrl) + ", user=" + user + ", password="
                + Secrets.mask("password", password, true) + ", size=" + size + ", statementTimeout=" + statementTimeout
                + ", idleInTransactionTimeout=" + idleInTransactionTimeout + ", driverProperties=" + props + "}";
    }
}
