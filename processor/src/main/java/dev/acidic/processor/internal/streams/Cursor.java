package dev.acidic.processor.internal.streams;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * How far a key's journal and staged jobs have been published to Kafka. Lives in a Kafka Streams
 * state store, so under exactly-once it advances atomically with the records it accounts for.
 * {@code jobId} ties it to one job instance: a key reaped and reused starts from zero.
 */
record Cursor(UUID jobId, long eventSeq, long stagedSeq) {
    static Cursor zero(UUID jobId) {
        return new Cursor(jobId, 0, 0);
    }

    byte[] encode() {
        return ByteBuffer.allocate(32).putLong(jobId.getMostSignificantBits()).putLong(jobId.getLeastSignificantBits())
                .putLong(eventSeq).putLong(stagedSeq).array();
    }

    /** The stored cursor if it belongs to {@code jobId}, else a zero cursor for it. */
    static Cursor of(byte[] stored, UUID jobId) {
        if (stored == null || stored.length != 32) {
            return zero(jobId);
        }
        ByteBuffer b = ByteBuffer.wrap(stored);
        UUID id = new UUID(b.getLong(), b.getLong());
        return id.equals(jobId) ? new Cursor(id, b.getLong(), b.getLong()) : zero(jobId);
    }
}
