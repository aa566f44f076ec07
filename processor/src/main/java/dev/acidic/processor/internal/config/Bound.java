package dev.acidic.processor.internal.config;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What values a setting accepts, and how to say so: {@code accepted} completes "has invalid value
 * 'x': ..." in the error, so it names the range and, where it helps, an example.
 */
record Bound<T>(Predicate<? super T> test, String accepted) {

    static <T> Bound<T> any() {
        return new Bound<>(v -> true, "any value");
    }

    static <C extends Comparable<? super C>> Bound<C> between(C min, C max, Function<? super C, String> shown) {
        return new Bound<>(v -> v.compareTo(min) >= 0 && v.compareTo(max) <= 0,
                "use a value from " + shown.apply(min) + " to " + shown.apply(max));
    }

    static Bound<Integer> between(int min, int max) {
        return between(min, max, String::valueOf);
    }

    static Bound<Integer> atLeast(int min) {
        return new Bound<>(v -> v >= min, "use at least " + min);
    }

    /** A positive duration up to {@code max}; {@code example} goes into the message. */
    static Bound<Duration> positive(Duration max, String example) {
        return new Bound<>(d -> !d.isNegative() && !d.isZero() && d.compareTo(max) <= 0,
                "use a positive duration up to " + Durations.format(max) + ", such as " + example);
    }

    static Bound<String> oneOf(List<String> options) {
        return new Bound<>(options::contains, "use " + String.join(" or ", options));
    }

    static Bound<String> matches(Pattern pattern, String accepted) {
        return new Bound<>(s -> pattern.matcher(s).matches(), accepted);
    }

    /** This bound, or exactly {@code allowed} too (0 = automatic, -1 = broker default, "" = derived). */
    Bound<T> orExactly(T allowed, String meaning) {
        Predicate<? super T> inner = test;
        return new Bound<>(v -> v.equals(allowed) || inner.test(v), "use " + allowed + " (" + meaning + ") or " + strip(accepted));
    }

    private static String strip(String accepted) {
        return accepted.startsWith("use ") ? accepted.substring(4) : accepted;
    }
}
