package dev.acidic.examples;

/**
 * What one run of benchmark jobs measured.
 *
 * @param latencies submit-to-completion latencies in ms, sorted
 * @param verification the exactly-once check's summary, or {@code FAIL ...}
 * @param breakdown medians in ms: submit to ACCEPTED, ACCEPTED to SUCCEEDED, SUCCEEDED to the completion
 * @param stepRuns W1F's step-run counts; null for the other workloads
 */
record BenchResult(int jobs, double seconds, double jobsPerSec, long[] latencies, double xactsPerPhase, double walSyncsPerPhase,
        String verification, boolean verified, long[] breakdown, BenchStepRuns stepRuns) {}
