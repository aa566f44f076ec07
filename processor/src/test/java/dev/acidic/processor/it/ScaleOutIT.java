package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two instances of one application share the partitions and every job runs exactly once. */
class ScaleOutIT {

    @Test
    void twoInstancesShareSixPartitionsAndRunEachOf200JobsExactlyOnce() throws Exception {
        try (Harness h = new Harness("scale", Map.of("acidic.stream.threads", "2"))) {
            h.start("instance-a");
            h.start("instance-b");
            h.events();
            int n = 200;
            List<CompletableFuture<Completion>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(h.client().submit(h.key("j" + i), JobRequest.of("test.three-steps", Map.of("n", i))));
            }
            for (CompletableFuture<Completion> a : answers) {
                assertEquals(CompletionStatus.SUCCEEDED, a.get(120, TimeUnit.SECONDS).status());
            }
            Map<String, Integer> effects = new HashMap<>();
            Map<String, Integer> owners = new HashMap<>();
            try (Connection c = h.infra.db.getConnection();
                    PreparedStatement ps = c.prepareStatement("""
                            SELECT e.idempotency_key, count(*), count(DISTINCT e.step)
                              FROM test_effects e WHERE e.idempotency_key LIKE ? GROUP BY e.idempotency_key""")) {
                ps.setString(1, h.name + ":%");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        assertEquals(3, rs.getInt(2), "effect rows of " + rs.getString(1));
                        assertEquals(3, rs.getInt(3), "distinct steps of " + rs.getString(1));
                        effects.put(rs.getString(1), rs.getInt(2));
                    }
                }
            }
            assertEquals(n, effects.size());
            try (Connection c = h.infra.db.getConnection();
                    PreparedStatement ps = c.prepareStatement("""
                            SELECT data->>'lockedBy', count(*) FROM acidic_journal WHERE idempotency_key LIKE ? AND type = 'DEFERRED'
                             GROUP BY 1""")) {
                ps.setString(1, h.name + ":%");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        owners.put(rs.getString(1), rs.getInt(2));
                    }
                }
            }
            assertEquals(Map.of(), owners, "no key was ever contended between the instances");
            h.events().await(rs -> rs.size() >= 5 * n, Duration.ofSeconds(60), "all events");
            Thread.sleep(500);
            Map<String, Integer> seen = new HashMap<>();
            List<String> dups = new ArrayList<>();
            for (var r : h.events().records()) {
                JobEvent e = JobEvent.decode(r.value());
                if (seen.merge(e.key() + "#" + e.seq(), 1, Integer::sum) > 1) {
                    dups.add(e.key() + "#" + e.seq() + " " + e.type() + " p" + r.partition() + "@" + r.offset());
                }
            }
            assertEquals(List.of(), dups, "no (key, seq) twice");
            List<String> strangers = new ArrayList<>();
            for (var r : h.events().records()) {
                JobEvent e = JobEvent.decode(r.value());
                if (!e.key().startsWith(h.name + ":j")) {
                    strangers.add(e.key() + "#" + e.seq() + " " + e.type() + " topic " + r.topic());
                }
            }
            assertEquals(List.of(), strangers, "only this test's jobs");
            assertEquals(5 * n, h.events().records().size(), "5 events per job");
            for (int i = 0; i < n; i++) {
                List<JobEvent> events = h.eventsOf(h.key("j" + i));
                assertEquals(5, events.size());
                assertFalse(events.stream().anyMatch(e -> e.seq() < 1 || e.seq() > 5));
            }
            for (var p : h.processors()) {
                assertEquals(org.apache.kafka.streams.KafkaStreams.State.RUNNING, p.state());
            }
        }
    }
}
