package dev.acidic.examples;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobRequest;
import dev.acidic.examples.rides.PaymentGateway;
import dev.acidic.examples.rides.RocketRides;
import dev.acidic.embedded.EmbeddedInfrastructure;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rocket-rides demo: embedded (or given) Kafka and Postgres, a fake payment gateway, two
 * processor JVMs, a stream of ride requests with duplicates, mismatched arguments, declined cards
 * and injected failures, one processor SIGKILLed and restarted mid-way, then refunds of some
 * charged rides that wait for a human's approval ({@link DemoRefunds}), and a summary whose
 * exactly-once checks must all match.
 *
 * <p>Options: {@link DemoCommand}.
 */
final class Demo {
    private final PrintStream out;
    private final DemoCommand opts;
    private final int rides;
    private final int rate;
    private final int instances;
    private final String run = "demo-" + UUID.randomUUID().toString().substring(0, 6);
    private final Path dir = Path.of("target", "acidic-demo", run);
    private ProcessorJvms processors;
    private final Random rnd = new Random(42);

    Demo(DemoCommand opts, PrintStream out) {
        this.opts = opts;
        this.out = out;
        this.rides = opts.rides;
        this.rate = opts.rate;
        this.instances = opts.instances;
    }

    int run() throws Exception {
        String bootstrap = opts.servers.bootstrapServers;
        String jdbcUrl = opts.servers.jdbcUrl;
        String jdbcUser = opts.servers.jdbcUser;
        String jdbcPassword = opts.servers.jdbcPassword;
        out.printf("Acidic rocket-rides demo: %d rides at %d/s over %d processor JVMs%n", rides, rate, instances);
        try (EmbeddedInfrastructure infra = EmbeddedInfrastructure.start(dir, bootstrap == null, jdbcUrl == null);
                PaymentGateway gateway = PaymentGateway.start(0.05)) {
            bootstrap = bootstrap == null ? infra.bootstrapServers() : bootstrap;
            jdbcUrl = jdbcUrl == null ? infra.jdbcUrl() : jdbcUrl;
            out.printf("  kafka %s, postgres %s, payment gateway %s%n", bootstrap, jdbcUrl, gateway.url());
            Map<String, String> env = new LinkedHashMap<>();
            env.put("ACIDIC_BOOTSTRAP_SERVERS", bootstrap);
            env.put("ACIDIC_JDBC_URL", jdbcUrl);
            env.put("ACIDIC_JDBC_USER", jdbcUser);
            env.put("ACIDIC_JDBC_PASSWORD", jdbcPassword);
            env.put("ACIDIC_APPLICATION_ID", run);
            env.put("ACIDIC_TOPIC_REQUESTS", run + ".requests");
            env.put("ACIDIC_TOPIC_EVENTS", run + ".events");
            env.put("ACIDIC_TOPIC_COMPLETIONS", run + ".completions");
            env.put("ACIDIC_TOPIC_DLQ", run + ".requests.dlq");
            env.put("ACIDIC_STATE_DIR", dir.resolve("streams").toString());
            env.put("ACIDIC_STREAM_THREADS", Integer.toString(opts.threads));
            env.put("ACIDIC_COMMIT_INTERVAL", opts.commitInterval);
            env.put("ACIDIC_RETRY_INITIAL_DELAY", "200ms");
            env.put(RocketRides.GATEWAY_ENV, gateway.url());
            env.put("ACIDIC_HTTP_PORT", Integer.toString(DemoPorts.base(opts.httpPort, instances)));
            // closed before the embedded broker and database go away under them
            try (ProcessorJvms jvms = new ProcessorJvms(dir, env, run, List.of("-Xmx512m"))) {
                processors = jvms.start(instances); // creates the topics the client needs
                out.printf("  %d processors ready%n", instances);
                if (jvms.httpPort(0) != 0) {
                    out.printf("  dashboard: http://127.0.0.1:%d/  (metrics: /metrics, health: /health/ready)%n", jvms.httpPort(0));
                }
                int rc;
                try (JobClient client = JobClient.builder(bootstrap).requestsTopic(run + ".requests")
                        .completionsTopic(run + ".completions").build()) {
                    rc = drive(client, gateway, jdbcUrl, jdbcUser, jdbcPassword);
                }
                if (opts.keep) {
                    DemoPorts.keepRunning(out, jvms, instances, bootstrap, jdbcUrl, run);
                }
                return rc;
            }
        }
    }


