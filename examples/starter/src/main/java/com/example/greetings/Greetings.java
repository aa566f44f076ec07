package com.example.greetings;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.StepContext;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * {@code greetings.send {"name": "Ada"}}: writes a greeting, queues its email in an outbox table
 * and marks it sent. Each step is an atomic phase: its writes go through {@code ctx.connection()},
 * so they commit together with the job's progress, or not at all, and a crash never repeats them.
 */
public final class Greetings {
    public static final String JOB = "greetings.send";

    private Greetings() {}

    public static JobDefinition definition() {
        return JobDefinition.named(JOB)
                .step("write_greeting", Greetings::writeGreeting)
                .step("queue_email", Greetings::queueEmail)
                .step("mark_sent", Greetings::markSent)
                .build();
    }

    private static PhaseResult writeGreeting(StepContext ctx) throws SQLException {
        String name = ctx.args().path("name").asText("world");
        try (PreparedStatement ps = ctx.connection().prepareStatement(
                "INSERT INTO greetings (idempotency_key, name, message) VALUES (?, ?, ?) RETURNING id")) {
            ps.setString(1, ctx.idempotencyKey());
            ps.setString(2, name);
            ps.setString(3, "Hello, " + name + "!");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                ctx.values().put("greeting_id", rs.getLong(1)); // read by the next steps; commits with this phase
            }
        }
        return PhaseResult.next();
    }

    private static PhaseResult queueEmail(StepContext ctx) throws SQLException {
        // An outbox row, not a call to a mail server: a mailer reads the table; a step that called one
        // itself would have to pass ctx.idempotencyKey() along, since a retried step calls it again.
        try (PreparedStatement ps = ctx.connection().prepareStatement(
                "INSERT INTO greeting_outbox (idempotency_key, greeting_id) VALUES (?, ?)")) {
            ps.setString(1, ctx.idempotencyKey());
            ps.setLong(2, ctx.values().get("greeting_id", Long.class).orElseThrow());
            ps.executeUpdate();
        }
        return PhaseResult.next();
    }

    private static PhaseResult markSent(StepContext ctx) throws SQLException {
        try (PreparedStatement ps = ctx.connection().prepareStatement(
                "UPDATE greetings SET sent_at = now() WHERE idempotency_key = ? RETURNING message")) {
            ps.setString(1, ctx.idempotencyKey());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return PhaseResult.finish(Map.of("message", rs.getString(1)));
            }
        }
    }
}
