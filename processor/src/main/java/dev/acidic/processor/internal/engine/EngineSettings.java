package dev.acidic.processor.internal.engine;

import dev.acidic.processor.internal.store.ShardLayout;
import java.time.Duration;

/**
 * What the engine needs to know of the configuration.
 *
 * @param owner this instance's id, stored as the lock owner
 * @param lockTimeout how long a lock holds after its owner's last phase
 * @param backoff retry delays and the attempt limit
 * @param budget time one drive spends before it yields to other keys
 * @param transactionIdleTimeout Postgres' idle-in-transaction limit (a phase open longer was ended by Postgres)
 * @param stepTimeout longest a step may run
 * @param outputs what a step's result and staged jobs may weigh; more fails the attempt
 * @param errorMessageMaxChars longest error message kept; a longer one is cut, marked with its length
 * @param layout where keys live (a spawned child must live in its parent's database)
 */
public record EngineSettings(String owner, Duration lockTimeout, Backoff backoff, Duration budget,
        Duration transactionIdleTimeout, Duration stepTimeout, OutputLimits outputs, int errorMessageMaxChars, ShardLayout layout) {}
