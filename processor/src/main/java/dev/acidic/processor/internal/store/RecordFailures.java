package dev.acidic.processor.internal.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * How often handling a given input record failed, kept in Postgres in a transaction of its own:
 * the failing Kafka transaction is aborted (and a stream thread's state with it), so only a count
 * outside Kafka survives the retry, a restart or a move of the task.
 */
public final class RecordFailures {
    private static final String COUNT = """
            INSERT INTO acidic_record_failures (topic, kafka_partition, record_offset, failures, last_error)
            VALUES (?, ?, ?, 1, ?)
            ON CONFLICT (topic, kafka_partition, record_offset)
            DO UPDATE SET failures = acidic_record_failures.failures + 1, last_error = EXCLUDED.last_error, last_at = now()
            RETURNING failures""";
    /** Longest error text kept per record. */
    static final int MAX_ERROR_CHARS = 4_000;

    private final DataSource ds;

    public RecordFailures(DataSource ds) {
        this.ds = ds;
    }

    /** Counts one more failure of the record at {@code topic}-{@code partition}@{@code offset}; returns the count. */
    public int count(String topic, int partition, long offset, String error) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement(COUNT)) {
                ps.setString(1, topic);
                ps.setInt(2, partition);
                ps.setLong(3, offset);
                ps.setString(4, error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) : error.replace('\0', ' '));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        }
    }
}
