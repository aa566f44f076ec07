package dev.acidic.examples.rides;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.acidic.api.Wire;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A fake Stripe-like payment gateway over HTTP on 127.0.0.1, honouring idempotency keys: a repeated
 * {@code POST /v1/charges} or {@code POST /v1/refunds} with the same {@code Idempotency-Key}
 * returns the stored response and never charges or refunds again. It declines the users it is
 * told to decline (HTTP 402), refunds a charge it made once at most ({@code {"charge":"ch_1"}},
 * optional {@code "amount"} up to the charged one; 404 for an unknown charge, 400 for one already
 * refunded) and, to show retries, fails a configurable share of calls with HTTP 503 before doing
 * anything.
 */
public final class PaymentGateway implements AutoCloseable {
    private final HttpServer server;
    private final Set<Long> declinedUsers = ConcurrentHashMap.newKeySet();
    private final Map<String, Answer> chargeAnswers = new ConcurrentHashMap<>();
    private final Map<String, Answer> refundAnswers = new ConcurrentHashMap<>();
    private final Map<String, Long> chargedAmounts = new ConcurrentHashMap<>();
    private final Set<String> refundedCharges = ConcurrentHashMap.newKeySet();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong refundCalls = new AtomicLong();
    private final AtomicLong charges = new AtomicLong();
    private final AtomicLong refunds = new AtomicLong();
    private final AtomicLong outages = new AtomicLong();
    private final AtomicInteger refundAnswersToLose = new AtomicInteger();
    private final double outageRate;
    private final Random random = new Random();

    /** A stored answer to an idempotency key. */
    private record Answer(int status, String json) {}

    private PaymentGateway(double outageRate) throws IOException {
        this.outageRate = outageRate;
        // The JDK server writes headers and body in separate packets; without TCP_NODELAY, Nagle's
        // algorithm and the client's delayed ACK add ~40 ms to every call (measured with JFR).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/v1/charges", ex -> serve(ex, chargeAnswers, this::charge, false));
        server.createContext("/v1/refunds", ex -> {
            refundCalls.incrementAndGet();
            serve(ex, refundAnswers, this::refund, true);
        });
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "payment-gateway");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** Starts a gateway that fails {@code outageRate} (0..1) of calls with 503. */
    public static PaymentGateway start(double outageRate) throws IOException {
        return new PaymentGateway(outageRate);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void declineUser(long userId) {
        declinedUsers.add(userId);
    }

    /** Every call received, to either endpoint, including repeats and simulated outages. */
    public long calls() {
        return calls.get();
    }

    /** Calls received by {@code /v1/refunds}, including repeats and simulated outages. */
    public long refundCalls() {
        return refundCalls.get();
    }

    /** Charges actually created (one per idempotency key at most). */
    public long charges() {
        return charges.get();
    }

    /** Refunds actually made (one per idempotency key, and one per charge, at most). */
    public long refunds() {
        return refunds.get();
    }

    /** Whether the charge {@code chargeId} was refunded. */
    public boolean isRefunded(String chargeId) {
        return refundedCharges.contains(chargeId);
    }

    public long outages() {
        return outages.get();
    }

    /**
     * The next {@code n} calls to {@code /v1/refunds} that get past the simulated outages do their
     * work but lose their answer on the way back (HTTP 504), as a timeout would: what a retry with
     * the same idempotency key must survive without refunding twice.
     */
    void loseNextRefundAnswers(int n) {
        refundAnswersToLose.set(n);
    }

    private Answer charge(JsonNode body) {
        long user = body.path("user_id").asLong();
        long amount = body.path("amount").asLong();
        if (declinedUsers.contains(user)) {
            return new Answer(402, Wire.toJson(Map.of("error", "card_declined", "user_id", user)));
        }
        String id = "ch_" + charges.incrementAndGet();
        chargedAmounts.put(id, amount);
        return new Answer(200, Wire.toJson(Map.of("id", id, "amount", amount)));
    }

    private Answer refund(JsonNode body) {
        String charge = body.path("charge").asText("");
        Long charged = chargedAmounts.get(charge);
        if (charged == null) {
            return new Answer(404, Wire.toJson(Map.of("error", "no_such_charge", "charge", charge)));
        }
        long amount = body.has("amount") ? body.path("amount").asLong() : charged;
        if (amount <= 0 || amount > charged) {
            return new Answer(400, Wire.toJson(Map.of("error", "invalid_amount", "charge", charge, "charged", charged)));
        }
        if (!refundedCharges.add(charge)) {
            return new Answer(400, Wire.toJson(Map.of("error", "charge_already_refunded", "charge", charge)));
        }
        String id = "re_" + refunds.incrementAndGet();
        return new Answer(200, Wire.toJson(Map.of("id", id, "charge", charge, "amount", amount)));
    }

    private void serve(HttpExchange ex, Map<String, Answer> answers, Function<JsonNode, Answer> effect, boolean refund)
            throws IOException {
        try (ex) {
            calls.incrementAndGet();
            String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
            if (!"POST".equals(ex.getRequestMethod()) || key == null || key.isBlank()) {
                respond(ex, 400, "{\"error\":\"POST with an Idempotency-Key header\"}");
                return;
            }
            if (random.nextDouble() < outageRate) {
                outages.incrementAndGet();
                respond(ex, 503, "{\"error\":\"gateway unavailable\"}");
                return;
            }
            JsonNode body = Wire.reader().readTree(ex.getRequestBody());
            Answer answer = answers.computeIfAbsent(key, k -> effect.apply(body));
            if (refund && refundAnswersToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                respond(ex, 504, "{\"error\":\"answer lost\"}");
                return;
            }
            respond(ex, answer.status(), answer.json());
        }
    }

    private static void respond(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
