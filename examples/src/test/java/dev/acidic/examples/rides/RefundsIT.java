package dev.acidic.examples.rides;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.it.Harness;
import dev.acidic.processor.it.Waits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code rides.refund} on a real processor (real Kafka, real Postgres, the fake gateway over HTTP),
 * with the example jobs and their schema found on the classpath as the jar finds them: a refund
 * waits for its approval signal and refunds once even when the gateway's answer is lost; a
 * rejection or a timeout refunds nothing; a ride that was not charged, or was refunded already,
 * is not refundable.
 */
class RefundsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static PaymentGateway gateway;
    private static Harness h;
    private static AcidicProcessor processor;

    /** A refunds row, as the job left it. */
    record Row(String status, String chargeId, long amountCents, String decidedBy, String refundId) {}

    @BeforeAll
    static void start() throws Exception {
        gateway = PaymentGateway.start(0);
        System.setProperty("rocket.rides.gateway.url", gateway.url());
        h = new Harness("refunds", Map.of());
        processor = AcidicProcessor.builder(h.config).build().start();
        assertTrue(processor.awaitRunning(WAIT), "the processor runs");
    }

    @AfterAll
    static void stop() {
        if (processor != null) {
            processor.close();
        }
        if (h != null) {
            h.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        System.clearProperty("rocket.rides.gateway.url");
    }

    @Test
    void anApprovedRefundWaitsForTheSignalThenRefundsOnceThoughTheGatewaysAnswerWasLost() throws Exception {
        String ride = chargedRide("approved", 1);
        String refund = h.key("refund-approved");
        long refundsBefore = gateway.refunds();
        CompletableFuture<Completion> done = h.client().submit(refund, JobRequest.of(Refunds.JOB,
                Map.of("ride_key", ride, "reason", "rocket arrived late")));
        awaitWaiting(refund);
        assertEquals("awaiting_approval", row(refund).status());
        assertFalse(done.isDone(), "the refund waits for its approval");
        assertEquals(refundsBefore, gateway.refunds(), "nothing refunded before the approval");

        gateway.loseNextRefundAnswers(1); // refunded, but the phase sees a 504 and is rolled back and retried
        h.client().send(refund, JobCommand.signal(Refunds.APPROVAL, Map.of("approved", true, "by", "ops"))).get();
        Completion c = done.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertEquals(CompletionStatus.SUCCEEDED, c.status(), c.toString());
        assertEquals(Refunds.REFUNDED, c.result().path("status").asText(), c.toString());
        String refundId = c.result().path("refund_id").asText();
        assertTrue(refundId.startsWith("re_"), c.toString());
        assertEquals("ops", c.result().path("by").asText());
        assertEquals(refundsBefore + 1, gateway.refunds(), "one refund at the gateway for two calls");
        Row r = row(refund);
        assertEquals(new Row("refunded", chargeOf(ride), r.amountCents(), "ops", refundId), r);
        assertTrue(r.amountCents() > 0);
        assertTrue(gateway.isRefunded(r.chargeId()));
        awaitEvent(refund, EventType.SUCCEEDED);
        assertTrue(h.eventsOf(refund).stream().anyMatch(e -> e.type() == EventType.STEP_FAILED && "refund_charge".equals(e.step())),
                "the lost answer failed the refund_charge phase once: " + h.eventsOf(refund));
    }

    @Test
    void aRejectedRefundIsRecordedAndNeverReachesTheGateway() throws Exception {
        String ride = chargedRide("rejected", 2);
        String refund = h.key("refund-rejected");
        long callsBefore = gateway.refundCalls();
        CompletableFuture<Completion> done = h.client().submit(refund, JobRequest.of(Refunds.JOB, Map.of("ride_key", ride)));
        awaitWaiting(refund);
        h.client().send(refund, JobCommand.signal(Refunds.APPROVAL, Map.of("approved", false, "by", "ops"))).get();
        Completion c = done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(Refunds.REJECTED, c.result().path("status").asText(), c.toString());
        assertEquals("ops", c.result().path("by").asText());
        Row r = row(refund);
        assertEquals("rejected", r.status());
        assertEquals("ops", r.decidedBy());
        assertNull(r.refundId());
        assertEquals(callsBefore, gateway.refundCalls(), "a rejected refund never calls the gateway");
        assertFalse(gateway.isRefunded(chargeOf(ride)));
    }

    @Test
    void aRefundNobodyDecidesExpiresAtItsTimeoutAndRefundsNothing() throws Exception {
        String ride = chargedRide("expired", 3);
        String refund = h.key("refund-expired");
        long callsBefore = gateway.refundCalls();
        long sent = System.nanoTime();
        Completion c = h.client().submit(refund, JobRequest.of(Refunds.JOB, Map.of("ride_key", ride, "approval_timeout", "PT2S")))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - sent >= Duration.ofSeconds(2).toNanos(), "it waited for its timeout");
        assertEquals(CompletionStatus.SUCCEEDED, c.status(), c.toString());
        assertEquals(Refunds.EXPIRED, c.result().path("status").asText(), c.toString());
        Row r = row(refund);
        assertEquals("expired", r.status());
        assertNull(r.decidedBy());
        assertNull(r.refundId());
        assertEquals(callsBefore, gateway.refundCalls(), "an expired refund never calls the gateway");
        assertFalse(gateway.isRefunded(chargeOf(ride)));
    }

    @Test
    void aRideThatDoesNotExistOrWasNotChargedIsNotRefundableAtOnce() throws Exception {
        String missing = h.key("refund-of-nothing");
        Completion none = h.client().submitAndWait(missing, JobRequest.of(Refunds.JOB, Map.of("ride_key", h.key("no-such-ride"))), WAIT);
        assertEquals(CompletionStatus.SUCCEEDED, none.status(), none.toString());
        assertEquals(Refunds.NOT_REFUNDABLE, none.result().path("status").asText(), none.toString());
        assertEquals("no_such_ride", none.result().path("detail").asText());
        assertNull(row(missing), "no refund row");

        gateway.declineUser(404);
        String declinedRide = h.key("ride-declined");
        Completion ride = h.client().submitAndWait(declinedRide, JobRequest.of(RocketRides.CREATE, rideArgs(404)), WAIT);
        assertEquals("payment_declined", ride.result().path("status").asText(), ride.toString());
        String refund = h.key("refund-declined");
        Completion c = h.client().submitAndWait(refund, JobRequest.of(Refunds.JOB, Map.of("ride_key", declinedRide)), WAIT);
        assertEquals(Refunds.NOT_REFUNDABLE, c.result().path("status").asText(), c.toString());
        assertEquals("not_charged", c.result().path("detail").asText());
        assertNull(row(refund), "no refund row");
        assertFalse(h.eventsOf(refund).stream().anyMatch(e -> e.type() == EventType.WAITING), "it never waited for an approval");
    }

    @Test
    void anApprovalSentBeforeTheRefundWaitsIsKeptAndARefundedRideIsNotRefundedAgain() throws Exception {
        String ride = chargedRide("twice", 5);
        String first = h.key("refund-first");
        long refundsBefore = gateway.refunds();
        CompletableFuture<Completion> done = h.client().submit(first, JobRequest.of(Refunds.JOB, Map.of("ride_key", ride)));
        // right behind the request on the same partition: kept until the job waits for it
        h.client().send(first, JobCommand.signal(Refunds.APPROVAL, Map.of("approved", true))).get();
        Completion c = done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(Refunds.REFUNDED, c.result().path("status").asText(), c.toString());
        assertFalse(c.result().has("by"), "no approver named: " + c);

        String second = h.key("refund-second");
        Completion again = h.client().submitAndWait(second, JobRequest.of(Refunds.JOB, Map.of("ride_key", ride)), WAIT);
        assertEquals(Refunds.NOT_REFUNDABLE, again.result().path("status").asText(), again.toString());
        assertEquals("already_refunded", again.result().path("detail").asText());
        assertEquals(first, again.result().path("refund_key").asText());
        assertEquals(refundsBefore + 1, gateway.refunds());
        assertNull(row(second));
    }

    private static Map<String, Object> rideArgs(long user) {
        return Map.of("user_id", user, "origin_lat", 37.7, "origin_lon", -122.4, "target_lat", 37.9, "target_lon", -122.3);
    }

    /** Books and charges a ride; returns its key. */
    private static String chargedRide(String label, long user) throws Exception {
        String key = h.key("ride-" + label);
        Completion c = h.client().submitAndWait(key, JobRequest.of(RocketRides.CREATE, rideArgs(user)), WAIT);
        assertEquals("charged", c.result().path("status").asText(), c.toString());
        return key;
    }

    /** Waits for the refund's WAITING event: its row is committed and its key released until the signal. */
    private static void awaitWaiting(String refund) throws InterruptedException {
        awaitEvent(refund, EventType.WAITING);
        JobEvent waiting = h.eventsOf(refund).stream().filter(e -> e.type() == EventType.WAITING).findFirst().orElseThrow();
        assertEquals(Refunds.APPROVAL, waiting.detail().path("name").asText(), waiting.toString());
    }

    private static void awaitEvent(String key, EventType type) throws InterruptedException {
        Waits.await(() -> h.eventsOf(key).stream().map(JobEvent::type).toList().contains(type), WAIT, type + " of " + key);
    }

    private static String chargeOf(String ride) throws SQLException {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT stripe_charge_id FROM rides WHERE idempotency_key = ?")) {
            ps.setString(1, ride);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "ride " + ride);
                return rs.getString(1);
            }
        }
    }

    private static Row row(String refund) throws SQLException {
        try (Connection c = h.infra.db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT status, charge_id, amount_cents, decided_by, gateway_refund_id FROM refunds WHERE refund_key = ?")) {
            ps.setString(1, refund);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5)) : null;
            }
        }
    }
}
