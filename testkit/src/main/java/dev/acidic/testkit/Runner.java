package dev.acidic.testkit;

import dev.acidic.api.JobCommand;
import dev.acidic.api.JobRequest;
import java.time.Duration;

/** How a kit runs jobs: the engine driven directly, or a real processor on Kafka. */
interface Runner extends AutoCloseable {
    /** Submits {@code request} under {@code key} and waits until the job comes to rest, at most {@code timeout}. */
    JobRun run(String key, JobRequest request, Duration timeout) throws Exception;

    /** Sends {@code command} for {@code key} and waits until the job comes to rest again, at most {@code timeout}. */
    JobRun send(String key, JobCommand command, Duration timeout) throws Exception;

    @Override
    void close();
}
