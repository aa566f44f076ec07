package dev.acidic.api;

import java.util.Optional;

/**
 * A job's persisted key/value context. Writes are part of the phase transaction: they become
 * visible to later steps only if the phase commits, and a rolled-back phase leaves them unchanged.
 */
public interface JobValues {
    /** The value stored under {@code name}, converted to {@code type}; empty if none. */
    <T> Optional<T> get(String name, Class<T> type);

    /** Stores {@code value} (anything Jackson can serialise) under {@code name}, replacing any. */
    void put(String name, Object value);

    /** Removes the value stored under {@code name}, if any. */
    void remove(String name);
}
