package dev.acidic.processor.internal.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * Timer keys: 8-byte big-endian due time (epoch ms) followed by the idempotency key's UTF-8 bytes,
 * so a range scan from zero to "now" finds exactly the due timers, oldest first. Several timers
 * for one key are harmless: driving a key that is not due only re-arms it.
 */
final class Timers {
    static final byte[] NONE = new byte[0];
    static final Bytes FROM = Bytes.wrap(new byte[8]);

    private Timers() {}

    static Bytes at(long dueMillis, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + k.length).putLong(dueMillis).put(k).array());
    }

    /** Upper bound (inclusive) of the timers due at or before {@code nowMillis}. */
    static Bytes dueBy(long nowMillis) {
        return Bytes.wrap(ByteBuffer.allocate(8).putLong(nowMillis + 1).array());
    }

    static long due(Bytes timer) {
        return ByteBuffer.wrap(timer.get()).getLong();
    }

    static String key(Bytes timer) {
        byte[] b = timer.get();
        return new String(Arrays.copyOfRange(b, 8, b.length), StandardCharsets.UTF_8);
    }
}
