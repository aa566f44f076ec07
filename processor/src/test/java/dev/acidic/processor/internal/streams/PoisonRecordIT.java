package dev.acidic.processor.internal.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.it.Harness;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A record whose handling throws every time (here: an injected bug at the start of handling)
 * fails its stream thread only {@code acidic.record.max.failures} times in all, counted in
 * Postgres across a restart; then it is answered PROCESSING_FAILED, copied to the DLQ and
 * skipped, and the jobs behind it on the same partition run. It used to fail the thread forever.
 */
class PoisonRecordIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int MAX = 5;

    @AfterEach
    void disarm() {
        Faults.reset();
    }

    @Test
    void aRecordThatAlwaysFailsIsAnsweredAfterTheLimitAcrossARestartAndThePartitionGoesOn() throws Exception {
        try (Harness h = new Harness("poison", Map.of(AcidicConfig.PARTITIONS, "1", AcidicConfig.STREAM_THREADS, "1",
                AcidicConfig.RECORD_MAX_FAILURES, Integer.toString(MAX)))) {
            String poison = h.key("poison");
            Faults.arm(Faults.Point.HANDLE_RECORD, (point, key) -> {
                if (poison.equals(key)) {
                    throw new IllegalStateException("injected bug while handling " + key);
                }
            });
            AcidicProcessor first = h.start("poison-a");
            h.client().send(poison, JobRequest.of("test.three-steps", Map.of("n", 0)).encode()).get();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (first.threadReplacements() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(first.threadReplacements() >= 1, "the poison record failed its thread");
            first.close();
            int before = failures(h);
            assertTrue(before >= 1 && before < MAX, "counted, not yet answered: " + before);

            AcidicProcessor second = h.start("poison-a");
            List<String> good = new ArrayList<>();
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                good.add(h.key("good-" + i));
                answers.add(h.client().submit(good.get(i), JobRequest.of("test.three-steps", Map.of("i", i))));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(CompletionStatus.SUCCEEDED, answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
                assertEquals(List.of("first", "second", "third"), h.effects(good.get(i)));
            }
            h.completions().await(rs -> !h.completionsOf(poison).isEmpty(), WAIT, "the poison record's answer");
            Completion c = h.completionsOf(poison).get(0);
            assertEquals(CompletionStatus.REJECTED, c.status());
            assertEquals(Completion.PROCESSING_FAILED, c.reason());
            assertTrue(c.error().message().contains("failed " + MAX + " times") && c.error().message().contains("injected bug"),
                    c.error().message());
            assertEquals(MAX, failures(h), "counted across the restart, not from zero");
            assertEquals(MAX - before - 1, second.threadReplacements(), "the rest of the tries, the last one answered");
            assertTrue(h.effects(poison).isEmpty(), "never driven");

            h.dlq().await(rs -> rs.stream().anyMatch(r -> poison.equals(r.key())), WAIT, "the DLQ copy");
            ConsumerRecord<String, byte[]> copy = h.dlq().records().stream().filter(r -> poison.equals(r.key())).findFirst().orElseThrow();
            Header reason = copy.headers().lastHeader("acidic.reason");
            assertTrue(new String(reason.value(), StandardCharsets.UTF_8).startsWith(Completion.PROCESSING_FAILED), "reason header");
            assertEquals(1, h.completionsOf(poison).size(), "answered once");
        }
    }

    /**
     * A due timer whose drive throws every time (an injected bug) fails its stream thread only
     * {@code acidic.record.max.failures} times; then it is dropped with an error naming the key,
     * and the other jobs of the partition, their retries (timers too) included, still finish.
     */
    @Test
    void aTimerThatAlwaysFailsIsDroppedAfterTheLimitAndThePartitionGoesOn() throws Exception {
        try (Harness h = new Harness("poison-timer", Map.of(AcidicConfig.PARTITIONS, "1", AcidicConfig.STREAM_THREADS, "1",
                AcidicConfig.RECORD_MAX_FAILURES, Integer.toString(MAX)))) {
            String poison = h.key("poison");
            Faults.arm(Faults.Point.FIRE_TIMER, (point, key) -> {
                if (poison.equals(key)) {
                    throw new IllegalStateException("injected bug while firing the timer of " + key);
                }
            });
            AcidicProcessor p = h.start();
            // its first attempt fails, so its retry waits in a timer, which then fails to fire every time
            h.client().send(poison, JobRequest.of("test.flaky", Map.of("failTimes", 1, "failStep", "second")).encode()).get();
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(h.client().submit(h.key("good-" + i), JobRequest.of("test.flaky", Map.of("failTimes", 1, "failStep",
                        "second"))));
            }
            for (CompletableFuture<Completion> a : answers) {
                assertEquals(CompletionStatus.SUCCEEDED, a.get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (timerFailures(h, poison) < MAX && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(MAX, timerFailures(h, poison), "counted up to the limit");
            Thread.sleep(1_000); // were it not dropped, it would fire (and fail) again within this
            assertEquals(MAX, timerFailures(h, poison), "dropped at the limit, not fired again");
            assertEquals(MAX - 1, p.threadReplacements(), "the tries before the last one failed their thread");
            assertEquals("RUNNING", h.keyRow(poison).get("status"), "the job waits for its key to be driven again");
            assertTrue(h.completionsOf(poison).isEmpty());
        }
    }

    private static int timerFailures(Harness h, String key) throws SQLException {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(failures), 0) FROM acidic_record_failures WHERE topic = ?")) {
            ps.setString(1, "acidic-timers:" + key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static int failures(Harness h) throws SQLException {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(failures), 0) FROM acidic_record_failures WHERE topic = ?")) {
            ps.setString(1, h.config.requestsTopic());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
