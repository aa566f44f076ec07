package dev.acidic.processor.internal.streams;

/** Names of the topology's nodes and stores. */
final class Outputs {
    static final String REQUESTS_SOURCE = "requests";
    static final String CONTINUATIONS_SOURCE = "continuations";
    static final String PROCESSOR = "acidic";
    static final String EVENTS = "events-sink";
    static final String COMPLETIONS = "completions-sink";
    static final String DLQ = "dlq-sink";
    static final String STAGED = "staged-sink";
    static final String CONTINUE = "continuations-sink";
    static final String CURSORS = "acidic-cursors";
    static final String TIMERS = "acidic-timers";
    static final String PENDING = "acidic-pending";

    private Outputs() {}
}
