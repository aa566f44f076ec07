package dev.acidic.testkit;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobProvider;
import dev.acidic.api.JobRequest;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.StepContext;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Jobs the kit's own tests run: well-behaved ones, and ones with effects outside their transactions. */
public final class KitJobs implements JobProvider {
    /** Three steps, each writing a row of its own in the phase transaction; stages a thank-you job. */
    static final String ORDER = "kit.order";
    static final String THANKS = "kit.thanks";
    /** Like ORDER, but its second step also writes a row through a connection of its own: not in the transaction. */
    static final String LEAKY = "kit.leaky";
    /** Like ORDER, but its second step also counts "emails" in a static map: not in the transaction either. */
    static final String MAILER = "kit.mailer";
    /** Fails its first attempt at its one step, then succeeds. */
    static final String FLAKY = "kit.flaky";
    /** Waits for an "approval" signal, then records it. */
    static final String APPROVAL = "kit.approval";

    static final Map<String, AtomicLong> EMAILS = new ConcurrentHashMap<>();

    @Override
    public Collection<JobDefinition> jobs() {
        return List.of(order(), thanks(), leaky(), mailer(), flaky(), approval());
    }

    @Override
    public List<String> schema() {
        return List.of("""
                CREATE TABLE IF NOT EXISTS kit_rows (
                    id              bigserial PRIMARY KEY,
                    idempotency_key text      NOT NULL,
                    step            text      NOT NULL,
                    UNIQUE (idempotency_key, step))""", """
                CREATE TABLE IF NOT EXISTS kit_outbox (
                    id              bigserial PRIMARY KEY,
                    idempotency_key text      NOT NULL)""");
    }

    static JobDefinition order() {
        return JobDefinition.named(ORDER)
                .step("reserve", ctx -> {
                    long id = write(ctx, "reserve");
                    ctx.values().put("reservation", id);
                    return PhaseResult.next();
                })
                .step("charge", ctx -> {
                    write(ctx, "charge");
                    return PhaseResult.next();
                })
                .step("confirm", ctx -> {
                    write(ctx, "confirm");
                    ctx.stage("thanks:" + ctx.idempotencyKey(), JobRequest.of(THANKS, Map.of("order", ctx.idempotencyKey())));
                    return PhaseResult.finish(Map.of("status", "confirmed", "items", ctx.args().path("items").asInt(),
                            "reservation", ctx.values().get("reservation", Long.class).orElseThrow()));
                })
                .build();
    }

    static JobDefinition thanks() {
        return JobDefinition.named(THANKS).step("write", ctx -> {
            write(ctx, "thanks");
            return PhaseResult.next();
        }).build();
    }

    static JobDefinition leaky() {
        return JobDefinition.named(LEAKY)
                .step("reserve", ctx -> {
                    write(ctx, "reserve");
                    return PhaseResult.next();
                })
                .step("notify", ctx -> {
                    write(ctx, "notify");
                    // the bug under test: a second connection commits at once, whatever the phase does
                    String url = ctx.connection().getMetaData().getURL();
                    try (Connection own = DriverManager.getConnection(url, "postgres", "");
                            PreparedStatement ps = own.prepareStatement("INSERT INTO kit_outbox (idempotency_key) VALUES (?)")) {
                        ps.setString(1, ctx.idempotencyKey());
                        ps.executeUpdate();
                    }
                    return PhaseResult.next();
                })
                .step("confirm", ctx -> {
                    write(ctx, "confirm");
                    return PhaseResult.next();
                })
                .build();
    }

    static JobDefinition mailer() {
        return JobDefinition.named(MAILER)
                .step("send", ctx -> {
                    write(ctx, "send");
                    EMAILS.computeIfAbsent(ctx.idempotencyKey(), k -> new AtomicLong()).incrementAndGet(); // not transactional
                    return PhaseResult.next();
                })
                .build();
    }

    static JobDefinition flaky() {
        return JobDefinition.named(FLAKY).step("try", ctx -> {
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("first attempt fails on purpose");
            }
            write(ctx, "try");
            return PhaseResult.finish(Map.of("attempt", ctx.attempt()));
        }).build();
    }

    static JobDefinition approval() {
        return JobDefinition.named(APPROVAL)
                .step("ask", ctx -> PhaseResult.awaitSignal("approval", Duration.ofHours(1)))
                .step("record", ctx -> PhaseResult.finish(Map.of("approved",
                        ctx.signal("approval").map(s -> s.path("ok").asBoolean()).orElse(false))))
                .build();
    }

    private static long write(StepContext ctx, String step) throws SQLException {
        try (PreparedStatement ps = ctx.connection().prepareStatement(
                "INSERT INTO kit_rows (idempotency_key, step) VALUES (?, ?) RETURNING id")) {
            ps.setString(1, ctx.idempotencyKey());
            ps.setString(2, step);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
