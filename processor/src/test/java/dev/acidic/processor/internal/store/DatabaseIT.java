package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.processor.it.TestInfra;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The processor's connections carry the time limits: statement, idle transaction, and socket.
 * (That the statement timeout defaults to the step timeout is AcidicConfigTest's.)
 */
class DatabaseIT {
    private final TestInfra infra = TestInfra.get();

    private static String show(Connection c, String setting) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void connectionsAreBoundedByTheStatementIdleAndSocketTimeouts() throws Exception {
        PoolSettings settings = new PoolSettings("acidic-db-it", infra.postgres.jdbcUrl(), infra.postgres.user(),
                infra.postgres.password(), 1, Duration.ofSeconds(7), Duration.ofSeconds(45), Map.of());
        try (HikariDataSource pool = Database.pool(settings)) {
            try (Connection c = pool.getConnection()) {
                assertEquals("7s", show(c, "statement_timeout"));
                assertEquals("45s", show(c, "idle_in_transaction_session_timeout"));
                assertEquals(37_000, c.getNetworkTimeout(), "socket timeout: the statement timeout plus 30 s");
            }
            Migrator.migrate(pool); // on the pool's one connection, unbounded while it runs
            try (Connection c = pool.getConnection()) {
                assertEquals("7s", show(c, "statement_timeout"), "the migration restored the setting for the pool");
                assertEquals(37_000, c.getNetworkTimeout());
            }
        }
        PoolSettings own = new PoolSettings("acidic-db-it", infra.postgres.jdbcUrl(), infra.postgres.user(),
                infra.postgres.password(), 1, Duration.ofSeconds(2), Duration.ofSeconds(45), Map.of("socketTimeout", "0"));
        try (HikariDataSource pool = Database.pool(own);
                Connection c = pool.getConnection()) {
            assertEquals("2s", show(c, "statement_timeout"));
            assertEquals(0, c.getNetworkTimeout(), "a driver setting given by the user wins");
        }
    }
}
