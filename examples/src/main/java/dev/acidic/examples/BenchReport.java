package dev.acidic.examples;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.Wire;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's output: a line per workload as it ends, then the table, {@code bench-results.json}
 * and {@code bench-chart.png}; and whether every workload verified exactly-once.
 */
final class BenchReport {
    private final PrintStream out;
    private final ObjectNode json = Wire.mapper().createObjectNode();
    private final ArrayNode rows = json.putArray("workloads");
    private final List<String[]> table = new ArrayList<>();
    private final Map<String, long[]> latencies = new LinkedHashMap<>();
    private final Map<Integer, Double> scalingOne = new LinkedHashMap<>();
    private final Map<Integer, Double> scalingTwo = new LinkedHashMap<>();
    private boolean allVerified = true;

    BenchReport(PrintStream out) {
        this.out = out;
    }

    /** The results document, for the run's settings and environment. */
    ObjectNode json() {
        return json;
    }

    /** A latency curve of the chart: sorted latencies in ms. */
    void latencies(String name, long[] sorted) {
        latencies.put(name, sorted);
    }

    /** A point of the chart's throughput against total stream threads. */
    void scaling(int instances, int totalThreads, double jobsPerSec) {
        (instances == 1 ? scalingOne : scalingTwo).put(totalThreads, jobsPerSec);
    }

    BenchResult workload(String id, String what, int instances, int t, BenchResult r) {
        allVerified &= r.verified();
        ObjectNode o = rows.addObject().put("id", id).put("workload", what).put("instances", instances).put("threads", t)
                .put("jobs", r.jobs()).put("seconds", round(r.seconds())).put("jobsPerSec", round(r.jobsPerSec()))
                .put("phasesPerSec", round(r.jobsPerSec() * 3)).put("latencyP50Ms", percentile(r.latencies(), 50))
                .put("latencyP95Ms", percentile(r.latencies(), 95)).put("latencyP99Ms", percentile(r.latencies(), 99))
                .put("latencyMaxMs", percentile(r.latencies(), 100)).put("pgTransactionsPerPhase", round(r.xactsPerPhase()))
                .put("walSyncsPerPhase", round(r.walSyncsPerPhase())).put("verification", r.verification())
                .put("verified", r.verified());
        o.putObject("medianBreakdownMs").put("submitToAccepted", r.breakdown()[0]).put("acceptedToSucceeded", r.breakdown()[1])
                .put("succeededToCompletion", r.breakdown()[2]);
        ArrayNode pct = o.putArray("latencyPercentilesMs");
        for (int p = 1; p <= 100; p++) {
            pct.add(percentile(r.latencies(), p));
        }
        table.add(new String[] {id, what, Integer.toString(r.jobs()), String.format("%.0f", r.jobsPerSec()),
                String.format("%.0f", r.jobsPerSec() * 3), Long.toString(percentile(r.latencies(), 50)),
                Long.toString(percentile(r.latencies(), 95)), Long.toString(percentile(r.latencies(), 99)),
                Long.toString(percentile(r.latencies(), 100)), String.format("%.2f / %.2f", r.xactsPerPhase(), r.walSyncsPerPhase()),
                r.verification()});
        out.printf("  %s %s: %.0f jobs/s, p50 %d ms, p99 %d ms (medians: %d ms to ACCEPTED, %d ms of phases, %d ms to the "
                + "completion); %s%n", id, what, r.jobsPerSec(), percentile(r.latencies(), 50), percentile(r.latencies(), 99),
                r.breakdown()[0], r.breakdown()[1], r.breakdown()[2], r.verification());
        if (r.stepRuns() != null) {
            stepRuns(id, o, r.stepRuns());
        }
        return r;
    }

