package dev.acidic.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer to a request, on the completions topic, keyed by idempotency key.
 *
 * <p>Exactly one completion with {@code replay == false} exists per run of a job ({@code run}: 1,
 * then one more for each retry). A later request for a key
 * that already finished gets the stored outcome again with {@code replay == true}; a request that
 * cannot be accepted gets {@code REJECTED} with a {@code reason} (one of the constants below).
 */
public record Completion(
        String key,
        CompletionStatus status,
        String job,
        JsonNode result,
        JobError error,
        String reason,
        boolean replay,
        Integer run) {

    /**
     * Record header a producer may put on a request; a completion that answers that one request
     * (a rejection or a replay) carries it back, so a client can tell whose answer it is. The
     * job's own completion carries none: it answers every request for the key.
     */
    public static final String REQUEST_ID_HEADER = "acidic.request.id";

    /** The key is known with other arguments or another job; the existing job is untouched. */
    public static final String MISMATCHED_ARGUMENTS = "MISMATCHED_ARGUMENTS";
    /** The record could not be decoded as a request; it was also copied to the DLQ. */
    public static final String INVALID_REQUEST = "INVALID_REQUEST";
    /** No job of that name is registered with the processor. */
    public static final String UNKNOWN_JOB = "UNKNOWN_JOB";
    /**
     * Handling the record failed the same way several times (a processor bug, not a step's
     * failure): it was answered with the error, copied to the DLQ and skipped.
     */
    public static final String PROCESSING_FAILED = "PROCESSING_FAILED";
    /** A command (signal, cancel, resume) for a key that has no job. */
    public static final String NO_SUCH_JOB = "NO_SUCH_JOB";
    /** A signal or resume for a job that has ended. */
    public static final String ALREADY_FINISHED = "ALREADY_FINISHED";
    /** A resume for a job that is not halted. */
    public static final String NOT_HALTED = "NOT_HALTED";
    /** A retry for a job that did not fail or get cancelled (it succeeded, or has not ended). */
    public static final String NOT_RETRYABLE = "NOT_RETRYABLE";

    public Completion {
        result = Wire.nullToNull(result);
    }

    /** A completion not tied to a run (a rejection of a request that started none). */
    public Completion(String key, CompletionStatus status, String job, JsonNode result, JobError error, String reason,
            boolean replay) {
        this(key, status, job, result, error, reason, replay, null);
    }

    public static Completion rejected(String key, String job, String reason, String message) {
        return new Completion(key, CompletionStatus.REJECTED, job, null, new JobError(reason, message, null, null), reason, false);
    }

    public boolean succeeded() {
        return status == CompletionStatus.SUCCEEDED;
    }

    public static Completion decode(byte[] json) {
        return Wire.decode(json, Completion.class);
    }

    public byte[] encode() {
        return Wire.encode(this);
    }
}
