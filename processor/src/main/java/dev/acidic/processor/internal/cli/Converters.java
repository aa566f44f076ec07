package dev.acidic.processor.internal.cli;

import dev.acidic.processor.internal.config.Durations;
import dev.acidic.processor.internal.store.JobFilter;
import dev.acidic.processor.internal.store.PageCursor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option values as the commands take them; a bad value is a usage error that names the value and the forms accepted. */
final class Converters {
    private Converters() {}

    /** {@code 30s}, {@code 500ms}, {@code 5m}, {@code PT30S}; not negative. */
    static final class WaitConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = duration(value, "a duration; write e.g. 30s, 500ms, 5m or PT30S");
            if (d.isNegative()) {
                throw new TypeConversionException("'" + value + "' is negative; give 0 (send only) or a time such as 30s");
            }
            return d;
        }
    }

    /** A status as {@code failed} or {@code FAILED}. */
    static final class StatusConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return JobFilter.status(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A page cursor token as a page printed it. */
    static final class CursorConverter implements ITypeConverter<PageCursor> {
        @Override
        public PageCursor convert(String value) {
            try {
                return PageCursor.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * A point in time: a duration back from now ({@code 1h}, {@code 30m}, {@code 2d}), an instant
     * ({@code 2025-06-01T12:00:00Z}) or a date ({@code 2025-06-01}, midnight UTC).
     */
    static Instant since(String value, Clock clock) {
        try {
            return Durations.pointInTime(value, clock);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static final class SinceConverter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            return since(value, Clock.systemUTC());
        }
    }

    private static Duration duration(String value, String expected) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new TypeConversionException("'" + value + "' is not " + expected);
        }
    }
}
