package dev.acidic.processor.internal;

import dev.acidic.api.PhaseResult;
import dev.acidic.api.Step;
import dev.acidic.api.StepContext;
import dev.acidic.api.StepTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs steps under the step time limit. The step runs on a worker thread while the stream thread
 * waits for it; past the limit the stream thread interrupts the worker, calls {@code abandon} (which
 * closes the phase's connection, so whatever the step still does can never commit) and throws
 * {@link StepTimeoutException}. A step that ignores the interrupt keeps its worker thread, but no
 * longer the stream thread: its partition goes on.
 */
final class StepRunner {
    private static final Logger log = LoggerFactory.getLogger(StepRunner.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Shared by every task of the JVM; idle workers end after a minute. */
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "acidic-step-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    /** Steps that ran past the limit and have not ended yet (they ignored the interrupt). */
    private static final AtomicInteger STRAGGLERS = new AtomicInteger();

    private final long timeoutNanos;

    StepRunner(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /**
     * Runs {@code step}; returns its result or throws what it threw.
     *
     * @param abandon called once the step is given up: must make its connection unusable
     */
    PhaseResult run(Step step, StepContext ctx, Runnable abandon) throws Throwable {
        AtomicReference<Thread> worker = new AtomicReference<>();
        AtomicInteger state = new AtomicInteger(); // 0 running, 1 done, 2 abandoned
        long started = System.nanoTime();
        Future<PhaseResult> f = WORKERS.submit(() -> {
            worker.set(Thread.currentThread());
            try {
                return step.run(ctx);
            } finally {
                worker.set(null);
                if (!state.compareAndSet(0, 1)) {
                    STRAGGLERS.decrementAndGet();
                    long overMs = (System.nanoTime() - started - timeoutNanos) / 1_000_000;
                    if (overMs > 1_000) {
                        log.warn("timed-out step '{}' of key '{}' ended only {} ms after its time limit (it ignored the interrupt); "
                                + "nothing it did committed", ctx.step(), ctx.idempotencyKey(), overMs);
                    } else {
                        log.debug("timed-out step '{}' of key '{}' ended {} ms after its time limit", ctx.step(),
                                ctx.idempotencyKey(), overMs);
                    }
                    Thread.interrupted(); // the interrupt may land after the step returned: not for the next step
                }
            }
        });
        try {
            return f.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        } catch (TimeoutException e) {
            if (!state.compareAndSet(0, 2)) {
                return get(f); // it finished right at the limit
            }
            Thread t = worker.get();
            String where = t == null ? "" : " at " + Arrays.stream(t.getStackTrace()).limit(6).map(String::valueOf)
                    .collect(Collectors.joining(" < "));
            f.cancel(true);
            abandon.run();
            int stragglers = STRAGGLERS.incrementAndGet();
            String message = "step '" + ctx.step() + "' of job '" + ctx.jobName() + "' ran past acidic.step.timeout ("
                    + Duration.ofNanos(timeoutNanos).toMillis() + " ms)";
            log.warn("{} for key '{}'{}; interrupted it, closed its connection and counted a failed attempt "
                    + "({} timed-out step(s) still running in this JVM)", message, ctx.idempotencyKey(), where, stragglers);
            throw new StepTimeoutException(message + "; it was interrupted and its phase rolled back");
        } catch (InterruptedException e) {
            state.set(2);
            STRAGGLERS.incrementAndGet();
            f.cancel(true);
            abandon.run();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while step '" + ctx.step() + "' of key '" + ctx.idempotencyKey()
                    + "' ran; its phase was rolled back", e);
        }
    }

    private static PhaseResult get(Future<PhaseResult> f) throws Throwable {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    /** How many timed-out steps are still running in this JVM. */
    static int stragglers() {
        return STRAGGLERS.get();
    }
}
