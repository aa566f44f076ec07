package dev.acidic.examples;

import dev.acidic.embedded.EmbeddedInfrastructure;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The benchmark: W1 engine overhead, W1F the same with 5% of the jobs failing their first step
 * once, W2 foreign calls, W3 scaling, W4 latency at moderate load, W5 recovery after SIGKILL, and
 * the JDBC ceiling of one phase on the same Postgres, and on request the reap workload ({@link BenchReap}: W1 while the
 * reaper deletes old finished keys). Processors run as child JVMs, as in
 * production; requests and completions travel through the real broker.
 * Every workload ends with an exactly-once check ({@link BenchCheck}). Prints a table, writes
 * {@code target/bench/bench-results.json} and {@code target/bench/bench-chart.png}
 * ({@link BenchReport}). Options: {@link BenchCommand}.
 */
final class Bench {
    private static final int PARTITIONS = 8;
    /** W1F: job i fails its first step once when i % 20 == 19, i.e. 5% of the jobs. */
    private static final int W1F_FAIL_EVERY = 20;

    private final PrintStream out;
    private final BenchCommand opts;
    private final int threads;
    private final String run = "bench-" + UUID.randomUUID().toString().substring(0, 6);
    private final Path dir;
    private final BenchReport report;
    private String bootstrap;
    private BenchDb db;
    private BenchJobs jobs;

    Bench(BenchCommand opts, PrintStream out) {
        this.opts = opts;
        this.out = out;
        this.threads = opts.threads;
        this.dir = opts.outDir.resolve(run);
        this.report = new BenchReport(out);
    }

