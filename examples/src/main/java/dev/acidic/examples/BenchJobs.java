package dev.acidic.examples;

import dev.acidic.api.JobRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;

/** Submits a batch of three-steps jobs to a fleet, waits for their completions and measures them. */
final class BenchJobs {
    private final PrintStream out;
    private final Path dir;
    private final String run;
    private final BenchDb db;
    private final BenchCheck check;

    /** @param run the benchmark run's id, which prefixes every idempotency key */
    BenchJobs(PrintStream out, Path dir, String run, BenchDb db, BenchCheck check) {
        this.out = out;
        this.dir = dir;
        this.run = run;
        this.db = db;
        this.check = check;
    }

    static byte[] request(int i, int callMs) {
        Map<String, Object> args = new HashMap<>();
        args.put("n", i);
        if (callMs > 0) {
            args.put("call_ms", callMs);
        }
        return JobRequest.of(ThreeSteps.NAME, args).encode();
    }

    /** A {@link FailingThreeSteps} job; {@code fail} makes its first step fail its first attempt. */
    static byte[] failingRequest(int i, boolean fail) {
        Map<String, Object> args = new HashMap<>();
        args.put("n", i);
        if (fail) {
            args.put("fail_first", true);
        }
        return JobRequest.of(FailingThreeSteps.NAME, args).encode();
    }

    /**
     * Submits {@code n} three-steps jobs (all at once when {@code rate} is 0, else paced), waits
     * for every completion and checks exactly-once.
     */
    BenchResult runJobs(BenchFleet f, String label, int n, double rate, int callMs) throws Exception {
        return measure(f, label, n, rate, i -> request(i, callMs), -1);
    }

    /**
     * W1F: {@code n} {@link FailingThreeSteps} jobs submitted at once, every {@code failEvery}-th
     * failing its first step once; checks exactly-once and the step runs ({@link BenchStepRuns}).
     */
    BenchResult runFailing(BenchFleet f, String label, int n, int failEvery) throws Exception {
        return measure(f, label, n, 0, i -> failingRequest(i, BenchStepRuns.failing(i, failEvery)), failEvery);
    }

    /** @param failEvery W1F's, or -1 for jobs that do not fail */
    private BenchResult measure(BenchFleet f, String label, int n, double rate, IntFunction<byte[]> request, int failEvery)
            throws Exception {
        String prefix = run + ":" + label + ":";
        f.track(prefix);
        Map<TopicPartition, Long> eventsFrom = f.eventsEnd();
        long[] pg0 = db.pgStats();
        long[] sent = new long[n];
        long[] sentWall = new long[n];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (rate > 0) {
                pace(t0 + (long) (i * 1e9 / rate));
            }
            sent[i] = System.nanoTime();
            sentWall[i] = System.currentTimeMillis();
            f.send(prefix + i, request.apply(i));
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
        long[] pg1 = db.pgStats();
        long phases = 3L * n;
        Arrays.sort(lat);
        BenchStepRuns runs = failEvery > 0 ? BenchStepRuns.read(db, prefix, n, failEvery) : null;
        String[] verdict = check.verify(f, prefix, n, eventsFrom, true, runs == null ? 0 : runs.failingJobs());
        String verification = runs == null ? verdict[0] : verdict[0] + "; " + runs.summary();
        boolean verified = verdict[1] == null && (runs == null || runs.verified());
        if (!verified && !verification.startsWith("FAIL")) {
            verification = "FAIL " + verification;
        }
        return new BenchResult(n, secs, n / secs, lat, (double) (pg1[0] - pg0[0]) / phases, (double) (pg1[1] - pg0[1]) / phases,
                verification, verified, breakdown(f, prefix, sentWall), runs);
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
        try (Connection c = db.connect();
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

    /** Waits for {@code n} completions, printing progress; fails after 90 s without one. */
    void awaitCompletions(BenchFleet f, String label, int n) throws InterruptedException {
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

    static void pace(long dueNanos) throws InterruptedException {
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
