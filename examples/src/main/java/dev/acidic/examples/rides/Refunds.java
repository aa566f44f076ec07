package dev.acidic.examples.rides;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.StepContext;
import dev.acidic.api.TerminalJobException;
import dev.acidic.api.Wire;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Refunding a rocket ride takes a human's approval: the job records the request, releases its key
 * while it waits for an {@code approval} signal, and refunds through the payment gateway only if
 * the signal approves it.
 *
 * <pre>
 * rides.refund  {"ride_key", "reason"?, "approval_timeout"? (ISO-8601, default PT24H)}
 *   request_approval  look the ride up by its idempotency key; insert a refunds row
 *                     ('awaiting_approval', unique per refund job) in the phase transaction, then
 *                     wait for the "approval" signal or the timeout
 *   refund_charge     no signal (timed out): 'expired'; anything but {"approved": true}: 'rejected';
 *                     approved: POST /v1/refunds with an idempotency key derived from the job's, so
 *                     a retried phase never refunds twice; store the refund id, 'refunded'. An
 *                     outage (5xx, timeout) throws and is retried with backoff; a refusal (4xx)
 *                     is recorded as 'refused'
 * </pre>
 *
 * <p>Approve or reject with a signal on the requests topic under the refund's key:
 * {@code {"command":"signal","name":"approval","payload":{"approved":true,"by":"ops"}}}
 * ({@code JobClient.send(refundKey, JobCommand.signal("approval", Map.of("approved", true)))} in
 * Java). Only an explicit JSON {@code true} approves: money leaves only on a clear yes.
 *
 * <p>A ride that does not exist, was not charged (declined, or not yet) or was refunded already
 * finishes the job at once with {@code {"status":"not_refundable","detail":...}} rather than
 * failing it: the request was understood and this is its answer, like a declined card for
 * {@code rides.create}. A {@code FAILED} job would tell an operator that something broke and invite
 * a {@code retry} command, which could never change the answer. Arguments no retry can fix (no
 * {@code ride_key}, an unreadable {@code approval_timeout}) do fail the job, with a
 * {@link TerminalJobException}.
 *
 * <p>Two refunds of one ride may wait side by side (a pending one is not a refund yet, and one
 * cancelled while waiting must not block the ride for ever); if both are approved, the gateway
 * refunds the charge once and refuses the second ('refused', {@code charge_already_refunded}).
 * A refund whose gateway call kept failing until its attempts ran out stays 'awaiting_approval'
 * with its job {@code FAILED}; a {@code {"command":"retry"}} runs {@code refund_charge} again with
 * the same signal and the same gateway key.
 */
public final class Refunds {
    public static final String JOB = "rides.refund";
    /** The signal that decides a refund. */
    public static final String APPROVAL = "approval";
    public static final Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofHours(24);
    /** The {@code "status"} of a refund job's result. */
    public static final String REFUNDED = "refunded";
    public static final String REJECTED = "rejected";
    public static final String EXPIRED = "expired";
    public static final String REFUSED = "refused";
    public static final String NOT_REFUNDABLE = "not_refundable";

    public static final List<String> SCHEMA = List.of("""
            CREATE TABLE IF NOT EXISTS refunds (
                id                bigserial   PRIMARY KEY,
                refund_key        text        NOT NULL UNIQUE,
                ride_key          text        NOT NULL,
                charge_id         text        NOT NULL,
                amount_cents      bigint      NOT NULL,
                reason            text,
                status            text        NOT NULL,
                decided_by        text,
                gateway_refund_id text,
                gateway_error     text,
                created_at        timestamptz NOT NULL DEFAULT now(),
                decided_at        timestamptz)""");

    private Refunds() {}

    public static JobDefinition definition() {
        return JobDefinition.named(JOB)
                .step("request_approval", Refunds::requestApproval)
                .step("refund_charge", Refunds::refundCharge)
                .build();
    }

