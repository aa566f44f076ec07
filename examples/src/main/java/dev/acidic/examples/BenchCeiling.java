package dev.acidic.examples;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Postgres ceiling for one atomic phase: from {@code threads} connections, each phase locks a
 * key row, inserts a journal row and an effect row, updates the key row and commits, with
 * prepared statements reused and no Kafka, no pool, no step code. Tables are copies of the key
 * store's (same columns and indexes), so the figure is what the engine's SQL alone could reach on
 * this Postgres.
 */
final class BenchCeiling {
    private BenchCeiling() {}

    /** Phases per second over {@code seconds}. */
    static double measure(String url, String user, String password, int threads, double seconds) throws Exception {
        int keysPerThread = 20_000;
        try (Connection c = DriverManager.getConnection(url, user, password); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS bench_ceiling_keys, bench_ceiling_journal, bench_ceiling_effects");
            st.execute("CREATE TABLE bench_ceiling_keys (LIKE acidic_keys INCLUDING ALL)");
            st.execute("CREATE TABLE bench_ceiling_journal (LIKE acidic_journal INCLUDING ALL)");
            st.execute("CREATE TABLE bench_ceiling_effects (LIKE sample_effects INCLUDING ALL)");
            st.execute("""
                    INSERT INTO bench_ceiling_keys (idempotency_key, job_id, job, args, recovery_point, last_seq)
                    SELECT 'ceiling-' || i, gen_random_uuid(), 'samples.three-steps', jsonb_build_object('n', i), 'first', 0
                      FROM generate_series(0, %d) i""".formatted(threads * keysPerThread - 1));
            st.execute("ANALYZE bench_ceiling_keys");
        }
        AtomicLong phases = new AtomicLong();
        long stopAt = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> workers = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread w = new Thread(() -> {
                try {
                    loop(url, user, password, thread, threads, keysPerThread, stopAt, phases);
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "ceiling-" + t);
            workers.add(w);
        }
        long t0 = System.nanoTime();
        workers.forEach(Thread::start);
        for (Thread w : workers) {
            w.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (!failures.isEmpty()) {
            throw new IllegalStateException("the ceiling loop failed", failures.get(0));
        }
        try (Connection c = DriverManager.getConnection(url, user, password); Statement st = c.createStatement()) {
            st.execute("DROP TABLE bench_ceiling_keys, bench_ceiling_journal, bench_ceiling_effects");
        }
        return phases.get() / secs;
    }

    private static final String[] STEPS = {"first", "second", "third"};

    private static void loop(String url, String user, String password, int thread, int threads, int keysPerThread, long stopAt,
            AtomicLong phases) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password);
                PreparedStatement lock = c.prepareStatement("""
                        SELECT idempotency_key, job_id, job, args, recovery_point, status, locked_by, attempts, last_seq
                          FROM bench_ceiling_keys WHERE idempotency_key = ? FOR UPDATE""");
                PreparedStatement journal = c.prepareStatement("""
                        INSERT INTO bench_ceiling_journal (idempotency_key, seq, type, step, data, at)
                        VALUES (?, ?, 'RECOVERY_POINT', ?, ?::jsonb, now())""");
                PreparedStatement effect = c.prepareStatement(
                        "INSERT INTO bench_ceiling_effects (idempotency_key, step, n) VALUES (?, ?, ?)");
                PreparedStatement update = c.prepareStatement("""
                        UPDATE bench_ceiling_keys
                           SET recovery_point = ?, last_seq = ?, attempts = 0, locked_at = now(), locked_by = 'ceiling',
                               last_run_at = now()
                         WHERE idempotency_key = ?""")) {
            c.setAutoCommit(false);
            long p = 0;
            while (System.nanoTime() < stopAt) {
                long job = p / 3;
                String key = "ceiling-" + ((job % keysPerThread) * threads + thread);
                String step = STEPS[(int) (p % 3)];
                long seq = p + 1; // unique per key: every key belongs to one thread
                lock.setString(1, key);
                try (ResultSet rs = lock.executeQuery()) {
                    rs.next();
                    rs.getString(4); // read the row as a phase does
                }
                journal.setString(1, key);
                journal.setLong(2, seq);
                journal.setString(3, step);
                journal.setString(4, "{\"recoveryPoint\":\"" + step + "\",\"attempt\":1,\"by\":\"ceiling\"}");
                journal.executeUpdate();
                effect.setString(1, key);
                effect.setString(2, step);
                effect.setInt(3, (int) job);
                effect.executeUpdate();
                update.setString(1, step);
                update.setLong(2, seq);
                update.setString(3, key);
                update.executeUpdate();
                c.commit();
                p++;
                phases.incrementAndGet();
            }
        }
    }
}
