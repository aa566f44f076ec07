package dev.acidic.examples;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.Set;

/**
 * W1F's step-run check: how often each step of {@link FailingThreeSteps} ran, counted outside the
 * phase transactions, against the plan (a failing job runs its first step twice, every other step
 * of every job runs once). Only jobs that strayed from one run per step have a row in
 * {@code sample_step_runs}; a failing job without one did not fail as planned.
 *
 * @param failEvery job {@code i} fails its first step once when {@code i % failEvery == failEvery - 1}
 * @param failingJobs how many jobs were planned to fail
 * @param extraNeverFailed step runs beyond one per step of the jobs that never failed (must be 0)
 * @param extraFailing runs beyond one of the failing jobs' first, second, third step (expected
 *     {@code failingJobs}, 0, 0)
 * @param failingOff failing jobs whose runs were not exactly 2, 1, 1
 * @param countedElsewhere jobs with a step not run in the JVM that ran their last step (moved
 *     between instances), whose counts are incomplete
 */
record BenchStepRuns(int failEvery, int failingJobs, long extraNeverFailed, long[] extraFailing, int failingOff,
        int countedElsewhere) {

    static boolean failing(int i, int failEvery) {
        return i % failEvery == failEvery - 1;
    }

    /** Reads the rows of the {@code n} jobs under {@code prefix} ({@code prefix + i}). */
    static BenchStepRuns read(BenchDb db, String prefix, int n, int failEvery) throws Exception {
        int failingJobs = n / failEvery;
        long extraNeverFailed = 0;
        long[] extraFailing = new long[3];
        int failingOff = 0;
        int elsewhere = 0;
        Set<Integer> failingSeen = new HashSet<>();
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement("SELECT idempotency_key, first, second, third FROM sample_step_runs "
                        + "WHERE left(idempotency_key, ?) = ?")) {
            ps.setInt(1, prefix.length());
            ps.setString(2, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int i = Integer.parseInt(rs.getString(1).substring(prefix.length()));
                    int[] runs = {rs.getInt(2), rs.getInt(3), rs.getInt(4)};
                    boolean failing = failing(i, failEvery);
                    if (runs[0] == 0 || runs[1] == 0 || runs[2] == 0) {
                        elsewhere++;
                    }
                    for (int s = 0; s < 3; s++) {
                        long extra = Math.max(0, runs[s] - 1);
                        if (failing) {
                            extraFailing[s] += extra;
                        } else {
                            extraNeverFailed += extra;
                        }
                    }
                    if (failing && (!failingSeen.add(i) || runs[0] != 2 || runs[1] != 1 || runs[2] != 1)) {
                        failingOff++;
                    }
                }
            }
        }
        failingOff += failingJobs - failingSeen.size();
        return new BenchStepRuns(failEvery, failingJobs, extraNeverFailed, extraFailing, failingOff, elsewhere);
    }

    boolean verified() {
        return extraNeverFailed == 0 && failingOff == 0 && countedElsewhere == 0;
    }

    /** For the table's exactly-once column. */
    String summary() {
        return String.format("extra step runs: %d of jobs that never failed, %d/%d/%d of the %d failing", extraNeverFailed,
                extraFailing[0], extraFailing[1], extraFailing[2], failingJobs)
                + (failingOff > 0 ? String.format(", %d failing jobs not run 2/1/1", failingOff) : "")
                + (countedElsewhere > 0 ? String.format(", %d jobs partly run in another JVM (counts incomplete)", countedElsewhere) : "");
    }
}
