package dev.acidic.processor.internal.store;

import java.time.Duration;

/**
 * When the reaper looks and how hard it works: pure arithmetic.
 *
 * <p>A round every hundredth of the retention, between 1 s and 1 min (72 h: every minute), so a
 * finished key outlives its retention by at most that (plus the round's own time), and a round
 * that finds nothing costs one indexed query. Within a round, after each full batch the reaper
 * pauses as long as the batch took (at least {@link #MIN_PAUSE}): however large the backlog, at
 * most half of one Postgres backend's time goes to reaping, and phases get the disk, the CPU and
 * the reaped keys' rows in between.
 *
 * @param retention how long a finished key is kept; zero keeps everything (the reaper is off)
 */
public record ReaperPace(Duration retention) {
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    static final Duration MAX_INTERVAL = Duration.ofMinutes(1);
    static final Duration MIN_PAUSE = Duration.ofMillis(10);

    public ReaperPace {
        if (retention.isNegative()) {
            throw new IllegalArgumentException("retention " + retention + ": use a duration >= 0 (0 keeps everything)");
        }
    }

    public boolean off() {
        return retention.isZero();
    }

    /** Time between rounds: a hundredth of the retention, 1 s to 1 min. */
    public Duration interval() {
        Duration d = retention.dividedBy(100);
        return d.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : d.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : d;
    }

    /** The pause after a full batch that took {@code took}: as long again, at least {@link #MIN_PAUSE}. */
    static Duration pauseAfter(Duration took) {
        return took.compareTo(MIN_PAUSE) < 0 ? MIN_PAUSE : took;
    }
}
