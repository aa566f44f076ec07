package dev.acidic.processor.internal.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written as ISO-8601 ({@code PT5S}) or short ({@code 5s}, {@code 500ms}), and writes them short. */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {}

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration; write e.g. 5s, 500ms or PT5S");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        if (t.startsWith("pt") || t.startsWith("p")) {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        }
        Matcher m = SHORT.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 5s, 500ms, 2m, 1h or PT5S");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /**
     * A point in time as an operator writes it: a duration back from now ({@code 1h}, {@code 30m},
     * {@code 2d}), an instant ({@code 2025-06-01T12:00:00Z}) or a date ({@code 2025-06-01}, midnight UTC).
     *
     * @throws IllegalArgumentException naming what is expected
     */
    public static java.time.Instant pointInTime(String value, java.time.Clock clock) {
        String v = value.trim();
        if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
            try {
                return java.time.LocalDate.parse(v).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("'" + value + "' is not a date: " + e.getMessage());
            }
        }
        if (v.length() > 10 && Character.isDigit(v.charAt(0)) && v.charAt(4) == '-') {
            try {
                return java.time.Instant.parse(v);
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("'" + value + "' is not an instant; write e.g. 2025-06-01T12:00:00Z");
            }
        }
        Duration back;
        try {
            back = parse(value);
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("'" + value + "' is not a duration, an instant or a date; write e.g. 1h, 2d,"
                    + " 2025-06-01T12:00:00Z or 2025-06-01");
        }
        if (back.isNegative()) {
            throw new IllegalArgumentException("'" + value + "' is negative; give how long ago, such as 1h");
        }
        return clock.instant().minus(back);
    }

    /** The short form ({@code 10s}, {@code 500ms}, {@code 0}) when exact, else ISO-8601; {@link #parse} reads both. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.isNegative() || d.getNano() % 1_000_000 != 0) {
            return d.toString();
        }
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
