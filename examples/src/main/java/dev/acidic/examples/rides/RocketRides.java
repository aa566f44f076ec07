package dev.acidic.examples.rides;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobRequest;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.StepContext;
import dev.acidic.api.Wire;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The classic idempotency-keys demo: a rocket ride is created, charged through a payment gateway
 * and receipted, each in its own atomic phase.
 *
 * <pre>
 * rides.create  {"user_id", "origin_lat", "origin_lon", "target_lat", "target_lon", "raise_error"?}
 *   create_ride_and_audit_record  insert the ride (unique per idempotency key) and an audit record,
 *                                 in the phase transaction: both or neither
 *   create_stripe_charge          POST to the gateway with an idempotency key derived from the job's,
 *                                 so a retried phase never charges twice; store the charge id on the
 *                                 ride. A declined card finishes the job (no retry can fix it); an
 *                                 outage (5xx, timeout) throws and is retried with backoff
 *   send_receipt                  stage a receipts.send job: published only once this phase commits
 * receipts.send {"ride_key", "user_id", "amount_cents", "charge_id"}
 *   record_receipt                insert one receipt
 * </pre>
 *
 * <p>A charged ride is refunded by {@link Refunds} ({@code rides.refund}), once a human approves.
 */
public final class RocketRides {
    public static final String CREATE = "rides.create";
    public static final String RECEIPT = "receipts.send";
    /** Where the payment gateway listens; the demo sets it for the processors it starts. */
    public static final String GATEWAY_ENV = "ROCKET_RIDES_GATEWAY_URL";

    public static final List<String> SCHEMA = List.of("""
            CREATE TABLE IF NOT EXISTS rides (
                id               bigserial   PRIMARY KEY,
                idempotency_key  text        NOT NULL UNIQUE,
                user_id          bigint      NOT NULL,
                origin_lat       double precision NOT NULL,
                origin_lon       double precision NOT NULL,
                target_lat       double precision NOT NULL,
                target_lon       double precision NOT NULL,
                amount_cents     bigint,
                stripe_charge_id text,
                charge_status    text,
                created_at       timestamptz NOT NULL DEFAULT now())""", """
            CREATE TABLE IF NOT EXISTS audit_records (
                id            bigserial   PRIMARY KEY,
                action        text        NOT NULL,
                resource_type text        NOT NULL,
                resource_id   bigint      NOT NULL,
                user_id       bigint      NOT NULL,
                data          jsonb       NOT NULL,
                created_at    timestamptz NOT NULL DEFAULT now())""", """
            CREATE TABLE IF NOT EXISTS receipts (
                id           bigserial   PRIMARY KEY,
                ride_key     text        NOT NULL,
                user_id      bigint      NOT NULL,
                amount_cents bigint      NOT NULL,
                charge_id    text        NOT NULL,
                created_at   timestamptz NOT NULL DEFAULT now())""");

    private RocketRides() {}

    public static JobDefinition create() {
        return JobDefinition.named(CREATE)
                .step("create_ride_and_audit_record", RocketRides::createRideAndAuditRecord)
                .step("create_stripe_charge", RocketRides::createStripeCharge)
                .step("send_receipt", RocketRides::sendReceipt)
                .ignoreInIdentity("raise_error")
                .build();
    }

    public static JobDefinition receipt() {
        return JobDefinition.named(RECEIPT)
                .step("record_receipt", ctx -> {
                    JsonNode a = ctx.args();
                    try (PreparedStatement ps = ctx.connection().prepareStatement(
                            "INSERT INTO receipts (ride_key, user_id, amount_cents, charge_id) VALUES (?, ?, ?, ?)")) {
                        ps.setString(1, a.path("ride_key").asText());
                        ps.setLong(2, a.path("user_id").asLong());
                        ps.setLong(3, a.path("amount_cents").asLong());
                        ps.setString(4, a.path("charge_id").asText());
                        ps.executeUpdate();
                    }
                    return PhaseResult.next();
                })
                .build();
    }

