package dev.acidic.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** deploy/grafana/dashboards/acidic.json parses, reads only metrics a processor exports, and shows what an operator needs. */
class GrafanaDashboardTest {
    static final String DATASOURCE_UID = "prometheus";

    /**
     * The processor's own meters, as the README's "Health, metrics and logs" table names them,
     * in Prometheus' spelling (Micrometer: counters end in _total, timers in _seconds; histograms
     * add _bucket, _count, _sum and _max).
     */
    static final Set<String> ACIDIC_METRICS = Set.of(
            "acidic_jobs_started_total", "acidic_jobs_finished_total", "acidic_step_failures_total",
            "acidic_retries_scheduled_total", "acidic_lock_deferrals_total", "acidic_poison_records_total",
            "acidic_dlq_records_total", "acidic_jobs", "acidic_timers_pending",
            "acidic_phase_seconds_bucket", "acidic_phase_seconds_count", "acidic_phase_seconds_sum", "acidic_phase_seconds_max",
            "acidic_batch_keys_bucket", "acidic_batch_keys_count", "acidic_batch_keys_sum", "acidic_batch_keys_max");

    /**
     * Kafka client, HikariCP and JVM meters the dashboard reads, each seen in a processor's
     * /metrics (a processor run with embedded Kafka and Postgres, scraped on 2026-12-03; the
     * README lists the families: kafka_*, hikaricp_connections*, jvm_*).
     */
    static final Set<String> INFRASTRUCTURE_METRICS = Set.of(
            "kafka_consumer_fetch_manager_records_lag_max", "kafka_stream_thread_process_rate",
            "hikaricp_connections_active", "hikaricp_connections_idle", "hikaricp_connections_pending", "hikaricp_connections_max",
            "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum");

    /** Written by Prometheus itself for every target. */
    static final Set<String> PROMETHEUS_METRICS = Set.of("up");

    private final JsonNode dashboard = DeployFiles.json(DeployFiles.DASHBOARD);

    @Test
    void dashboardQueriesReadOnlyMetricsTheProcessorExports() {
        Set<String> unknown = used().stream()
                .filter(m -> !ACIDIC_METRICS.contains(m) && !INFRASTRUCTURE_METRICS.contains(m) && !PROMETHEUS_METRICS.contains(m))
                .collect(Collectors.toSet());
        assertTrue(unknown.isEmpty(), "metrics no processor exports: " + unknown);
    }

    @Test
    void dashboardShowsThroughputStatusesLatencyFailuresDlqLagJobsAndThePool() {
        Set<String> used = used();
        for (String m : List.of("acidic_jobs_started_total", "acidic_jobs_finished_total", "acidic_phase_seconds_bucket",
                "acidic_step_failures_total", "acidic_retries_scheduled_total", "acidic_dlq_records_total",
                "acidic_poison_records_total", "kafka_consumer_fetch_manager_records_lag_max", "acidic_jobs",
                "acidic_timers_pending", "hikaricp_connections_active")) {
            assertTrue(used.contains(m), m + " is on no panel");
        }
    }

    @Test
    void phaseLatencyIsShownAtP50AndP99FromTheHistogram() {
        List<String> exprs = expressions().stream().filter(e -> e.contains("acidic_phase_seconds_bucket")).toList();
        assertTrue(exprs.stream().anyMatch(e -> e.startsWith("histogram_quantile(0.5,")), exprs.toString());
        assertTrue(exprs.stream().anyMatch(e -> e.startsWith("histogram_quantile(0.99,")), exprs.toString());
        assertTrue(exprs.stream().allMatch(e -> e.contains("sum by (le, job, step)")), "per job and step, buckets kept: " + exprs);
    }

    @Test
    void jobsByStatusTakesTheMaxBecauseEveryInstanceCountsTheSameDatabase() {
        assertTrue(panelExpressions().stream().filter(e -> PromQl.metrics(e).contains("acidic_jobs"))
                .allMatch(e -> e.startsWith("max by (status)")), "summing would count each job once per processor");
    }

    @Test
    void everyPanelAndQueryUsesTheProvisionedDatasource() {
        assertFalse(panels().isEmpty());
        for (JsonNode p : panels()) {
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals(DATASOURCE_UID, p.path("datasource").path("uid").asText(), p.path("title").asText());
            assertFalse(p.path("targets").isEmpty(), p.path("title") + " has no query");
            p.path("targets").forEach(t -> assertEquals(DATASOURCE_UID, t.path("datasource").path("uid").asText()));
        }
        assertFalse(dashboard.path("uid").asText().isBlank());
        assertFalse(dashboard.path("title").asText().isBlank());
    }

    @Test
    void metricNamesAreFoundOutsideLabelsFunctionsGroupingsAndStrings() {
        assertEquals(Set.of("a_bucket"), PromQl.metrics(
                "histogram_quantile(0.99, sum by (le, job) (rate(a_bucket{job=\"x\", instance_id=~\"$instance_id\"}[$__rate_interval])))"));
        assertEquals(Set.of("a_total", "b_total"), PromQl.metrics("sum(rate(a_total[5m])) / on(job) group_left sum(b_total) > bool 1e3"));
        assertEquals(Set.of("acidic_jobs"), PromQl.metrics("label_values(acidic_jobs, instance_id)"));
    }

    private Set<String> used() {
        Set<String> names = new LinkedHashSet<>();
        expressions().forEach(e -> names.addAll(PromQl.metrics(e)));
        return names;
    }

    /** Every panel's queries and every templating query. */
    private List<String> expressions() {
        List<String> out = new ArrayList<>(panelExpressions());
        dashboard.path("templating").path("list").forEach(v -> out.add(v.path("query").path("query").asText(v.path("query").asText())));
        return out;
    }

    private List<String> panelExpressions() {
        List<String> out = new ArrayList<>();
        for (JsonNode p : panels()) {
            p.path("targets").forEach(t -> out.add(t.path("expr").asText()));
        }
        return out;
    }

    private List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        dashboard.path("panels").forEach(p -> Stream.concat(Stream.of(p), stream(p.path("panels"))).forEach(out::add));
        return out;
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list.stream();
    }
}
