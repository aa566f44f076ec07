package dev.acidic.processor.internal.engine;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.internal.store.KeyStore;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives keys: claims a key, then runs its atomic phases until it finishes, waits, fails or the
 * time budget is spent; or does that for a batch of new requests whose phases share commits.
 * Journal entries are written in the phases' transactions; publishing them is the caller's job.
 *
 * <p>The calling (stream) thread is blocked for the whole drive. The budget bounds the number of
 * phases; a single step is bounded by the step time limit ({@link StepRunner}), its SQL by
 * Postgres' {@code statement_timeout}.
 */
public final class Engine {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    private final JobRegistry jobs;
    private final long lockTimeoutMs;
    private final long budgetNanos;
    private final Claimer claimer;
    private final EngineObserver observer;
    private final PhaseRunner runner;
    private final BatchDriver batches;
    private final CommandRunner commands;

    public Engine(DataSource ds, JobRegistry jobs, EngineSettings settings) {
        this(ds, jobs, settings, EngineObserver.NONE);
    }

    /** An engine that reports its work to {@code observer} (metrics). */
    public Engine(DataSource ds, JobRegistry jobs, EngineSettings settings, EngineObserver observer) {
        this.observer = observer;
        this.jobs = jobs;
        this.lockTimeoutMs = settings.lockTimeout().toMillis();
        this.budgetNanos = settings.budget().toNanos();
        KeyStore store = new KeyStore();
        StepRunner steps = new StepRunner(settings.stepTimeout());
        FailurePolicy policy = new FailurePolicy(settings.backoff(), settings.transactionIdleTimeout());
        this.claimer = new Claimer(ds, jobs, store, settings.owner(), lockTimeoutMs);
        this.runner = new PhaseRunner(new PhaseRunner.Parts(ds, store, settings.owner(), steps, policy,
                new FailureRecorder(ds, store, settings.owner(), policy, settings.errorMessageMaxChars()), settings.outputs(), jobs,
                observer, settings.layout()));
        this.batches = new BatchDriver(new BatchDriver.Parts(ds, jobs, store, steps, claimer, runner), settings.owner());
        this.commands = new CommandRunner(ds, store);
    }

    /** A request to drive in a batch. */
    public record Item(String key, JobRequest request) {}

    /** What a batch did for one item: a result, or the Postgres failure that kept it from being claimed. */
    public record Outcome(DriveResult result, SQLException failure) {
        static Outcome of(DriveResult result) {
            return new Outcome(result, null);
        }
    }

    /**
     * What a command did: the journal it wrote (to publish; kind ELSEWHERE when the key's home is
     * another partition), or why it was refused; whether the request is answered with the stored
     * outcome (a cancel for an ended job), and whether the key should be driven now (woken, resumed).
     */
    public record CommandOutcome(DriveResult result, String rejectReason, String rejectMessage, boolean replay,
            boolean driveNext) {
        static CommandOutcome rejected(String reason, String message) {
            return new CommandOutcome(null, reason, message, false, false);
        }
    }

    /**
     * Applies a signal, cancel or resume to the job under {@code key} (see {@link CommandRunner}).
     *
     * @throws SQLException when Postgres cannot be reached: the command was not applied
     */
    public CommandOutcome command(String key, dev.acidic.api.JobCommand command, Integer partition) throws SQLException {
        return commands.apply(key, command, partition);
    }

    /** How many given-up steps are still running in this JVM (they ignored the interrupt). */
    public static int stepsStillRunning() {
        return StepRunner.stragglers();
    }

    /**
     * Drives {@code key}. With a request, a missing key is created (recovery point = first step);
     * without one (timer, continuation) only an existing key is driven.
     *
     * @throws SQLException when Postgres cannot be reached for the claim: the caller must not
     *     consider the request handled (it would be lost), so it lets the record be redelivered
     */
    public DriveResult drive(String key, JobRequest request, Integer partition) throws SQLException {
        long deadline = System.nanoTime() + budgetNanos;
        Claimer.Claim claim = claimer.claim(key, request, partition);
        if (claim.stop() != null) {
            return claim.result();
        }
        JobDefinition def = jobs.get(claim.row().job());
        if (def == null) {
            // A stored job this processor does not know (removed, or a newer deployment's): leave it
            // for an instance that knows it, and look again later.
            log.warn("key '{}' stands at job '{}' which this processor does not run (known: {}); will look again in {} ms",
                    key, claim.row().job(), jobs.names(), lockTimeoutMs);
            return new DriveResult(DriveResult.Kind.WAIT, claim.row(), claim.seqBefore(), claim.written(), List.of(), lockTimeoutMs);
        }
        Progress progress = new Progress(claim.row(), claim.seqBefore(), claim.written());
        return runner.phases(key, def, claim.row().recoveryPoint(), progress, deadline);
    }

    /**
     * Drives several new requests, their phases sharing transactions (see {@link BatchDriver}).
     *
     * @return one outcome per item, in the items' order
     */
    public List<Outcome> driveBatch(List<Item> items, Integer partition) {
        observer.batchDriven(items.size());
        return batches.drive(items, partition, System.nanoTime() + budgetNanos, this::drive);
    }
}
