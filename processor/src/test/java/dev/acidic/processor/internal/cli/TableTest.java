package dev.acidic.processor.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table text's building blocks. */
class TableTest {

    @Test
    void columnsAlignAbsentValuesShowAsADashAndTheLastColumnIsNotPadded() {
        String t = new Table("KEY", "STATUS", "ERROR").row("a", "RUNNING", null).row("longer-key", "FAILED", "boom").render();
        assertEquals("""
                KEY         STATUS   ERROR
                a           RUNNING  -
                longer-key  FAILED   boom
                """, t);
    }

    @Test
    void aLongCellIsCutAndLineBreaksBecomeSpaces() {
        String cell = Table.cell("x".repeat(100));
        assertEquals(Table.MAX_CELL, cell.length());
        assertTrue(cell.endsWith("x..."), cell);
        assertEquals("a b", Table.cell("a\n  b"));
    }

    @Test
    void aRowMustFillEveryColumn() {
        assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("only one"));
    }

    @Test
    void durationsReadLikeAPersonWouldSayThem() {
        assertEquals("850ms", Texts.duration(Duration.ofMillis(850)));
        assertEquals("12.3s", Texts.duration(Duration.ofMillis(12_340)));
        assertEquals("4m05s", Texts.duration(Duration.ofSeconds(245)));
        assertEquals("2h07m", Texts.duration(Duration.ofMinutes(127)));
        assertEquals("3d04h", Texts.duration(Duration.ofHours(76)));
        assertEquals("-5ms", Texts.duration(Duration.ofMillis(-5)));
    }

    @Test
    void instantsPrintInUtcToTheSecondOrTheMillisecond() {
        Instant t = Instant.parse("2025-06-01T10:00:00.123456Z");
        assertEquals("2025-06-01T10:00:00Z", Texts.seconds(t));
        assertEquals("2025-06-01T10:00:00.123Z", Texts.millis(t));
        assertEquals("2025-06-01T10:00:00.000Z", Texts.millis(Instant.parse("2025-06-01T10:00:00Z")), "always the same width");
    }

    @Test
    void wordsAreQuotedForTheShellOnlyWhereNeeded() {
        assertEquals("acidic jobs list --job 'my job' --before abc_-1 'it'\\''s'",
                Texts.shell(List.of("acidic", "jobs", "list", "--job", "my job", "--before", "abc_-1", "it's")));
    }
}