    private static PhaseResult requestApproval(StepContext ctx) throws SQLException {
        String rideKey = ctx.args().path("ride_key").asText("");
        if (rideKey.isBlank()) {
            throw new TerminalJobException("rides.refund needs a \"ride_key\": the idempotency key of the ride to refund");
        }
        Duration timeout = approvalTimeout(ctx.args());
        Connection c = ctx.connection();
        String chargeId;
        long amount;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT charge_status, stripe_charge_id, amount_cents FROM rides WHERE idempotency_key = ?")) {
            ps.setString(1, rideKey);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return PhaseResult.finish(result(NOT_REFUNDABLE, "ride_key", rideKey, "detail", "no_such_ride"));
                }
                if (!"charged".equals(rs.getString(1))) {
                    return PhaseResult.finish(result(NOT_REFUNDABLE, "ride_key", rideKey, "detail", "not_charged",
                            "charge_status", rs.getString(1)));
                }
                chargeId = rs.getString(2);
                amount = rs.getLong(3);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT refund_key FROM refunds WHERE ride_key = ? AND status = 'refunded' AND refund_key <> ?""")) {
            ps.setString(1, rideKey);
            ps.setString(2, ctx.idempotencyKey());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return PhaseResult.finish(result(NOT_REFUNDABLE, "ride_key", rideKey, "detail", "already_refunded",
                            "refund_key", rs.getString(1)));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO refunds (refund_key, ride_key, charge_id, amount_cents, reason, status)
                VALUES (?, ?, ?, ?, ?, 'awaiting_approval')""")) {
            ps.setString(1, ctx.idempotencyKey());
            ps.setString(2, rideKey);
            ps.setString(3, chargeId);
            ps.setLong(4, amount);
            ps.setString(5, ctx.args().path("reason").asText(null));
            ps.executeUpdate();
        }
        return PhaseResult.awaitSignal(APPROVAL, timeout);
    }

    private static PhaseResult refundCharge(StepContext ctx) throws Exception {
        Connection c = ctx.connection();
        String chargeId;
        long amount;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT charge_id, amount_cents FROM refunds WHERE refund_key = ? AND status = 'awaiting_approval'")) {
            ps.setString(1, ctx.idempotencyKey());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new TerminalJobException("no refund awaiting approval under " + ctx.idempotencyKey());
                }
                chargeId = rs.getString(1);
                amount = rs.getLong(2);
            }
        }
        Optional<JsonNode> decision = ctx.signal(APPROVAL);
        if (decision.isEmpty()) {
            decide(c, ctx.idempotencyKey(), EXPIRED, null, null, null);
            return PhaseResult.finish(result(EXPIRED, "charge_id", chargeId));
        }
        String by = decision.get().path("by").isTextual() ? decision.get().path("by").asText() : null;
        JsonNode approved = decision.get().path("approved");
        if (!approved.isBoolean() || !approved.booleanValue()) {
            decide(c, ctx.idempotencyKey(), REJECTED, by, null, null);
            return PhaseResult.finish(result(REJECTED, "charge_id", chargeId, "by", by));
        }
        // Derived from the job's key: every retry of this phase presents the same key to the gateway.
        String refundKey = "rocket-rides:refund:" + ctx.idempotencyKey();
        HttpResponse<String> resp = GatewayCalls.post("/v1/refunds", refundKey, Map.of("charge", chargeId, "amount", amount));
        if (resp.statusCode() >= 500) {
            throw new IOException("payment gateway answered " + resp.statusCode() + ": " + resp.body() + "; will retry");
        }
        if (resp.statusCode() != 200) {
            decide(c, ctx.idempotencyKey(), REFUSED, by, null, resp.body());
            return PhaseResult.finish(result(REFUSED, "charge_id", chargeId, "by", by, "gateway", Wire.parse(resp.body())));
        }
        String refundId = Wire.parse(resp.body()).path("id").asText();
        decide(c, ctx.idempotencyKey(), REFUNDED, by, refundId, null);
        return PhaseResult.finish(result(REFUNDED, "refund_id", refundId, "charge_id", chargeId, "amount_cents", amount, "by", by));
    }

    private static Duration approvalTimeout(JsonNode args) {
        JsonNode t = args.path("approval_timeout");
        if (t.isMissingNode() || t.isNull()) {
            return DEFAULT_APPROVAL_TIMEOUT;
        }
        try {
            Duration d = Duration.parse(t.asText());
            if (d.isNegative()) {
                throw new TerminalJobException("\"approval_timeout\" must not be negative, got " + t);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new TerminalJobException("\"approval_timeout\" is an ISO-8601 duration such as \"PT24H\", got " + t, e);
        }
    }

    private static void decide(Connection c, String refundKey, String status, String by, String refundId, String gatewayError)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE refunds SET status = ?, decided_by = ?, gateway_refund_id = ?, gateway_error = ?, decided_at = now()
                WHERE refund_key = ?""")) {
            ps.setString(1, status);
            ps.setString(2, by);
            ps.setString(3, refundId);
            ps.setString(4, gatewayError);
            ps.setString(5, refundKey);
            ps.executeUpdate();
        }
    }

    /** {@code {"status": status, name: value, ...}}, leaving out null values. */
    private static ObjectNode result(String status, Object... namesAndValues) {
        ObjectNode r = Wire.mapper().createObjectNode().put("status", status);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                r.set((String) namesAndValues[i], Wire.toTree(namesAndValues[i + 1]));
            }
        }
        return r;
    }
}
