package dev.acidic.processor.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.api.Completion;
import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobError;
import dev.acidic.api.Wire;
import dev.acidic.processor.internal.store.JobSummary;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What a sent request or command ends as: its exit code, its text, and when a job counts as resting. */
class AnswerTest {
    private static Completion done(CompletionStatus st, boolean replay) {
        return new Completion("k", st, "j", st == CompletionStatus.SUCCEEDED ? Wire.parse("{\"ok\":true}") : null,
                st == CompletionStatus.SUCCEEDED ? null : new JobError("Boom", "bad", "s", 1), null, replay, 1);
    }

    private static int code(String command, Completion c) {
        return Answer.answered("k", command, c).exitCode();
    }

    @Test
    void exitCodesFollowWhatTheCommandWasFor() {
        assertEquals(0, code("submit", done(CompletionStatus.SUCCEEDED, false)));
        assertEquals(0, code("submit", done(CompletionStatus.SUCCEEDED, true)), "a replayed success is a success");
        assertEquals(1, code("submit", done(CompletionStatus.FAILED, false)));
        assertEquals(1, code("retry", done(CompletionStatus.CANCELLED, false)));
        assertEquals(0, code("cancel", done(CompletionStatus.CANCELLED, false)));
        assertEquals(0, code("cancel", done(CompletionStatus.CANCELLED, true)), "cancelled already");
        assertEquals(1, code("cancel", done(CompletionStatus.SUCCEEDED, true)), "it ended otherwise before the cancel");
        assertEquals(3, code("signal", Completion.rejected("k", null, Completion.NO_SUCH_JOB, "none")));
        assertEquals(1, code("resume", Completion.rejected("k", "j", Completion.NOT_HALTED, "running")));
        assertEquals(1, code("submit", Completion.rejected("k", "nope", Completion.UNKNOWN_JOB, "unknown")));
        assertEquals(0, new Answer("k", "signal", Answer.Outcome.WAITING, null, null).exitCode());
        assertEquals(0, new Answer("k", "submit", Answer.Outcome.SENT, null, null).exitCode());
        assertEquals(1, new Answer("k", "retry", Answer.Outcome.RUNNING, null, null).exitCode());
        assertEquals(1, new Answer("k", "cancel", Answer.Outcome.NO_ANSWER, null, null).exitCode());
    }

    private static JobSummary row(String status, String awaiting, int attempts, Instant next) {
        return new JobSummary("k", "j", status, "step", 1, attempts, awaiting, null, Instant.EPOCH, Instant.EPOCH, next, null, 3, null);
    }

    @Test
    void aJobRestsWhenItWaitsForSomethingOutsideItself() {
        Instant now = Instant.parse("2025-06-01T10:00:00Z");
        assertTrue(AnswerWaiter.rests(row("HALTED", null, 0, null), now));
        assertTrue(AnswerWaiter.rests(row("RUNNING", "approved", 0, now.plusSeconds(60)), now));
        assertTrue(AnswerWaiter.rests(row("RUNNING", "$children", 0, null), now));
        assertTrue(AnswerWaiter.rests(row("RUNNING", null, 0, now.plusSeconds(60)), now), "waitUntil");
        assertFalse(AnswerWaiter.rests(row("RUNNING", null, 2, now.plusSeconds(1)), now), "a retry's backoff");
        assertFalse(AnswerWaiter.rests(row("RUNNING", null, 0, null), now), "due now");
        assertFalse(AnswerWaiter.rests(row("SUCCEEDED", null, 0, null), now));
    }

    @Test
    void theTextSaysWhatHappenedAndWhatToDoNext() {
        String failed = Answer.answered("k", "submit", done(CompletionStatus.FAILED, false)).text(Duration.ofSeconds(30));
        assertEquals("FAILED: job j key 'k', run 1\nerror: Boom: bad (step s)\n", failed);
        String ok = Answer.answered("k", "submit", done(CompletionStatus.SUCCEEDED, true)).text(Duration.ofSeconds(30));
        assertEquals("SUCCEEDED (replay of the stored outcome): job j key 'k', run 1\nresult: {\"ok\":true}\n", ok);
        String none = Answer.answered("k", "cancel", Completion.rejected("k", null, Completion.NO_SUCH_JOB, "no job")).text(Duration.ZERO);
        assertTrue(none.startsWith("REJECTED: key 'k'\nreason: NO_SUCH_JOB\n"), none);
        String waits = new Answer("k", "retry", Answer.Outcome.WAITING, null, row("RUNNING", "approved", 0, null)).text(Duration.ZERO);
        assertEquals("retry for key 'k' applied; the job waits for signal 'approved'\n", waits);
        String halted = new Answer("k", "resume", Answer.Outcome.WAITING, null, row("HALTED", null, 0, null)).text(Duration.ZERO);
        assertTrue(halted.contains("is halted at step step (jobs resume continues it)"), halted);
        String running = new Answer("my key", "retry", Answer.Outcome.RUNNING, null, row("RUNNING", null, 1, null)).text(Duration.ofSeconds(5));
        assertTrue(running.contains("had not ended within 5.0s: RUNNING at step step") && running.contains("jobs show 'my key'"), running);
        String silent = new Answer("k", "submit", Answer.Outcome.NO_ANSWER, null, null).text(Duration.ofSeconds(30));
        assertTrue(silent.contains("within 30.0s: is a processor running") && silent.contains("The request stays"), silent);
    }

    @Test
    void itsJsonFieldsAreTheDocumentedOnesWithTheOutcomeInLowerCase() {
        String json = JsonOutput.line(new Answer("k", "signal", Answer.Outcome.NO_ANSWER, null, null));
        assertEquals("{\"key\":\"k\",\"command\":\"signal\",\"outcome\":\"no_answer\",\"completion\":null,\"job\":null}", json);
    }
}
