package dev.acidic.processor.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** How option values are read, and what a bad one is told. */
class ConvertersTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void sinceTakesATimeBackAnInstantOrADate() {
        assertEquals(Instant.parse("2025-06-01T11:00:00Z"), Converters.since("1h", NOW));
        assertEquals(Instant.parse("2025-05-30T12:00:00Z"), Converters.since("2d", NOW));
        assertEquals(Instant.parse("2025-06-01T11:59:30Z"), Converters.since("PT30S", NOW));
        assertEquals(Instant.parse("2025-05-01T08:30:00Z"), Converters.since("2025-05-01T08:30:00Z", NOW));
        assertEquals(Instant.parse("2025-05-01T00:00:00Z"), Converters.since("2025-05-01", NOW));
    }

    @Test
    void aBadSinceNamesTheValueAndTheFormsAccepted() {
        TypeConversionException e = assertThrows(TypeConversionException.class, () -> Converters.since("yesterday", NOW));
        assertTrue(e.getMessage().contains("'yesterday'") && e.getMessage().contains("1h") && e.getMessage().contains("2025-06-01"),
                e.getMessage());
        assertThrows(TypeConversionException.class, () -> Converters.since("2025-13-01", NOW));
        assertThrows(TypeConversionException.class, () -> Converters.since("2025-06-01T25:00:00Z", NOW));
    }

    @Test
    void aWaitIsADurationNotNegative() {
        Converters.WaitConverter w = new Converters.WaitConverter();
        assertEquals(Duration.ofSeconds(30), w.convert("30s"));
        assertEquals(Duration.ZERO, w.convert("0"));
        assertThrows(TypeConversionException.class, () -> w.convert("soon"));
        assertThrows(TypeConversionException.class, () -> w.convert("PT-1S"));
    }

    @Test
    void statusesAndFormatsAreReadInAnyCase() {
        assertEquals("HALTED", new Converters.StatusConverter().convert("halted"));
        TypeConversionException e = assertThrows(TypeConversionException.class, () -> new Converters.StatusConverter().convert("done"));
        assertTrue(e.getMessage().contains("[RUNNING, HALTED, SUCCEEDED, FAILED, CANCELLED]"), e.getMessage());
        assertEquals(OutputOption.Format.JSONL, new OutputOption.FormatConverter().convert("JSONL"));
        TypeConversionException f = assertThrows(TypeConversionException.class, () -> new OutputOption.FormatConverter().convert("xml"));
        assertEquals("expected one of table, json, jsonl but was 'xml'", f.getMessage());
    }
}
