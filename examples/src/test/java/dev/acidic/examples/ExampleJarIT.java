package dev.acidic.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.it.TestInfra;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar, as a user runs it: {@code java -jar acidic-examples.jar run}, configured only by
 * ACIDIC_* variables, against a broker and a Postgres it did not start, fed by a plain Kafka
 * producer writing JSON strings.
 */
class ExampleJarIT {

    @Test
    void runnableJarProcessesThreeStepRequestsFromAnyKafkaClient() throws Exception {
        Path jar = Path.of("target", "acidic-examples.jar");
        assertTrue(Files.exists(jar), "build the jar first (mvn package): " + jar.toAbsolutePath());
        TestInfra infra = TestInfra.get();
        String app = "jar-" + UUID.randomUUID().toString().substring(0, 8);
        Path log = Path.of("target", app + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "run");
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("ACIDIC_"));
        env.put("ACIDIC_BOOTSTRAP_SERVERS", infra.kafka.bootstrapServers());
        env.put("ACIDIC_JDBC_URL", infra.postgres.jdbcUrl());
        env.put("ACIDIC_JDBC_USER", infra.postgres.user());
        env.put("ACIDIC_JDBC_PASSWORD", "not-needed-but-secret");
        env.put("ACIDIC_APPLICATION_ID", app);
        env.put("ACIDIC_INSTANCE_ID", app + "-1");
        env.put("ACIDIC_LOCK_TIMEOUT", "PT10S");
        env.put("ACIDIC_STREAM_THREADS", "2");
        env.put("ACIDIC_PARTITIONS", "3");
        env.put("ACIDIC_STATE_DIR", "target/" + app + "-state");
        env.put("ACIDIC_TOPIC_REQUESTS", app + ".requests");
        env.put("ACIDIC_TOPIC_COMPLETIONS", app + ".completions");
        env.put("ACIDIC_TOPIC_EVENTS", app + ".events");
        env.put("ACIDIC_TOPIC_DLQ", app + ".dlq");
        int httpPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            httpPort = free.getLocalPort();
        }
        env.put("ACIDIC_HTTP_PORT", Integer.toString(httpPort));
        env.put("ACIDIC_HTTP_TOKEN", "also-a-secret");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            awaitReady(p, log);
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(!out.contains("not-needed-but-secret"), "the JDBC password never reaches the log");
            assertTrue(!out.contains("also-a-secret"), "nor the HTTP token");
            java.net.http.HttpResponse<String> ready = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort + "/health/ready"))
                    .header("Authorization", "Bearer also-a-secret").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), "the jar serves its health: " + ready.body());
            int n = 20;
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka.bootstrapServers());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < n; i++) {
                    producer.send(new ProducerRecord<>(app + ".requests", app + ":" + i,
                            "{\"job\":\"samples.three-steps\",\"args\":{\"n\":" + i + "}}"));
                }
            }
            Map<String, Completion> answers = readCompletions(app + ".completions", infra.kafka.bootstrapServers(), n);
            assertEquals(n, answers.size());
            answers.values().forEach(c -> assertEquals(CompletionStatus.SUCCEEDED, c.status(), c.toString()));
            try (Connection c = infra.db.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT count(*), count(DISTINCT (idempotency_key, step)) FROM sample_effects WHERE idempotency_key LIKE ?")) {
                ps.setString(1, app + ":%");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(3 * n, rs.getInt(1), "one effect row per step");
                    assertEquals(3 * n, rs.getInt(2), "no step twice");
                }
            }
        } finally {
            p.destroy(); // SIGTERM: graceful shutdown
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the processor stops on SIGTERM");
        }
        assertEquals(143, p.exitValue(), "the JVM reports SIGTERM (128 + 15) after the shutdown hook ran");
        assertTrue(Files.readString(log, StandardCharsets.UTF_8).contains("Acidic processor stopped"));
    }

    private static void awaitReady(Process p, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (out.contains(AcidicProcessor.READY)) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError("processor exited " + p.exitValue() + ":\n" + out);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("processor not ready in 90 s:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }

    private static Map<String, Completion> readCompletions(String topic, String bootstrap, int n) {
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, topic + "-reader");
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Completion> answers = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<String> raw = new ArrayList<>();
            while (answers.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    raw.add(r.value());
                    answers.put(r.key(), Completion.decode(r.value().getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
        return answers;
    }
}
