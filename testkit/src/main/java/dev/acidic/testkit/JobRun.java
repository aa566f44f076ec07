package dev.acidic.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobError;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.api.Wire;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.opentest4j.AssertionFailedError;

/**
 * What a job did, as the kit saw it once the job came to rest (finished, or waiting for a time, a
 * signal, a resume or its children): its completion, its events (the journal, as a processor
 * publishes it), its persisted values and the jobs it staged. The {@code assert...} methods fail
 * with the job's key, status, error and events in the message, and return this run for chaining.
 */
public final class JobRun {
    private final String key;
    private final String job;
    private final Completion completion;
    private final List<JobEvent> events;
    private final Map<String, JsonNode> values;
    private final List<Staged> staged;

    /** A job this run staged or spawned: submitted under {@code key} once the phase that staged it committed. */
    public record Staged(String key, JobRequest request) {}

    JobRun(String key, String job, Completion completion, List<JobEvent> events, Map<String, JsonNode> values, List<Staged> staged) {
        this.key = key;
        this.job = job;
        this.completion = completion;
        this.events = List.copyOf(events);
        this.values = Map.copyOf(values);
        this.staged = List.copyOf(staged);
    }

    /** The job's idempotency key. */
    public String key() {
        return key;
    }

    public String job() {
        return job;
    }

    /** The job's completion (or a rejection); empty while it has not ended. */
    public Optional<Completion> completion() {
        return Optional.ofNullable(completion);
    }

    /** The completion's status; null while the job has not ended. */
    public CompletionStatus status() {
        return completion == null ? null : completion.status();
    }

    /** Whether the job has ended (or was rejected). */
    public boolean finished() {
        return completion != null;
    }

    /** The job's result (null if none, or not ended). */
    public JsonNode result() {
        return completion == null ? null : completion.result();
    }

    /** The job's result converted to {@code type} with Jackson. */
    public <T> T result(Class<T> type) {
        JsonNode r = result();
        return r == null ? null : Wire.fromTree(r, type);
    }

    /** The job's error, for a failed, cancelled or rejected job. */
    public JobError error() {
        return completion == null ? null : completion.error();
    }

    /** The job's events in {@code seq} order. */
    public List<JobEvent> events() {
        return events;
    }

    /** The types of {@link #events()}, in order. */
    public List<EventType> eventTypes() {
        return events.stream().map(JobEvent::type).toList();
    }

    /** The job's persisted values ({@code ctx.values()}), by name. */
    public Map<String, JsonNode> values() {
        return values;
    }

    /** The value {@code name} converted to {@code type}; empty if there is none. */
    public <T> Optional<T> value(String name, Class<T> type) {
        JsonNode v = values.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(Wire.fromTree(v, type));
    }

    /** The jobs this job staged or spawned, in order. */
    public List<Staged> staged() {
        return staged;
    }

    public JobRun assertSucceeded() {
        return assertStatus(CompletionStatus.SUCCEEDED);
    }

    public JobRun assertFailed() {
        return assertStatus(CompletionStatus.FAILED);
    }

    public JobRun assertStatus(CompletionStatus expected) {
        if (status() != expected) {
            throw new AssertionFailedError("job '" + job + "' under key '" + key + "': expected " + expected + ", but it "
                    + (completion == null ? "has not ended" : "ended " + completion.status()) + describe(), expected, status());
        }
        return this;
    }

    /**
     * Asserts the job's result equals {@code expected} as JSON ({@code expected} is anything Jackson
     * can serialise: a map, a record, a JSON string parsed with {@link Wire#parse}).
     */
    public JobRun assertResult(Object expected) {
        JsonNode want = Wire.toTree(expected);
        JsonNode got = result();
        if (!Wire.toTree(got).equals(want)) {
            throw new AssertionFailedError("job '" + job + "' under key '" + key + "': expected result " + Wire.toJson(want)
                    + " but got " + Wire.toJson(got) + describe(), Wire.toJson(want), Wire.toJson(got));
        }
        return this;
    }

    /** Asserts the job's events have exactly these types, in this order. */
    public JobRun assertEvents(EventType... expected) {
        List<EventType> want = Arrays.asList(expected);
        if (!eventTypes().equals(want)) {
            throw new AssertionFailedError("job '" + job + "' under key '" + key + "': expected events " + want + " but got "
                    + eventTypes() + describe(), want, eventTypes());
        }
        return this;
    }

    /** Asserts the persisted value {@code name} equals {@code expected} as JSON. */
    public JobRun assertValue(String name, Object expected) {
        JsonNode want = Wire.toTree(expected);
        JsonNode got = values.get(name);
        if (got == null || !got.equals(want)) {
            throw new AssertionFailedError("job '" + job + "' under key '" + key + "': expected value '" + name + "' to be "
                    + Wire.toJson(want) + " but it is " + (got == null ? "absent" : Wire.toJson(got)) + "; values " + values, Wire.toJson(want),
                    got == null ? null : Wire.toJson(got));
        }
        return this;
    }

    /** The run as text for failure messages: status, error, result and events. */
    String describe() {
        StringBuilder b = new StringBuilder();
        if (completion != null) {
            b.append("\n  completion: ").append(completion.status());
            if (completion.error() != null) {
                b.append(", error ").append(completion.error().type()).append(" at step ").append(completion.error().step())
                        .append(": ").append(completion.error().message());
            }
            if (completion.result() != null) {
                b.append(", result ").append(Wire.toJson(completion.result()));
            }
        }
        b.append("\n  events:");
        for (JobEvent e : events) {
            b.append("\n    ").append(e.seq()).append(' ').append(e.type());
            if (e.step() != null) {
                b.append(" step=").append(e.step());
            }
            if (e.error() != null) {
                b.append(" error=").append(e.error().message());
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "JobRun[" + job + " " + key + " " + (completion == null ? "not ended" : completion.status()) + "]";
    }
}
