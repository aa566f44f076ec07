package dev.acidic.processor.it;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.kafka.common.header.Header;

/** Byte and text helpers of the fuzz test (FuzzIT and its record generators). */
final class FuzzBytes {
    private FuzzBytes() {}

    /** The bytes as text, or null if they are not strict UTF-8. */
    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Whether {@code prefix} is {@code all}'s beginning. */
    static boolean startsWith(byte[] all, byte[] prefix) {
        if (all == null || prefix == null || prefix.length > all.length) {
            return false;
        }
        return java.util.Arrays.equals(all, 0, prefix.length, prefix, 0, prefix.length);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    static String header(Header h) {
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String hex(byte[] b, int max) {
        if (b == null) {
            return "null";
        }
        String s = HexFormat.of().formatHex(b, 0, Math.min(b.length, max));
        return b.length > max ? s + "..(" + b.length + " bytes)" : s;
    }

    /** The text with control characters and unpaired surrogates escaped, cut at about {@code max} characters. */
    static String printable(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                b.append(c).append(s.charAt(++i));
            } else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return i < s.length() ? b + "..." : b.toString();
    }

    /** What the processor's log lines show of a key: its first 200 bytes as text, "..." when cut. */
    static String keyPreview(byte[] key) {
        String s = new String(key, 0, Math.min(key.length, 200), StandardCharsets.UTF_8);
        return key.length > 200 ? s + "..." : s;
    }
}
