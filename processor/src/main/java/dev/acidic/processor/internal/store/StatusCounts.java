package dev.acidic.processor.internal.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * How many jobs stand in each status, cheaply enough to ask every few seconds of a table with
 * millions of keys: the statuses a job passes through (RUNNING, HALTED) are counted exactly, up to
 * {@link #EXACT_CAP}, from the partial index of unfinished keys and a bounded scan; the ended ones
 * (SUCCEEDED, FAILED, CANCELLED), which grow without bound until reaped, are estimated from
 * Postgres' statistics of the table (its row estimate times each status' share among the most
 * common values), as fresh as autovacuum's last ANALYZE.
 */
public final class StatusCounts {
    /** Most keys counted exactly in one status; beyond it the count reads this many. */
    public static final int EXACT_CAP = 100_000;

    private static final String EXACT = "SELECT count(*) FROM (SELECT 1 FROM acidic_keys WHERE status = ? LIMIT " + EXACT_CAP + ") x";
    private static final String ESTIMATED = """
            SELECT v.status, (v.freq * greatest(c.reltuples, 0))::bigint
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
              JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = 'acidic_keys' AND s.attname = 'status'
             CROSS JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(status, freq)
             WHERE c.relname = 'acidic_keys'""";

    private final List<DataSource> databases;

    public StatusCounts(DataSource ds) {
        this(List.of(ds));
    }

    /** Counts summed over {@code databases} (the shards of sharded keys). */
    public StatusCounts(List<DataSource> databases) {
        this.databases = List.copyOf(databases);
    }

    /** Jobs per status, every status present (0 when none or not yet in the statistics). */
    public Map<String, Long> read() throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        JobQueries.STATUSES.forEach(s -> out.put(s, 0L));
        for (DataSource ds : databases) {
            readInto(ds, out);
        }
        return out;
    }

    /** Adds one database's counts to {@code out}: estimates, with the exact counts of RUNNING and HALTED in their place. */
    private static void readInto(DataSource ds, Map<String, Long> out) throws SQLException {
        Map<String, Long> own = new LinkedHashMap<>();
        try (Connection c = ds.getConnection()) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(ESTIMATED)) {
                while (rs.next()) {
                    if (out.containsKey(rs.getString(1))) {
                        own.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(EXACT)) {
                for (String status : List.of("RUNNING", "HALTED")) {
                    ps.setString(1, status);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        own.put(status, rs.getLong(1));
                    }
                }
            }
        }
        own.forEach((status, n) -> out.merge(status, n, Long::sum));
    }
}
