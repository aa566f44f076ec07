package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobRequest;
import dev.acidic.embedded.EmbeddedKafka;
import dev.acidic.embedded.EmbeddedPostgresServer;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Postgres stopped for 20 s under load: the processor reports itself degraded, waits instead of
 * failing (no stream thread is replaced), and once Postgres is back every job, those submitted
 * during the outage too, finishes with each effect once. A Kafka and a Postgres of its own, since
 * it stops Postgres.
 */
class PostgresOutageIT {
    private static final int JOBS = 60;

    private EmbeddedKafka kafka;
    private EmbeddedPostgresServer pg;
    private HikariDataSource db;
    private AcidicProcessor processor;
    private JobClient client;
    private String run;
    private Path dir;

    @BeforeEach
    void startServers() throws Exception {
        run = "outage-" + UUID.randomUUID().toString().substring(0, 8);
        dir = Path.of("target", "test-infra-" + run).toAbsolutePath();
        kafka = EmbeddedKafka.start(dir);
        pg = EmbeddedPostgresServer.start(dir);
        HikariConfig h = new HikariConfig();
        h.setJdbcUrl(pg.jdbcUrl());
        h.setUsername(pg.user());
        h.setMaximumPoolSize(2);
        db = new HikariDataSource(h);
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (processor != null) {
            processor.close();
        }
        db.close();
        kafka.close();
        pg.close();
    }

    private List<CompletableFuture<Completion>> submit(int from, int to) {
        List<CompletableFuture<Completion>> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(client.submit(run + ":" + i, JobRequest.of("test.looping", Map.of("times", 3, "sleepMs", 20))));
        }
        return out;
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @ParameterizedTest(name = "under {0}")
    @ValueSource(strings = {"exactly_once_v2", "at_least_once"})
    void postgresAwayFor20sUnderLoadNoThreadIsReplacedAndEveryJobFinishesOnce(String guarantee) throws Exception {
        AcidicConfig cfg = AcidicConfig.defaults()
                .withBootstrapServers(kafka.bootstrapServers())
                .withJdbc(pg.jdbcUrl(), pg.user(), pg.password())
                .withApplicationId(run).withInstanceId(run)
                .withStateDir(Path.of("target", "test-state", run))
                .with(AcidicConfig.PROCESSING_GUARANTEE, guarantee)
                .with(AcidicConfig.COMMIT_INTERVAL, "50ms")
                .with(AcidicConfig.RETRY_INITIAL_DELAY, "200ms");
        processor = AcidicProcessor.builder(cfg).discoverJobs(false).jobs(TestJobs.all()).build().start();
        assertTrue(processor.awaitRunning(Duration.ofSeconds(60)));
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(TestJobs.SCHEMA);
        }
        client = JobClient.builder(kafka.bootstrapServers()).build();

        List<CompletableFuture<Completion>> answers = submit(0, JOBS / 2);
        await(() -> answers.stream().filter(CompletableFuture::isDone).count() >= 5, Duration.ofSeconds(60), "the first jobs");
        pg.stop();
        answers.addAll(submit(JOBS / 2, JOBS)); // arrive while Postgres is away
        await(processor::degraded, Duration.ofSeconds(30), "the processor to report itself degraded");
        long stoppedAt = System.nanoTime();
        while (System.nanoTime() - stoppedAt < Duration.ofSeconds(20).toNanos()) {
            assertTrue(processor.degraded(), "degraded for as long as Postgres is away");
            assertEquals(KafkaStreams.State.RUNNING, processor.state());
            Thread.sleep(500);
        }
        pg.startAgain();

        for (CompletableFuture<Completion> a : answers) {
            Completion c = a.get(120, TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, c.status(), c.toString());
        }
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT idempotency_key), "
                        + "count(*) FILTER (WHERE n <> 3) FROM (SELECT idempotency_key, count(*) AS n FROM test_effects GROUP BY 1) k")) {
            rs.next();
            assertEquals(JOBS, rs.getInt(1), "every job committed effects");
            assertEquals(0, rs.getInt(3), "three committed effects (one per phase) for each job, none twice");
        }
        await(() -> !processor.degraded(), Duration.ofSeconds(10), "the processor to stop reporting itself degraded");
        assertEquals(0, processor.threadReplacements(), "no stream thread failed and was replaced");
        assertEquals(1, processor.postgresOutages(), "one outage, met and reported once");
        assertEquals(KafkaStreams.State.RUNNING, processor.state());
        assertFalse(processor.degraded());
    }
}
