package dev.acidic.processor.internal.streams;

import java.nio.ByteBuffer;

/**
 * A request accepted into a task's pending store, waiting to be driven in a batch; with where it
 * came from, for rejections and the DLQ. The store is changelogged, so a request whose offset
 * Kafka has committed is never lost: after a crash the store is restored and the batch driven.
 *
 * @param requestId the request's {@code acidic.request.id} header value, or null
 */
record Pending(byte[] key, byte[] value, byte[] requestId, String topic, int partition, long offset, long timestamp) {

    byte[] encode() {
        byte[] t = topic.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + key.length + 4 + value.length + 4 + (requestId == null ? 0 : requestId.length)
                + 4 + t.length + 4 + 8 + 8);
        b.putInt(key.length).put(key).putInt(value.length).put(value);
        b.putInt(requestId == null ? -1 : requestId.length);
        if (requestId != null) {
            b.put(requestId);
        }
        b.putInt(t.length).put(t).putInt(partition).putLong(offset).putLong(timestamp);
        return b.array();
    }

    static Pending decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] key = next(b, b.getInt());
        byte[] value = next(b, b.getInt());
        int rl = b.getInt();
        byte[] requestId = rl < 0 ? null : next(b, rl);
        String topic = new String(next(b, b.getInt()), java.nio.charset.StandardCharsets.UTF_8);
        return new Pending(key, value, requestId, topic, b.getInt(), b.getLong(), b.getLong());
    }

    private static byte[] next(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    /**
     * Store key: the request's topic and offset in the task's partition of it (a request forwarded
     * home comes on the continuations topic), so entries of a topic iterate in arrival order and a
     * redelivered record maps to the entry it already has. Older versions keyed by offset alone
     * (8 bytes); such entries are still restored, driven and deleted by their own key.
     */
    static org.apache.kafka.common.utils.Bytes storeKey(String topic, long offset) {
        byte[] t = topic.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return org.apache.kafka.common.utils.Bytes.wrap(ByteBuffer.allocate(t.length + 1 + 8).put(t).put((byte) 0)
                .putLong(offset).array());
    }
}
