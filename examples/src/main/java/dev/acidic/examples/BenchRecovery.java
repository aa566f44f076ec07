package dev.acidic.examples;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;

/**
 * W5: two instances under a steady load; instance 0 is SIGKILLed twice: first restarted at once
 * with the same instance id, then left dead for instance 1 to take over. Recovery is the time
 * from the kill to the first phase committed on a partition the victim owned.
 */
final class BenchRecovery {
    private final PrintStream out;
    private final BenchDb db;
    private final BenchJobs jobs;
    private final BenchCheck check;
    private final BenchReport report;

    BenchRecovery(PrintStream out, BenchDb db, BenchJobs jobs, BenchCheck check, BenchReport report) {
        this.out = out;
        this.db = db;
        this.jobs = jobs;
        this.check = check;
        this.report = report;
    }

    /**
     * @param f a fleet of two instances of {@code threads} stream threads
     * @param prefix the workload's key prefix
     */
    void run(BenchFleet f, String prefix, double rate, int threads) throws Exception {
        f.track(prefix);
        Map<TopicPartition, Long> eventsFrom = f.eventsEnd();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sentCount = new AtomicInteger();
        Thread submitter = new Thread(() -> {
            long t0 = System.nanoTime();
            try {
                for (int i = 0; !stop.get(); i++) {
                    BenchJobs.pace(t0 + (long) (i * 1e9 / rate));
                    f.send(prefix + i, BenchJobs.request(i, 0));
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
        jobs.awaitCompletions(f, "w5", n);
        report.recovery(sameId, takeover, n, rate, threads, check.verify(f, prefix, n, eventsFrom, false));
    }

    private long killAndMeasure(BenchFleet f, String prefix, boolean restart) throws Exception {
        // the victim: the instance that committed the most phases in the last 3 s, and its partitions
        int victimIndex = -1;
        Integer[] parts = new Integer[0];
        long deadline0 = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (Connection c = db.connect();
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
        try (Connection c = db.connect();
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
}
