package dev.acidic.processor.internal.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Fixes a sharded deployment's layout in each of its databases the first time it runs, and
 * refuses one that no longer matches: with keys placed by {@code partition mod shards}, a swapped
 * URL, a database added or removed, or partitions added would look for keys where they are not
 * and create them again.
 */
public final class ShardLayouts {
    private ShardLayouts() {}

    /**
     * Checks, changing nothing, that database {@code shard} is that shard of {@code layout} or can
     * become it (run on every database before {@link #fix} writes to any).
     *
     * @throws SQLException naming what was stored, what was given, and what to do
     */
    public static void check(DataSource ds, int shard, ShardLayout layout) throws SQLException {
        try (Connection c = ds.getConnection()) {
            int[] stored = read(c);
            if (stored == null && layout.sharded() && holdsKeys(c)) {
                throw new SQLException(holdsKeysProblem(shard, layout));
            }
            String problem = problem(shard, layout, stored);
            if (problem != null) {
                throw new SQLException(problem);
            }
        }
    }

    private static String holdsKeysProblem(int shard, ShardLayout layout) {
        return "database " + shard + " of " + layout.shards() + " already holds keys placed without sharding: adding databases"
                + " moves keys, which the processor does not do; start the sharded deployment on empty databases, or keep the"
                + " keys' database alone (docs/SCALING.md)";
    }

    /**
     * Checks that database {@code shard} is that shard of {@code layout}, writing the layout the
     * first time.
     *
     * @throws SQLException naming what was stored, what was given, and what to do
     */
    public static void fix(DataSource ds, int shard, ShardLayout layout) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                int[] stored = read(c);
                if (stored == null && layout.sharded()) {
                    if (holdsKeys(c)) {
                        throw new SQLException(holdsKeysProblem(shard, layout));
                    }
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO acidic_shard_layout (shard, shards, partitions)"
                            + " VALUES (?, ?, ?) ON CONFLICT (one) DO NOTHING")) {
                        ps.setInt(1, shard);
                        ps.setInt(2, layout.shards());
                        ps.setInt(3, layout.partitions());
                        ps.executeUpdate();
                    }
                    stored = read(c);
                }
                c.commit();
                String problem = problem(shard, layout, stored);
                if (problem != null) {
                    throw new SQLException(problem);
                }
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Why {@code stored} (shard, shards, partitions; null: none) does not fit; null if it does. */
    static String problem(int shard, ShardLayout layout, int[] stored) {
        if (stored == null) {
            return null; // not sharded, and never was
        }
        if (stored[0] == shard && stored[1] == layout.shards() && stored[2] == layout.partitions()) {
            return null;
        }
        String was = "database " + stored[0] + " of " + stored[1] + " over " + stored[2] + " partitions";
        if (!layout.sharded()) {
            return "this database is " + was + " of a sharded deployment, but acidic.jdbc.shards is empty: list the same"
                    + " databases in the same order as before";
        }
        String now = "database " + shard + " of " + layout.shards() + " over " + layout.partitions() + " partitions";
        if (stored[2] != layout.partitions()) {
            return "this database was fixed as " + was + " and is now given as " + now + ": partitions were added to the"
                    + " requests topic, which moves keys between databases; keep the partition count of a sharded deployment"
                    + " (docs/SCALING.md)";
        }
        return "this database was fixed as " + was + " and is now given as " + now + ": acidic.jdbc.url and acidic.jdbc.shards"
                + " must list the same databases in the same order as when the deployment started";
    }

    private static int[] read(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT shard, shards, partitions FROM acidic_shard_layout");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)} : null;
        }
    }

    private static boolean holdsKeys(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM acidic_keys)"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
