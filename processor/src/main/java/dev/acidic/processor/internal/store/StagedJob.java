package dev.acidic.processor.internal.store;

import dev.acidic.api.JobRequest;

/** A job staged by a phase, published to the requests topic once that phase has committed. */
public record StagedJob(long ordinal, String targetKey, JobRequest request) {}
