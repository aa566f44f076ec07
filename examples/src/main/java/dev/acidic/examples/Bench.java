package dev.acidic.examples;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.JobRequest;
import dev.acidic.api.Wire;
import dev.acidic.embedded.EmbeddedInfrastructure;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;

/**
 * The benchmark: W1 engine overhead, W2 foreign calls, W3 scaling, W4 latency at moderate load,
 * W5 recovery after SIGKILL, and the JDBC ceiling of one phase on the same Postgres. Processors
 * run as child JVMs, as in production; requests and completions travel through the real broker.
 * Every workload ends with an exactly-once check. Prints a table, writes
 * {@code target/bench/bench-results.json} and {@code target/bench/bench-chart.png}.
 *
 * <pre>
 * bench [--jobs 20000] [--threads 4] [--warmup 2000] [--w2-jobs jobs/4] [--w3-jobs jobs/2]
 *       [--w4-seconds 20] [--w4-rate R (when W1 is not run)] [--w5-rate 100] [--ceiling-seconds 15]
 *       [--commit-interval D] [--batch-max N] [--batch-linger D] (processor settings)
 *       [--workloads w1,w2,w3,w4,w5,ceiling] [--out target/bench]
 *       [--bootstrap-servers HOST:PORT] [--jdbc-url URL --jdbc-user U --jdbc-password P]
 * </pre>
 */
final class Bench {
    private static final int PARTITIONS = 8;
    private static final int EVENTS_PER_JOB = 5; // ACCEPTED, three RECOVERY_POINTs, SUCCEEDED

    private final PrintStream out;
    private final Map<String, String> opts;
    private final int jobs;
    private final int threads;
    private final int warmup;
    private final Set<String> workloads;
    private final String run = "bench-" + UUID.randomUUID().toString().substring(0, 6);
    private final Path outDir;
    private final Path dir;
    private final ObjectNode json = Wire.mapper().createObjectNode();
    private final ArrayNode rows = json.putArray("workloads");
    private final List<String[]> table = new ArrayList<>();
    private final Map<String, long[]> latencies = new LinkedHashMap<>();
    private final Map<Integer, Double> scalingOne = new LinkedHashMap<>();
    private final Map<Integer, Double> scalingTwo = new LinkedHashMap<>();
    private boolean allVerified = true;
    private String jdbcUrl;
    private String jdbcUser;
    private String jdbcPassword;
    private String bootstrap;

    private Bench(Map<String, String> opts, PrintStream out) {
        this.opts = opts;
        this.out = out;
        this.jobs = intOpt("jobs", 20_000);
        this.threads = intOpt("threads", 4);
        this.warmup = intOpt("warmup", Math.min(2_000, Math.max(100, jobs / 10)));
        this.workloads = Set.of(opts.getOrDefault("workloads", "w1,w2,w3,w4,w5,ceiling").split(","));
        this.outDir = Path.of(opts.getOrDefault("out", "target/bench"));
        this.dir = outDir.resolve(run);
    }

    static int run(String[] args, PrintStream out) throws Exception {
        Map<String, String> opts;
        try {
            opts = Options.parse(args, Set.of());
        } catch (IllegalArgumentException e) {
            out.println(e.getMessage() + "; see the class comment of Bench or the README's Performance section");
            return 2;
        }
        return new Bench(opts, out).run();
    }

    private int intOpt(String name, int dflt) {
        return Integer.parseInt(opts.getOrDefault(name, Integer.toString(dflt)));
    }

