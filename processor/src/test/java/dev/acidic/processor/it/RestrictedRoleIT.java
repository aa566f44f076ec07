package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The schema is migrated by its owner with the {@code migrate} command; the processor runs as a
 * role that may only read and write rows, and still does everything a job needs (claims, phases,
 * failures and retries, events).
 */
class RestrictedRoleIT {
    private final TestInfra infra = TestInfra.get();

    @Test
    void processorRunsAsADmlOnlyRoleOnASchemaItsOwnerMigrated() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String owner = "acidic_owner_" + suffix;
        String app = "acidic_app_" + suffix;
        String db = "restricted_" + suffix;
        try (Connection su = infra.db.getConnection(); Statement st = su.createStatement()) {
            st.execute("CREATE ROLE " + owner + " LOGIN PASSWORD 'owner-pw'");
            st.execute("CREATE ROLE " + app + " LOGIN PASSWORD 'app-pw'");
            st.execute("CREATE DATABASE " + db + " OWNER " + owner);
        }
        String url = infra.postgres.jdbcUrl().replaceAll("/postgres$", "/" + db);
        Map<String, String> appSettings = Map.of(AcidicConfig.JDBC_URL, url, AcidicConfig.JDBC_USER, app,
                AcidicConfig.JDBC_PASSWORD, "app-pw", AcidicConfig.MIGRATE_ON_START, "false");

        // Before the owner migrated, the restricted processor refuses to start and says what to do.
        try (Harness early = new Harness("restricted-early", appSettings)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, early::start);
            assertTrue(e.getMessage().contains("no Acidic schema") && e.getMessage().contains("migrate"), e.getMessage());
        }

        // The owner migrates and grants DML to the processor's role; then creates the jobs' own table.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Cli.run(new String[] {"migrate", "--grant-to", app}, Map.of("ACIDIC_JDBC_URL", url, "ACIDIC_JDBC_USER", owner,
                "ACIDIC_JDBC_PASSWORD", "owner-pw"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("applied " + dev.acidic.processor.internal.store.Migrator.count() + " migration(s)"), out.toString(StandardCharsets.UTF_8));
        try (Connection c = DriverManager.getConnection(url, owner, "owner-pw"); Statement st = c.createStatement()) {
            st.execute(TestJobs.SCHEMA);
            try (ResultSet rs = st.executeQuery("SELECT tableowner FROM pg_tables WHERE tablename = 'acidic_keys'")) {
                rs.next();
                assertEquals(owner, rs.getString(1));
            }
        }

        // The processor's role can change no schema: it may not create, alter or drop.
        try (Connection c = DriverManager.getConnection(url, app, "app-pw"); Statement st = c.createStatement()) {
            for (String ddl : List.of("CREATE TABLE sneaky (i int)", "DROP TABLE acidic_journal",
                    "ALTER TABLE acidic_keys ADD COLUMN x int", "TRUNCATE acidic_keys")) {
                SQLException denied = assertThrows(SQLException.class, () -> st.execute(ddl), ddl);
                assertEquals("42501", denied.getSQLState(), ddl + ": " + denied.getMessage());
            }
        }

        try (Harness h = new Harness("restricted", appSettings)) {
            h.start();
            List<String> keys = new ArrayList<>();
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                keys.add(h.key("job-" + i));
                answers.add(h.client().submit(keys.get(i), JobRequest.of("test.three-steps", Map.of("i", i))));
            }
            String flaky = h.key("flaky");
            answers.add(h.client().submit(flaky, JobRequest.of("test.flaky", Map.of("failTimes", 1, "failStep", "second"))));
            keys.add(flaky);
            for (var a : answers) {
                assertEquals(CompletionStatus.SUCCEEDED, a.get(60, TimeUnit.SECONDS).status());
            }
            // every effect committed exactly once, in the restricted database (none in the shared one)
            try (Connection c = DriverManager.getConnection(url, owner, "owner-pw");
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT count(*), count(DISTINCT (idempotency_key, step)) FROM test_effects WHERE idempotency_key = ANY(?)")) {
                ps.setArray(1, c.createArrayOf("text", keys.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(33, rs.getInt(1));
                    assertEquals(33, rs.getInt(2));
                }
            }
            assertTrue(h.effects(keys.get(0)).isEmpty(), "the shared test database saw nothing");
        }

        // An applied migration that was changed is refused, by migrate and by the processor alike.
        try (Connection c = DriverManager.getConnection(url, owner, "owner-pw"); Statement st = c.createStatement()) {
            st.execute("UPDATE acidic_schema_migrations SET checksum = 'tampered' WHERE version = 1");
        }
        try (Harness tampered = new Harness("restricted-tampered", appSettings)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, tampered::start);
            assertTrue(e.getMessage().contains("changed after it was applied"), e.getMessage());
        }
        err.reset();
        assertEquals(1, Cli.run(new String[] {"migrate"}, Map.of("ACIDIC_JDBC_URL", url, "ACIDIC_JDBC_USER", owner,
                "ACIDIC_JDBC_PASSWORD", "owner-pw"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("changed after it was applied"), err.toString(StandardCharsets.UTF_8));
    }
}
