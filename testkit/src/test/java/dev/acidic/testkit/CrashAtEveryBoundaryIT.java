package dev.acidic.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.processor.CrashPoints;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

@AcidicTest(providers = KitJobs.class)
class CrashAtEveryBoundaryIT {
    private static final Effect ROWS = Effect.sql("kit_rows of the key", "SELECT count(*) FROM kit_rows WHERE idempotency_key = ?");

    @Test
    void aJobWhoseWorkIsAllInItsTransactionsPassesEveryBoundary(AcidicKit acidic) {
        CrashReport report = acidic.crashAtEveryBoundary(KitJobs.order(), Map.of("items", 2), CrashCheck.effects(ROWS,
                Effect.sql("thank-you rows", "SELECT count(*) FROM kit_rows WHERE idempotency_key = 'thanks:' || ?"))
                .ignoringResultFields("reservation"));
        assertTrue(report.passed(), report::toString);
        // three steps: before each, after each before its commit, after each commit
        assertEquals(9, report.crashes().size(), report::toString);
        assertEquals(List.of(CrashPoints.Boundary.BEFORE_STEP, CrashPoints.Boundary.BEFORE_PHASE_COMMIT,
                CrashPoints.Boundary.AFTER_PHASE_COMMIT), report.crashes().subList(0, 3).stream().map(CrashReport.Crash::boundary).toList());
        assertEquals("before step 'reserve' runs", report.crashes().get(0).where());
        assertEquals("after step 'confirm' committed in Postgres, before the Kafka commit", report.crashes().get(8).where());
        report.crashes().forEach(c -> c.recovered().assertSucceeded());
    }

    @Test
    void aStepThatWritesThroughASecondConnectionFailsWithTheBoundaryAndTheCause(AcidicKit acidic) {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> acidic.crashAtEveryBoundary(KitJobs.leaky(),
                Map.of(), ROWS, Effect.sql("outbox rows", "SELECT count(*) FROM kit_outbox WHERE idempotency_key = ?")));
        String m = e.getMessage();
        assertTrue(m.contains("9 boundaries, 1 failed"), m);
        assertTrue(m.contains("FAILED  crash after step 'notify' ran, before its phase commits"), m);
        assertTrue(m.contains("effect 'outbox rows' changed by 2, a clean run changes it by 1: the step ran, the crash rolled its"
                + " phase back and the step ran again, so part of its work is outside its transaction"), m);
        assertTrue(m.contains("ok      crash after step 'notify' committed in Postgres"), m);
    }

    @Test
    void aStepThatCountsInMemoryFailsToo(AcidicKit acidic) {
        Effect emails = Effect.of("emails", key -> KitJobs.EMAILS.getOrDefault(key, new AtomicLong()).get());
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> acidic.crashAtEveryBoundary(KitJobs.mailer(),
                Map.of(), ROWS, emails));
        assertTrue(e.getMessage().contains("FAILED  crash after step 'send' ran, before its phase commits"), e.getMessage());
        assertTrue(e.getMessage().contains("effect 'emails' changed by 2"), e.getMessage());
    }

    @Test
    void anEffectThatARunDoesNotChangeIsRefusedAsUseless(AcidicKit acidic) {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> acidic.crashAtEveryBoundary(KitJobs.order(),
                Map.of(), Effect.sql("wrong", "SELECT count(*) FROM kit_rows WHERE step = 'nonsense' AND idempotency_key = ?")));
        assertTrue(e.getMessage().contains("effect 'wrong' did not change in a clean run"), e.getMessage());
    }

    @Test
    void aJobWithARetryInItsCleanRunIsCrashedAroundTheFailureToo(AcidicKit acidic) {
        CrashReport report = acidic.crashAtEveryBoundary(KitJobs.flaky(), Map.of(), ROWS);
        assertTrue(report.passed(), report::toString);
        assertTrue(report.crashes().stream().anyMatch(c -> c.where().equals("before step 'try' runs (its run 2)")), report::toString);
    }
}
