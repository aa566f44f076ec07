package dev.acidic.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.embedded.EmbeddedKafka;
import dev.acidic.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's "Your first job", as a user runs it from the repository root: the starter's jobs jar
 * in the processor jar ({@code java -jar app/target/acidic-processor.jar run --jobs
 * examples/starter/target/greetings-jobs.jar}), Kafka and Postgres named by ACIDIC_* variables,
 * and a job submitted with the same jar's {@code submit ... --wait 60s}.
 */
class StarterJarIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String PROCESSOR_JAR = "app/target/acidic-processor.jar";
    private static final String JOBS_JAR = "examples/starter/target/greetings-jobs.jar";

    @Test
    void theProcessorJarRunsTheStartersJobsJarAndTheCliSubmitsAJobThatSucceeds() throws Exception {
        assertTrue(Files.exists(ROOT.resolve(PROCESSOR_JAR)), "build the processor jar first (mvn package): " + ROOT.resolve(PROCESSOR_JAR));
        assertTrue(Files.exists(ROOT.resolve(JOBS_JAR)), "build the starter first (mvn package): " + ROOT.resolve(JOBS_JAR));
        Path dir = Path.of("target", "starter-it").toAbsolutePath();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir); EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir)) {
            Map<String, String> env = Map.of(
                    "ACIDIC_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "ACIDIC_JDBC_URL", pg.jdbcUrl(),
                    "ACIDIC_JDBC_USER", pg.user(),
                    "ACIDIC_STATE_DIR", dir.resolve("state").toString(),
                    "ACIDIC_HTTP_PORT", "0");
            Path log = dir.resolve("processor.log");
            Process processor = java(env, log, "-jar", PROCESSOR_JAR, "run", "--jobs", JOBS_JAR);
            try {
                awaitReady(processor, log);
                Path submitLog = dir.resolve("submit.log");
                Process submit = java(env, submitLog, "-jar", PROCESSOR_JAR, "submit", "greet-ada", "greetings.send",
                        "{\"name\":\"Ada\"}", "--wait", "60s");
                assertTrue(submit.waitFor(90, TimeUnit.SECONDS), "submit ends");
                String answer = Files.readString(submitLog, StandardCharsets.UTF_8);
                assertEquals(0, submit.exitValue(), "submit exits 0 when the job succeeds:\n" + answer);
                assertTrue(answer.contains("SUCCEEDED") && answer.contains("Hello, Ada!"), answer);
                try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
                        PreparedStatement ps = c.prepareStatement(
                                "SELECT count(*) FROM greetings WHERE idempotency_key = 'greet-ada' AND sent_at IS NOT NULL")) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertEquals(1, rs.getInt(1), "the job's own table, created by its provider's schema()");
                    }
                }
            } finally {
                processor.destroy();
                assertTrue(processor.waitFor(60, TimeUnit.SECONDS), "the processor stops on SIGTERM");
            }
            assertTrue(Files.readString(log, StandardCharsets.UTF_8).contains("jobs [greetings.send]"), "the processor named its jobs");
        }
    }

    /** Starts {@code java ARGS} in the repository root with only {@code env}'s ACIDIC_* settings, output to {@code log}. */
    private static Process java(Map<String, String> env, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("ACIDIC_"));
        pb.environment().putAll(env);
        return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitReady(Process p, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            if (out.contains("Acidic processor ready")) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError("the processor exited " + p.exitValue() + ":\n" + out);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the processor was not ready in 90 s:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
}
