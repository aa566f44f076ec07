package dev.acidic.processor.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The SQL of a job's persisted values ({@code ctx.values()}), in the phase's transaction: what a
 * step writes commits with the phase's recovery-point advance, or not at all.
 */
public final class JobValuesSql {
    private static final String GET = "SELECT value FROM acidic_values WHERE idempotency_key = ? AND name = ?";
    private static final String PUT = """
            INSERT INTO acidic_values (idempotency_key, name, value) VALUES (?, ?, ?::jsonb)
            ON CONFLICT (idempotency_key, name) DO UPDATE SET value = excluded.value""";
    private static final String REMOVE = "DELETE FROM acidic_values WHERE idempotency_key = ? AND name = ?";
    private static final String ALL = "SELECT name, value FROM acidic_values WHERE idempotency_key = ? ORDER BY name";

    /** The value {@code name} of {@code key}; null if none. */
    public JsonNode get(Connection c, String key, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(GET)) {
            ps.setString(1, key);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? KeyStore.parse(rs.getString(1)) : null;
            }
        }
    }

    /** Every value of {@code key}, by name in name order (for tests and tools, not for steps). */
    public java.util.Map<String, JsonNode> all(Connection c, String key) throws SQLException {
        java.util.Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(ALL)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), KeyStore.parse(rs.getString(2)));
                }
            }
        }
        return out;
    }

    public void put(Connection c, String key, String name, JsonNode value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PUT)) {
            ps.setString(1, key);
            ps.setString(2, name);
            ps.setString(3, KeyStore.json(value));
            ps.executeUpdate();
        }
    }

    public void remove(Connection c, String key, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(REMOVE)) {
            ps.setString(1, key);
            ps.setString(2, name);
            ps.executeUpdate();
        }
    }
}
