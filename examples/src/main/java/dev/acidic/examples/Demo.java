package dev.acidic.examples;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code demo [jobs]}: starts a processor on embedded Kafka and Postgres (unless ACIDIC_* settings
 * point elsewhere), submits {@code samples.three-steps} jobs plus a duplicate and a mismatched
 * request, and prints what came back.
 */
final class Demo {
    private Demo() {}

    static int run(String[] args, PrintStream out) throws Exception {
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        AcidicConfig cfg = AcidicConfig.fromEnv();
        String run = "demo-" + UUID.randomUUID().toString().substring(0, 8);
        try (AcidicProcessor p = AcidicProcessor.builder(cfg).build().start()) {
            if (!p.awaitRunning(Duration.ofSeconds(90))) {
                out.println("processor did not start");
                return 1;
            }
            AcidicConfig eff = p.effectiveConfig();
            try (JobClient client = JobClient.builder(eff.bootstrapServers()).requestsTopic(eff.requestsTopic())
                    .completionsTopic(eff.completionsTopic()).build()) {
                out.printf("submitting %d samples.three-steps jobs (run %s)...%n", n, run);
                long t0 = System.nanoTime();
                List<CompletableFuture<Completion>> answers = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    answers.add(client.submit(run + ":" + i, JobRequest.of(ThreeSteps.NAME, Map.of("n", i))));
                }
                Map<CompletionStatus, Integer> counts = new EnumMap<>(CompletionStatus.class);
                for (CompletableFuture<Completion> a : answers) {
                    counts.merge(a.get(120, TimeUnit.SECONDS).status(), 1, Integer::sum);
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                Completion replay = client.submit(run + ":0", JobRequest.of(ThreeSteps.NAME, Map.of("n", 0))).get(30, TimeUnit.SECONDS);
                Completion mismatch = client.submit(run + ":1", JobRequest.of(ThreeSteps.NAME, Map.of("n", 999))).get(30, TimeUnit.SECONDS);
                out.printf("completed:           %s in %.2f s (%.0f jobs/s, %.0f phases/s)%n", counts, secs, n / secs, 3 * n / secs);
                out.printf("same key, same args: %s replay=%s%n", replay.status(), replay.replay());
                out.printf("same key, new args:  %s %s%n", mismatch.status(), mismatch.reason());
                return counts.getOrDefault(CompletionStatus.SUCCEEDED, 0) == n && replay.replay()
                        && Completion.MISMATCHED_ARGUMENTS.equals(mismatch.reason()) ? 0 : 1;
            }
        }
    }
}
