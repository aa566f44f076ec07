package dev.acidic.api;

/** The terminal outcome of a request. */
public enum CompletionStatus {
    SUCCEEDED,
    FAILED,
    REJECTED
}
