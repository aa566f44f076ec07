package dev.acidic.processor.internal.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import dev.acidic.processor.internal.store.ShardLayout;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** The continuations topic's values and where {@link AcidicTopology.SamePartition} sends them. */
class ContinuationTest {
    private final AcidicTopology.SamePartition partitioner = new AcidicTopology.SamePartition(ShardLayout.single());

    @Test
    void aDriveOrAForwardedRequestGoesToThePartitionItNames() {
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        assertEquals(Optional.of(Set.of(4)), partitioner.partitions("t", key, Continuation.drive(4), 6));
        byte[] forwarded = Continuation.request(2, "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of(Set.of(2)), partitioner.partitions("t", key, forwarded, 6));
        assertTrue(Continuation.isRequest(forwarded));
        assertFalse(Continuation.isRequest(Continuation.drive(2)));
        assertArrayEquals("{}".getBytes(StandardCharsets.UTF_8), Continuation.requestValue(forwarded));
    }

    @Test
    void aDriveForAnyPartitionGoesWhereKafkasDefaultPartitionerPutsTheKey() {
        for (String k : new String[] {"parent-1", "parent-2", "an/other:key", ""}) {
            byte[] key = k.getBytes(StandardCharsets.UTF_8);
            int expected = Utils.toPositive(Utils.murmur2(key)) % 6;
            assertEquals(Optional.of(Set.of(expected)), partitioner.partitions("t", key, Continuation.drive(Continuation.ANY), 6), k);
            assertEquals(Continuation.ANY, Continuation.partition(Continuation.drive(Continuation.ANY)));
        }
    }

    @Test
    void withShardedKeysADriveForAnyPartitionUsesTheLayoutsPartitionCountEvenAfterPartitionsWereAdded() {
        ShardLayout twoOverFour = new ShardLayout(2, 4, k -> AcidicTopology.partitionOf(k.getBytes(StandardCharsets.UTF_8), 4));
        AcidicTopology.SamePartition sharded = new AcidicTopology.SamePartition(twoOverFour);
        for (String k : new String[] {"parent-1", "parent-2", "an/other:key", "x"}) {
            byte[] key = k.getBytes(StandardCharsets.UTF_8);
            int home = Utils.toPositive(Utils.murmur2(key)) % 4;
            assertEquals(Optional.of(Set.of(home)), sharded.partitions("t", key, Continuation.drive(Continuation.ANY), 6), k);
        }
    }
}
