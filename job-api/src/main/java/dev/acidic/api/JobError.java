package dev.acidic.api;

/**
 * An error as it appears in events and completions: the exception class, its message, the step and
 * the attempt it happened in. Stack traces stay in Postgres (on the key row), not on the wire.
 */
public record JobError(String type, String message, String step, Integer attempt) {
    /**
     * The {@code type} of a job that failed because its stored recovery point is not a step of
     * the job's current definition, which does not map it either
     * ({@link JobDefinition.Builder#renamedStep(String, String)},
     * {@link JobDefinition.Builder#removedStep(String, String)}); the message names the stored
     * step, the steps the job ran under and the current ones.
     */
    public static final String DEFINITION_CHANGED = "DEFINITION_CHANGED";
}
