package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What an operator sees of a real processor (real Kafka, real Postgres): health and Prometheus
 * metrics (the processor's own meters and the binders') over HTTP behind the bearer token, and log
 * lines that carry the key, job, step and run of what they are about.
 */
class ObservabilityIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOKEN = "s3cret-token";
    private final HttpClient http = HttpClient.newHttpClient();

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the sample of {@code name} whose labels include each of {@code labels} (k="v"), or -1. */
    static double sample(String scrape, String name, String... labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(scrape);
        while (m.find()) {
            String got = m.group(1);
            boolean all = true;
            for (String l : labels) {
                all &= got.contains(l);
            }
            if (all) {
                return Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }

    @Test
    void healthAndMetricsAreServedBehindTheTokenWithTheJobsMetersAndTheBinders() throws Exception {
        int port = freePort();
        try (Harness h = new Harness("http", Map.of(AcidicConfig.HTTP_PORT, Integer.toString(port), AcidicConfig.HTTP_TOKEN, TOKEN))) {
            h.start();
            assertEquals(port, h.processors().get(0).httpPort());

            HttpResponse<String> anonymous = get(port, "/health/live", null);
            assertEquals(401, anonymous.statusCode(), anonymous.body());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertEquals(401, get(port, "/metrics", "wrong").statusCode());
            assertEquals(200, get(port, "/health/live", TOKEN).statusCode());
            HttpResponse<String> ready = get(port, "/health/ready", TOKEN);
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("\"status\":\"UP\"") && ready.body().contains("\"streams\":\"RUNNING\""), ready.body());
            assertEquals(404, get(port, "/health/nope", TOKEN).statusCode());

            for (int i = 0; i < 3; i++) {
                assertEquals(CompletionStatus.SUCCEEDED, h.client().submit(h.key("ok" + i), JobRequest.of("test.three-steps", Map.of()))
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            }
            ListAppender<ILoggingEvent> logs = new ListAppender<>();
            logs.start();
            Logger failures = (Logger) LoggerFactory.getLogger("dev.acidic.processor.internal.engine.FailureRecorder");
            failures.addAppender(logs);
            try {
                assertEquals(CompletionStatus.FAILED, h.client().submit(h.key("bad"), JobRequest.of("test.terminal", Map.of()))
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
            } finally {
                failures.detachAppender(logs);
            }
            ILoggingEvent failed = logs.list.stream().filter(e -> e.getFormattedMessage().contains("FAILED at step")).findFirst()
                    .orElseThrow(() -> new AssertionError("no FAILED line: " + logs.list));
            Map<String, String> mdc = failed.getMDCPropertyMap();
            assertEquals(h.key("bad"), mdc.get("key"), "the line's MDC: " + mdc);
            assertEquals("test.terminal", mdc.get("job"));
            assertEquals("1", mdc.get("run"));
            assertTrue(mdc.get("step") != null && !mdc.get("step").isEmpty(), mdc.toString());
            h.client().send(h.key("dlq"), "not json".getBytes(java.nio.charset.StandardCharsets.UTF_8)).get();
            h.completions().await(rs -> !h.completionsOf(h.key("dlq")).isEmpty(), WAIT, "the rejection");

            String[] scrape = new String[1];
            Waits.await(() -> {
                try {
                    scrape[0] = get(port, "/metrics", TOKEN).body();
                } catch (Exception e) {
                    return false;
                }
                return sample(scrape[0], "acidic_jobs_finished_total", "job=\"test.three-steps\"", "status=\"SUCCEEDED\"") == 3
                        && sample(scrape[0], "acidic_dlq_records_total", "reason=\"INVALID_REQUEST\"") == 1;
            }, WAIT, "the jobs' meters");
            String s = scrape[0];
            assertEquals(3, sample(s, "acidic_jobs_started_total", "job=\"test.three-steps\""), "one per job: " + s);
            assertEquals(1, sample(s, "acidic_jobs_finished_total", "job=\"test.terminal\"", "status=\"FAILED\""));
            assertTrue(sample(s, "acidic_step_failures_total", "job=\"test.terminal\"") >= 1);
            assertEquals(3, sample(s, "acidic_phase_seconds_count", "job=\"test.three-steps\"", "step=\"second\""),
                    "each step once per job");
            assertTrue(sample(s, "acidic_phase_seconds_bucket", "job=\"test.three-steps\"", "le=\"+Inf\"") >= 3, "a histogram");
            assertTrue(s.contains("acidic_batch_keys_bucket"), "the batch histogram");
            assertTrue(sample(s, "acidic_jobs", "status=\"RUNNING\"") >= 0, "jobs per status from Postgres");
            assertTrue(sample(s, "acidic_timers_pending", "instance_id=") >= 0);
            assertTrue(sample(s, "acidic_lock_deferrals_total", "instance_id=") >= 0);
            assertTrue(sample(s, "acidic_poison_records_total", "instance_id=") >= 0);
            for (String binder : List.of("jvm_memory_used_bytes", "hikaricp_connections", "kafka_consumer_fetch_manager_records_consumed_total",
                    "process_cpu_usage")) {
                assertTrue(s.contains(binder), binder + " missing from the scrape");
            }
            assertTrue(!s.contains(h.key("ok0")), "no key as a label");
        }
    }

    @Test
    void withMetricsOffTheEndpointSaysSoAndHealthStillAnswers() throws Exception {
        int port = freePort();
        try (Harness h = new Harness("http-off", Map.of(AcidicConfig.HTTP_PORT, Integer.toString(port),
                AcidicConfig.METRICS_ENABLED, "false"))) {
            h.start();
            HttpResponse<String> metrics = get(port, "/metrics", null);
            assertEquals(404, metrics.statusCode());
            assertTrue(metrics.body().contains("acidic.metrics.enabled=false"), metrics.body());
            assertEquals(200, get(port, "/health/ready", null).statusCode(), "no token set, loopback: open");
        }
    }
}
