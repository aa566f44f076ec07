package dev.acidic.processor.internal.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The operational routes: {@code /metrics} (Prometheus text format) and the two health checks. */
final class OpsRoutes {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private OpsRoutes() {}

    /**
     * @param prometheus the registry to scrape; null when metrics are off (then /metrics answers 404 saying so)
     * @param health the processor's health as of now
     */
    static Map<String, HttpHandler> of(PrometheusMeterRegistry prometheus, Supplier<Health> health) {
        Map<String, HttpHandler> routes = new LinkedHashMap<>();
        routes.put("/metrics", ex -> {
            if (!get(ex)) {
                return;
            }
            if (prometheus == null) {
                Exchanges.error(ex, 404, "metrics are off (acidic.metrics.enabled=false)");
                return;
            }
            Exchanges.send(ex, 200, PROMETHEUS_TEXT, prometheus.scrape().getBytes(StandardCharsets.UTF_8));
        });
        routes.put("/health/live", ex -> {
            if (get(ex)) {
                Exchanges.json(ex, 200, Health.liveness());
            }
        });
        routes.put("/health/ready", ex -> {
            if (get(ex)) {
                Health h = health.get();
                Exchanges.json(ex, h.ready() ? 200 : 503, h.readiness());
            }
        });
        return routes;
    }

    /** Whether the request is a GET or HEAD of exactly its route; answers 405 or 404 otherwise. */
    static boolean get(HttpExchange ex) throws IOException {
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            Exchanges.error(ex, 405, ex.getRequestMethod() + " is not allowed here; use GET");
            return false;
        }
        if (!ex.getRequestURI().getPath().equals(ex.getHttpContext().getPath())) {
            Exchanges.error(ex, 404, "no such path: " + ex.getRequestURI().getPath());
            return false;
        }
        return true;
    }
}
