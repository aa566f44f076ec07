package dev.acidic.processor.internal.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Pattern;

/** Small pieces of the table output (pure): times, durations, shell-quoted words. */
final class Texts {
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private Texts() {}

    /** An instant to the second, UTC: {@code 2025-06-01T10:00:00Z}; null stays null. */
    static String seconds(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** An instant to the millisecond, UTC: {@code 2025-06-01T10:00:00.120Z}. */
    static String millis(Instant t) {
        if (t == null) {
            return null;
        }
        String s = t.truncatedTo(ChronoUnit.MILLIS).toString();
        return s.length() == 20 ? s.substring(0, 19) + ".000Z" : s; // a whole second prints without its fraction
    }

    /** A duration for a person: {@code 850ms}, {@code 12.3s}, {@code 4m05s}, {@code 2h07m}, {@code 3d04h}. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 0) {
            return "-" + duration(d.negated());
        }
        if (ms < 1_000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3_600) {
            return String.format(java.util.Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format(java.util.Locale.ROOT, "%dh%02dm", s / 3_600, s % 3_600 / 60);
        }
        return String.format(java.util.Locale.ROOT, "%dd%02dh", s / 86_400, s % 86_400 / 3_600);
    }

    static String millisDuration(Long ms) {
        return ms == null ? null : duration(Duration.ofMillis(ms));
    }

    /** Words as a POSIX shell reads them back: single quotes where a word needs any. */
    static String shell(List<String> words) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(SHELL_SAFE.matcher(w).matches() ? w : "'" + w.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }
}