    private int drive(JobClient client, PaymentGateway gateway, String jdbcUrl, String user,
            String password) throws Exception {
        for (long u = 0; u < 1000; u++) {
            if (u % 17 == 3) {
                gateway.declineUser(u);
            }
        }
        Map<String, Integer> tally = new ConcurrentHashMap<>();
        client.onCompletion(c -> tally.merge(label(c), 1, Integer::sum));
        Map<String, Long> started = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        Map<String, Map<String, Object>> sentArgs = new HashMap<>();
        List<CompletableFuture<Completion>> originals = new ArrayList<>();
        List<CompletableFuture<Completion>> extras = new ArrayList<>();
        List<String> finished = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger mismatches = new AtomicInteger();
        int raised = 0;
        boolean kill = !opts.noKill;
        boolean killed = false;
        long t0 = System.nanoTime();
        long lastBar = 0;
        for (int i = 0; i < rides; i++) {
            long due = t0 + (long) i * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            String key = run + ":ride-" + i;
            Map<String, Object> args = new HashMap<>();
            args.put("user_id", (long) rnd.nextInt(1000));
            args.put("origin_lat", 37.0 + rnd.nextInt(100) / 100.0);
            args.put("origin_lon", -122.0 + rnd.nextInt(100) / 100.0);
            args.put("target_lat", 37.0 + rnd.nextInt(100) / 100.0);
            args.put("target_lon", -122.0 + rnd.nextInt(100) / 100.0);
            if (rnd.nextInt(100) < 5) {
                args.put("raise_error", true);
                raised++;
            }
            sentArgs.put(key, args);
            started.put(key, System.nanoTime());
            CompletableFuture<Completion> f = client.submit(key, JobRequest.of(RocketRides.CREATE, args));
            f.thenAccept(c -> {
                latencies.add(System.nanoTime() - started.get(key));
                finished.add(key);
            });
            originals.add(f);
            int dice = rnd.nextInt(100);
            if (dice < 3) {
                // the same request again while it is in flight: absorbed, answered by the job's completion
                extras.add(client.submit(key, JobRequest.of(RocketRides.CREATE, args)));
                duplicates.incrementAndGet();
            } else if (dice < 8 && finished.size() > 10) {
                // a later retry of a finished ride: replayed, or with other arguments: rejected
                String old = finished.get(rnd.nextInt(finished.size()));
                Map<String, Object> again = new HashMap<>(sentArgs.get(old));
                if (dice < 6) {
                    again.remove("raise_error"); // not part of the identity: still the same request
                    duplicates.incrementAndGet();
                } else {
                    again.put("target_lat", 99.0);
                    mismatches.incrementAndGet();
                }
                extras.add(client.submit(old, JobRequest.of(RocketRides.CREATE, again)));
            }
            if (kill && !killed && i >= rides * 2 / 5) {
                killed = true;
                out.printf("%n  SIGKILL processor 0 (pid %d) with rides in flight...%n", processors.process(0).pid());
                processors.kill(0);
                Thread.sleep(1000);
                processors.restart(0);
                out.println("  ...restarted with the same instance id");
            }
            if (System.nanoTime() - lastBar > 200_000_000L) {
                bar(finished.size(), i + 1);
                lastBar = System.nanoTime();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (finished.size() < rides && System.nanoTime() < deadline) {
            bar(finished.size(), rides);
            Thread.sleep(200);
        }
        bar(finished.size(), rides);
        out.println();
        double secs = (System.nanoTime() - t0) / 1e9;
        for (CompletableFuture<Completion> f : extras) {
            f.get(60, TimeUnit.SECONDS);
        }
        Map<String, Integer> outcomes = new HashMap<>();
        for (CompletableFuture<Completion> f : originals) {
            Completion c = f.get(1, TimeUnit.SECONDS);
            outcomes.merge(c.status() == CompletionStatus.SUCCEEDED ? c.result().path("status").asText() : c.status().name(), 1,
                    Integer::sum);
        }
        awaitReceipts(jdbcUrl, user, password, outcomes.getOrDefault("charged", 0));
        DemoRefunds refunds = new DemoRefunds(client, gateway, run, jdbcUrl, user, password, out);
        refunds.run(Math.max(5, rides / 50));
        return summary(outcomes, tally, gateway, latencies, secs, duplicates.get(), mismatches.get(), raised, jdbcUrl, user,
                password, refunds);
    }

    /** Receipts are jobs of their own, staged by the rides' last phase: wait until they ran. */
    private void awaitReceipts(String jdbcUrl, String user, String password, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password); Statement st = c.createStatement()) {
            while (System.nanoTime() < deadline
                    && count(st, "SELECT count(DISTINCT ride_key) FROM receipts WHERE ride_key LIKE '" + run + ":%'") < expected) {
                Thread.sleep(200);
            }
        }
        Thread.sleep(500); // a duplicate receipt, if there were one, would show up now
    }