    /** W1F's step runs, counted outside the phase transactions: a line and the row's {@code stepRuns}. */
    private void stepRuns(String id, ObjectNode row, BenchStepRuns s) {
        ObjectNode o = row.putObject("stepRuns").put("failEvery", s.failEvery()).put("failingJobs", s.failingJobs())
                .put("extraRunsOfJobsThatNeverFailed", s.extraNeverFailed())
                .put("failingJobsNotRun211", s.failingOff()).put("jobsPartlyRunInAnotherJvm", s.countedElsewhere())
                .put("verified", s.verified());
        o.putObject("extraRunsOfFailingJobs").put("first", s.extraFailing()[0]).put("second", s.extraFailing()[1])
                .put("third", s.extraFailing()[2]);
        out.printf("  %s step runs, counted outside the transactions: jobs that never failed %d extra (must be 0); "
                + "the %d failing (every %dth) %d, %d, %d extra runs of steps first, second, third (expected %d, 0, 0)%s%n", id,
                s.extraNeverFailed(), s.failingJobs(), s.failEvery(), s.extraFailing()[0],
                s.extraFailing()[1], s.extraFailing()[2], s.failingJobs(), s.verified() ? "" : "; FAIL " + s.summary());
    }

    /** W5's figures; {@code verdict} is the exactly-once check's [summary, failure or null]. */
    void recovery(long sameIdMs, long takeoverMs, int jobs, double rate, int threads, String[] verdict) {
        allVerified &= verdict[1] == null;
        out.printf("  W5 recovery: restart with the same id %d ms, takeover by another instance %d ms (%s)%n", sameIdMs,
                takeoverMs, verdict[0]);
        json.putObject("recovery").put("restartSameIdMs", sameIdMs).put("takeoverMs", takeoverMs).put("jobs", jobs)
                .put("rate", rate).put("verification", verdict[0]).put("verified", verdict[1] == null);
        table.add(new String[] {"W5", "recovery after SIGKILL (2 x " + threads + " threads, " + (int) rate + " jobs/s)", "-", "-",
                "-", "same id " + sameIdMs + " ms", "takeover " + takeoverMs + " ms", "-", "-", "-", verdict[0]});
    }

    /** @param w1 null when W1 did not run */
    void ceiling(int threads, double phasesPerSec, BenchResult w1) {
        ObjectNode c = json.putObject("ceiling").put("threads", threads).put("phasesPerSec", round(phasesPerSec));
        if (w1 != null) {
            c.put("w1PhasesPerSec", round(w1.jobsPerSec() * 3)).put("ratio", round(w1.jobsPerSec() * 3 / phasesPerSec));
        }
    }

    /**
     * Prints the table, writes the JSON and the chart into {@code outDir} and says whether every
     * workload verified.
     *
     * @param ceiling null when the ceiling was not measured
     * @param w1 null when W1 did not run
     * @return whether every workload verified exactly-once
     */
    boolean finish(Double ceiling, BenchResult w1, int threads, Path outDir, String machine) throws IOException {
        printTable(ceiling, w1, threads);
        json.put("allVerified", allVerified);
        Path results = outDir.resolve("bench-results.json");
        Files.writeString(results, Wire.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
        Path png = outDir.resolve("bench-chart.png");
        BenchChart.write(png, scalingOne, scalingTwo, latencies, machine);
        out.printf("%nwrote %s and %s%n", results, png);
        out.println(allVerified ? "EXACTLY-ONCE VERIFIED IN EVERY WORKLOAD" : "FAIL: a workload did not verify exactly-once");
        return allVerified;
    }

    private void printTable(Double ceiling, BenchResult w1, int threads) {
        out.println();
        out.printf("| %-3s | %-52s | %6s | %7s | %8s | %6s | %6s | %6s | %6s | %-11s | %s |%n", "", "workload", "jobs", "jobs/s",
                "phases/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "xact/wal per phase", "exactly-once");
        out.println("|-----|------------------------------------------------------|--------|---------|----------|--------|--------|--------|--------|-------------|---|");
        for (String[] r : table) {
            out.printf("| %-3s | %-52s | %6s | %7s | %8s | %6s | %6s | %6s | %6s | %-11s | %s |%n", (Object[]) r);
        }
        if (ceiling != null) {
            out.printf("%nJDBC ceiling (one phase's SQL, %d connections): %.0f phases/s", threads, ceiling);
            if (w1 != null) {
                out.printf("; W1 reached %.0f phases/s = %.0f%% of it", w1.jobsPerSec() * 3, 100 * w1.jobsPerSec() * 3 / ceiling);
            }
            out.println();
        }
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
