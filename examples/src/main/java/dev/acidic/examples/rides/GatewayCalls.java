package dev.acidic.examples.rides;

import dev.acidic.api.TerminalJobException;
import dev.acidic.api.Wire;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * How the rides jobs reach the payment gateway: its URL, from {@link RocketRides#GATEWAY_ENV} (or
 * the system property {@code rocket.rides.gateway.url} for a processor in the same JVM), and a POST
 * that carries an idempotency key.
 */
final class GatewayCalls {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private GatewayCalls() {}

    /**
     * POSTs {@code body} as JSON to {@code path} of the gateway with the {@code Idempotency-Key}
     * header; a repeated call with the same key gets the gateway's stored answer.
     *
     * @throws TerminalJobException when no gateway is configured (no retry can fix that)
     * @throws IOException when the gateway cannot be reached (the phase is retried)
     */
    static HttpResponse<String> post(String path, String idempotencyKey, Object body) throws IOException, InterruptedException {
        String gateway = System.getenv().getOrDefault(RocketRides.GATEWAY_ENV, System.getProperty("rocket.rides.gateway.url", ""));
        if (gateway.isBlank()) {
            throw new TerminalJobException("no payment gateway configured: set " + RocketRides.GATEWAY_ENV);
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create(gateway + path))
                .timeout(Duration.ofSeconds(5))
                .header("Idempotency-Key", idempotencyKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Wire.toJson(body)))
                .build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }
}
