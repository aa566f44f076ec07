package dev.acidic.processor.internal.store;

import dev.acidic.api.Completion;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SQL of child jobs: the links a parent's phases write when they spawn children, and what a
 * parent reads of them. A child's outcome is its own key row's, read through the link; nothing is
 * copied when a child ends. Runs on a connection whose transaction the caller owns.
 */
public final class Children {
    /** The {@code awaiting} of a job that waits for its children (signal names cannot start with "$"). */
    public static final String AWAITING = "$children";

    private static final String ENDED = "k.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')";
    private static final String LINK = """
            INSERT INTO acidic_children (parent_key, child_key, ordinal) VALUES (?, ?, ?)
            ON CONFLICT (parent_key, child_key) DO NOTHING""";
    /** A child with no key row yet (its request not yet claimed) has not ended. */
    private static final String COUNT = "SELECT count(*), count(*) FILTER (WHERE " + ENDED + ")"
            + " FROM acidic_children ch LEFT JOIN acidic_keys k ON k.idempotency_key = ch.child_key WHERE ch.parent_key = ?";
    private static final String OUTCOMES = "SELECT ch.child_key, k.job, k.status, k.result, k.error, k.run"
            + " FROM acidic_children ch JOIN acidic_keys k ON k.idempotency_key = ch.child_key"
            + " WHERE ch.parent_key = ? AND " + ENDED + " ORDER BY ch.ordinal, ch.child_key";

    private static final String END_WAIT = "UPDATE acidic_keys SET awaiting = NULL, last_seq = ? WHERE idempotency_key = ?";

    /** How many children a parent has, and how many of them have ended. */
    public record Tally(long spawned, long ended) {
        public long unfinished() {
            return spawned - ended;
        }
    }

    /**
     * Links {@code child} to {@code parent}, as spawned by the parent's staged job {@code ordinal}.
     *
     * @return false if it was linked already (spawned before)
     */
    public boolean link(Connection c, String parent, String child, long ordinal) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LINK)) {
            ps.setString(1, parent);
            ps.setString(2, child);
            ps.setLong(3, ordinal);
            return ps.executeUpdate() == 1;
        }
    }

    public Tally tally(Connection c, String parent) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COUNT)) {
            ps.setString(1, parent);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Tally(rs.getLong(1), rs.getLong(2));
            }
        }
    }

    /** Ends the wait of {@code parent} for its children (they have all ended), journaled up to {@code lastSeq}. */
    public void endWait(Connection c, String parent, long lastSeq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(END_WAIT)) {
            ps.setLong(1, lastSeq);
            ps.setString(2, parent);
            ps.executeUpdate();
        }
    }

    /** The ended children of {@code parent}, in spawn order: child key to its completion. */
    public Map<String, Completion> outcomes(Connection c, String parent) throws SQLException {
        Map<String, Completion> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(OUTCOMES)) {
            ps.setString(1, parent);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String child = rs.getString(1);
                    out.put(child, Outcomes.completion(child, rs.getString(2), rs.getString(3), KeyStore.parse(rs.getString(4)),
                            KeyStore.parse(rs.getString(5)), rs.getInt(6), false));
                }
            }
        }
        return out;
    }
}
