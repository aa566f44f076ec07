package dev.acidic.processor.internal.store;

import java.util.function.ToIntFunction;

/**
 * Where keys live when they are sharded over several databases: a key's home is the requests
 * partition its key hashes to (Kafka's default partitioner, given by the caller), and partition
 * {@code p} lives in database {@code p mod shards}. With one database there is nothing to decide:
 * homes stay wherever a key was created (see the forwarding rule of the streams layer).
 *
 * @param shards how many databases (1: not sharded)
 * @param partitions the requests topic's partition count the layout was fixed with
 * @param partitioner a key's partition among {@code partitions} (murmur2 of its UTF-8 bytes)
 */
public record ShardLayout(int shards, int partitions, ToIntFunction<String> partitioner) {
    public ShardLayout {
        if (shards < 1 || partitions < 1) {
            throw new IllegalArgumentException("a layout needs at least one database and one partition: " + shards + ", " + partitions);
        }
    }

    /** One database: nothing is sharded. */
    public static ShardLayout single() {
        return new ShardLayout(1, 1, k -> 0);
    }

    public boolean sharded() {
        return shards > 1;
    }

    /** The database of partition {@code partition}'s keys. */
    public int shardOf(int partition) {
        return Math.floorMod(partition, shards);
    }

    /** The partition whose task creates and drives {@code key} in a sharded layout. */
    public int homeOf(String key) {
        return partitioner.applyAsInt(key);
    }

    /** The database {@code key} lives in. */
    public int shardOfKey(String key) {
        return sharded() ? shardOf(homeOf(key)) : 0;
    }

    /**
     * Why {@code parent} may not spawn a child under {@code child}, or null if it may: a parent
     * and its children share one database, because the parent's wait counts its children there.
     */
    public String childProblem(String parent, String child) {
        int parentShard = shardOfKey(parent);
        int childShard = shardOfKey(child);
        if (parentShard == childShard) {
            return null;
        }
        return "child key '" + child + "' lives in database " + childShard + " (partition " + homeOf(child) + ") and its parent '"
                + parent + "' in database " + parentShard + " (partition " + homeOf(parent) + "): with sharded keys a parent and its"
                + " children share a database; choose child keys in the parent's database (a key whose partition p has p mod "
                + shards + " = " + parentShard + "), or run the children as jobs of their own with ctx.stage";
    }

    @Override
    public String toString() {
        return sharded() ? shards + " databases over " + partitions + " partitions" : "one database";
    }
}
