package dev.acidic.processor.internal;

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
    static final List<String> MIGRATIONS = List.of("V1__create_key_store.sql");

    private Migrator() {}

    /** Migrates to the newest version; returns how many migrations were applied now. */
    public static int migrate(DataSource ds) throws SQLException {
        return migrate(ds, List.of());
    }

    /** Migrates, then runs {@code jobSchema} (idempotent statements of the jobs' own tables). */
    public static int migrate(DataSource ds, List<String> jobSchema) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_lock(" + LOCK_ID + ")");
            }
            try {
                int n = migrateLocked(c);
                for (String sql : jobSchema) {
                    try (Statement st = c.createStatement()) {
                        st.execute(sql);
                    }
                }
                return n;
            } finally {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_advisory_unlock(" + LOCK_ID + ")");
                }
            }
        }
    }

    private static int migrateLocked(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("""
                    CREATE TABLE IF NOT EXISTS acidic_schema_migrations (
                        version    integer     PRIMARY KEY,
                        name       text        NOT NULL,
                        checksum   text        NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now())""");
        }
        Map<Integer, String> applied = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT version, checksum FROM acidic_schema_migrations")) {
            while (rs.next()) {
                applied.put(rs.getInt(1), rs.getString(2));
            }
        }
        int newest = applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        if (newest > MIGRATIONS.size()) {
            throw new SQLException("the database schema is at version " + newest + " but this processor knows versions up to "
                    + MIGRATIONS.size() + "; run a newer Acidic processor against it");
        }
        int count = 0;
        for (int i = 0; i < MIGRATIONS.size(); i++) {
            int version = i + 1;
            String name = MIGRATIONS.get(i);
            String sql = read(name);
            String sum = sha256(sql);
            if (applied.containsKey(version)) {
                if (!applied.get(version).equals(sum)) {
                    throw new SQLException("migration " + name + " was changed after it was applied (checksum "
                            + applied.get(version) + " in the database, " + sum + " now); migrations are immutable, add a new one");
                }
                continue;
            }
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(sql);
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO acidic_schema_migrations (version, name, checksum) VALUES (?, ?, ?)")) {
                    ps.setInt(1, version);
                    ps.setString(2, name);
                    ps.setString(3, sum);
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
