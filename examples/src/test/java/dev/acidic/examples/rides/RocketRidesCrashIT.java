package dev.acidic.examples.rides;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.examples.ExampleJobs;
import dev.acidic.testkit.AcidicKit;
import dev.acidic.testkit.AcidicTest;
import dev.acidic.testkit.CrashCheck;
import dev.acidic.testkit.CrashReport;
import dev.acidic.testkit.Effect;
import dev.acidic.testkit.JobRun;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rocket-rides jobs under the testkit, as their author would test them: {@code rides.create}
 * crashed at every boundary charges each ride once, because the charge step hands the gateway an
 * idempotency key derived from the job's, so the gateway answers a repeated call with the charge it
 * made; and a refund waits for its approval signal.
 */
@AcidicTest(providers = ExampleJobs.class)
class RocketRidesCrashIT {
    private static final Map<String, Object> RIDE = Map.of("user_id", 7, "origin_lat", 0.0, "origin_lon", 0.0,
            "target_lat", 0.5, "target_lon", 0.5);
    private static PaymentGateway gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        gateway = PaymentGateway.start(0);
        System.setProperty("rocket.rides.gateway.url", gateway.url());
    }

    @AfterAll
    static void stopGateway() {
        System.clearProperty("rocket.rides.gateway.url");
        gateway.close();
    }

    @Test
    void aRideCrashedAtEveryBoundaryIsCreatedChargedAndReceiptedOnce(AcidicKit acidic) {
        CrashReport report = acidic.crashAtEveryBoundary(RocketRides.create(), RIDE, CrashCheck.effects(
                Effect.sql("ride", "SELECT count(*) FROM rides WHERE idempotency_key = ?"),
                Effect.sql("audit record", """
                        SELECT count(*) FROM audit_records a JOIN rides r ON r.id = a.resource_id WHERE r.idempotency_key = ?"""),
                Effect.sql("charge stored on the ride", "SELECT count(*) FROM rides WHERE idempotency_key = ? AND charge_status = 'charged'"),
                Effect.of("charges the gateway made", key -> gateway.charges()),
                Effect.sql("receipt", "SELECT count(*) FROM receipts WHERE ride_key = ?"))
                // a ride's id and its charge's id are new for each run
                .ignoringResultFields("ride_id", "charge_id"));
        assertEquals(9, report.crashes().size(), report::toString);
        assertTrue(report.crashes().stream().anyMatch(c -> c.where().equals("after step 'create_stripe_charge' ran, before its phase commits")),
                report::toString);
    }

    @Test
    void aRefundWaitsForItsApprovalThenRefundsTheCharge(AcidicKit acidic) {
        JobRun ride = acidic.run(RocketRides.create(), RIDE).assertSucceeded();
        long refundsBefore = gateway.refunds();
        JobRun waiting = acidic.run(Refunds.definition(), Map.of("ride_key", ride.key(), "reason", "late"));
        assertFalse(waiting.finished(), "it waits for the approval signal");
        assertEquals(refundsBefore, gateway.refunds());
        JobRun refunded = acidic.signal(waiting.key(), Refunds.APPROVAL, Map.of("approved", true, "by", "ops")).assertSucceeded();
        assertEquals(Refunds.REFUNDED, refunded.result().path("status").asText());
        assertEquals(refundsBefore + 1, gateway.refunds());
        assertEquals(1, acidic.count("SELECT count(*) FROM refunds WHERE refund_key = ? AND status = 'refunded'", waiting.key()));
    }
}