    private int run() throws Exception {
        Files.createDirectories(dir);
        bootstrap = opts.get("bootstrap-servers");
        jdbcUrl = opts.get("jdbc-url");
        jdbcUser = opts.getOrDefault("jdbc-user", "postgres");
        jdbcPassword = opts.getOrDefault("jdbc-password", "");
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.start(dir, bootstrap == null, jdbcUrl == null)) {
            bootstrap = bootstrap == null ? infra.bootstrapServers() : bootstrap;
            jdbcUrl = jdbcUrl == null ? infra.jdbcUrl() : jdbcUrl;
            header();
            Map<String, String> env = new LinkedHashMap<>();
            env.put("ACIDIC_BOOTSTRAP_SERVERS", bootstrap);
            env.put("ACIDIC_JDBC_URL", jdbcUrl);
            env.put("ACIDIC_JDBC_USER", jdbcUser);
            env.put("ACIDIC_JDBC_PASSWORD", jdbcPassword);
            env.put("ACIDIC_PARTITIONS", Integer.toString(PARTITIONS));
            for (String o : List.of("commit-interval", "batch-max", "batch-linger")) {
                if (opts.containsKey(o)) {
                    env.put("ACIDIC_" + o.toUpperCase(java.util.Locale.ROOT).replace('-', '_'), opts.get(o));
                }
            }
            json.putObject("settings").put("jobs", jobs).put("threads", threads).put("warmup", warmup)
                    .put("partitions", PARTITIONS).put("commitInterval", opts.getOrDefault("commit-interval", "default"))
                    .put("batchMax", opts.getOrDefault("batch-max", "default"))
                    .put("batchLinger", opts.getOrDefault("batch-linger", "default"));
            Result w1 = null;
            if (has("w1") || has("w2") || has("w4")) {
                try (BenchFleet f = new BenchFleet(dir, run + "-main", env, 1, threads, bootstrap)) {
                    runJobs(f, "warm-up", warmup, 0, 0);
                    if (has("w1")) {
                        w1 = report("W1", "engine overhead: three-steps, submitted at once", 1, threads,
                                runJobs(f, "w1", jobs, 0, 0));
                        latencies.put("W1 (all at once)", w1.latencies);
                        scalingOne.put(threads, w1.jobsPerSec);
                    }
                    if (has("w2")) {
                        report("W2", "foreign call: middle step waits 20 ms", 1, threads,
                                runJobs(f, "w2", intOpt("w2-jobs", Math.max(50, jobs / 4)), 0, 20));
                    }
                    if (has("w4")) {
                        double rate = w1 != null ? w1.jobsPerSec / 2 : intOpt("w4-rate", 100);
                        int n = (int) Math.max(20, rate * intOpt("w4-seconds", 20));
                        Result w4 = report("W4", String.format("fixed rate %.0f jobs/s (half of W1)", rate), 1, threads,
                                runJobs(f, "w4", n, rate, 0));
                        latencies.put(String.format("W4 (%.0f jobs/s)", rate), w4.latencies);
                    }
                }
            }
            Double ceiling = null;
            if (has("ceiling")) {
                out.printf("  ceiling: JDBC phase loop, %d connections, %d s...%n", threads, intOpt("ceiling-seconds", 15));
                ceiling = BenchCeiling.measure(jdbcUrl, jdbcUser, jdbcPassword, threads, intOpt("ceiling-seconds", 15));
                ObjectNode c = json.putObject("ceiling").put("threads", threads).put("phasesPerSec", round(ceiling));
                if (w1 != null) {
                    c.put("w1PhasesPerSec", round(w1.jobsPerSec * 3)).put("ratio", round(w1.jobsPerSec * 3 / ceiling));
                }
            }
            if (has("w3")) {
                int n = intOpt("w3-jobs", Math.max(50, jobs / 2));
                for (int t = 1; t < threads; t *= 2) {
                    scaling(env, "w3-t" + t, 1, t, n);
                }
                scaling(env, "w3-i2", 2, Math.max(1, threads / 2), n);
            }
            if (has("w5")) {
                recovery(env);
            }
            printTable(ceiling, w1);
            json.put("allVerified", allVerified);
            Path results = outDir.resolve("bench-results.json");
            Files.writeString(results, Wire.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
            Path png = outDir.resolve("bench-chart.png");
            BenchChart.write(png, scalingOne, scalingTwo, latencies, machine());
            out.printf("%nwrote %s and %s%n", results, png);
            out.println(allVerified ? "EXACTLY-ONCE VERIFIED IN EVERY WORKLOAD" : "FAIL: a workload did not verify exactly-once");
            return allVerified ? 0 : 1;
        }
    }

    private boolean has(String w) {
        return workloads.contains(w);
    }

