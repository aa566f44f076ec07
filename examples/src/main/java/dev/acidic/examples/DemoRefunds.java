package dev.acidic.examples;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobRequest;
import dev.acidic.examples.rides.PaymentGateway;
import dev.acidic.examples.rides.Refunds;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The demo's refunds, once its rides are done: a handful of charged rides are refunded through
 * {@code rides.refund}, which waits for a human's {@code approval} signal. Ops approve most, reject
 * the first and leave the second to time out; a refund of a declined ride is answered at once.
 * Then the checks that no refund was made twice or without an approval.
 */
final class DemoRefunds {
    /** The approval timeout of the refund left to expire: short, so the demo does not wait long. */
    private static final Duration EXPIRY = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(120);

    /** What the demo's checks compare: see {@code Demo.check}. */
    interface Check {
        boolean check(String what, long actual, long expected);
    }

    private final JobClient client;
    private final PaymentGateway gateway;
    private final String run;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final PrintStream out;
    private final Map<String, CompletableFuture<Completion>> jobs = new LinkedHashMap<>();
    private final Map<String, Integer> outcomes = new HashMap<>();
    private final List<Long> approvalLatencies = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Long> signalled = new ConcurrentHashMap<>();
    private int charged;
    private int approved;
    private int rejected;
    private int expiring;
    private int ofDeclinedRides;

    DemoRefunds(JobClient client, PaymentGateway gateway, String run, String jdbcUrl, String user, String password, PrintStream out) {
        this.client = client;
        this.gateway = gateway;
        this.run = run;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.out = out;
    }

    /** Requests refunds of up to {@code count} charged rides and one declined ride, decides them and awaits their outcomes. */
    void run(int count) throws Exception {
        List<String> chargedRides = rideKeys("charged", count);
        List<String> declinedRides = rideKeys("declined", 1);
        charged = chargedRides.size();
        for (int i = 0; i < chargedRides.size(); i++) {
            Map<String, Object> args = new HashMap<>(Map.of("ride_key", chargedRides.get(i), "reason", "rocket arrived late"));
            if (i == 1) {
                args.put("approval_timeout", EXPIRY.toString()); // nobody answers this one
                expiring++;
            }
            submit(refundKey(i), args);
        }
        for (String ride : declinedRides) {
            submit(run + ":refund-declined", Map.of("ride_key", ride, "reason", "charged by mistake?"));
            ofDeclinedRides++;
        }
        out.printf("  refunds: %d requested for charged rides, %d for a declined ride%n", charged, ofDeclinedRides);
        long rows = awaitRefundRows(charged);
        out.printf("  %d refunds awaiting approval (their keys released while they wait)%n", rows);
        for (int i = 0; i < charged; i++) {
            if (i == 1) {
                continue;
            }
            boolean yes = i != 0;
            String key = refundKey(i);
            signalled.put(key, System.nanoTime());
            // what an ops tool sends on the requests topic under the refund's key:
            // {"command":"signal","name":"approval","payload":{"approved":true,"by":"ops"}}
            client.send(key, JobCommand.signal(Refunds.APPROVAL, Map.of("approved", yes, "by", "ops"))).get(30, TimeUnit.SECONDS);
            if (yes) {
                approved++;
            } else {
                rejected++;
            }
        }
        out.printf("  ops approved %d, rejected %d, left %d to time out after %d s%n", approved, rejected, expiring,
                EXPIRY.toSeconds());
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (var e : jobs.entrySet()) {
            Completion c;
            try {
                c = e.getValue().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException timedOut) {
                outcomes.merge("no completion", 1, Integer::sum);
                continue;
            }
            outcomes.merge(c.status() == CompletionStatus.SUCCEEDED ? c.result().path("status").asText() : c.status().name(), 1,
                    Integer::sum);
        }
    }

    private String refundKey(int i) {
        return run + ":refund-" + i;
    }

    private void submit(String key, Map<String, Object> args) {
        CompletableFuture<Completion> f = client.submit(key, JobRequest.of(Refunds.JOB, args));
        f.thenAccept(c -> {
            Long sent = signalled.get(key);
            if (sent != null) {
                approvalLatencies.add(System.nanoTime() - sent);
            }
        });
        jobs.put(key, f);
    }

