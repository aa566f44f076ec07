package dev.acidic.processor.internal.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/** The HikariCP pool the processor runs its phases on. */
public final class Database {
    private Database() {}

    public static HikariDataSource pool(PoolSettings s) {
        return pool(s, null);
    }

    /** The pool, its own metrics (HikariCP's: connections, waits, timeouts) on {@code metrics} when given. */
    public static HikariDataSource pool(PoolSettings s, com.zaxxer.hikari.metrics.MetricsTrackerFactory metrics) {
        HikariConfig h = new HikariConfig();
        if (metrics != null) {
            h.setMetricsTrackerFactory(metrics);
        }
        h.setPoolName(s.name());
        // Not h.setJdbcUrl/addDataSourceProperty: the pool would print those at DEBUG, secrets too.
        h.setDataSource(unpooled(s));
        h.setMaximumPoolSize(s.size());
        h.setMinimumIdle(Math.min(2, s.size()));
        // Short: a claim waiting for a connection blocks a stream thread inside a Kafka transaction.
        h.setConnectionTimeout(3_000);
        h.setValidationTimeout(1_000);
        h.setAutoCommit(true);
        h.setInitializationFailTimeout(30_000);
        // A phase holds its key row FOR UPDATE; if its instance freezes (GC, SIGSTOP, network
        // partition) Postgres ends the transaction after this, releasing the row for a new owner.
        // And no statement runs longer than the step time limit (a step's own SQL included).
        h.setConnectionInitSql("SET idle_in_transaction_session_timeout = " + s.idleInTransactionTimeout().toMillis()
                + "; SET statement_timeout = " + s.statementTimeout().toMillis());
        return new HikariDataSource(h);
    }

    /**
     * Connections opened on each call and ended on close, with the pool's driver properties (not
     * its session settings): for work that holds a connection for long, such as the reaper's
     * rounds, and must neither take one a stream thread needs nor hand a session back to a pool.
     */
    public static DataSource unpooled(PoolSettings s) {
        Map<String, String> driverProps = new LinkedHashMap<>();
        driverProps.put("reWriteBatchedInserts", "true");
        driverProps.put("ApplicationName", s.name());
        // A Postgres that vanishes without closing the socket (a network partition) must not hold a
        // stream thread in a read forever: no statement legitimately runs past the statement
        // timeout, so a reply later than that (plus a margin) means the connection is gone.
        driverProps.put("socketTimeout", Long.toString(s.statementTimeout().toSeconds() + 30));
        driverProps.put("tcpKeepAlive", "true");
        driverProps.putAll(s.driverProperties());
        return new PostgresSource(s.jdbcUrl(), s.user(), s.password(), driverProps);
    }
}
