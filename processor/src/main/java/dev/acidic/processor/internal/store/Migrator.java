package dev.acidic.processor.internal.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned SQL migrations in {@code dev/acidic/processor/migrations}, each in its own
 * transaction, under a Postgres advisory lock so concurrently starting instances migrate once.
 * An applied migration whose file changed, or a database newer than this processor, is an error.
 */
public final class Migrator {
    private static final Logger log = LoggerFactory.getLogger(Migrator.class);
    /** Advisory lock id: "acidic" as a number, shared by every Acidic instance on the database. */
    private static final long LOCK_ID = 0x616369646963L;
    static final List<String> MIGRATIONS = List.of("V1__create_key_store.sql", "V2__record_failures.sql",
            "V3__seq_high_water_marks.sql", "V4__job_steps.sql", "V5__signals_and_halts.sql",
            "V6__new_key_seq_guard.sql", "V7__child_jobs.sql", "V8__operator_indexes.sql", "V9__shard_layout.sql");

    private Migrator() {}

    /** How many versioned migrations this version of the processor has. */
    public static int count() {
        return MIGRATIONS.size();
    }

    /** Migrates to the newest version; returns how many migrations were applied now. */
    public static int migrate(DataSource ds) throws SQLException {
        return migrate(ds, List.of());
    }

