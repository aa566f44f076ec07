package dev.acidic.processor.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReaperPaceTest {
    @Test
    void zeroRetentionTurnsTheReaperOff() {
        assertTrue(new ReaperPace(Duration.ZERO).off());
        assertFalse(new ReaperPace(Duration.ofHours(72)).off());
        assertThrows(IllegalArgumentException.class, () -> new ReaperPace(Duration.ofSeconds(-1)));
    }

    @Test
    void aRoundEveryHundredthOfTheRetentionFromASecondToAMinute() {
        assertEquals(Duration.ofMinutes(1), new ReaperPace(Duration.ofHours(72)).interval(), "the default: every minute");
        assertEquals(Duration.ofSeconds(36), new ReaperPace(Duration.ofHours(1)).interval());
        assertEquals(Duration.ofSeconds(6), new ReaperPace(Duration.ofMinutes(10)).interval());
        assertEquals(Duration.ofSeconds(1), new ReaperPace(Duration.ofSeconds(5)).interval(), "never more often than each second");
    }

    @Test
    void afterABatchItPausesAsLongAsTheBatchTookAtLeastTenMilliseconds() {
        assertEquals(Duration.ofMillis(250), ReaperPace.pauseAfter(Duration.ofMillis(250)));
        assertEquals(Duration.ofMillis(10), ReaperPace.pauseAfter(Duration.ofMillis(2)));
    }
}
