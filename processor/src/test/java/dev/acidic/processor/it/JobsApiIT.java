package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.api.Wire;
import dev.acidic.processor.AcidicConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JSON API the dashboard reads, against a real processor (real Kafka, real Postgres): lists
 * with filters and paging, a job in full (a key with a '/' in it), the overview, and commands that
 * go through the requests topic and come back with their answers.
 */
class JobsApiIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(int port, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(HttpResponse<String> r, int status) {
        assertEquals(status, r.statusCode(), r.body());
        return Wire.parse(r.body());
    }

    private static String enc(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void listsShowsCommandsAndTheOverviewAnswerAsDocumented() throws Exception {
        int port = ObservabilityIT.freePort();
        try (Harness h = new Harness("api", Map.of(AcidicConfig.HTTP_PORT, Integer.toString(port)))) {
            h.start();
            String job = "test.three-steps";
            List<String> ok = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ok.add(h.key("ok/" + i)); // a '/' in the key: one path segment, percent-encoded
                assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(ok.get(i), JobRequest.of(job, Map.of("i", i)))
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            }
            String failed = h.key("bad");
            assertEquals(CompletionStatus.FAILED, h.client().submit(failed, JobRequest.of("test.terminal", Map.of()))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS).status());

            // a page of 2 of this test's succeeded jobs, then the next, newest first
            String since = enc(java.time.Instant.now().minusSeconds(600).toString());
            JsonNode first = json(call(port, "GET", "/api/jobs?status=succeeded&job=" + job + "&limit=2&since=" + since, null), 200);
            assertEquals(2, first.path("jobs").size(), first.toString());
            JsonNode one = first.path("jobs").get(0);
            for (String field : List.of("key", "job", "status", "recoveryPoint", "run", "attempts", "createdAt", "finishedAt", "lastSeq")) {
                assertTrue(one.has(field), field + " in " + one);
            }
            assertEquals("SUCCEEDED", one.path("status").asText());
            List<String> seen = new ArrayList<>();
            JsonNode page = first;
            while (true) {
                page.path("jobs").forEach(j -> seen.add(j.path("key").asText()));
                if (page.path("next").isNull()) {
                    break;
                }
                page = json(call(port, "GET", "/api/jobs?status=SUCCEEDED&job=" + job + "&limit=2&since=" + since + "&before="
                        + enc(page.path("next").asText()), null), 200);
            }
            assertTrue(seen.containsAll(ok), "every page together: " + seen);
            assertEquals(seen.size(), seen.stream().distinct().count(), "no job twice across pages");

            JsonNode failedList = json(call(port, "GET", "/api/jobs?status=FAILED&job=test.terminal", null), 200);
            assertTrue(failedList.path("jobs").findValuesAsText("key").contains(failed), failedList.toString());
            assertEquals(400, call(port, "GET", "/api/jobs?status=NOPE", null).statusCode());

            JsonNode detail = json(call(port, "GET", "/api/jobs/" + enc(ok.get(0)), null), 200);
            assertEquals(ok.get(0), detail.path("summary").path("key").asText(), detail.toString());
            assertTrue(detail.path("timeline").size() >= 5, "ACCEPTED, three phases, SUCCEEDED: " + detail);
            JsonNode bad = json(call(port, "GET", "/api/jobs/" + enc(failed), null), 200);
            assertTrue(bad.path("errorStack").asText().contains("TerminalJobException"), "the stored stack: " + bad);
            assertEquals("FAILED", bad.path("summary").path("status").asText());
            assertEquals(404, call(port, "GET", "/api/jobs/" + enc(h.key("nobody")), null).statusCode());

            // commands: through the requests topic, answered
            JsonNode retried = json(call(port, "POST", "/api/jobs/" + enc(ok.get(1)) + "/retry", null), 409);
            assertEquals("NOT_RETRYABLE", retried.path("answer").path("reason").asText(), retried.toString());
            JsonNode none = json(call(port, "POST", "/api/jobs/" + enc(h.key("nobody")) + "/cancel", "{\"reason\":\"x\"}"), 404);
            assertEquals("NO_SUCH_JOB", none.path("answer").path("reason").asText());
            String waiting = h.key("waiting");
            CompletableFuture<dev.acidic.api.Completion> approval = h.client().submit(waiting,
                    JobRequest.of("test.approval", Map.of("timeoutMs", 120_000)));
            h.events().await(rs -> h.eventsOf(waiting).stream().anyMatch(e -> "act".equals(e.recoveryPoint())), WAIT, "the wait");
            HttpResponse<String> signalled = call(port, "POST", "/api/jobs/" + enc(waiting) + "/signal",
                    "{\"name\":\"approved\",\"payload\":{\"by\":\"api\"}}");
            assertTrue(signalled.statusCode() == 200 || signalled.statusCode() == 202, signalled.body());
            assertEquals("api", approval.get(WAIT.toSeconds(), TimeUnit.SECONDS).result().path("approved").path("by").asText());
            assertEquals(405, call(port, "GET", "/api/jobs/" + enc(waiting) + "/cancel", null).statusCode());
            assertEquals(400, call(port, "POST", "/api/jobs/" + enc(waiting) + "/signal", "{}").statusCode(), "a signal needs a name");

            JsonNode overview = json(call(port, "GET", "/api/overview", null), 200);
            assertEquals("UP", overview.path("health").path("status").asText(), overview.toString());
            assertTrue(overview.path("stats").path("counts").size() > 0, overview.toString());
            assertEquals(h.config.partitions(), overview.path("group").path("lag").size(), overview.toString());
            assertEquals(1, overview.path("group").path("instances").size(), overview.toString());
            assertEquals(h.config.instanceId(), overview.path("group").path("instances").get(0).path("id").asText(), overview.toString());
            assertEquals(h.config.partitions(), overview.path("group").path("instances").get(0).path("partitions").size());

            HttpResponse<String> page0 = call(port, "GET", "/", null);
            assertEquals(200, page0.statusCode());
            assertTrue(page0.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertEquals(404, call(port, "GET", "/assets/../../etc/passwd", null).statusCode());
        }
    }
}
