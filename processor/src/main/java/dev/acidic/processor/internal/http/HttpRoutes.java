package dev.acidic.processor.internal.http;

import com.sun.net.httpserver.HttpHandler;
import dev.acidic.api.Completion;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobCommand;
import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.streams.GroupView;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Every route of the HTTP endpoint: {@code /metrics} and the health checks ({@link OpsRoutes}),
 * the JSON API ({@code /api/jobs...}: {@link JobsApi}; {@code /api/overview}: {@link Overview}) and
 * the dashboard's page at {@code /} ({@link Dashboard}). The health checks and the overview read
 * one {@link Health}. Commands go out through a job client made on first use and closed with the routes.
 */
public final class HttpRoutes implements AutoCloseable {
    private final Supplier<JobClient> clientFactory;
    private final GroupView group;
    private JobClient client;

    /**
     * What the routes read.
     *
     * @param prometheus the registry /metrics scrapes; null when metrics are off
     * @param instance this processor's instance id
     * @param streamsState the Kafka Streams client's state, by name
     * @param postgresDown whether Postgres is unreachable
     * @param threadReplacements stream threads replaced since start
     * @param db the processor's pool (reads only)
     * @param client makes the job client that sends commands (on first use)
     * @param group the consumer group's view (lag, instances)
     */
    public record Sources(PrometheusMeterRegistry prometheus, String instance, Supplier<String> streamsState, BooleanSupplier postgresDown, LongSupplier threadReplacements,
            List<DataSource> databases, Supplier<JobClient> client, GroupView group) {}

    private final Map<String, HttpHandler> routes = new LinkedHashMap<>();

    public HttpRoutes(Sources s) {
        this.clientFactory = s.client();
        this.group = s.group();
        JobQueries queries = new JobQueries(s.databases());
        Supplier<Health> health = () -> new Health(s.streamsState().get(), s.postgresDown().getAsBoolean(),
                s.threadReplacements().getAsLong());
        routes.putAll(OpsRoutes.of(s.prometheus(), health));
        routes.put(JobsApi.PREFIX, new JobsApi(queries, this::send));
        routes.put("/api/overview", new Overview(s.instance(), health, queries, s.group()));
        routes.put("/", new Dashboard());
    }

    public Map<String, HttpHandler> routes() {
        return routes;
    }

    private CompletableFuture<Completion> send(String key, JobCommand command) {
        JobClient c;
        synchronized (this) {
            if (client == null) {
                client = clientFactory.get();
            }
            c = client;
        }
        return c.submit(key, command);
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
        group.close();
    }
}
