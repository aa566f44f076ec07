package dev.acidic.processor.internal.streams;

import dev.acidic.processor.internal.store.ShardLayout;

/**
 * A task for a partition the sharded layout does not have: partitions were added to the requests
 * topic, which would move keys' homes, and so keys, to other databases. The processor stops
 * rather than place keys where they are not looked for.
 */
public final class PartitionsAdded extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PartitionsAdded(String topic, int partition, ShardLayout layout) {
        super("partitions were added to " + topic + " (a task for partition " + partition + " started) while keys are sharded over "
                + layout.shards() + " databases by " + layout.partitions() + " partitions: that moves keys between databases, which"
                + " the processor does not do; a sharded deployment keeps its partition count (docs/SCALING.md, 'Rebalancing and"
                + " growing')");
    }

    /** Whether {@code failure}, which stopped a stream thread, is this (Kafka Streams wraps what a processor throws). */
    public static boolean isCauseOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PartitionsAdded) {
                return true;
            }
        }
        return false;
    }
}
