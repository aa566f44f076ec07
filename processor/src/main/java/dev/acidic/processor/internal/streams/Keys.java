package dev.acidic.processor.internal.streams;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Validates record keys and request shapes: an idempotency key must be strict UTF-8, non-empty, bounded and NUL-free. */
final class Keys {
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
    static String problem(String key, int byteLength, int maxBytes) {
        if (key.isEmpty()) {
            return "empty key";
        }
        if (byteLength > maxBytes) {
            return "key of " + byteLength + " bytes exceeds the limit of " + maxBytes + " bytes (acidic.key.max.bytes)";
        }
        if (key.indexOf('\0') >= 0) {
            return "key contains a NUL character, which Postgres text cannot hold";
        }
        return null;
    }

    /** Longest number, in characters of its plain form, that a request's args may hold. */
    static final int MAX_NUMBER_CHARS = 1000;

    /**
     * The first number in {@code node} whose plain form (what Postgres stores and prints back:
     * {@code 1e1000} is a 1 and a thousand zeros) exceeds {@link #MAX_NUMBER_CHARS}, or null. Sized
     * arithmetically: a tiny request must not make us build a huge string.
     */
    static String oversizedNumber(com.fasterxml.jackson.databind.JsonNode node) {
        java.util.ArrayDeque<com.fasterxml.jackson.databind.JsonNode> todo = new java.util.ArrayDeque<>();
        todo.push(node);
        while (!todo.isEmpty()) {
            com.fasterxml.jackson.databind.JsonNode n = todo.pop();
            if (n.isContainerNode()) {
                n.forEach(todo::push);
            } else if (n.isNumber()) {
                java.math.BigDecimal d = n.decimalValue();
                long precision = d.precision();
                long scale = d.scale();
                long digits = scale <= 0 ? precision - scale : Math.max(precision, scale + 1);
                long chars = digits + (scale > 0 ? 1 : 0) + (d.signum() < 0 ? 1 : 0);
                if (chars > MAX_NUMBER_CHARS) {
                    return "a number of " + chars + " digits written out (" + (n.isBigDecimal() ? d.toString() : "an integer")
                            + "), more than " + MAX_NUMBER_CHARS;
                }
            }
        }
        return null;
    }

    /**
     * How deeply objects and arrays nest in {@code node} (a scalar is 0, {@code {}} is 1), counted
     * without recursion. The parser already refuses documents nested beyond Jackson's own limit.
     */
    static int depth(com.fasterxml.jackson.databind.JsonNode node) {
        int max = 0;
        java.util.ArrayDeque<Object[]> stack = new java.util.ArrayDeque<>();
        stack.push(new Object[] {node, 1});
        while (!stack.isEmpty()) {
            Object[] top = stack.pop();
            com.fasterxml.jackson.databind.JsonNode n = (com.fasterxml.jackson.databind.JsonNode) top[0];
            int d = (Integer) top[1];
            if (n.isContainerNode()) {
                max = Math.max(max, d);
                for (com.fasterxml.jackson.databind.JsonNode child : n) {
                    stack.push(new Object[] {child, d + 1});
                }
            }
        }
        return max;
    }
}
