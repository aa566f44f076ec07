package dev.acidic.processor.internal.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.processor.AcidicConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** The HikariCP pool the processor runs its phases on. */
public final class Database {
    private Database() {}

    public static HikariDataSource pool(AcidicConfig cfg, String jdbcUrl, String user, String password, int size) {
        HikariConfig h = new HikariConfig();
        h.setPoolName("acidic-" + cfg.instanceId());
        Map<String, String> driverProps = new LinkedHashMap<>();
        driverProps.put("reWriteBatchedInserts", "true");
        driverProps.put("ApplicationName", "acidic-" + cfg.instanceId());
        // A Postgres that vanishes without closing the socket (a network partition) must not hold a
        // stream thread in a read forever: no statement legitimately runs past the statement
        // timeout, so a reply later than that (plus a margin) means the connection is gone.
        driverProps.put("socketTimeout", Long.toString(cfg.effectiveStatementTimeout().toSeconds() + 30));
        driverProps.put("tcpKeepAlive", "true");
        driverProps.putAll(cfg.jdbcProperties());
        // Not h.setJdbcUrl/addDataSourceProperty: the pool would print those at DEBUG, secrets too.
        h.setDataSource(new PostgresSource(jdbcUrl, user, password, driverProps));
        h.setMaximumPoolSize(size);
        h.setMinimumIdle(Math.min(2, size));
        // Short: a claim waiting for a connection blocks a stream thread inside a Kafka transaction.
        h.setConnectionTimeout(3_000);
        h.setValidationTimeout(1_000);
        h.setAutoCommit(true);
        h.setInitializationFailTimeout(30_000);
        // A phase holds its key row FOR UPDATE; if its instance freezes (GC, SIGSTOP, network
        // partition) Postgres ends the transaction after this, releasing the row for a new owner.
        // And no statement runs longer than the step time limit (a step's own SQL included).
        h.setConnectionInitSql("SET idle_in_transaction_session_timeout = " + cfg.transactionIdleTimeout().toMillis()
                + "; SET statement_timeout = " + cfg.effectiveStatementTimeout().toMillis());
        return new HikariDataSource(h);
    }
}