    private static PhaseResult createRideAndAuditRecord(StepContext ctx) throws SQLException {
        RideArgs a = ctx.args(RideArgs.class);
        long rideId;
        try (PreparedStatement ps = ctx.connection().prepareStatement("""
                INSERT INTO rides (idempotency_key, user_id, origin_lat, origin_lon, target_lat, target_lon)
                VALUES (?, ?, ?, ?, ?, ?) RETURNING id""")) {
            ps.setString(1, ctx.idempotencyKey());
            ps.setLong(2, a.userId());
            ps.setDouble(3, a.originLat());
            ps.setDouble(4, a.originLon());
            ps.setDouble(5, a.targetLat());
            ps.setDouble(6, a.targetLon());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                rideId = rs.getLong(1);
            }
        }
        try (PreparedStatement ps = ctx.connection().prepareStatement("""
                INSERT INTO audit_records (action, resource_type, resource_id, user_id, data)
                VALUES ('created', 'ride', ?, ?, ?::jsonb)""")) {
            ps.setLong(1, rideId);
            ps.setLong(2, a.userId());
            ps.setString(3, Wire.toJson(ctx.args()));
            ps.executeUpdate();
        }
        ctx.values().put("ride_id", rideId);
        return PhaseResult.next();
    }

    private static PhaseResult createStripeCharge(StepContext ctx) throws Exception {
        RideArgs a = ctx.args(RideArgs.class);
        long rideId = ctx.values().get("ride_id", Long.class).orElseThrow();
        // Derived from the job's key: every retry of this phase presents the same key to the gateway.
        String chargeKey = "rocket-rides:charge:" + ctx.idempotencyKey();
        HttpResponse<String> resp = GatewayCalls.post("/v1/charges", chargeKey,
                Map.of("user_id", a.userId(), "amount", a.amountCents()));
        if (resp.statusCode() == 402) {
            try (PreparedStatement ps = ctx.connection().prepareStatement(
                    "UPDATE rides SET charge_status = 'declined' WHERE idempotency_key = ?")) {
                ps.setString(1, ctx.idempotencyKey());
                ps.executeUpdate();
            }
            return PhaseResult.finish(Map.of("status", "payment_declined", "ride_id", rideId));
        }
        if (resp.statusCode() != 200) {
            throw new IOException("payment gateway answered " + resp.statusCode() + ": " + resp.body() + "; will retry");
        }
        String chargeId = Wire.parse(resp.body()).path("id").asText();
        if (a.raiseError() && ctx.attempt() == 1) {
            // The demo's switch: fail after the charge exists, so the retry shows that the gateway
            // returns the same charge for the same idempotency key instead of charging again.
            throw new IllegalStateException("raise_error: simulated failure after charging " + chargeId);
        }
        try (PreparedStatement ps = ctx.connection().prepareStatement(
                "UPDATE rides SET stripe_charge_id = ?, amount_cents = ?, charge_status = 'charged' WHERE idempotency_key = ?")) {
            ps.setString(1, chargeId);
            ps.setLong(2, a.amountCents());
            ps.setString(3, ctx.idempotencyKey());
            ps.executeUpdate();
        }
        ctx.values().put("charge_id", chargeId);
        return PhaseResult.next();
    }

    private static PhaseResult sendReceipt(StepContext ctx) {
        RideArgs a = ctx.args(RideArgs.class);
        String chargeId = ctx.values().get("charge_id", String.class).orElseThrow();
        ctx.stage("receipt:" + ctx.idempotencyKey(), JobRequest.of(RECEIPT, Map.of(
                "ride_key", ctx.idempotencyKey(), "user_id", a.userId(), "amount_cents", a.amountCents(), "charge_id", chargeId)));
        long rideId = ctx.values().get("ride_id", Long.class).orElseThrow();
        return PhaseResult.finish(Map.of("status", "charged", "ride_id", rideId, "charge_id", chargeId));
    }
}