    int run() throws Exception {
        Files.createDirectories(dir);
        bootstrap = opts.servers.bootstrapServers;
        String jdbcUrl = opts.servers.jdbcUrl;
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.start(dir, bootstrap == null, jdbcUrl == null)) {
            bootstrap = bootstrap == null ? infra.bootstrapServers() : bootstrap;
            db = new BenchDb(jdbcUrl == null ? infra.jdbcUrl() : jdbcUrl, opts.servers.jdbcUser, opts.servers.jdbcPassword);
            BenchCheck check = new BenchCheck(db);
            jobs = new BenchJobs(out, dir, run, db, check);
            header();
            Map<String, String> env = new LinkedHashMap<>();
            env.put("ACIDIC_BOOTSTRAP_SERVERS", bootstrap);
            env.put("ACIDIC_JDBC_URL", db.url());
            env.put("ACIDIC_JDBC_USER", db.user());
            env.put("ACIDIC_JDBC_PASSWORD", db.password());
            env.put("ACIDIC_PARTITIONS", Integer.toString(PARTITIONS));
            if (opts.commitInterval != null) {
                env.put("ACIDIC_COMMIT_INTERVAL", opts.commitInterval);
            }
            if (opts.batchMax != null) {
                env.put("ACIDIC_BATCH_MAX", opts.batchMax.toString());
            }
            if (opts.batchLinger != null) {
                env.put("ACIDIC_BATCH_LINGER", opts.batchLinger);
            }
            if (opts.metrics != null) {
                env.put("ACIDIC_METRICS_ENABLED", Boolean.toString(!opts.metrics.equals("off")));
            }
            report.json().putObject("settings").put("jobs", opts.jobs).put("threads", threads).put("warmup", opts.warmup())
                    .put("partitions", PARTITIONS).put("commitInterval", orDefault(opts.commitInterval))
                    .put("batchMax", orDefault(opts.batchMax))
                    .put("batchLinger", orDefault(opts.batchLinger)).put("reapKeys", opts.reapKeys)
                    .put("metrics", opts.metrics == null ? "on" : opts.metrics);
            BenchResult w1 = null;
            if (has(BenchCommand.Workload.W1) || has(BenchCommand.Workload.W1F) || has(BenchCommand.Workload.W2)
                    || has(BenchCommand.Workload.W4)) {
                try (BenchFleet f = new BenchFleet(dir, run + "-main", env, 1, threads, bootstrap)) {
                    jobs.runJobs(f, "warm-up", opts.warmup(), 0, 0);
                    if (has(BenchCommand.Workload.W1)) {
                        w1 = report.workload("W1", "engine overhead: three-steps, submitted at once", 1, threads,
                                jobs.runJobs(f, "w1", opts.jobs, 0, 0));
                        report.latencies("W1 (all at once)", w1.latencies());
                        report.scaling(1, threads, w1.jobsPerSec());
                    }
                    if (has(BenchCommand.Workload.W2)) {
                        report.workload("W2", "foreign call: middle step waits 20 ms", 1, threads,
                                jobs.runJobs(f, "w2", opts.w2Jobs(), 0, 20));
                    }
                    if (has(BenchCommand.Workload.W4)) {
                        double rate = w1 != null ? w1.jobsPerSec() / 2 : opts.w4Rate;
                        int n = (int) Math.max(20, rate * opts.w4Seconds);
                        BenchResult w4 = report.workload("W4", String.format("fixed rate %.0f jobs/s (half of W1)", rate), 1,
                                threads, jobs.runJobs(f, "w4", n, rate, 0));
                        report.latencies(String.format("W4 (%.0f jobs/s)", rate), w4.latencies());
                    }
                    if (has(BenchCommand.Workload.W1F)) { // last, so W1, W2 and W4 run as they did before it
                        BenchResult w1f = report.workload("W1F", "W1, every " + W1F_FAIL_EVERY + "th job failing its first step once",
                                1, threads, jobs.runFailing(f, "w1f", opts.jobs, W1F_FAIL_EVERY));
                        report.latencies("W1F (" + 100 / W1F_FAIL_EVERY + "% failing once)", w1f.latencies());
                    }
                }
            }
            Double ceiling = null;
            if (has(BenchCommand.Workload.CEILING)) {
                out.printf("  ceiling: JDBC phase loop, %d connections, %d s...%n", threads, opts.ceilingSeconds);
                ceiling = BenchCeiling.measure(db.url(), db.user(), db.password(), threads, opts.ceilingSeconds);
                report.ceiling(threads, ceiling, w1);
            }
            if (has(BenchCommand.Workload.W3)) {
                int n = opts.w3Jobs();
                for (int t = 1; t < threads; t *= 2) {
                    scaling(env, "w3-t" + t, 1, t, n);
                }
                scaling(env, "w3-i2", 2, Math.max(1, threads / 2), n);
            }
            if (has(BenchCommand.Workload.W5)) {
                int t = Math.max(1, threads / 2);
                try (BenchFleet f = new BenchFleet(dir, run + "-w5", env, 2, t, bootstrap)) {
                    new BenchRecovery(out, db, jobs, check, report).run(f, run + ":w5:", opts.w5Rate, t);
                }
            }
            if (has(BenchCommand.Workload.REAP)) {
                new BenchReap(out, dir, run, db, jobs, report).run(env, bootstrap, threads, opts.warmup(), opts.reapKeys, opts.jobs,
                        opts.reaperFirst);
            }
            return report.finish(ceiling, w1, threads, opts.outDir, machine()) ? 0 : 1;
        }
    }

    private static String orDefault(Object setting) {
        return setting == null ? "default" : setting.toString();
    }

    private boolean has(BenchCommand.Workload w) {
        return opts.workloads.contains(w);
    }

    private void header() throws Exception {
        out.println("Acidic benchmark " + run);
        out.println("  machine: " + machine());
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('server_version'), current_setting('fsync'), "
                        + "current_setting('synchronous_commit'), current_setting('full_page_writes')")) {
            rs.next();
            out.printf("  postgres %s (fsync=%s, synchronous_commit=%s, full_page_writes=%s), kafka %s%n", rs.getString(1),
                    rs.getString(2), rs.getString(3), rs.getString(4), bootstrap);
            report.json().putObject("postgres").put("version", rs.getString(1)).put("fsync", rs.getString(2))
                    .put("synchronousCommit", rs.getString(3)).put("fullPageWrites", rs.getString(4));
        }
        report.json().put("machine", machine()).put("startedAt", Instant.now().toString()).put("run", run);
    }

    private static String machine() {
        return String.format("%d cores, %d GiB, Java %s, %s %s", Runtime.getRuntime().availableProcessors(),
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() >> 30,
                System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    private void scaling(Map<String, String> env, String name, int instances, int t, int n) throws Exception {
        try (BenchFleet f = new BenchFleet(dir, run + "-" + name, env, instances, t, bootstrap)) {
            jobs.runJobs(f, "warm-up", Math.max(50, opts.warmup() / 2), 0, 0);
            BenchResult r = report.workload("W3", String.format("scaling: %d instance(s) x %d thread(s)", instances, t),
                    instances, t, jobs.runJobs(f, name, n, 0, 0));
            report.scaling(instances, instances * t, r.jobsPerSec());
        }
    }
}
