package dev.acidic.processor.internal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The SQL of a job's lifecycle outside its phases: signals delivered to it, and the status changes
 * that commands make (cancel, resume, a signal waking a waiting job). Runs on a connection whose
 * transaction the caller owns, with the key row already locked FOR UPDATE.
 */
public final class Lifecycle {
    private static final String GET_SIGNAL = "SELECT payload FROM acidic_signals WHERE idempotency_key = ? AND name = ?";
    private static final String PUT_SIGNAL = """
            INSERT INTO acidic_signals (idempotency_key, name, payload) VALUES (?, ?, ?::jsonb)
            ON CONFLICT (idempotency_key, name) DO UPDATE SET payload = excluded.payload, received_at = now()""";
    private static final String SET_STATUS = """
            UPDATE acidic_keys
               SET status = ?, error = coalesce(?::jsonb, error), last_seq = ?,
                   awaiting = CASE WHEN status = 'RUNNING' AND ? = 'CANCELLED' THEN awaiting END,
                   next_attempt_at = CASE WHEN status = 'RUNNING' AND ? = 'CANCELLED' THEN next_attempt_at END,
                   locked_at = NULL, locked_by = NULL, last_run_at = now(),
                   finished_at = CASE WHEN ? IN ('SUCCEEDED', 'FAILED', 'CANCELLED') THEN now() ELSE NULL END
             WHERE idempotency_key = ?""";

    private static final String RETRY = """
            UPDATE acidic_keys
               SET status = 'RUNNING', run = run + 1, attempts = 0, error = NULL, result = NULL, last_seq = ?,
                   locked_at = NULL, locked_by = NULL, last_run_at = now(), finished_at = NULL
             WHERE idempotency_key = ?""";

    /**
     * Sends a failed or cancelled job back to its stored recovery point as its next run: running
     * again, attempts reset, no error or result kept. A job cancelled while it waited (for a
     * signal, with its timeout, or for its children) waits again: the cancel kept what it waited for.
     */
    public void retry(Connection c, String key, long lastSeq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RETRY)) {
            ps.setLong(1, lastSeq);
            ps.setString(2, key);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("key row '" + key + "' vanished while locked FOR UPDATE");
            }
        }
    }

    /** The payload of the latest signal {@code name} of {@code key} (a JSON null for none given); empty if none arrived. */
    public Optional<JsonNode> signal(Connection c, String key, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(GET_SIGNAL)) {
            ps.setString(1, key);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String payload = rs.getString(1);
                return Optional.of(payload == null ? NullNode.getInstance() : KeyStore.parse(payload));
            }
        }
    }

    /** Keeps signal {@code name} for {@code key}, replacing an earlier one of that name. */
    public void putSignal(Connection c, String key, String name, JsonNode payload) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PUT_SIGNAL)) {
            ps.setString(1, key);
            ps.setString(2, name);
            ps.setString(3, payload == null || payload.isNull() ? null : KeyStore.json(payload));
            ps.executeUpdate();
        }
    }

    /**
     * Sets the job's status after a command: not locked; no longer waiting or due, except that a
     * running job cancelled keeps what it waited for and until when (a retry waits again);
     * {@code error} kept unless given; finished now if the status is an end.
     */
    public void setStatus(Connection c, String key, String status, JsonNode error, long lastSeq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SET_STATUS)) {
            ps.setString(1, status);
            ps.setString(2, error == null ? null : KeyStore.json(error));
            ps.setLong(3, lastSeq);
            ps.setString(4, status);
            ps.setString(5, status);
            ps.setString(6, status);
            ps.setString(7, key);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("key row '" + key + "' vanished while locked FOR UPDATE");
            }
        }
    }
}
