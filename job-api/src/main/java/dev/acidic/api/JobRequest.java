package dev.acidic.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;

/**
 * The value of a record on the requests topic: {@code {"job":"rides.create","args":{...}}}, with
 * an optional {@code "runAt":"2026-12-24T18:00:00Z"}. The record key is the job's idempotency key.
 *
 * @param runAt when the job's first phase may run, at the earliest (null: at once). The job is
 *     accepted at once (its ACCEPTED event carries the time as {@code retryAt}); the time is not
 *     part of the job's identity: a later request for the key with another {@code runAt} is
 *     answered as any request with the same job and arguments is.
 * @param parent the key of the job that spawned this one ({@link StepContext#spawn}), or null.
 *     A job with a parent drives it again when it ends, so a parent waiting for its children
 *     ({@link PhaseResult#awaitChildren()}) goes on. Not part of the job's identity either.
 */
public record JobRequest(String job, JsonNode args, @JsonInclude(JsonInclude.Include.NON_NULL) Instant runAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) String parent) {

    @JsonCreator
    public JobRequest(@JsonProperty("job") String job, @JsonProperty("args") JsonNode args, @JsonProperty("runAt") Instant runAt,
            @JsonProperty("parent") String parent) {
        if (job == null || job.isBlank()) {
            throw new WireFormatException("a job request needs a non-blank \"job\" name, got " + (job == null ? "none" : "\"" + job + "\""));
        }
        this.job = job;
        this.args = args == null || args.isNull() ? JsonNodeFactory.instance.objectNode() : args;
        this.runAt = runAt;
        this.parent = parent;
    }

    /** A request with no parent. */
    public JobRequest(String job, JsonNode args, Instant runAt) {
        this(job, args, runAt, null);
    }

    /** A request to run at once. */
    public JobRequest(String job, JsonNode args) {
        this(job, args, null);
    }

    /** A request for {@code job} with {@code args} (anything Jackson can serialise, or null for {}). */
    public static JobRequest of(String job, Object args) {
        return new JobRequest(job, Wire.toTree(args));
    }

    /** This request, its first phase to run no earlier than {@code when}. */
    public JobRequest runAt(Instant when) {
        return new JobRequest(job, args, when, parent);
    }

    /** This request as a child of the job under {@code parentKey}. */
    public JobRequest withParent(String parentKey) {
        return new JobRequest(job, args, runAt, parentKey);
    }

    public static JobRequest decode(byte[] json) {
        return Wire.decode(json, JobRequest.class);
    }

    public byte[] encode() {
        return Wire.encode(this);
    }
}
