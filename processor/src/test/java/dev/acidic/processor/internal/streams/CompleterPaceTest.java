package dev.acidic.processor.internal.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CompleterPaceTest {
    private static final Duration BUDGET = Duration.ofMillis(500);

    @Test
    void sweepsAtHalfTheIdleTimeBetweenOneSecondAndFiveMinutes() {
        assertEquals(Duration.ofSeconds(30), new CompleterPace(Duration.ofMinutes(1), BUDGET).interval(), "the default");
        assertEquals(Duration.ofSeconds(1), new CompleterPace(Duration.ofSeconds(1), BUDGET).interval(), "never more often");
        assertEquals(Duration.ofMillis(1_500), new CompleterPace(Duration.ofSeconds(3), BUDGET).interval());
        assertEquals(Duration.ofMinutes(5), new CompleterPace(Duration.ofHours(2), BUDGET).interval(), "never rarer");
    }

    @Test
    void zeroIdleTurnsItOff() {
        assertTrue(new CompleterPace(Duration.ZERO, BUDGET).off());
        assertFalse(new CompleterPace(Duration.ofSeconds(1), BUDGET).off());
    }

    @Test
    void aSweepThatLeftKeysBehindComesBackSooner() {
        CompleterPace pace = new CompleterPace(Duration.ofMinutes(1), BUDGET);
        assertEquals(Duration.ofSeconds(30), pace.next(0, 0), "nothing found");
        assertEquals(Duration.ofSeconds(30), pace.next(7, 7), "all found were driven");
        assertEquals(Duration.ofSeconds(1), pace.next(7, 3), "the budget ran out: twice the budget, at least 1 s");
        assertEquals(Duration.ofSeconds(1), pace.next(CompleterPace.BATCH, CompleterPace.BATCH), "a full batch: more may wait");
        assertEquals(Duration.ofSeconds(4), new CompleterPace(Duration.ofMinutes(1), Duration.ofSeconds(2)).next(7, 3),
                "a longer budget leaves the thread longer gaps");
        assertEquals(Duration.ofSeconds(1), new CompleterPace(Duration.ofSeconds(2), Duration.ofSeconds(2)).next(7, 3),
                "never later than the regular interval");
    }

    @Test
    void theQueryMayTakeTheBudgetAndAtLeastOneSecond() {
        assertEquals(Duration.ofSeconds(1), new CompleterPace(Duration.ofMinutes(1), BUDGET).statementTimeout());
        assertEquals(Duration.ofSeconds(3), new CompleterPace(Duration.ofMinutes(1), Duration.ofSeconds(3)).statementTimeout());
    }
}
