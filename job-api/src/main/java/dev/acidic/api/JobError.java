package dev.acidic.api;

/**
 * An error as it appears in events and completions: the exception class, its message, the step and
 * the attempt it happened in. Stack traces stay in Postgres (on the key row), not on the wire.
 */
public record JobError(String type, String message, String step, Integer attempt) {}