    /**
     * Migrates, then runs {@code jobSchema} (idempotent statements of the jobs' own tables). A
     * schema that is already current gets no DDL of Acidic's own, so a role with only DML rights
     * may call this when the jobs bring no schema.
     */
    public static int migrate(DataSource ds, List<String> jobSchema) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            String timeout;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW statement_timeout")) {
                rs.next();
                timeout = rs.getString(1);
            }
            int networkTimeout = c.getNetworkTimeout();
            c.setNetworkTimeout(Runnable::run, 0); // nor the socket timeout that goes with it
            try {
                try (Statement st = c.createStatement()) {
                    st.execute("SET statement_timeout = 0"); // a migration may take long; restored below for the pool
                    st.execute("SELECT pg_advisory_lock(" + LOCK_ID + ")");
                }
                int n = migrateLocked(c);
                for (String sql : jobSchema) {
                    try (Statement st = c.createStatement()) {
                        st.execute(sql);
                    }
                }
                return n;
            } catch (SQLException e) {
                if ("42501".equals(e.getSQLState()) || "42501".equals(causeState(e))) {
                    throw new SQLException("role '" + c.getMetaData().getUserName() + "' may not change the schema ("
                            + e.getMessage() + "); run the `migrate` command as the schema's owner and set "
                            + "acidic.migrate.on.start=false for the processor's own role", "42501", e);
                }
                throw e;
            } finally {
                // unlocks if locked (a no-op warning otherwise); the session setting goes back for the pool
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_advisory_unlock_all()");
                } finally {
                    try (PreparedStatement ps = c.prepareStatement("SELECT set_config('statement_timeout', ?, false)")) {
                        ps.setString(1, timeout);
                        ps.execute();
                    }
                    c.setNetworkTimeout(Runnable::run, networkTimeout);
                }
            }
        }
    }

    /**
     * Checks without changing anything that the schema is exactly what this processor needs (for a
     * processor whose role may not migrate); returns the schema version.
     *
     * @throws SQLException naming what is missing or different, and that {@code migrate} fixes it
     */
    public static int verify(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            Map<Integer, String> applied = applied(c);
            if (applied == null) {
                throw new SQLException("the database has no Acidic schema (no acidic_schema_migrations table visible to role '"
                        + c.getMetaData().getUserName() + "'); run the `migrate` command as the schema's owner first");
            }
            checkApplied(applied);
            if (applied.size() < MIGRATIONS.size()) {
                throw new SQLException("the database schema is at version " + applied.size() + " but this processor needs version "
                        + MIGRATIONS.size() + "; run the `migrate` command of this processor as the schema's owner first");
            }
            return applied.size();
        }
    }

    /**
     * Lets {@code role} read and write (not change) every table in the current schema, now and the
     * ones this role creates later: what a processor running as {@code role} with
     * {@code acidic.migrate.on.start=false} needs.
     */
    public static void grantDml(DataSource ds, String role) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            String schema;
            String quotedRole;
            try (PreparedStatement ps = c.prepareStatement("SELECT quote_ident(current_schema()), quote_ident(?)")) {
                ps.setString(1, role);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    schema = rs.getString(1);
                    quotedRole = rs.getString(2);
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + quotedRole);
                st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + quotedRole);
                st.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + quotedRole);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "
                        + quotedRole);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT USAGE, SELECT ON SEQUENCES TO " + quotedRole);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
            log.info("granted DML on every table of schema {} to role {}", schema, quotedRole);
        }
    }

    private static String causeState(SQLException e) {
        return e.getCause() instanceof SQLException s ? s.getSQLState() : null;
    }

    /** Applied versions and checksums, or null when the migrations table does not exist (or is not visible). */
    private static Map<Integer, String> applied(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT to_regclass('acidic_schema_migrations') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return null;
            }
        }
        Map<Integer, String> applied = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT version, checksum FROM acidic_schema_migrations")) {
            while (rs.next()) {
                applied.put(rs.getInt(1), rs.getString(2));
            }
        }
        return applied;
    }

    /** Fails if the database is newer than this processor or an applied migration changed. */
    private static void checkApplied(Map<Integer, String> applied) throws SQLException {
        int newest = applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        if (newest > MIGRATIONS.size()) {
            throw new SQLException("the database schema is at version " + newest + " but this processor knows versions up to "
                    + MIGRATIONS.size() + "; run a newer Acidic processor against it");
        }
        for (int i = 0; i < MIGRATIONS.size(); i++) {
            String name = MIGRATIONS.get(i);
            String sum = sha256(read(name));
            String was = applied.get(i + 1);
            if (was != null && !was.equals(sum)) {
                throw new SQLException("migration " + name + " was changed after it was applied (checksum " + was
                        + " in the database, " + sum + " now); migrations are immutable, add a new one");
            }
        }
    }

    private static int migrateLocked(Connection c) throws SQLException {
        Map<Integer, String> applied = applied(c);
        if (applied != null) {
            checkApplied(applied);
            if (applied.size() >= MIGRATIONS.size()) {
                return 0; // current: no DDL at all
            }
        } else {
            try (Statement st = c.createStatement()) {
                st.execute("""
                        CREATE TABLE IF NOT EXISTS acidic_schema_migrations (
                            version    integer     PRIMARY KEY,
                            name       text        NOT NULL,
                            checksum   text        NOT NULL,
                            applied_at timestamptz NOT NULL DEFAULT now())""");
            }
            applied = Map.of();
        }
        int count = 0;
        for (int i = 0; i < MIGRATIONS.size(); i++) {
            int version = i + 1;
            if (applied.containsKey(version)) {
                continue;
            }
            String name = MIGRATIONS.get(i);
            String sql = read(name);
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(sql);
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO acidic_schema_migrations (version, name, checksum) VALUES (?, ?, ?)")) {
                    ps.setInt(1, version);
                    ps.setString(2, name);
                    ps.setString(3, sha256(sql));
                    ps.executeUpdate();
                }
                c.commit();
                count++;
                log.info("applied migration {}", name);
            } catch (SQLException e) {
                c.rollback();
                throw new SQLException("migration " + name + " failed: " + e.getMessage(), e.getSQLState(), e);
            } finally {
                c.setAutoCommit(true);
            }
        }
        return count;
    }

    private static String read(String name) throws SQLException {
        try (InputStream in = Migrator.class.getResourceAsStream("/dev/acidic/processor/migrations/" + name)) {
            if (in == null) {
                throw new SQLException("migration resource " + name + " is missing from the processor jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SQLException("cannot read migration " + name, e);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
