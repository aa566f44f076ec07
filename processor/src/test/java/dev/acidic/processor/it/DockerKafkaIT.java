package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The end-to-end path against a Kafka broker in a container, for users with Docker. Skipped (not
 * failed) where no Docker daemon runs; the embedded broker covers the same path everywhere.
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerKafkaIT {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");

    @Test
    void jobRunsEndToEndOnAContainerizedBroker() throws Exception {
        TestInfra infra = TestInfra.get();
        String app = "tc-" + UUID.randomUUID().toString().substring(0, 8);
        AcidicConfig cfg = AcidicConfig.defaults()
                .withBootstrapServers(KAFKA.getBootstrapServers())
                .withJdbc(infra.postgres.jdbcUrl(), infra.postgres.user(), infra.postgres.password())
                .withApplicationId(app)
                .withInstanceId(app)
                .withStateDir(Path.of("target", "test-state", app))
                .with(AcidicConfig.COMPLETER_IDLE, "0") // the shared Postgres holds other tests' unfinished keys
                .with(AcidicConfig.RETENTION, "0"); // and finished ones
        try (AcidicProcessor p = AcidicProcessor.builder(cfg).discoverJobs(false).jobs(TestJobs.all()).build().start()) {
            assertEquals(true, p.awaitRunning(Duration.ofSeconds(60)));
            try (JobClient client = JobClient.builder(KAFKA.getBootstrapServers()).build()) {
                String key = app + ":k";
                Completion c = client.submit(key, JobRequest.of("test.three-steps", Map.of("n", 1))).get(60, TimeUnit.SECONDS);
                assertEquals(CompletionStatus.SUCCEEDED, c.status());
                try (Harness h = new Harness("tc-check", Map.of())) {
                    assertEquals(List.of("first", "second", "third"), h.effects(key));
                }
            }
        }
    }
}