    /** The refunds section of the summary. */
    void print() {
        out.println();
        out.println("Refunds (rides.refund: each waits for an \"approval\" signal)");
        out.printf("  requested              %d of charged rides (%d approved, %d rejected, %d left to time out), %d of a declined ride%n",
                charged, approved, rejected, expiring, ofDeclinedRides);
        out.printf("  refunded               %d%n", outcome(Refunds.REFUNDED));
        out.printf("  rejected               %d%n", outcome(Refunds.REJECTED));
        out.printf("  expired                %d%n", outcome(Refunds.EXPIRED));
        out.printf("  not refundable         %d%n", outcome(Refunds.NOT_REFUNDABLE));
        out.printf("  gateway refund calls   %d -> refunds %d%n", gateway.refundCalls(), gateway.refunds());
        List<Long> l = new ArrayList<>(approvalLatencies);
        Collections.sort(l);
        out.printf("  decision latency       p50 %d ms, max %d ms (signal sent to completion)%n", Demo.pct(l, 50), Demo.pct(l, 100));
    }

    /** The exactly-once checks of the refunds; each goes through {@code check}. */
    boolean checks(Check check) throws SQLException {
        long rows;
        long refundedRows;
        long refundIds;
        long refundJobs;
        long undecidedRefunded = 0;
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            String like = run + ":refund-%";
            rows = count(c, "SELECT count(*) FROM refunds WHERE refund_key LIKE ?", like);
            refundedRows = count(c, "SELECT count(*) FROM refunds WHERE status = 'refunded' AND refund_key LIKE ?", like);
            refundIds = count(c, "SELECT count(DISTINCT gateway_refund_id) FROM refunds WHERE refund_key LIKE ?", like);
            refundJobs = count(c, "SELECT count(*) FROM acidic_keys WHERE job = '" + Refunds.JOB + "' AND idempotency_key LIKE ?", like);
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT charge_id FROM refunds WHERE status IN ('rejected', 'expired') AND refund_key LIKE ?")) {
                ps.setString(1, like);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        undecidedRefunded += gateway.isRefunded(rs.getString(1)) ? 1 : 0;
                    }
                }
            }
        }
        boolean ok = true;
        ok &= check.check("refunds at the gateway = approved refunds", gateway.refunds(), approved);
        ok &= check.check("refunded jobs = approved refunds", outcome(Refunds.REFUNDED), approved);
        ok &= check.check("refund ids on rows = refunds at the gateway", refundIds, gateway.refunds());
        ok &= check.check("refunded rows = refunds at the gateway", refundedRows, gateway.refunds());
        ok &= check.check("refund rows = refund jobs of charged rides", rows, refundJobs - outcome(Refunds.NOT_REFUNDABLE));
        ok &= check.check("rejected refunds = rejections sent", outcome(Refunds.REJECTED), rejected);
        ok &= check.check("expired refunds = refunds left to time out", outcome(Refunds.EXPIRED), expiring);
        ok &= check.check("rejected or expired charges refunded", undecidedRefunded, 0);
        ok &= check.check("refunds of declined rides not refundable", outcome(Refunds.NOT_REFUNDABLE), ofDeclinedRides);
        return ok;
    }

    private int outcome(String status) {
        return outcomes.getOrDefault(status, 0);
    }

    /** Up to {@code n} keys of this run's rides whose charge ended {@code status}, oldest first. */
    private List<String> rideKeys(String status, int n) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT idempotency_key FROM rides WHERE charge_status = ? AND idempotency_key LIKE ? ORDER BY id LIMIT ?")) {
            ps.setString(1, status);
            ps.setString(2, run + ":ride-%");
            ps.setInt(3, n);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
        }
        return keys;
    }

    /** Waits until {@code n} refunds of this run have their row, i.e. have asked for approval; returns how many have. */
    private long awaitRefundRows(int n) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            long rows;
            while ((rows = count(c, "SELECT count(*) FROM refunds WHERE refund_key LIKE ?", run + ":refund-%")) < n
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            return rows;
        }
    }

    private static long count(Connection c, String sql, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
