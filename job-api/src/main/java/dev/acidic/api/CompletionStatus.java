package dev.acidic.api;

/** The terminal outcome of a request. */
public enum CompletionStatus {
    SUCCEEDED,
    FAILED,
    /** Ended by a cancel command; {@code error.message} holds its reason. */
    CANCELLED,
    REJECTED
}
