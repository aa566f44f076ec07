package dev.acidic.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reap workload: what deleting old finished keys costs the jobs running beside it. W1 runs
 * twice, each time right after {@code keys} finished keys a day old (5 journal entries each) were
 * written straight into Postgres: in a processor whose reaper is off (retention 0), and in one
 * whose reaper is on (retention {@link #RETENTION}: a round every 6 s, W1's own keys stay), which
 * deletes them while W1 runs; in either order. A poller counts the old keys every {@link #POLL} on
 * the partial index, in both runs alike, for when the reaping began and ended; the reaper's own log
 * line gives its rate. Before its W1 the reaper deletes old keys with nothing else running (the
 * first run's, or keys seeded for it): the idle reap rate.
 */
final class BenchReap {
    /** The reaper's retention in the second run: far above W1's own keys' age, far below the seeded keys'. */
    static final String RETENTION = "10m";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Pattern ROUND_MS = Pattern.compile("batches, (\\d+) ms");
    private static final String OLD = "SELECT count(*) FROM acidic_keys WHERE finished_at < now() - interval '1 hour'";
    private static final String SEED_KEYS = """
            INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, status, result, last_seq,
                                     kafka_partition, created_at, last_run_at, finished_at)
            SELECT ? || i, gen_random_uuid(), ?, jsonb_build_object('n', i), '$finished', 'SUCCEEDED', '{}'::jsonb, 5, i % 8,
                   now() - interval '1 day 1 minute', now() - interval '1 day', now() - interval '1 day'
              FROM generate_series(0, ? - 1) AS i""";
    private static final String SEED_JOURNAL = """
            INSERT INTO acidic_journal (idempotency_key, seq, type, step, data, at)
            SELECT ? || i, s, (ARRAY['ACCEPTED', 'RECOVERY_POINT', 'RECOVERY_POINT', 'RECOVERY_POINT', 'SUCCEEDED'])[s],
                   (ARRAY[NULL, 'first', 'second', 'third', NULL])[s],
                   jsonb_build_object('recoveryPoint', (ARRAY['first', 'second', 'third', '$finished', '$finished'])[s]),
                   now() - interval '1 day'
              FROM generate_series(0, ? - 1) AS i, generate_series(1, 5) AS s""";

    private final PrintStream out;
    private final Path dir;
    private final String run;
    private final BenchDb db;
    private final BenchJobs jobs;
    private final BenchReport report;

    BenchReap(PrintStream out, Path dir, String run, BenchDb db, BenchJobs jobs, BenchReport report) {
        this.out = out;
        this.dir = dir;
        this.run = run;
        this.db = db;
        this.jobs = jobs;
        this.report = report;
    }

    /**
     * @param env the processors' settings
     * @param keys old finished keys to seed before each W1
     * @param n W1's jobs
     * @param reaperFirst whether W1 with the reaper at work runs before W1 without it: run both
     *     orders, since on a busy machine the second of two runs is often faster
     */
    void run(Map<String, String> env, String bootstrap, int threads, int warmup, int keys, int n, boolean reaperFirst)
            throws Exception {
        ObjectNode json = report.json().putObject("reap").put("keys", keys).put("journalEntriesPerKey", 5)
                .put("retention", RETENTION).put("w1Jobs", n).put("order", reaperFirst ? "reaper on, then off" : "reaper off, then on");
        BenchResult without;
        BenchResult with;
        if (reaperFirst) {
            with = withReaper(env, bootstrap, threads, warmup, keys, n, json, true);
            without = withoutReaper(env, bootstrap, threads, warmup, keys, n, json);
        } else {
            without = withoutReaper(env, bootstrap, threads, warmup, keys, n, json);
            with = withReaper(env, bootstrap, threads, warmup, keys, n, json, false);
        }
        json.put("jobsPerSecChange", BenchReport.round(with.jobsPerSec() / without.jobsPerSec() - 1));
        out.printf("  reap: W1 %.0f jobs/s and p99 %d ms with the reaper at work, %.0f jobs/s and p99 %d ms without (%+.0f%% jobs/s;"
                + " %s)%n", with.jobsPerSec(), BenchReport.percentile(with.latencies(), 99), without.jobsPerSec(),
                BenchReport.percentile(without.latencies(), 99), 100 * (with.jobsPerSec() / without.jobsPerSec() - 1),
                json.path("order").asText());
    }

    /** W1 right after seeding old keys, in a processor whose reaper is off: they stay. */
    private BenchResult withoutReaper(Map<String, String> env, String bootstrap, int threads, int warmup, int keys, int n,
            ObjectNode json) throws Exception {
        Map<String, String> off = new HashMap<>(env);
        off.put("ACIDIC_RETENTION", "0");
        BenchResult without;
        try (BenchFleet f = new BenchFleet(dir, run + "-reap-off", off, 1, threads, bootstrap)) {
            jobs.runJobs(f, "warm-up", warmup, 0, 0);
            seed(run + ":reap-off-seed:", keys, json.putObject("seedOff"));
            try (Poller p = new Poller(keys)) {
                without = report.workload("R0", String.format("W1 beside %,d old finished keys, reaper off", keys), 1, threads,
                        jobs.runJobs(f, "reap-off-w1", n, 0, 0));
                json.put("oldKeysLeftAfterW1Off", p.left());
                if (p.left() < keys) {
                    out.printf("  reap: FAIL? %,d of the %,d old keys left with the reaper off%n", p.left(), keys);
                }
            }
        }
        report.latencies("W1, reaper off", without.latencies());
        return without;
    }

    /**
     * First the idle rate: this processor's reaper deletes old keys with nothing else running (the
     * other run's, or, when it runs first, keys seeded for it). Then W1 right after seeding old keys,
     * which it deletes meanwhile.
     */
    private BenchResult withReaper(Map<String, String> env, String bootstrap, int threads, int warmup, int keys, int n,
            ObjectNode json, boolean seedForIdle) throws Exception {
        Map<String, String> on = new HashMap<>(env);
        on.put("ACIDIC_RETENTION", RETENTION);
        try (BenchFleet f = new BenchFleet(dir, run + "-reap-on", on, 1, threads, bootstrap)) {
            if (seedForIdle) {
                seed(run + ":reap-idle-seed:", keys, json.putObject("seedIdle"));
            }
            out.printf("  reap: the reaper deletes %,d old keys, nothing else running...%n", keys);
            int seen = reaperLines(f).size();
            try (Poller p = new Poller(keys)) {
                p.awaitNone(Duration.ofMinutes(10));
                String line = nextReaperLine(f, seen);
                long roundMs = roundMs(line);
                json.putObject("idle").put("roundMs", roundMs).put("keysPerSec", keys * 1e3 / roundMs).put("reaperLog", line);
                out.printf("  reap idle: %,d keys in %.1f s = %,.0f keys/s, pauses included (reaper: %s)%n", keys, roundMs / 1e3,
                        keys * 1e3 / roundMs, line);
            }
            jobs.runJobs(f, "warm-up", warmup, 0, 0);
            seed(run + ":reap-on-seed:", keys, json.putObject("seedOn"));
            BenchResult with;
            seen = reaperLines(f).size();
            try (Poller p = new Poller(keys)) {
                long w1Start = System.nanoTime();
                with = report.workload("R1", String.format("W1 while the reaper deletes %,d old keys", keys), 1, threads,
                        jobs.runJobs(f, "reap-on-w1", n, 0, 0));
                long w1End = w1Start + (long) (with.seconds() * 1e9);
                p.awaitNone(Duration.ofMinutes(10));
                Poller.Times t = p.times();
                String line = nextReaperLine(f, seen);
                long roundMs = roundMs(line);
                json.putObject("duringW1").put("reapBeganAfterW1StartMs", ms(t.began() - w1Start))
                        .put("reapEndedAfterW1StartMs", ms(t.ended() - w1Start)).put("w1Ms", ms(w1End - w1Start))
                        .put("roundMs", roundMs).put("keysPerSec", keys * 1e3 / roundMs).put("reaperLog", line);
                out.printf("  reap during W1: %,d keys in %.1f s = %,.0f keys/s, pauses included; seen from %.1f s to %.1f s after W1"
                        + " began (W1 took %.1f s); reaper: %s%n", keys, roundMs / 1e3, keys * 1e3 / roundMs, (t.began() - w1Start) / 1e9,
                        (t.ended() - w1Start) / 1e9, (w1End - w1Start) / 1e9, line);
            }
            report.latencies("W1, reaper deleting", with.latencies());
            return with;
        }
    }

    /**
     * Writes {@code n} finished keys a day old with 5 journal entries each, in one transaction, then
     * analyzes the tables: a table that grew fivefold at once would otherwise keep the plans cached
     * for its small self (a sequential scan to lock a batch's rows) until autovacuum got to it, which
     * a real table grown over days does not suffer.
     */
    private void seed(String prefix, int n, ObjectNode json) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement keys = c.prepareStatement(SEED_KEYS); PreparedStatement journal = c.prepareStatement(SEED_JOURNAL)) {
                keys.setString(1, prefix);
                keys.setString(2, ThreeSteps.NAME);
                keys.setInt(3, n);
                keys.executeUpdate();
                journal.setString(1, prefix);
                journal.setInt(2, n);
                journal.executeUpdate();
            }
            c.commit();
            c.setAutoCommit(true);
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("ANALYZE acidic_keys, acidic_journal");
            }
        }
        long ms = ms(System.nanoTime() - t0);
        json.put("ms", ms);
        out.printf("  reap: seeded %,d finished keys a day old (%,d journal entries) and analyzed in %.1f s%n", n, 5L * n, ms / 1e3);
    }

    /** The reaper's INFO lines in the fleet's log so far, from "deleted" on. */
    private static List<String> reaperLines(BenchFleet f) throws IOException {
        Path log = f.jvms.log(0);
        if (!Files.exists(log)) {
            return List.of();
        }
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains("reaper: deleted"))
                .map(l -> l.substring(l.indexOf("reaper: deleted") + "reaper: ".length())).toList();
    }

    /** The reaper's next line after the {@code seen} first ones (it logs once its round ends), or "-" after 10 s. */
    private static String nextReaperLine(BenchFleet f, int seen) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = reaperLines(f);
            if (lines.size() > seen) {
                return lines.get(lines.size() - 1);
            }
            Thread.sleep(100);
        }
        return "-";
    }

    /** The round's own time from its line ("in 100 batches, 9344 ms"), or -1. */
    static long roundMs(String line) {
        Matcher m = ROUND_MS.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /** Counts the old keys every {@link #POLL} on its own thread: when the count first fell, when it reached 0. */
    private final class Poller implements AutoCloseable {
        record Times(long began, long ended) {}

        private final int seeded;
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long left = -1;
        private volatile long began;
        private volatile long ended;
        private volatile Exception failure;

        Poller(int seeded) {
            this.seeded = seeded;
            this.thread = new Thread(this::poll, "bench-reap-poller");
            thread.setDaemon(true);
            thread.start();
        }

        private void poll() {
            try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(OLD)) {
                while (running) {
                    long now;
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        left = rs.getLong(1);
                        now = System.nanoTime();
                    }
                    if (left < seeded && began == 0) {
                        began = now;
                    }
                    if (left == 0 && ended == 0) {
                        ended = now;
                    }
                    Thread.sleep(POLL.toMillis());
                }
            } catch (SQLException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        long left() {
            return left;
        }

        Times times() {
            return new Times(began, ended);
        }

        void awaitNone(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ended == 0) {
                if (failure != null) {
                    throw failure;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the reaper left " + left + " of " + seeded + " old keys after " + timeout
                            + "; see the processor log under " + dir.toAbsolutePath());
                }
                Thread.sleep(50);
            }
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
