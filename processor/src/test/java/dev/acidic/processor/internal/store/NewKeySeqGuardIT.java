package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.it.TestInfra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request for a key arriving while the key's row is being deleted (a reaper batch, or an
 * operator's DELETE) must not start the new job at seq 1. The claim's insert computes the seq with
 * its statement's snapshot, meets the uncommitted delete, waits for it, then goes in: without
 * migration V5 with the seq computed before the delete committed. V5 refuses that row as a
 * serialization failure, which the claim retries at once, and the retry continues the seq.
 */
class NewKeySeqGuardIT {
    private static final KeyStore STORE = new KeyStore();
    private static final JobRequest REQUEST = JobRequest.of("test.three-steps", Map.of("n", 1));
    private static HikariDataSource db;
    private static final ExecutorService CLAIMS = Executors.newCachedThreadPool();

    @BeforeAll
    static void database() throws SQLException {
        db = TestInfra.get().ownDatabase("seq_guard_it", 4);
    }

    @AfterAll
    static void close() {
        CLAIMS.shutdownNow();
        db.close();
    }

    /** A finished key whose last job reached seq 5. */
    private static void finishedKey(String key) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO acidic_keys (idempotency_key, job_id, job, args, recovery_point, status, last_seq, finished_at)
                VALUES (?, gen_random_uuid(), 'test.three-steps', '{"n":1}', '$finished', 'SUCCEEDED', 5, now())""")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    /**
     * Deletes the key's row in a transaction left open, runs {@code claim} on another connection,
     * waits until it waits for the delete, commits the delete, and returns what the claim did.
     */
    private static <T> T claimDuringDelete(String key, Callable<T> claim) throws Exception {
        try (Connection deleter = db.getConnection()) {
            deleter.setAutoCommit(false);
            try (PreparedStatement ps = deleter.prepareStatement("DELETE FROM acidic_keys WHERE idempotency_key = ?")) {
                ps.setString(1, key);
                assertEquals(1, ps.executeUpdate());
            }
            Future<T> f = CLAIMS.submit(claim);
            awaitLockWait();
            deleter.commit();
            return f.get(30, TimeUnit.SECONDS);
        }
    }

    /** Until some backend of this database waits for a transaction's lock (the claim for the deleter). */
    private static void awaitLockWait() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND wait_event_type = 'Lock' AND wait_event = 'transactionid'")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    fail("the claim never waited for the delete");
                }
                Thread.sleep(20);
            }
        }
    }

    private static long lastSeq(String key) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT last_seq FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** The claim's own transaction; rolled back when it throws. */
    private interface InTransaction<T> {
        T run(Connection c) throws SQLException;
    }

    private static <T> T inTransaction(InTransaction<T> work) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                T r = work.run(c);
                c.commit();
                return r;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static void assertRetryable(ExecutionException e) {
        assertTrue(SqlErrors.isConcurrencyConflict(e.getCause()), "a serialization failure, retried by the claim: " + e.getCause());
    }

    @Test
    void aSingleClaimThatRacedTheDeleteIsRetriedAndContinuesTheSeq() throws Exception {
        String key = "single:" + UUID.randomUUID();
        finishedKey(key);
        try {
            claimDuringDelete(key, () -> inTransaction(c -> STORE.insertKey(c, key, UUID.randomUUID(), REQUEST, List.of("first"), "me", 0)));
            fail("the insert that raced the delete went in at seq " + lastSeq(key));
        } catch (ExecutionException e) {
            assertRetryable(e);
        }
        assertEquals(-1, lastSeq(key), "nothing of it committed");
        boolean inserted = inTransaction(c -> STORE.insertKey(c, key, UUID.randomUUID(), REQUEST, List.of("first"), "me", 0));
        assertTrue(inserted);
        assertEquals(6, lastSeq(key), "the retry's ACCEPTED follows the old job's last seq");
    }

    @Test
    void aBatchClaimThatRacedTheDeleteIsRetriedToo() throws Exception {
        String key = "batch:" + UUID.randomUUID();
        String fresh = "batch-fresh:" + UUID.randomUUID();
        finishedKey(key);
        List<KeyStore.NewKey> keys = List.of(new KeyStore.NewKey(key, UUID.randomUUID(), REQUEST, List.of("first")),
                new KeyStore.NewKey(fresh, UUID.randomUUID(), REQUEST, List.of("first")));
        try {
            claimDuringDelete(key, () -> inTransaction(c -> STORE.insertKeys(c, keys, "me", 0)));
            fail("the batch insert that raced the delete went in at seq " + lastSeq(key));
        } catch (ExecutionException e) {
            assertRetryable(e);
        }
        assertEquals(2, inTransaction(c -> STORE.insertKeys(c, keys, "me", 0)).size());
        assertEquals(6, lastSeq(key));
        assertEquals(1, lastSeq(fresh), "a key never seen starts at 1");
    }

    @Test
    void aKeyCreatedAfterTheDeleteCommittedContinuesWithoutARetry() throws Exception {
        String key = "after:" + UUID.randomUUID();
        finishedKey(key);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
        boolean inserted = inTransaction(c -> STORE.insertKey(c, key, UUID.randomUUID(), REQUEST, List.of("first"), "me", 0));
        assertTrue(inserted);
        assertEquals(6, lastSeq(key));
    }
}
