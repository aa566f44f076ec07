package dev.acidic.processor.internal.cli;

import dev.acidic.api.Completion;
import dev.acidic.api.EventType;
import dev.acidic.processor.internal.store.JobDetail;
import dev.acidic.processor.internal.store.JobQueries;
import dev.acidic.processor.internal.store.JobSummary;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Sends a request or command and waits for what becomes of it: its answer on the completions
 * topic (matched by request id, or the job's own next completion), or, since a job that waits for
 * a signal or halts sends no completion, the job coming to rest after the command shows in its
 * journal. The journal is read, never written: the change itself is the processor's.
 */
final class AnswerWaiter {
    /** How often the journal and the row are read while no answer has come (an answer is taken the moment it comes). */
    static final Duration POLL = Duration.ofMillis(500);
    private static final int PAGE = 200;

    private final JobQueries queries;

    AnswerWaiter(JobQueries queries) {
        this.queries = queries;
    }

    /**
     * @param appliedBy the journal entry that shows the command was applied (RETRIED for a retry,
     *     ...); null: any new entry (a job request's ACCEPTED)
     * @param send sends and returns the answer's future (register before sending, as
     *     {@code JobClient.submit} does)
     * @param flush waits until what was sent is on the topic (for {@code --wait 0})
     */
    Answer await(String key, String command, EventType appliedBy, Supplier<CompletableFuture<Completion>> send, Runnable flush,
            Duration wait) throws SQLException, InterruptedException {
        long seen = queries.summary(key).map(JobSummary::lastSeq).orElse(0L);
        CompletableFuture<Completion> answer = send.get();
        if (wait.isZero()) {
            flush.run();
            if (answer.isCompletedExceptionally()) {
                answerNow(answer); // throws what the send failed with
            }
            return new Answer(key, command, Answer.Outcome.SENT, null, null);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        boolean applied = false;
        while (true) {
            long left = deadline - System.nanoTime();
            Completion c = answerWithin(answer, Math.min(left, POLL.toNanos()));
            if (c != null) {
                return Answer.answered(key, command, c);
            }
            if (!applied) {
                List<JobDetail.TimelineEntry> entries = queries.timeline(key, seen, PAGE);
                for (JobDetail.TimelineEntry e : entries) {
                    applied |= appliedBy == null || e.type() == appliedBy;
                    seen = e.seq();
                }
            }
            Optional<JobSummary> job = applied ? queries.summary(key) : Optional.empty();
            if (job.isPresent() && rests(job.get(), Instant.now())) {
                // the answer may have come while the row was read: an ended job is no rest
                c = answerWithin(answer, 0);
                return c != null ? Answer.answered(key, command, c) : new Answer(key, command, Answer.Outcome.WAITING, null, job.get());
            }
            if (System.nanoTime() >= deadline) {
                JobSummary now = job.isPresent() ? job.get() : queries.summary(key).orElse(null);
                return new Answer(key, command, applied ? Answer.Outcome.RUNNING : Answer.Outcome.NO_ANSWER, null, now);
            }
        }
    }

    /**
     * Whether the job waits for something outside itself, so no completion comes until that
     * happens: halted, waiting for a signal or for its children, or waiting for a time with no
     * failed attempt behind it (a retry's backoff is not rest: the retry may end the job soon).
     */
    static boolean rests(JobSummary j, Instant now) {
        if ("HALTED".equals(j.status())) {
            return true;
        }
        if (!"RUNNING".equals(j.status())) {
            return false;
        }
        return j.awaiting() != null || (j.attempts() == 0 && j.nextAttemptAt() != null && j.nextAttemptAt().isAfter(now));
    }

    private static Completion answerWithin(CompletableFuture<Completion> answer, long nanos) throws InterruptedException {
        try {
            if (nanos <= 0) {
                return answer.isDone() ? answer.get() : null;
            }
            return answer.get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("sending failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static void answerNow(CompletableFuture<Completion> answer) throws InterruptedException {
        answerWithin(answer, 0);
    }
}
