package dev.acidic.testkit;

import dev.acidic.processor.CrashPoints;
import java.util.List;

/**
 * What {@link AcidicKit#crashAtEveryBoundary} did: the clean run, and for each boundary of it the
 * crash, the recovered run and what, if anything, differed from the clean run.
 */
public final class CrashReport {
    private final String job;
    private final JobRun clean;
    private final List<Crash> crashes;

    /**
     * One boundary: where the crash was injected ({@code boundary} at its {@code hit}-th
     * occurrence in the run), the run after recovery, and the differences from the clean run
     * (empty when the job passed there).
     */
    public record Crash(String where, CrashPoints.Boundary boundary, int hit, JobRun recovered, List<String> problems) {
        public Crash {
            problems = List.copyOf(problems);
        }

        public boolean passed() {
            return problems.isEmpty();
        }
    }

    CrashReport(String job, JobRun clean, List<Crash> crashes) {
        this.job = job;
        this.clean = clean;
        this.crashes = List.copyOf(crashes);
    }

    /** The run without a crash that every other run is compared with. */
    public JobRun cleanRun() {
        return clean;
    }

    /** One entry per boundary, in the order the clean run met them. */
    public List<Crash> crashes() {
        return crashes;
    }

    public boolean passed() {
        return crashes.stream().allMatch(Crash::passed);
    }

    /** A line per boundary (ok, or what differed), failures first in detail. */
    @Override
    public String toString() {
        long failed = crashes.stream().filter(c -> !c.passed()).count();
        StringBuilder b = new StringBuilder();
        b.append("crashAtEveryBoundary(").append(job).append("): ").append(crashes.size()).append(" boundaries, ")
                .append(failed == 0 ? "all passed" : failed + " failed");
        for (Crash c : crashes) {
            b.append("\n  ").append(c.passed() ? "ok      " : "FAILED  ").append("crash ").append(c.where());
            for (String p : c.problems()) {
                b.append("\n            - ").append(p);
            }
        }
        return b.toString();
    }
}
