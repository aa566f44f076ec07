package dev.acidic.processor.internal.store;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor's databases: one pool, health and reaper per database keys live in (one unless
 * keys are sharded), migrated or verified alike.
 */
public final class Databases implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Databases.class);

    private final List<HikariDataSource> pools = new ArrayList<>();
    private final List<PostgresHealth> healths = new ArrayList<>();
    private final List<ReaperThread> reapers = new ArrayList<>();

    private Databases() {}

    /** Opens a pool per database (each of {@code settings}); none is left open when one fails. */
    public static Databases open(List<PoolSettings> settings, MetricsTrackerFactory metrics) {
        Databases d = new Databases();
        try {
            for (PoolSettings s : settings) {
                d.pools.add(Database.pool(s, metrics));
            }
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        for (HikariDataSource p : d.pools) {
            d.healths.add(new PostgresHealth(p));
        }
        return d;
    }

    public List<DataSource> all() {
        return List.copyOf(pools);
    }

    /**
     * Migrates every database (and runs the jobs' own schema in each, since steps write to their
     * key's database), or, when the processor's role may not, checks each is at this version.
     */
    public void migrateOrVerify(boolean migrate, List<String> jobSchema) throws SQLException {
        each(i -> {
            if (migrate) {
                int applied = Migrator.migrate(pools.get(i), jobSchema);
                if (applied > 0) {
                    log.info("applied {} migration(s) to {}", applied, name(i));
                }
            } else {
                log.info("{} schema is at version {} (acidic.migrate.on.start=false: migrations are left to the migrate"
                        + " command)", name(i), Migrator.verify(pools.get(i)));
            }
        });
    }

    /**
     * Checks {@code layout} against every database, then fixes it in those that have none yet (so
     * a refusal leaves no database half sharded), and hands out each with its health.
     */
    public Shards shards(ShardLayout layout) throws SQLException {
        each(i -> ShardLayouts.check(pools.get(i), i, layout));
        each(i -> ShardLayouts.fix(pools.get(i), i, layout));
        List<Shards.Shard> out = new ArrayList<>();
        for (int i = 0; i < pools.size(); i++) {
            out.add(new Shards.Shard(pools.get(i), healths.get(i)));
        }
        if (layout.sharded()) {
            log.info("keys are sharded: {}; partition p lives in database p mod {}", layout, layout.shards());
        }
        return new Shards(out, layout);
    }

    /**
     * Starts one reaper per database, each on connections of its own outside the pools
     * ({@code reaperConnections}, one per database, in order); one instance at a time reaps a
     * database (its advisory lock).
     */
    public void startReapers(List<PoolSettings> reaperConnections, int batch, Duration retention) {
        for (int i = 0; i < pools.size(); i++) {
            reapers.add(new ReaperThread(new Reaper(Database.unpooled(reaperConnections.get(i)), batch), new ReaperPace(retention),
                    healths.get(i)).start());
        }
    }

    /** Stops the reapers (before the stream threads stop, so none starts a round on the way out). */
    public void stopReapers() {
        reapers.forEach(ReaperThread::close);
        reapers.clear();
    }

    private String name(int i) {
        return pools.size() == 1 ? "the database" : "database " + i;
    }

    /** Work on database {@code i}. */
    private interface DatabaseWork {
        void run(int i) throws SQLException;
    }

    /** Does {@code work} on each database in turn; a failure names its database when there are several. */
    private void each(DatabaseWork work) throws SQLException {
        for (int i = 0; i < pools.size(); i++) {
            try {
                work.run(i);
            } catch (SQLException e) {
                throw pools.size() == 1 ? e : new SQLException("database " + i + ": " + e.getMessage(), e.getSQLState(), e);
            }
        }
    }

    @Override
    public void close() {
        stopReapers();
        healths.forEach(PostgresHealth::close);
        pools.forEach(HikariDataSource::close);
    }
}
