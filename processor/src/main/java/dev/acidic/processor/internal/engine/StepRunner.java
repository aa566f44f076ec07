package dev.acidic.processor.internal.engine;

import dev.acidic.api.PhaseResult;
import dev.acidic.api.Step;
import dev.acidic.api.StepContext;
import dev.acidic.api.StepTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs steps under the step time limit. Work that runs steps (one step, or a whole batch round)
 * runs on a worker thread while the stream thread watches the step in progress; once a step is
 * past the limit the stream thread interrupts the worker, calls {@code abandon} (which closes the
 * connection the work uses, so whatever the step still does can never commit) and throws
 * {@link TimedOut}. A step that ignores the interrupt keeps its worker thread, but no longer the
 * stream thread: its partition goes on. A round's steps share one hand-over to the worker: a
 * hand-over per step cost a fifth of the throughput of a saturated two-core machine.
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
    /** Work given up after a step timed out and not ended yet (its step ignored the interrupt). */
    private static final AtomicInteger STRAGGLERS = new AtomicInteger();
    /** The supervision of the work running on this worker thread, if any. */
    private static final ThreadLocal<Supervision> CURRENT = new ThreadLocal<>();

    private final long timeoutNanos;

    StepRunner(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** A step ran past the limit; its work was given up. */
    static final class TimedOut extends Exception {
        private static final long serialVersionUID = 1L;
        final String key;

        TimedOut(String key, StepTimeoutException cause) {
            super(cause.getMessage(), cause);
            this.key = key;
        }

        StepTimeoutException exception() {
            return (StepTimeoutException) getCause();
        }
    }

    /** A step in progress: what it is and when it started, published as one value. */
    private record Running(StepContext ctx, long started) {}

    /** What the stream thread watches: the step in progress on the worker, if any. */
    private static final class Supervision {
        volatile Running step;
        volatile StepContext last;
        volatile Thread worker;
        final AtomicInteger state = new AtomicInteger(); // 0 running, 1 done, 2 abandoned
    }

    /**
     * Runs a step: inline when called from work under {@link #supervise} (it already watches),
     * else as work of its own.
     */
    PhaseResult step(Step step, StepContext ctx, Runnable abandon) throws Throwable {
        Supervision s = CURRENT.get();
        if (s != null) {
            return watched(s, step, ctx);
        }
        try {
            return supervise(() -> watched(CURRENT.get(), step, ctx), abandon);
        } catch (TimedOut t) {
            throw t.exception();
        }
    }

    private static PhaseResult watched(Supervision s, Step step, StepContext ctx) throws Exception {
        if (s.state.get() != 0 || Thread.currentThread().isInterrupted()) {
            // the work was given up (an earlier step of its round timed out): run no more steps
            throw new IllegalStateException("work given up after a step timed out; step '" + ctx.step() + "' of key '"
                    + ctx.idempotencyKey() + "' not run");
        }
        s.last = ctx;
        s.step = new Running(ctx, System.nanoTime());
        try {
            return step.run(ctx);
        } finally {
            s.step = null;
        }
    }

    /**
     * Runs {@code work} on a worker thread and waits for it, giving it up when a step it runs
     * through {@link #step} passes the limit.
     *
     * @param abandon called once the work is given up: must make its connection unusable
     * @throws TimedOut naming the key whose step timed out
     */
    <T> T supervise(Callable<T> work, Runnable abandon) throws Throwable {
        Supervision s = new Supervision();
        Future<T> f = WORKERS.submit(() -> {
            s.worker = Thread.currentThread();
            CURRENT.set(s);
            try {
                return work.call();
            } finally {
                CURRENT.remove();
                s.worker = null;
                if (!s.state.compareAndSet(0, 1)) {
                    STRAGGLERS.decrementAndGet();
                    StepContext ctx = s.last;
                    log.info("given-up step '{}' of key '{}' ended", ctx == null ? null : ctx.step(),
                            ctx == null ? null : ctx.idempotencyKey());
                    Thread.interrupted(); // the interrupt may land after the work returned: not for the next work
                }
            }
        });
        Running late;
        try {
            while (true) {
                Running running = s.step;
                long wait = running == null ? timeoutNanos : running.started() + timeoutNanos - System.nanoTime();
                try {
                    return f.get(Math.max(wait, 1_000_000), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    if (running != null && s.step == running && System.nanoTime() - running.started() >= timeoutNanos) {
                        late = running; // the same step, past its limit
                        break;
                    }
                }
            }
        } catch (ExecutionException e) {
            throw e.getCause();
        } catch (InterruptedException e) {
            giveUp(s, f, abandon);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a step ran; its phase was rolled back", e);
        }
        Thread t = s.worker; // where the step is stuck, before the interrupt moves it
        String where = t == null ? "" : " at " + Arrays.stream(t.getStackTrace()).limit(6).map(String::valueOf)
                .collect(Collectors.joining(" < "));
        if (!giveUp(s, f, abandon)) {
            return get(f); // it finished right at the limit
        }
        StepContext ctx = late.ctx();
        String message = "step '" + ctx.step() + "' of job '" + ctx.jobName() + "' ran past acidic.step.timeout ("
                + Duration.ofNanos(timeoutNanos).toMillis() + " ms)";
        log.warn("{} for key '{}'{}; interrupted it, closed its connection and counted a failed attempt "
                + "({} given-up step(s) still running in this JVM)", message, ctx.idempotencyKey(), where, STRAGGLERS.get());
        throw new TimedOut(ctx.idempotencyKey(), new StepTimeoutException(message + "; it was interrupted and its phase rolled back"));
    }

    /** How many given-up works are still running in this JVM (their steps ignored the interrupt). */
    static int stragglers() {
        return STRAGGLERS.get();
    }

    /** Gives the work up unless it just finished; true if given up. */
    private static boolean giveUp(Supervision s, Future<?> f, Runnable abandon) {
        if (!s.state.compareAndSet(0, 2)) {
            return false;
        }
        STRAGGLERS.incrementAndGet();
        f.cancel(true);
        abandon.run();
        return true;
    }

    private static <T> T get(Future<T> f) throws Throwable {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }
}