    private static String label(Completion c) {
        if (c.replay()) {
            return "replayed";
        }
        if (c.status() == CompletionStatus.REJECTED) {
            return "rejected " + c.reason();
        }
        return c.job() + " " + c.status();
    }

    private void bar(int done, int sent) {
        int width = 40;
        int filled = (int) ((long) done * width / rides);
        out.printf("\r  [%s%s] %d/%d done, %d sent", "#".repeat(filled), ".".repeat(width - filled), done, rides, sent);
        out.flush();
    }

    private int summary(Map<String, Integer> outcomes, Map<String, Integer> tally, PaymentGateway gateway, List<Long> latencies,
            double secs, int duplicates, int mismatches, int raised, String jdbcUrl, String user, String password, DemoRefunds refunds)
            throws Exception {
        long rideRows;
        long rideKeys;
        long charged;
        long receipts;
        long receiptRides;
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password); Statement st = c.createStatement()) {
            String like = "'" + run + ":%'";
            rideRows = count(st, "SELECT count(*) FROM rides WHERE idempotency_key LIKE " + like);
            rideKeys = count(st, "SELECT count(DISTINCT idempotency_key) FROM acidic_keys WHERE job = 'rides.create' AND idempotency_key LIKE " + like);
            charged = count(st, "SELECT count(DISTINCT stripe_charge_id) FROM rides WHERE charge_status = 'charged' AND idempotency_key LIKE " + like);
            receipts = count(st, "SELECT count(*) FROM receipts WHERE ride_key LIKE " + like);
            receiptRides = count(st, "SELECT count(*) FROM rides WHERE charge_status = 'charged' AND idempotency_key LIKE " + like);
        }
        List<Long> l = new ArrayList<>(latencies);
        Collections.sort(l);
        int succeeded = outcomes.getOrDefault("charged", 0);
        int declined = outcomes.getOrDefault("payment_declined", 0);
        out.println();
        out.println("Summary");
        out.printf("  rides requested        %d (+%d duplicates, %d mismatched retries, %d with raise_error)%n", rides, duplicates,
                mismatches, raised);
        out.printf("  succeeded (charged)    %d%n", succeeded);
        out.printf("  declined               %d%n", declined);
        out.printf("  rejected (mismatch)    %d%n", tally.getOrDefault("rejected " + Completion.MISMATCHED_ARGUMENTS, 0));
        out.printf("  replayed               %d%n", tally.getOrDefault("replayed", 0));
        out.printf("  gateway calls          %d (%d simulated outages, retried) -> distinct charges %d, refunds %d%n",
                gateway.calls(), gateway.outages(), gateway.charges(), gateway.refunds());
        out.printf("  throughput             %.1f rides/s (%.2f s)%n", rides / secs, secs);
        out.printf("  latency                p50 %d ms, p95 %d ms, p99 %d ms (submit to completion)%n", pct(l, 50), pct(l, 95),
                pct(l, 99));
        refunds.print();
        out.println();
        out.println("Exactly-once checks");
        boolean ok = true;
        ok &= check("rides rows = distinct ride keys", rideRows, rideKeys);
        ok &= check("ride keys = rides requested", rideKeys, rides);
        ok &= check("distinct charges at the gateway = charged rides", gateway.charges(), succeeded);
        ok &= check("charge ids on rides = charged rides", charged, succeeded);
        ok &= check("receipts = charged rides", receipts, receiptRides);
        ok &= check("charged + declined = rides requested", succeeded + declined, rides);
        ok &= check("mismatched retries rejected", tally.getOrDefault("rejected " + Completion.MISMATCHED_ARGUMENTS, 0), mismatches);
        ok &= refunds.checks(this::check);
        out.println(ok ? "ALL CHECKS PASSED" : "SOME CHECKS FAILED");
        return ok ? 0 : 1;
    }

    private boolean check(String what, long actual, long expected) {
        boolean ok = actual == expected;
        out.printf("  %-4s %-48s %d vs %d%n", ok ? "ok" : "FAIL", what, actual, expected);
        return ok;
    }

    private static long count(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1_000_000;
    }
}
