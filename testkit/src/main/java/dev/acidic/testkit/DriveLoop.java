package dev.acidic.testkit;

import dev.acidic.api.JobCommand;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.DirectEngine;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a processor's timers, continuations and staged-job publishing do, for a {@link
 * DirectEngine}: a queue of due drives, worked through on the calling thread until nothing is due
 * before a deadline. A drive that waits is queued again for when its wait ends; a job staged or
 * spawned by a committed phase is submitted; a child that ends drives its parent. Like a
 * processor's memory, a loop is lost in a crash: make a new one on the restarted engine.
 */
final class DriveLoop {
    private static final Logger log = LoggerFactory.getLogger(DriveLoop.class);

    private final DirectEngine engine;
    private final PriorityQueue<Work> queue = new PriorityQueue<>();
    /** Per key, the last staged ordinal already submitted. */
    private final Map<String, Long> stagedCursor = new HashMap<>();
    /** Per key, where its last drive stopped. */
    private final Map<String, DirectEngine.Drive> last = new HashMap<>();
    private long seq;

    /** A drive to do at {@code dueNanos} (System.nanoTime); with a request, a request record; else a timer. */
    private record Work(String key, JobRequest request, long dueNanos, long seq) implements Comparable<Work> {
        @Override
        public int compareTo(Work o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    DriveLoop(DirectEngine engine) {
        this.engine = engine;
    }

    /** Queues a request record for {@code key}, due now. */
    void submit(String key, JobRequest request) {
        queue.add(new Work(key, request, System.nanoTime(), seq++));
    }

    /** Applies a command record now, queueing the drive it calls for. */
    DirectEngine.CommandResult command(String key, JobCommand command) throws SQLException {
        DirectEngine.CommandResult r = engine.command(key, command);
        if (r.driveNext()) {
            queue.add(new Work(key, null, System.nanoTime(), seq++));
        }
        return r;
    }

    /**
     * Works through the queue until nothing is due within {@code timeout} (a job waiting longer
     * than that stays waiting). Errors, such as a simulated crash, go straight out: the queue is
     * then as a killed processor's memory, to be thrown away.
     */
    void runFor(Duration timeout) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!queue.isEmpty()) {
            Work w = queue.peek();
            if (w.dueNanos() - deadline > 0) {
                return;
            }
            long wait = w.dueNanos() - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            queue.poll();
            DirectEngine.Drive d = w.request() != null ? engine.submit(w.key(), w.request()) : engine.drive(w.key());
            last.put(w.key(), d);
            publishStaged(w.key());
            long now = System.nanoTime();
            switch (d.outcome()) {
                case WAITING -> queue.add(new Work(w.key(), null, now + TimeUnit.MILLISECONDS.toNanos(d.retryInMillis()), seq++));
                case CONTINUE -> queue.add(new Work(w.key(), null, now, seq++));
                case FINISHED -> {
                    if (d.parentKey() != null) {
                        // a parent that waits for other children, or does not wait, is not changed by a drive
                        queue.add(new Work(d.parentKey(), null, now, seq++));
                    }
                }
                default -> { } // halted, awaiting children, not ours, missing, mismatch: something else moves it
            }
        }
    }

    /** Where {@code key}'s last drive in this loop stopped; null if it was not driven. */
    DirectEngine.Drive lastDrive(String key) {
        return last.get(key);
    }

    /** Submits what {@code key}'s committed phases staged beyond the cursor (jobs this engine does not run are left). */
    private void publishStaged(String key) throws SQLException {
        long after = stagedCursor.getOrDefault(key, 0L);
        for (DirectEngine.Staged s : engine.staged(key, after)) {
            if (engine.jobNames().contains(s.request().job())) {
                submit(s.key(), s.request());
            } else {
                log.info("key '{}' staged job '{}' under '{}', which this test does not run; it is listed in the run's staged jobs",
                        key, s.request().job(), s.key());
            }
            after = s.ordinal();
        }
        stagedCursor.put(key, after);
    }
}
