package dev.acidic.processor.internal.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The registry a processor serves at /metrics, with the binders of what it runs on: the JVM
 * (memory, GC, threads, class loading, CPU, uptime) and, once it exists, its Kafka Streams client
 * (every Streams, consumer, producer and admin metric). HikariCP's meters come through the pool's
 * tracker factory. Closing it closes the binders that hold resources.
 */
public final class MeterRegistries implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final List<AutoCloseable> binders = new ArrayList<>();

    /** @param instance tagged on every meter ({@code instance_id}), so that instances on one host are told apart */
    public MeterRegistries(String application, String instance) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("application", application, "instance_id", instance);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        binders.add(gc);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public MeterRegistry meters() {
        return registry;
    }

    /** Binds the client's metrics (they follow its threads as they come and go). */
    public void bind(KafkaStreams streams) {
        KafkaStreamsMetrics m = new KafkaStreamsMetrics(streams);
        m.bindTo(registry);
        binders.add(m);
    }

    @Override
    public void close() {
        for (AutoCloseable b : binders) {
            try {
                b.close();
            } catch (Exception ignored) {
                // closing meters frees what they hold; nothing to report
            }
        }
        registry.close();
    }
}