    private void header() throws Exception {
        out.println("Acidic benchmark " + run);
        out.println("  machine: " + machine());
        try (Connection c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('server_version'), current_setting('fsync'), "
                        + "current_setting('synchronous_commit'), current_setting('full_page_writes')")) {
            rs.next();
            out.printf("  postgres %s (fsync=%s, synchronous_commit=%s, full_page_writes=%s), kafka %s%n", rs.getString(1),
                    rs.getString(2), rs.getString(3), rs.getString(4), bootstrap);
            json.putObject("postgres").put("version", rs.getString(1)).put("fsync", rs.getString(2))
                    .put("synchronousCommit", rs.getString(3)).put("fullPageWrites", rs.getString(4));
        }
        json.put("machine", machine()).put("startedAt", Instant.now().toString()).put("run", run);
    }

    private static String machine() {
        return String.format("%d cores, %d GiB, Java %s, %s %s", Runtime.getRuntime().availableProcessors(),
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() >> 30,
                System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    // ---------------------------------------------------------------- workloads

    /** What one run of jobs measured. */
    record Result(int jobs, double seconds, double jobsPerSec, long[] latencies, double xactsPerPhase, double walSyncsPerPhase,
            String verification, boolean verified, long[] breakdown) {}

    private void scaling(Map<String, String> env, String name, int instances, int t, int n) throws Exception {
        try (BenchFleet f = new BenchFleet(dir, run + "-" + name, env, instances, t, bootstrap)) {
            runJobs(f, "warm-up", Math.max(50, warmup / 2), 0, 0);
            Result r = report("W3", String.format("scaling: %d instance(s) x %d thread(s)", instances, t), instances, t,
                    runJobs(f, name, n, 0, 0));
            (instances == 1 ? scalingOne : scalingTwo).put(instances * t, r.jobsPerSec);
        }
    }

    private static byte[] request(int i, int callMs) {
        Map<String, Object> args = new HashMap<>();
        args.put("n", i);
        if (callMs > 0) {
            args.put("call_ms", callMs);
        }
        return JobRequest.of(ThreeSteps.NAME, args).encode();
    }

    /**
     * Submits {@code n} three-steps jobs (all at once when {@code rate} is 0, else paced), waits
     * for every completion and checks exactly-once.
     */
    private Result runJobs(BenchFleet f, String label, int n, double rate, int callMs) throws Exception {
        String prefix = run + ":" + label + ":";
        f.track(prefix);
        Map<TopicPartition, Long> eventsFrom = f.eventsEnd();
        long[] pg0 = pgStats();
        long[] sent = new long[n];
        long[] sentWall = new long[n];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (rate > 0) {
                pace(t0 + (long) (i * 1e9 / rate));
            }
            sent[i] = System.nanoTime();
            sentWall[i] = System.currentTimeMillis();
            f.send(prefix + i, request(i, callMs));
        }
        f.flush();
        awaitCompletions(f, label, n);
        long last = 0;
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            long a = f.arrived.get(prefix + i);
            last = Math.max(last, a);
            lat[i] = (a - sent[i]) / 1_000_000;
        }
        double secs = (last - t0) / 1e9;
        Thread.sleep(1_500); // Postgres backends publish their statistics at most once a second
        long[] pg1 = pgStats();
        long phases = 3L * n;
        Arrays.sort(lat);
        String[] check = verify(f, prefix, n, eventsFrom, true);
        return new Result(n, secs, n / secs, lat, (double) (pg1[0] - pg0[0]) / phases, (double) (pg1[1] - pg0[1]) / phases,
                check[0], check[1] == null, breakdown(f, prefix, sentWall));
    }

    /**
     * Medians of where a job's time went, from the journal's Postgres timestamps (each the start
     * of its phase's transaction): submit to ACCEPTED (waiting for a batch and a thread), ACCEPTED
     * to SUCCEEDED (the phases), SUCCEEDED to the completion's arrival (the last phase's commit,
     * the Kafka transaction, delivery).
     */
    private long[] breakdown(BenchFleet f, String prefix, long[] sentWall) throws Exception {
        List<Long> queue = new ArrayList<>();
        List<Long> phases = new ArrayList<>();
        List<Long> publish = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
                PreparedStatement ps = c.prepareStatement("""
                        SELECT idempotency_key, (extract(epoch FROM min(at) FILTER (WHERE seq = 1)) * 1000)::bigint,
                               (extract(epoch FROM max(at) FILTER (WHERE type = 'SUCCEEDED')) * 1000)::bigint
                          FROM acidic_journal WHERE left(idempotency_key, ?) = ? GROUP BY idempotency_key""")) {
            ps.setInt(1, prefix.length());
            ps.setString(2, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(1);
                    int i = Integer.parseInt(key.substring(prefix.length()));
                    Long arrived = f.arrivedWall.get(key);
                    if (arrived == null) {
                        continue;
                    }
                    queue.add(rs.getLong(2) - sentWall[i]);
                    phases.add(rs.getLong(3) - rs.getLong(2));
                    publish.add(arrived - rs.getLong(3));
                }
            }
        }
        return new long[] {median(queue), median(phases), median(publish)};
    }

    private static long median(List<Long> l) {
        if (l.isEmpty()) {
            return -1;
        }
        long[] a = l.stream().mapToLong(Long::longValue).sorted().toArray();
        return a[a.length / 2];
    }

    private void awaitCompletions(BenchFleet f, String label, int n) throws InterruptedException {
        int seen = -1;
        long lastProgress = System.nanoTime();
        long lastPrint = 0;
        while (f.arrived.size() < n) {
            int now = f.arrived.size();
            if (now != seen) {
                seen = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > Duration.ofSeconds(90).toNanos()) {
                throw new IllegalStateException(label + ": no completion for 90 s (" + now + " of " + n
                        + "); see the processor logs under " + dir.toAbsolutePath());
            }
            if (System.nanoTime() - lastPrint > 1_000_000_000L) {
                out.printf("\r  %-8s %d/%d completed", label, now, n);
                out.flush();
                lastPrint = System.nanoTime();
            }
            Thread.sleep(5);
        }
        out.printf("\r  %-8s %d/%d completed%n", label, n, n);
    }

    /**
     * The exactly-once check of a workload: each job succeeded once, each of its three effect rows
     * exists once, its events have no duplicate {@code (key, seq)}, and one completion arrived.
     *
     * @return [summary, failure or null]
     */
    private String[] verify(BenchFleet f, String prefix, int n, Map<TopicPartition, Long> eventsFrom, boolean exactEvents)
            throws Exception {
        long effects;
        long distinctEffects;
        long succeeded;
        try (Connection c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword)) {
            long[] e = longs(c, "SELECT count(*), count(DISTINCT (idempotency_key, step)) FROM sample_effects "
                    + "WHERE left(idempotency_key, ?) = ?", prefix);
            effects = e[0];
            distinctEffects = e[1];
            succeeded = longs(c, "SELECT count(*) FILTER (WHERE status = 'SUCCEEDED') FROM acidic_keys "
                    + "WHERE left(idempotency_key, ?) = ?", prefix)[0];
        }
        long[] ev = f.countEvents(prefix, eventsFrom, f.eventsEnd());
        int dupCompletions = f.duplicateCompletions.get();
        int bad = f.unsuccessful();
        List<String> failures = new ArrayList<>();
        if (effects != 3L * n || distinctEffects != 3L * n) {
            failures.add("effect rows " + effects + " (distinct " + distinctEffects + "), expected " + 3L * n);
        }
        if (succeeded != n) {
            failures.add("succeeded keys " + succeeded + ", expected " + n);
        }
        if (ev[1] != 0 || (exactEvents ? ev[0] != (long) EVENTS_PER_JOB * n : ev[0] < (long) EVENTS_PER_JOB * n)) {
            failures.add("events " + ev[0] + " with " + ev[1] + " duplicate (key, seq), expected " + EVENTS_PER_JOB * n);
        }
        if (f.arrived.size() != n || dupCompletions != 0 || bad != 0) {
            failures.add("completions " + f.arrived.size() + " (+" + dupCompletions + " duplicates, " + bad + " not SUCCEEDED)");
        }
        String summary = String.format("%d effects, %d events, 0 dup (key,seq), %d completions", effects, ev[0], f.arrived.size());
        return new String[] {failures.isEmpty() ? summary : "FAIL " + String.join("; ", failures),
                failures.isEmpty() ? null : String.join("; ", failures)};
    }

    private static long[] longs(Connection c, String sql, String prefix) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, prefix.length());
            ps.setString(2, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long[] v = new long[rs.getMetaData().getColumnCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = rs.getLong(i + 1);
                }
                return v;
            }
        }
    }

    /** [transactions committed in all databases, WAL syncs]. */
    private long[] pgStats() throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT (SELECT sum(xact_commit) FROM pg_stat_database)::bigint, wal_sync FROM pg_stat_wal")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private static void pace(long dueNanos) throws InterruptedException {
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    // ---------------------------------------------------------------- W5

    /**
     * Two instances under a steady load; instance 0 is SIGKILLed twice: first restarted at once
     * with the same instance id, then left dead for instance 1 to take over. Recovery is the time
     * from the kill to the first phase committed on a partition the victim owned.
     */
    private void recovery(Map<String, String> env) throws Exception {
        double rate = intOpt("w5-rate", 100);
        int t = Math.max(1, threads / 2);
        try (BenchFleet f = new BenchFleet(dir, run + "-w5", env, 2, t, bootstrap)) {
            String prefix = run + ":w5:";
            f.track(prefix);
            Map<TopicPartition, Long> eventsFrom = f.eventsEnd();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger sentCount = new AtomicInteger();
            Thread submitter = new Thread(() -> {
                long t0 = System.nanoTime();
                try {
                    for (int i = 0; !stop.get(); i++) {
                        pace(t0 + (long) (i * 1e9 / rate));
                        f.send(prefix + i, request(i, 0));
                        sentCount.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-w5-submitter");
            submitter.start();
            long sameId;
            long takeover;
            try {
                Thread.sleep(4_000);
                sameId = killAndMeasure(f, prefix, true);
                Thread.sleep(6_000);
                takeover = killAndMeasure(f, prefix, false);
                Thread.sleep(2_000);
            } finally {
                stop.set(true);
                submitter.join();
            }
            f.flush();
            int n = sentCount.get();
            awaitCompletions(f, "w5", n);
            String[] check = verify(f, prefix, n, eventsFrom, false);
            allVerified &= check[1] == null;
            out.printf("  W5 recovery: restart with the same id %d ms, takeover by another instance %d ms (%s)%n", sameId,
                    takeover, check[0]);
            json.putObject("recovery").put("restartSameIdMs", sameId).put("takeoverMs", takeover).put("jobs", n)
                    .put("rate", rate).put("verification", check[0]).put("verified", check[1] == null);
            table.add(new String[] {"W5", "recovery after SIGKILL (2 x " + t + " threads, " + (int) rate + " jobs/s)", "-", "-",
                    "-", "same id " + sameId + " ms", "takeover " + takeover + " ms", "-", "-", "-", check[0]});
        }
    }

    private long killAndMeasure(BenchFleet f, String prefix, boolean restart) throws Exception {
        // the victim: the instance that committed the most phases in the last 3 s, and its partitions
        int victimIndex = -1;
        Integer[] parts = new Integer[0];
        long deadline0 = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (Connection c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
                PreparedStatement ps = c.prepareStatement("""
                        SELECT j.data->>'by', array_agg(DISTINCT k.kafka_partition ORDER BY k.kafka_partition), count(*)
                          FROM acidic_journal j JOIN acidic_keys k USING (idempotency_key)
                         WHERE left(k.idempotency_key, ?) = ? AND j.at > now() - interval '3 seconds' AND j.data->>'by' IS NOT NULL
                         GROUP BY 1 ORDER BY 3 DESC""")) {
            ps.setInt(1, prefix.length());
            ps.setString(2, prefix);
            while (victimIndex < 0 && System.nanoTime() < deadline0) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (victimIndex < 0 && rs.next()) {
                        for (int i = 0; i < f.jvms.size(); i++) {
                            if (f.jvms.instanceId(i).equals(rs.getString(1)) && f.jvms.process(i).isAlive()) {
                                victimIndex = i;
                                parts = (Integer[]) rs.getArray(2).getArray();
                            }
                        }
                    }
                }
                if (victimIndex < 0) {
                    Thread.sleep(200);
                }
            }
        }
        if (victimIndex < 0) {
            throw new IllegalStateException("no live instance ran a phase in the last 3 s: nothing to recover");
        }
        String victim = f.jvms.instanceId(victimIndex);
        Instant killed = Instant.now();
        f.jvms.kill(victimIndex);
        out.printf("  W5: SIGKILL %s (partitions %s)%s%n", victim, Arrays.toString(parts),
                restart ? ", restarting it with the same instance id" : ", leaving it dead");
        if (restart) {
            f.jvms.restart(victimIndex);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (Connection c = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
                PreparedStatement ps = c.prepareStatement("""
                        SELECT min(e.at) FROM sample_effects e JOIN acidic_keys k USING (idempotency_key)
                         WHERE k.kafka_partition = ANY (?) AND e.at > ? AND left(e.idempotency_key, ?) = ?""")) {
            ps.setArray(1, c.createArrayOf("integer", parts));
            ps.setTimestamp(2, Timestamp.from(killed));
            ps.setInt(3, prefix.length());
            ps.setString(4, prefix);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    Timestamp ts = rs.getTimestamp(1);
                    if (ts != null) {
                        return Duration.between(killed, ts.toInstant()).toMillis();
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("no phase on the victim's partitions within 120 s of the kill");
    }

    // ---------------------------------------------------------------- output

    private Result report(String id, String what, int instances, int t, Result r) {
        allVerified &= r.verified;
        ObjectNode o = rows.addObject().put("id", id).put("workload", what).put("instances", instances).put("threads", t)
                .put("jobs", r.jobs).put("seconds", round(r.seconds)).put("jobsPerSec", round(r.jobsPerSec))
                .put("phasesPerSec", round(r.jobsPerSec * 3)).put("latencyP50Ms", percentile(r.latencies, 50))
                .put("latencyP95Ms", percentile(r.latencies, 95)).put("latencyP99Ms", percentile(r.latencies, 99))
                .put("latencyMaxMs", percentile(r.latencies, 100)).put("pgTransactionsPerPhase", round(r.xactsPerPhase))
                .put("walSyncsPerPhase", round(r.walSyncsPerPhase)).put("verification", r.verification)
                .put("verified", r.verified);
        o.putObject("medianBreakdownMs").put("submitToAccepted", r.breakdown[0]).put("acceptedToSucceeded", r.breakdown[1])
                .put("succeededToCompletion", r.breakdown[2]);
        ArrayNode pct = o.putArray("latencyPercentilesMs");
        for (int p = 1; p <= 100; p++) {
            pct.add(percentile(r.latencies, p));
        }
        table.add(new String[] {id, what, Integer.toString(r.jobs), String.format("%.0f", r.jobsPerSec),
                String.format("%.0f", r.jobsPerSec * 3), Long.toString(percentile(r.latencies, 50)),
                Long.toString(percentile(r.latencies, 95)), Long.toString(percentile(r.latencies, 99)),
                Long.toString(percentile(r.latencies, 100)), String.format("%.2f / %.2f", r.xactsPerPhase, r.walSyncsPerPhase),
                r.verification});
        out.printf("  %s %s: %.0f jobs/s, p50 %d ms, p99 %d ms (medians: %d ms to ACCEPTED, %d ms of phases, %d ms to the "
                + "completion); %s%n", id, what, r.jobsPerSec, percentile(r.latencies, 50), percentile(r.latencies, 99),
                r.breakdown[0], r.breakdown[1], r.breakdown[2], r.verification);
        return r;
    }

    private void printTable(Double ceiling, Result w1) {
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
                out.printf("; W1 reached %.0f phases/s = %.0f%% of it", w1.jobsPerSec * 3, 100 * w1.jobsPerSec * 3 / ceiling);
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

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
