package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.it.TestInfra;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The processor's connections carry the time limits: statement, idle transaction, and socket. */
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
        AcidicConfig cfg = AcidicConfig.defaults().withInstanceId("db-it").with(AcidicConfig.STEP_TIMEOUT, "7s")
                .with(AcidicConfig.TRANSACTION_IDLE_TIMEOUT, "45s");
        try (HikariDataSource pool = Database.pool(cfg, infra.postgres.jdbcUrl(), infra.postgres.user(), infra.postgres.password(), 1)) {
            try (Connection c = pool.getConnection()) {
                assertEquals("7s", show(c, "statement_timeout"), "the step timeout bounds SQL when acidic.statement.timeout is 0");
                assertEquals("45s", show(c, "idle_in_transaction_session_timeout"));
                assertEquals(37_000, c.getNetworkTimeout(), "socket timeout: the statement timeout plus 30 s");
            }
            Migrator.migrate(pool); // on the pool's one connection, unbounded while it runs
            try (Connection c = pool.getConnection()) {
                assertEquals("7s", show(c, "statement_timeout"), "the migration restored the setting for the pool");
                assertEquals(37_000, c.getNetworkTimeout());
            }
        }
        AcidicConfig own = cfg.with(AcidicConfig.STATEMENT_TIMEOUT, "2s").with("acidic.jdbc.properties.socketTimeout", "0");
        try (HikariDataSource pool = Database.pool(own, infra.postgres.jdbcUrl(), infra.postgres.user(), infra.postgres.password(), 1);
                Connection c = pool.getConnection()) {
            assertEquals("2s", show(c, "statement_timeout"));
            assertEquals(0, c.getNetworkTimeout(), "a driver setting given by the user wins");
        }
    }
}
