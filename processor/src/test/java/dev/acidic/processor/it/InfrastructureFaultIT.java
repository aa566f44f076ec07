package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.embedded.EmbeddedKafka;
import dev.acidic.embedded.EmbeddedPostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Postgres restarted, stopped for 20 s, its connections killed, the broker stopped and started, all while jobs run:
 * the processor keeps going, says what happened, and every job finishes with each effect once.
 * Each test has a Kafka and a Postgres of its own, since it restarts them.
 */
class InfrastructureFaultIT {
    private static final String EOS = "exactly_once_v2";
    private EmbeddedKafka kafka;
    private EmbeddedPostgresServer pg;
    private HikariDataSource db;
    private AcidicProcessor processor;
    private JobClient client;
    private ListAppender<ILoggingEvent> logs;
    private String run;

    @BeforeEach
    void start() throws Exception {
        run = "infra-" + UUID.randomUUID().toString().substring(0, 8);
        Path dir = Path.of("target", "test-infra-" + run).toAbsolutePath();
        kafka = EmbeddedKafka.start(dir);
        pg = EmbeddedPostgresServer.start(dir);
        HikariConfig h = new HikariConfig();
        h.setJdbcUrl(pg.jdbcUrl());
        h.setUsername(pg.user());
        h.setMaximumPoolSize(2);
        db = new HikariDataSource(h);
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger("dev.acidic")).addAppender(logs);
    }

    private void startProcessor(String guarantee) throws Exception {
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
    }

    @AfterEach
    void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger("dev.acidic")).detachAppender(logs);
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
            out.add(client.submit(run + ":" + i, JobRequest.of("test.looping", java.util.Map.of("times", 3, "sleepMs", 20))));
        }
        return out;
    }

    private void assertAllDoneExactlyOnce(List<CompletableFuture<Completion>> answers, int jobs) throws Exception {
        for (CompletableFuture<Completion> a : answers) {
            Completion c = a.get(120, TimeUnit.SECONDS);
            assertEquals(CompletionStatus.SUCCEEDED, c.status(), c.toString());
        }
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT idempotency_key) FROM test_effects")) {
            rs.next();
            assertEquals(3 * jobs, rs.getInt(1), "three effects per job, none twice");
            assertEquals(jobs, rs.getInt(2));
        }
        assertEquals(KafkaStreams.State.RUNNING, processor.state(), "the processor kept running");
    }

    private boolean logged(Level level, String text) {
        return logs.list.stream().anyMatch(e -> e.getLevel().isGreaterOrEqual(level) && e.getFormattedMessage().contains(text));
    }

    @Test
    void postgresRestartedMidRunLosesAndDuplicatesNothing() throws Exception {
        startProcessor(EOS);
        List<CompletableFuture<Completion>> answers = submit(0, 40);
        Thread.sleep(300);
        pg.restart();
        answers.addAll(submit(40, 80));
        assertAllDoneExactlyOnce(answers, 80);
        assertEquals(0, processor.threadReplacements(), "the stream threads waited for Postgres; none failed");
    }

    @Test
    void connectionsKilledWithPgTerminateBackendAreSurvived() throws Exception {
        startProcessor(EOS);
        List<CompletableFuture<Completion>> answers = submit(0, 80);
        int killed = 0;
        for (int i = 0; i < 10; i++) {
            try (Connection c = db.getConnection(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            + "WHERE application_name LIKE 'acidic-%' AND pid <> pg_backend_pid()")) {
                rs.next();
                killed += rs.getInt(1);
            }
            Thread.sleep(100);
        }
        assertTrue(killed > 0, "some processor connections were terminated");
        assertAllDoneExactlyOnce(answers, 80);
        assertTrue(logged(Level.WARN, "could not run") || logged(Level.WARN, "Postgres is unreachable"),
                "the processor said what happened");
        assertEquals(0, processor.threadReplacements(), "no stream thread failed over a killed connection");
    }

    @Test
    void brokerStoppedFor10sMidRunLosesAndDuplicatesNothingAndReplacesNoThread() throws Exception {
        startProcessor(EOS);
        List<CompletableFuture<Completion>> answers = submit(0, 40);
        Thread.sleep(300);
        kafka.stop();
        Thread.sleep(10_000);
        kafka.restart();
        answers.addAll(submit(40, 80));
        assertAllDoneExactlyOnce(answers, 80);
        assertEquals(0, processor.threadReplacements(), "Kafka Streams' clients waited for the broker; no thread failed");
    }

    /**
     * Postgres stopped for 20 s under load: the processor reports itself degraded, waits instead
     * of failing (no stream thread is replaced), and once Postgres is back every job, those sent
     * during the outage too, finishes with each effect once.
     */
    @ParameterizedTest(name = "under {0}")
    @ValueSource(strings = {EOS, "at_least_once"})
    void postgresAwayFor20sUnderLoadNoThreadIsReplacedAndEveryJobFinishesOnce(String guarantee) throws Exception {
        startProcessor(guarantee);
        List<CompletableFuture<Completion>> answers = submit(0, 30);
        Waits.await(() -> answers.stream().filter(CompletableFuture::isDone).count() >= 5, Duration.ofSeconds(60), "the first jobs");
        pg.stop();
        answers.addAll(submit(30, 60)); // arrive while Postgres is away
        Waits.await(processor::degraded, Duration.ofSeconds(30), "the processor to report itself degraded");
        long stoppedAt = System.nanoTime();
        while (System.nanoTime() - stoppedAt < Duration.ofSeconds(20).toNanos()) {
            assertTrue(processor.degraded(), "degraded for as long as Postgres is away");
            assertEquals(KafkaStreams.State.RUNNING, processor.state());
            Thread.sleep(500);
        }
        pg.startAgain();
        assertAllDoneExactlyOnce(answers, 60);
        Waits.await(() -> !processor.degraded(), Duration.ofSeconds(10), "the processor to stop reporting itself degraded");
        assertEquals(0, processor.threadReplacements(), "no stream thread failed and was replaced");
        assertEquals(1, processor.postgresOutages(), "one outage, met and reported once");
        assertTrue(logged(Level.WARN, "Postgres is unreachable") && logged(Level.INFO, "Postgres answers again"),
                "the processor said when it began and ended");
    }
}
