package dev.acidic.processor.internal.engine;

/**
 * What the engine reports as it works, for metrics: no Kafka or metrics types here, and every
 * method must be cheap and must not throw (it runs on stream threads, inside phases).
 */
public interface EngineObserver {
    /** Reports nothing. */
    EngineObserver NONE = new EngineObserver() {};

    /**
     * A step ran and its result was applied (or it threw), taking {@code nanos}; the phase's commit
     * is not included (in a batch round it is shared by every lane).
     */
    default void stepRan(String job, String step, long nanos) {}

    /** A batch of {@code keys} new requests was driven together. */
    default void batchDriven(int keys) {}
}
