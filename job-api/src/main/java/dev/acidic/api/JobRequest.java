package dev.acidic.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The value of a record on the requests topic: {@code {"job":"rides.create","args":{...}}}. The
 * record key is the job's idempotency key.
 */
public record JobRequest(String job, JsonNode args) {

    @JsonCreator
    public JobRequest(@JsonProperty("job") String job, @JsonProperty("args") JsonNode args) {
        if (job == null || job.isBlank()) {
            throw new WireFormatException("a job request needs a non-blank \"job\" name, got " + (job == null ? "none" : "\"" + job + "\""));
        }
        this.job = job;
        this.args = args == null || args.isNull() ? JsonNodeFactory.instance.objectNode() : args;
    }

    /** A request for {@code job} with {@code args} (anything Jackson can serialise, or null for {}). */
    public static JobRequest of(String job, Object args) {
        return new JobRequest(job, Wire.toTree(args));
    }

    public static JobRequest decode(byte[] json) {
        return Wire.decode(json, JobRequest.class);
    }

    public byte[] encode() {
        return Wire.encode(this);
    }
}
