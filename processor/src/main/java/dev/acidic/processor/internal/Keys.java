package dev.acidic.processor.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Validates record keys: an idempotency key must be strict UTF-8, non-empty, bounded and NUL-free. */
final class Keys {
    static final int MAX_BYTES = 255;

    private Keys() {}

    /** The key as text, or null if the bytes are not valid UTF-8. */
    static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Why a decodable key cannot be an idempotency key, or null if it can. */
    static String problem(String key, int byteLength) {
        if (key.isEmpty()) {
            return "empty key";
        }
        if (byteLength > MAX_BYTES) {
            return "key of " + byteLength + " bytes exceeds the limit of " + MAX_BYTES + " bytes";
        }
        if (key.indexOf('\0') >= 0) {
            return "key contains a NUL character, which Postgres text cannot hold";
        }
        return null;
    }
}
