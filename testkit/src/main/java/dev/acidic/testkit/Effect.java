package dev.acidic.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * One of a job's effects, counted: how {@link AcidicKit#crashAtEveryBoundary} tells whether an
 * effect happened once, twice or not at all. Each run of the job under test has a key of its own,
 * and the kit measures the effect before and after each run: the difference after a crash and a
 * recovery must equal the difference after a clean run.
 *
 * <pre>{@code
 * Effect.sql("greeting row", "SELECT count(*) FROM greetings WHERE idempotency_key = ?")
 * Effect.of("emails sent", key -> mailbox.sentFor(key))
 * }</pre>
 */
public final class Effect {
    /** Counts an effect of the job run under {@code key}. */
    @FunctionalInterface
    public interface Count {
        long count(String key) throws Exception;
    }

    private final String name;
    private final String sql;
    private final Count count;

    private Effect(String name, String sql, Count count) {
        this.name = Objects.requireNonNull(name, "name");
        this.sql = sql;
        this.count = count;
    }

    /**
     * An effect counted by a query on the test's database returning one number (first column of
     * its first row), such as {@code SELECT count(*) FROM greetings WHERE idempotency_key = ?}:
     * every {@code ?} is bound to the job's idempotency key. A query without one counts across
     * keys, which works too (runs are one after another).
     */
    public static Effect sql(String name, String query) {
        return new Effect(name, Objects.requireNonNull(query, "query"), null);
    }

    /** An effect counted by your code: a row count elsewhere, a fake mail server's outbox, a counter. */
    public static Effect of(String name, Count count) {
        return new Effect(name, null, Objects.requireNonNull(count, "count"));
    }

    public String name() {
        return name;
    }

    long measure(DataSource ds, String key) throws Exception {
        if (count != null) {
            return count.count(key);
        }
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int params = ps.getParameterMetaData().getParameterCount();
            for (int i = 1; i <= params; i++) {
                ps.setString(i, key);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("effect '" + name + "': its query returned no row: " + sql);
                }
                return rs.getLong(1);
            }
        }
    }

    @Override
    public String toString() {
        return "Effect[" + name + (sql != null ? ": " + sql : "") + "]";
    }
}
