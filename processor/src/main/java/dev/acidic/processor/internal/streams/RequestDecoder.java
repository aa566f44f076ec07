package dev.acidic.processor.internal.streams;

import dev.acidic.api.Completion;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobRequest;
import dev.acidic.api.WireFormatException;
import dev.acidic.processor.internal.engine.JobRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a request record's bytes into a request to drive, or into the answer it gets instead
 * (pure: no Kafka, no Postgres). An idempotency key must be strict UTF-8, non-empty, bounded and
 * NUL-free; a value must be a JSON job request of bounded size, depth and number length, for a
 * job this processor runs.
 */
final class RequestDecoder {
    /**
     * Longest {@code acidic.request.id} header: a rejection or replay echoes it, a pending entry and
     * a request forwarded home keep it, so it must stay small (a UUID is 36 bytes).
     */
    static final int REQUEST_ID_MAX_BYTES = 256;

    /** The limits a request must keep; each names its setting in a rejection. */
    record Limits(int keyMaxBytes, int requestMaxBytes, int argsMaxDepth) {}

    /** What a record turned out to be. */
    sealed interface Decoded permits Accepted, Commanded, Rejected, Unanswerable {}

    /** A valid request for a known job. */
    record Accepted(String key, JobRequest request) implements Decoded {}

    /** A valid command (signal, cancel, resume) for the job under the key. */
    record Commanded(String key, JobCommand command) implements Decoded {}

    /**
     * A request answered {@code REJECTED} with {@code reason}; copied to the DLQ when malformed
     * ({@code toDlq}), not when merely for an unknown job.
     */
    record Rejected(String key, String job, String reason, String message, boolean toDlq) implements Decoded {}

    /** A record without a usable key: it cannot be answered, only kept in the DLQ. */
    record Unanswerable(String reason) implements Decoded {}

    private final Limits limits;
    private final JobRegistry jobs;

    RequestDecoder(Limits limits, JobRegistry jobs) {
        this.limits = limits;
        this.jobs = jobs;
    }

    Decoded decode(byte[] keyBytes, byte[] value) {
        return decode(keyBytes, value, null);
    }

    /** @param requestId the record's {@code acidic.request.id} header value, or null */
    Decoded decode(byte[] keyBytes, byte[] value, byte[] requestId) {
        if (keyBytes == null) {
            return new Unanswerable("null key: the record cannot be answered by key");
        }
        String key = decodeKey(keyBytes);
        if (key == null) {
            return new Unanswerable("key is not valid UTF-8: the record cannot be answered by key");
        }
        String keyProblem = problem(key, keyBytes.length, limits.keyMaxBytes());
        if (keyProblem != null) {
            return invalid(key, null, keyProblem);
        }
        if (requestId != null && requestId.length > REQUEST_ID_MAX_BYTES) {
            return invalid(key, null, "header " + Completion.REQUEST_ID_HEADER + " of " + requestId.length + " bytes exceeds the"
                    + " limit of " + REQUEST_ID_MAX_BYTES + " bytes; use a short id, such as a UUID");
        }
        if (value != null && value.length > limits.requestMaxBytes()) {
            return invalid(key, null, "request of " + value.length + " bytes exceeds the limit of " + limits.requestMaxBytes()
                    + " bytes (acidic.request.max.bytes)");
        }
        JobRequest request;
        try {
            request = JobRequest.decode(value);
        } catch (WireFormatException e) {
            // not a job request: a command, or invalid (a value with a "job" is a job request, whatever else it holds)
            return command(key, value, e);
        }
        if (request.job().length() > JobRegistry.NAME_MAX_CHARS) {
            return invalid(key, null, "job name of " + request.job().length() + " characters exceeds the limit of "
                    + JobRegistry.NAME_MAX_CHARS + " (no job can have it)");
        }
        if (!request.args().isObject()) {
            return invalid(key, request.job(), "\"args\" must be a JSON object, got " + request.args().getNodeType());
        }
        int depth = depth(request.args());
        if (depth > limits.argsMaxDepth()) {
            return invalid(key, request.job(), "\"args\" nest " + depth + " levels deep, more than the limit of "
                    + limits.argsMaxDepth() + " (acidic.args.max.depth)");
        }
        String number = oversizedNumber(request.args());
        if (number != null) {
            return invalid(key, request.job(), "\"args\" hold " + number + "; send such values as strings");
        }
        if (jobs.get(request.job()) == null) {
            return new Rejected(key, request.job(), Completion.UNKNOWN_JOB, "no job named '" + request.job()
                    + "' is registered with this processor; known jobs: " + jobs.names(), false);
        }
        return new Accepted(key, request);
    }

    private static Decoded command(String key, byte[] value, WireFormatException notARequest) {
        com.fasterxml.jackson.databind.JsonNode tree;
        try {
            tree = dev.acidic.api.Wire.decode(value, com.fasterxml.jackson.databind.JsonNode.class);
        } catch (WireFormatException e) {
            return invalid(key, null, notARequest.getMessage());
        }
        if (!JobCommand.isCommand(tree)) {
            return invalid(key, null, notARequest.getMessage());
        }
        try {
            return new Commanded(key, JobCommand.decode(value));
        } catch (WireFormatException e) {
            return invalid(key, null, e.getMessage());
        }
    }

    private static Rejected invalid(String key, String job, String message) {
        return new Rejected(key, job, Completion.INVALID_REQUEST, message, true);
    }

    /** The key as text, or null if the bytes are not valid UTF-8. */
    static String decodeKey(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** At most the first 200 bytes of a key, as text for a log line ("..." when cut); null stays null. */
    static String preview(byte[] key) {
        if (key == null) {
            return null;
        }
        String s = new String(key, 0, Math.min(key.length, 200), StandardCharsets.UTF_8);
        return key.length > 200 ? s + "..." : s;
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
