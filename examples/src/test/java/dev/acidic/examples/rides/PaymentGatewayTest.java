package dev.acidic.examples.rides;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.Wire;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fake gateway's refunds: idempotent per key like charges, at most one per charge, refused for
 * an unknown charge, and subject to the simulated outages.
 */
class PaymentGatewayTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> post(PaymentGateway g, String path, String key, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.url() + path))
                .POST(HttpRequest.BodyPublishers.ofString(Wire.toJson(body)));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String charge(PaymentGateway g, String key, long amount) throws Exception {
        HttpResponse<String> r = post(g, "/v1/charges", key, Map.of("user_id", 1, "amount", amount));
        assertEquals(200, r.statusCode(), r.body());
        return Wire.parse(r.body()).path("id").asText();
    }

    @Test
    void aRepeatedRefundKeyGetsTheStoredAnswerAndRefundsOnce() throws Exception {
        try (PaymentGateway g = PaymentGateway.start(0)) {
            String ch = charge(g, "c1", 2500);
            HttpResponse<String> first = post(g, "/v1/refunds", "r1", Map.of("charge", ch, "amount", 2500));
            HttpResponse<String> again = post(g, "/v1/refunds", "r1", Map.of("charge", ch, "amount", 2500));
            assertEquals(200, first.statusCode(), first.body());
            JsonNode refund = Wire.parse(first.body());
            assertTrue(refund.path("id").asText().startsWith("re_"), first.body());
            assertEquals(ch, refund.path("charge").asText());
            assertEquals(2500, refund.path("amount").asLong());
            assertEquals(200, again.statusCode());
            assertEquals(first.body(), again.body(), "the stored answer, not a second refund");
            assertEquals(1, g.refunds());
            assertEquals(2, g.refundCalls());
            assertTrue(g.isRefunded(ch));
        }
    }

    @Test
    void aChargeIsRefundedOnceEvenUnderAnotherKey() throws Exception {
        try (PaymentGateway g = PaymentGateway.start(0)) {
            String ch = charge(g, "c1", 900);
            assertEquals(200, post(g, "/v1/refunds", "r1", Map.of("charge", ch)).statusCode(), "the whole charge by default");
            HttpResponse<String> second = post(g, "/v1/refunds", "r2", Map.of("charge", ch));
            assertEquals(400, second.statusCode(), second.body());
            assertEquals("charge_already_refunded", Wire.parse(second.body()).path("error").asText());
            assertEquals(1, g.refunds());
        }
    }

    @Test
    void unknownChargesAndAmountsAboveTheChargeAreRefused() throws Exception {
        try (PaymentGateway g = PaymentGateway.start(0)) {
            HttpResponse<String> unknown = post(g, "/v1/refunds", "r1", Map.of("charge", "ch_404", "amount", 100));
            assertEquals(404, unknown.statusCode(), unknown.body());
            assertEquals("no_such_charge", Wire.parse(unknown.body()).path("error").asText());
            String ch = charge(g, "c1", 100);
            HttpResponse<String> tooMuch = post(g, "/v1/refunds", "r2", Map.of("charge", ch, "amount", 101));
            assertEquals(400, tooMuch.statusCode(), tooMuch.body());
            assertEquals("invalid_amount", Wire.parse(tooMuch.body()).path("error").asText());
            assertEquals(400, post(g, "/v1/refunds", null, Map.of("charge", ch)).statusCode(), "no Idempotency-Key");
            assertEquals(0, g.refunds());
            assertFalse(g.isRefunded(ch));
        }
    }

    @Test
    void anOutageRefundsNothingAndALostAnswerIsReplayedToTheRetry() throws Exception {
        try (PaymentGateway down = PaymentGateway.start(1.0)) {
            assertEquals(503, post(down, "/v1/refunds", "r1", Map.of("charge", "ch_1")).statusCode());
            assertEquals(1, down.outages());
            assertEquals(0, down.refunds());
        }
        try (PaymentGateway g = PaymentGateway.start(0)) {
            String ch = charge(g, "c1", 700);
            g.loseNextRefundAnswers(1);
            assertEquals(504, post(g, "/v1/refunds", "r1", Map.of("charge", ch)).statusCode(), "refunded, but the answer is lost");
            assertTrue(g.isRefunded(ch));
            HttpResponse<String> retry = post(g, "/v1/refunds", "r1", Map.of("charge", ch));
            assertEquals(200, retry.statusCode(), retry.body());
            assertEquals("re_1", Wire.parse(retry.body()).path("id").asText());
            assertEquals(1, g.refunds());
        }
    }
}
