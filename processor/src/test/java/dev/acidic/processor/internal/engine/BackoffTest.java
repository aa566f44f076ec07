package dev.acidic.processor.internal.engine;

import dev.acidic.processor.internal.config.Durations;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void delaysGrowByTheFactorUpToTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(100), 3.0, Duration.ofSeconds(1), 5);
        assertEquals(Duration.ofMillis(100), b.delayAfter(1));
        assertEquals(Duration.ofMillis(300), b.delayAfter(2));
        assertEquals(Duration.ofMillis(900), b.delayAfter(3));
        assertEquals(Duration.ofSeconds(1), b.delayAfter(4));
        assertEquals(Duration.ofSeconds(1), b.delayAfter(40));
    }

    @Test
    void exhaustedAfterMaxAttempts() {
        Backoff b = new Backoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), 3);
        assertFalse(b.exhausted(2));
        assertTrue(b.exhausted(3));
    }

    @Test
    void durationsParseIsoAndShortForms() {
        assertEquals(Duration.ofSeconds(5), Durations.parse("PT5S"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofHours(72), Durations.parse("72h"));
        assertEquals(Duration.ofSeconds(5), Durations.parse(" 5s "));
    }
}
