package dev.acidic.testkit;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.EventType;
import dev.acidic.api.JobClient;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobEvent;
import dev.acidic.api.JobRequest;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.DirectEngine;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs jobs through a real {@link AcidicProcessor} on Kafka: requests go to its requests topic
 * through a {@link JobClient}, completions and events are read from its topics. Values and staged
 * jobs are read from Postgres.
 */
final class KafkaRunner implements Runner {
    /** How long a job's last event must stay a wait or a halt before the job counts as at rest. */
    private static final long SETTLE_MILLIS = 300;

    private final AcidicProcessor processor;
    private final JobClient client;
    private final EventTail events;
    private final DirectEngine reader;

    private KafkaRunner(AcidicProcessor processor, JobClient client, EventTail events, DirectEngine reader) {
        this.processor = processor;
        this.client = client;
        this.events = events;
        this.reader = reader;
    }

    /** Starts a processor running {@code jobs} with {@code config} and waits until it runs; {@code reader} reads Postgres. */
    static KafkaRunner start(AcidicConfig config, Collection<JobDefinition> jobs, DirectEngine reader) throws InterruptedException {
        AcidicProcessor p = AcidicProcessor.builder(config).discoverJobs(false).jobs(jobs).build().start();
        JobClient client = null;
        try {
            if (!p.awaitRunning(Duration.ofSeconds(60))) {
                throw new IllegalStateException("acidic-testkit: the processor did not reach RUNNING within 60 s");
            }
            client = config.jobClient(Duration.ofSeconds(30));
            return new KafkaRunner(p, client, new EventTail(config.bootstrapServers(), config.eventsTopic()), reader);
        } catch (RuntimeException | InterruptedException e) {
            if (client != null) {
                client.close();
            }
            p.close();
            throw e;
        }
    }

    @Override
    public JobRun run(String key, JobRequest request, Duration timeout) throws Exception {
        return atRest(key, request.job(), client.submit(key, request), timeout);
    }

    @Override
    public JobRun send(String key, JobCommand command, Duration timeout) throws Exception {
        return atRest(key, null, client.submit(key, command), timeout);
    }

    /**
     * Waits for the answer, and for the job's terminal event with it; or, for a job that comes to
     * rest without ending, until its last published event has been a wait or a halt for a moment.
     */
    private JobRun atRest(String key, String job, CompletableFuture<Completion> answer, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long restingSince = -1;
        while (System.nanoTime() < deadline) {
            if (answer.isDone()) {
                Completion c = answer.get();
                if (c.status() != CompletionStatus.REJECTED && !c.replay()) {
                    awaitTerminalEvent(key, deadline);
                }
                return read(key, job, c);
            }
            List<JobEvent> es = events.of(key);
            EventType lastType = es.isEmpty() ? null : es.get(es.size() - 1).type();
            if (lastType == EventType.WAITING || lastType == EventType.HALTED) {
                restingSince = restingSince < 0 ? System.nanoTime() : restingSince;
                if (System.nanoTime() - restingSince > TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS)) {
                    return read(key, job, null);
                }
            } else {
                restingSince = -1;
            }
            Thread.sleep(20);
        }
        return read(key, job, null);
    }

    private void awaitTerminalEvent(String key, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            List<JobEvent> es = events.of(key);
            if (!es.isEmpty() && es.get(es.size() - 1).type().isTerminal()) {
                return;
            }
            Thread.sleep(20);
        }
    }

    private JobRun read(String key, String job, Completion completion) throws SQLException {
        List<JobEvent> es = events.of(key);
        String name = !es.isEmpty() ? es.get(0).job() : completion != null && completion.job() != null ? completion.job() : job;
        List<JobRun.Staged> staged = reader.staged(key, 0).stream().map(s -> new JobRun.Staged(s.key(), s.request())).toList();
        return new JobRun(key, name, completion, es, reader.values(key), staged);
    }

    @Override
    public void close() {
        events.close();
        client.close();
        processor.close();
    }
}
