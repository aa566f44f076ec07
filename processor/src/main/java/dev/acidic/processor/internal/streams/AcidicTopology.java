package dev.acidic.processor.internal.streams;

import dev.acidic.processor.internal.engine.JobRegistry;
import dev.acidic.processor.internal.metrics.AcidicMetrics;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.internal.store.PostgresHealth;
import dev.acidic.processor.internal.store.ShardLayout;
import dev.acidic.processor.internal.store.Shards;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.Stores;

/**
 * The processor topology: requests and continuations feed one processor that drives keys against
 * Postgres and forwards events, completions, DLQ records, staged jobs and continuations.
 */
public final class AcidicTopology {
    private AcidicTopology() {}

    /** For tests driving the topology without a running processor: one database, a health of its own. */
    public static Topology build(AcidicConfig cfg, JobRegistry jobs, DataSource ds) {
        return build(cfg, jobs, Shards.single(ds, new PostgresHealth(ds)), AcidicMetrics.none());
    }

    /** The topology whose tasks each work with their partition's database of {@code shards}. */
    public static Topology build(AcidicConfig cfg, JobRegistry jobs, Shards shards, AcidicMetrics metrics) {
        Topology t = new Topology();
        t.addSource(Outputs.REQUESTS_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), cfg.requestsTopic());
        t.addSource(Outputs.CONTINUATIONS_SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                cfg.continuationsTopic());
        t.addProcessor(Outputs.PROCESSOR, () -> new AcidicStreamProcessor(cfg, jobs, shards, metrics), Outputs.REQUESTS_SOURCE,
                Outputs.CONTINUATIONS_SOURCE);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Outputs.CURSORS), Serdes.String(),
                Serdes.ByteArray()), Outputs.PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Outputs.TIMERS), Serdes.Bytes(),
                Serdes.ByteArray()), Outputs.PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Outputs.PENDING), Serdes.Bytes(),
                Serdes.ByteArray()), Outputs.PROCESSOR);
        var bytes = Serdes.ByteArray().serializer();
        t.addSink(Outputs.EVENTS, cfg.eventsTopic(), bytes, bytes, Outputs.PROCESSOR);
        t.addSink(Outputs.COMPLETIONS, cfg.completionsTopic(), bytes, bytes, Outputs.PROCESSOR);
        t.addSink(Outputs.DLQ, cfg.dlqTopic(), bytes, bytes, Outputs.PROCESSOR);
        t.addSink(Outputs.STAGED, cfg.requestsTopic(), bytes, bytes, Outputs.PROCESSOR);
        t.addSink(Outputs.CONTINUE, cfg.continuationsTopic(), bytes, bytes, new SamePartition(shards.layout()), Outputs.PROCESSOR);
        return t;
    }

    /**
     * Where keys live over {@code databases} databases, placed by the partition Kafka's default
     * partitioner gives them among {@code partitions}; one database shards nothing.
     */
    public static ShardLayout layout(int databases, int partitions) {
        return databases == 1 ? ShardLayout.single()
                : new ShardLayout(databases, partitions, key -> partitionOf(key.getBytes(StandardCharsets.UTF_8), partitions));
    }

    /** The partition Kafka's default partitioner gives a record keyed {@code key}: murmur2 of its bytes. */
    public static int partitionOf(byte[] key, int numPartitions) {
        return Utils.toPositive(Utils.murmur2(key)) % numPartitions;
    }

    /**
     * Continuations must reach the task that owns the key, whatever partitioner produced the
     * request: the value begins with the partition number ({@link Continuation}). The topic has
     * the requests topic's partition count (checked at start); a partition beyond it (partitions
     * added to the requests topic while processors run) lands on another task, which sees the
     * mismatch and says so. A drive addressed to {@link Continuation#ANY} goes where Kafka's default
     * partitioner puts its key.
     */
    static final class SamePartition implements StreamPartitioner<byte[], byte[]> {
        private final ShardLayout layout;

        /** @param layout with sharded keys, "any" is the key's home by the layout's partition count, whatever the topic has */
        SamePartition(ShardLayout layout) {
            this.layout = layout;
        }

        @Override
        public Optional<Set<Integer>> partitions(String topic, byte[] key, byte[] value, int numPartitions) {
            int p = Continuation.partition(value);
            if (p == Continuation.ANY) {
                return Optional.of(Set.of(partitionOf(key, layout.sharded() ? layout.partitions() : numPartitions)));
            }
            return Optional.of(Set.of(Math.floorMod(p, numPartitions)));
        }
    }
}
