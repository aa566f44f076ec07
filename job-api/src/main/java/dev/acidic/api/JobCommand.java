package dev.acidic.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * A command for an existing job, sent on the requests topic under the job's key, from any client
 * language: {@code {"command":"signal","name":"approved","payload":{...}}},
 * {@code {"command":"cancel","reason":"..."}}, {@code {"command":"resume"}}, {@code {"command":"retry"}}
 * (a failed or cancelled job goes back to its recovery point, attempts reset, as run n+1). A command for a key
 * with no job is answered {@code REJECTED}/{@code NO_SUCH_JOB}.
 *
 * @param command {@code signal}, {@code cancel}, {@code resume} or {@code retry}
 * @param name the signal's name (signal only)
 * @param payload the signal's payload, any JSON (signal only; null for none)
 * @param reason why the job is cancelled (cancel only; optional)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobCommand(String command, String name, JsonNode payload, String reason) {
    public static final String SIGNAL = "signal";
    public static final String CANCEL = "cancel";
    public static final String RESUME = "resume";
    public static final String RETRY = "retry";
    /** The commands a processor takes. */
    public static final Set<String> COMMANDS = Set.of(SIGNAL, CANCEL, RESUME, RETRY);
    /** Longest signal name, and longest cancel reason kept. */
    public static final int NAME_MAX_CHARS = 256;
    /** Signal names starting with this are the engine's own (a job waiting for its children, say). */
    public static final String RESERVED_PREFIX = "$";

    @JsonCreator
    public JobCommand(@JsonProperty("command") String command, @JsonProperty("name") String name,
            @JsonProperty("payload") JsonNode payload, @JsonProperty("reason") String reason) {
        if (command == null || !COMMANDS.contains(command)) {
            throw new WireFormatException("\"command\" must be one of " + COMMANDS + ", got " + (command == null ? "none" : "\""
                    + command + "\""));
        }
        if (command.equals(SIGNAL) && (name == null || name.isEmpty() || name.length() > NAME_MAX_CHARS)) {
            throw new WireFormatException("a signal needs a \"name\" of 1 to " + NAME_MAX_CHARS + " characters, got "
                    + (name == null ? "none" : name.length() + " characters"));
        }
        if (command.equals(SIGNAL) && name.startsWith(RESERVED_PREFIX)) {
            throw new WireFormatException("a signal's \"name\" must not start with \"" + RESERVED_PREFIX
                    + "\" (reserved for the engine's own waits), got \"" + name + "\"");
        }
        if (reason != null && reason.length() > NAME_MAX_CHARS * 16) {
            throw new WireFormatException("a cancel \"reason\" has at most " + NAME_MAX_CHARS * 16 + " characters, got " + reason.length());
        }
        this.command = command;
        this.name = name;
        this.payload = Wire.nullToNull(payload);
        this.reason = reason;
    }

    /** A signal named {@code name} with {@code payload} (anything Jackson can serialise, or null). */
    public static JobCommand signal(String name, Object payload) {
        return new JobCommand(SIGNAL, name, payload == null ? null : Wire.toTree(payload), null);
    }

    public static JobCommand cancel(String reason) {
        return new JobCommand(CANCEL, null, null, reason);
    }

    public static JobCommand resume() {
        return new JobCommand(RESUME, null, null, null);
    }

    public static JobCommand retry() {
        return new JobCommand(RETRY, null, null, null);
    }

    /** Whether a requests-topic value is a command (a JSON object with a "command" field) rather than a job request. */
    public static boolean isCommand(JsonNode value) {
        return value != null && value.isObject() && value.has("command");
    }

    public static JobCommand decode(byte[] json) {
        return Wire.decode(json, JobCommand.class);
    }

    public byte[] encode() {
        return Wire.encode(this);
    }
}
