package dev.acidic.processor.internal.store;

import dev.acidic.api.JobRequest;
import dev.acidic.api.Wire;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of transactionally staged jobs: written in the staging phase's transaction (so only a
 * committed phase's jobs exist), read back by the publisher beyond its cursor.
 */
public final class StagedSql {
    private static final String AFTER = """
            SELECT ordinal, target_key, request FROM acidic_staged WHERE idempotency_key = ? AND ordinal > ? ORDER BY ordinal""";
    private static final String INSERT = """
            INSERT INTO acidic_staged (idempotency_key, ordinal, target_key, request) VALUES (?, ?, ?, ?::jsonb)""";

    /** The jobs {@code key}'s phases staged after {@code ordinal}, in order. */
    public List<StagedJob> after(Connection c, String key, long ordinal) throws SQLException {
        List<StagedJob> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(AFTER)) {
            ps.setString(1, key);
            ps.setLong(2, ordinal);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StagedJob(rs.getLong(1), rs.getString(2), Wire.fromTree(KeyStore.parse(rs.getString(3)), JobRequest.class)));
                }
            }
        }
        return out;
    }

    public void insert(Connection c, String key, StagedJob job) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, key);
            ps.setLong(2, job.ordinal());
            ps.setString(3, job.targetKey());
            ps.setString(4, KeyStore.json(Wire.toTree(job.request())));
            ps.executeUpdate();
        }
    }
}
