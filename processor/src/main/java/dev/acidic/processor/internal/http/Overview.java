package dev.acidic.processor.internal.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.acidic.api.Wire;
import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.store.JobStats;
import dev.acidic.processor.internal.streams.GroupView;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@code GET /api/overview}: what the dashboard's first page shows, in one answer: this instance
 * and its health, the counts by job and status with the ended jobs per minute over the last 15
 * minutes, and the consumer group (lag per requests partition, the instances and their
 * partitions). The counts read every key (some 0.2 s per million), so they are kept for
 * {@link #STATS_TTL}; the group view is read at most every 2 s.
 */
final class Overview implements HttpHandler {
    static final Duration STATS_TTL = Duration.ofSeconds(5);

    private final String instance;
    private final Supplier<Health> health;
    private final JobQueries queries;
    private final GroupView group;
    private JobStats stats;
    private long statsAt;

    Overview(String instance, Supplier<Health> health, JobQueries queries, GroupView group) {
        this.instance = instance;
        this.health = health;
        this.queries = queries;
        this.group = group;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        if (!OpsRoutes.get(ex)) {
            return;
        }
        ObjectNode out = Wire.objectNode().put("instance", instance);
        out.set("health", health.get().readiness());
        try {
            out.set("stats", Wire.toTree(stats()));
        } catch (Exception e) {
            out.putNull("stats");
            out.put("statsError", "Postgres did not answer: " + e.getMessage());
        }
        out.set("group", Wire.toTree(group.read()));
        Exchanges.json(ex, 200, out);
    }

    private synchronized JobStats stats() throws Exception {
        long now = System.nanoTime();
        if (stats == null || now - statsAt > STATS_TTL.toNanos()) {
            stats = queries.stats();
            statsAt = System.nanoTime();
        }
        return stats;
    }
}
