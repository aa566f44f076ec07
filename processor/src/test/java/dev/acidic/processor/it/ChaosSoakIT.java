package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * kill -9 chaos: three processor JVMs share six partitions while requests (new jobs, duplicates,
 * mismatched arguments, jobs whose step fails once) stream in and a random instance is SIGKILLed
 * every few seconds and restarted. At the end every accepted job finished once, every committed
 * effect exists once, no {@code (key, seq)} was published twice, and every request was answered.
 *
 * <p>CI runs the small size. Larger: {@code mvn verify -Dit.test=ChaosSoakIT -Dacidic.soak.seconds=600
 * -Dacidic.soak.rate=100}.
 */
class ChaosSoakIT {
    private static final int SECONDS = Integer.getInteger("acidic.soak.seconds", 45);
    private static final int RATE = Integer.getInteger("acidic.soak.rate", 50); // requests per second
    private static final long SEED = Long.getLong("acidic.soak.seed", System.nanoTime());

    @Test
    void randomSigkillsLoseNothingAndDuplicateNothing() throws Exception {
        Random rnd = new Random(SEED);
        System.out.printf("chaos soak: %d s at %d requests/s, seed %d%n", SECONDS, RATE, SEED);
        try (Harness h = new Harness("chaos", Map.of(
                "acidic.stream.threads", "1",
                "acidic.lock.timeout", "4s",
                "acidic.retry.initial.delay", "100ms",
                "acidic.retry.max.attempts", "5",
                "acidic.kafka.main.consumer.session.timeout.ms", "6000"))) {
            List<ChildProcessor> instances = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                instances.add(ChildProcessor.start(h.config, "chaos-" + i, Map.of()));
            }
            for (ChildProcessor c : instances) {
                c.awaitReady(Duration.ofSeconds(90));
            }
            h.events();
            h.completions();

            Map<String, Map<String, Object>> jobs = new HashMap<>(); // key -> args of the accepted job
            Map<String, Integer> mismatches = new HashMap<>();
            Map<String, Integer> duplicates = new HashMap<>();
            int kills = 0;
            long start = System.nanoTime();
            long nextKill = start + Duration.ofSeconds(3 + rnd.nextInt(3)).toNanos();
            int sent = 0;
            while (System.nanoTime() - start < Duration.ofSeconds(SECONDS).toNanos()) {
                long due = start + (long) sent * 1_000_000_000L / RATE;
                long now = System.nanoTime();
                if (now < due) {
                    Thread.sleep(Math.max(1, (due - now) / 1_000_000));
                    continue;
                }
                int dice = rnd.nextInt(100);
                List<String> known = new ArrayList<>(jobs.keySet());
                if (dice < 6 && !known.isEmpty()) {
                    String key = known.get(rnd.nextInt(known.size()));
                    h.client().send(key, jobRequest(key, jobs.get(key)).encode());
                    duplicates.merge(key, 1, Integer::sum);
                } else if (dice < 10 && !known.isEmpty()) {
                    String key = known.get(rnd.nextInt(known.size()));
                    Map<String, Object> other = new HashMap<>(jobs.get(key));
                    other.put("mismatch", sent);
                    h.client().send(key, jobRequest(key, other).encode());
                    mismatches.merge(key, 1, Integer::sum);
                } else {
                    String key = h.key("j" + sent);
                    Map<String, Object> args = dice < 20 ? Map.of("failTimes", 1, "failStep", "second") : Map.of("n", sent);
                    jobs.put(key, args);
                    h.client().send(key, jobRequest(key, args).encode());
                }
                sent++;
                if (System.nanoTime() >= nextKill) {
                    int victim = rnd.nextInt(instances.size());
                    instances.get(victim).kill(); // SIGKILL
                    kills++;
                    Thread.sleep(rnd.nextInt(1500));
                    instances.set(victim, ChildProcessor.start(h.config, "chaos-" + victim, Map.of()));
                    nextKill = System.nanoTime() + Duration.ofSeconds(3 + rnd.nextInt(3)).toNanos();
                }
            }
            h.client().flush();
            System.out.printf("chaos soak: sent %d requests (%d jobs, %d duplicates, %d mismatches), %d SIGKILLs%n", sent,
                    jobs.size(), duplicates.values().stream().mapToInt(Integer::intValue).sum(),
                    mismatches.values().stream().mapToInt(Integer::intValue).sum(), kills);
            for (ChildProcessor c : instances) {
                c.awaitReady(Duration.ofSeconds(90));
            }

            int expectedCompletions = jobs.size() + mismatches.values().stream().mapToInt(Integer::intValue).sum();
            h.completions().await(rs -> nonReplayCompletions(h) >= expectedCompletions, Duration.ofSeconds(180),
                    expectedCompletions + " completions");
            h.events().await(rs -> terminalEvents(h) >= jobs.size(), Duration.ofSeconds(60), jobs.size() + " terminal events");
            Thread.sleep(1000);

            verify(h, jobs, mismatches);
            for (ChildProcessor c : instances) {
                c.close();
            }
        }
    }

    private static JobRequest jobRequest(String key, Map<String, Object> args) {
        return JobRequest.of(args.containsKey("failTimes") ? "test.flaky" : "test.three-steps", args);
    }

    private static long nonReplayCompletions(Harness h) {
        return h.completions().records().stream().map(r -> Completion.decode(r.value())).filter(c -> !c.replay()).count();
    }

    private static long terminalEvents(Harness h) {
        return h.events().records().stream().map(r -> JobEvent.decode(r.value())).filter(e -> e.type().isTerminal()).count();
    }

    private static void verify(Harness h, Map<String, Map<String, Object>> jobs, Map<String, Integer> mismatches) throws Exception {
        Map<String, List<Completion>> completions = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : h.completions().records()) {
            completions.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Completion.decode(r.value()));
        }
        for (String key : jobs.keySet()) {
            List<Completion> cs = completions.getOrDefault(key, List.of());
            List<Completion> outcome = cs.stream().filter(c -> !c.replay() && c.status() != CompletionStatus.REJECTED).toList();
            assertEquals(1, outcome.size(), "one job completion for " + key + ": " + cs);
            assertEquals(CompletionStatus.SUCCEEDED, outcome.get(0).status(), key + ": " + outcome);
            long rejected = cs.stream().filter(c -> Completion.MISMATCHED_ARGUMENTS.equals(c.reason())).count();
            assertEquals((long) mismatches.getOrDefault(key, 0), rejected, "every mismatched request of " + key + " rejected once");
        }

        Set<String> seen = new HashSet<>();
        Map<String, TreeSet<Long>> seqs = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : h.events().records()) {
            JobEvent e = JobEvent.decode(r.value());
            assertTrue(seen.add(e.key() + "#" + e.seq()), "(key, seq) published twice: " + e);
            seqs.computeIfAbsent(e.key(), k -> new TreeSet<>()).add(e.seq());
        }
        for (String key : jobs.keySet()) {
            TreeSet<Long> s = seqs.get(key);
            assertEquals(s.size(), s.last().intValue(), "contiguous seqs 1..n for " + key + ": " + s);
        }

        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT idempotency_key, count(*), count(DISTINCT step) FROM test_effects
                         WHERE idempotency_key LIKE ? GROUP BY idempotency_key""")) {
            ps.setString(1, h.name + ":%");
            int keys = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    assertEquals(3, rs.getInt(2), "effects of " + rs.getString(1));
                    assertEquals(3, rs.getInt(3), "distinct steps of " + rs.getString(1));
                    keys++;
                }
            }
            assertEquals(jobs.size(), keys, "every accepted job left its effects");
        }
    }
}
