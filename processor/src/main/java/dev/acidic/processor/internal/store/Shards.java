package dev.acidic.processor.internal.store;

import java.util.List;
import javax.sql.DataSource;

/**
 * The databases keys live in and how keys map to them: a task works with {@link #forPartition}'s
 * database alone. One database unless keys are sharded.
 */
public final class Shards {
    /** One database: its pool and the health of its connections. */
    public record Shard(DataSource ds, PostgresHealth health) {}

    private final List<Shard> shards;
    private final ShardLayout layout;

    public Shards(List<Shard> shards, ShardLayout layout) {
        if (shards.size() != layout.shards()) {
            throw new IllegalArgumentException(shards.size() + " databases for a layout of " + layout.shards());
        }
        this.shards = List.copyOf(shards);
        this.layout = layout;
    }

    /** One database, not sharded. */
    public static Shards single(DataSource ds, PostgresHealth health) {
        return new Shards(List.of(new Shard(ds, health)), ShardLayout.single());
    }

    public ShardLayout layout() {
        return layout;
    }

    /** The database of partition {@code partition}'s keys. */
    public Shard forPartition(int partition) {
        return shards.get(layout.shardOf(partition));
    }

    /** Whether any database is unreachable. */
    public boolean anyDown() {
        return shards.stream().anyMatch(s -> s.health().isDown());
    }

    /** Outages met over every database. */
    public long outages() {
        return shards.stream().mapToLong(s -> s.health().outages()).sum();
    }
}
