package dev.acidic.processor.internal.streams;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The values of the continuations topic (pure). Every value starts with the partition, and so the
 * task, that owns the key ({@link AcidicTopology.SamePartition} sends it there, whatever
 * partitioner produced the request). Two kinds:
 * <ul>
 *   <li>a drive: 4 bytes, "drive this key again" (its budget ran out, or it was driven by a task
 *       that is not its home);
 *   <li>a forwarded request: the partition, {@link #REQUEST}, then the request's value as it was
 *       produced. A request that arrives on a partition other than its key's home (a producer
 *       with another partitioner, an explicit partition, partitions added) goes to the home task,
 *       so that one cursor alone publishes a key's journal.
 * </ul>
 */
final class Continuation {
    private static final byte REQUEST = 1;
    /**
     * The partition of a drive sent by a task that does not know the key's home (a child ending
     * drives its parent): the key's default (murmur2) partition, whose task forwards it home if
     * the key lives elsewhere.
     */
    static final int ANY = -2;

    private Continuation() {}

    static byte[] drive(int partition) {
        return ByteBuffer.allocate(4).putInt(partition).array();
    }

    static byte[] request(int partition, byte[] value) {
        int n = value == null ? 0 : value.length;
        ByteBuffer b = ByteBuffer.allocate(5 + n).putInt(partition).put(REQUEST);
        if (value != null) {
            b.put(value);
        }
        return b.array();
    }

    /** The home partition the value is addressed to ({@link #ANY} or a partition); -1 for a value too short to hold one. */
    static int partition(byte[] value) {
        return value == null || value.length < 4 ? -1 : ByteBuffer.wrap(value).getInt();
    }

    static boolean isRequest(byte[] value) {
        return value != null && value.length >= 5 && value[4] == REQUEST;
    }

    /** The forwarded request's own value. */
    static byte[] requestValue(byte[] value) {
        return Arrays.copyOfRange(value, 5, value.length);
    }
}
