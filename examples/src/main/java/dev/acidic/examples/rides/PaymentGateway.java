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
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake Stripe-like payment gateway over HTTP on 127.0.0.1, honouring idempotency keys: a repeated
 * {@code POST /v1/charges} with the same {@code Idempotency-Key} returns the stored response and
 * never charges again. It declines the users it is told to decline (HTTP 402) and, to show retries,
 * fails a configurable share of calls with HTTP 503 before doing anything.
 */
public final class PaymentGateway implements AutoCloseable {
    private final HttpServer server;
    private final Set<Long> declinedUsers = ConcurrentHashMap.newKeySet();
    private final Map<String, String> responses = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong charges = new AtomicLong();
    private final AtomicLong outages = new AtomicLong();
    private final double outageRate;
    private final Random random = new Random();

    private PaymentGateway(double outageRate) throws IOException {
        this.outageRate = outageRate;
        // The JDK server writes headers and body in separate packets; without TCP_NODELAY, Nagle's
        // algorithm and the client's delayed ACK add ~40 ms to every call (measured with JFR).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/v1/charges", this::charge);
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

    /** Every call received, including repeats and simulated outages. */
    public long calls() {
        return calls.get();
    }

    /** Charges actually created (one per idempotency key at most). */
    public long charges() {
        return charges.get();
    }

    public long outages() {
        return outages.get();
    }

    private void charge(HttpExchange ex) throws IOException {
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
            long user = body.path("user_id").asLong();
            long amount = body.path("amount").asLong();
            String response = responses.computeIfAbsent(key, k -> {
                if (declinedUsers.contains(user)) {
                    return "402 {\"error\":\"card_declined\",\"user_id\":" + user + "}";
                }
                return "200 {\"id\":\"ch_" + charges.incrementAndGet() + "\",\"amount\":" + amount + "}";
            });
            respond(ex, Integer.parseInt(response.substring(0, 3)), response.substring(4));
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
