package dev.acidic.processor.internal.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One setting, declared once: key, type, typed default, bound, doc and whether it is a secret. The
 * environment name, the listing, parsing, the bound's error message and masking derive from it.
 * Immutable; the builder-style methods return copies.
 *
 * @param <T> the type the setting's value parses to
 */
public final class Setting<T> {
    private final String key;
    private final Function<String, T> parser;
    private final Function<T, String> formatter;
    private final T defaultValue;
    private final String shownDefault;
    private final Bound<? super T> bound;
    private final String doc;
    private final boolean secret;

    private Setting(String key, Function<String, T> parser, Function<T, String> formatter, T defaultValue, String shownDefault,
            Bound<? super T> bound, String doc, boolean secret) {
        this.key = Objects.requireNonNull(key);
        this.parser = parser;
        this.formatter = formatter;
        this.defaultValue = Objects.requireNonNull(defaultValue, key);
        this.shownDefault = shownDefault;
        this.bound = bound;
        this.doc = doc;
        this.secret = secret;
    }

    private static <T> Setting<T> of(String key, Function<String, T> parser, Function<T, String> formatter, T defaultValue) {
        return new Setting<>(key, parser, formatter, defaultValue, null, Bound.any(), "", false);
    }

    static Setting<String> string(String key, String defaultValue) {
        return of(key, s -> s, s -> s, defaultValue);
    }

    /** A string read case-insensitively (stored lower case). */
    static Setting<String> lowerCase(String key, String defaultValue) {
        return of(key, s -> s.toLowerCase(Locale.ROOT), s -> s, defaultValue);
    }

    static Setting<Integer> integer(String key, int defaultValue) {
        return of(key, Integer::valueOf, String::valueOf, defaultValue);
    }

    static Setting<Double> decimal(String key, double defaultValue) {
        return of(key, Double::valueOf, String::valueOf, defaultValue);
    }

    static Setting<Boolean> bool(String key, boolean defaultValue) {
        return of(key, Setting::parseBool, String::valueOf, defaultValue);
    }

    /** ISO-8601 ({@code PT5S}) or short ({@code 5s}, {@code 500ms}, {@code 2m}, {@code 1h}, {@code 1d}). */
    static Setting<Duration> duration(String key, Duration defaultValue) {
        return of(key, Durations::parse, Durations::format, defaultValue);
    }

    static Setting<Path> path(String key, Path defaultValue) {
        return of(key, Path::of, Path::toString, defaultValue);
    }

    Setting<T> bound(Bound<? super T> b) {
        return new Setting<>(key, parser, formatter, defaultValue, shownDefault, b, doc, secret);
    }

    Setting<T> doc(String text) {
        return new Setting<>(key, parser, formatter, defaultValue, shownDefault, bound, text, secret);
    }

    /** Never shown: masked in {@code toString}, listings and error messages. */
    Setting<T> secret() {
        return new Setting<>(key, parser, formatter, defaultValue, shownDefault, bound, doc, true);
    }

    /** How the listing shows the default when the typed default is a stand-in ({@code <hostname>}). */
    Setting<T> shownDefault(String shown) {
        return new Setting<>(key, parser, formatter, defaultValue, shown, bound, doc, secret);
    }

    public String key() {
        return key;
    }

    /** {@code acidic.lock.timeout} -> {@code ACIDIC_LOCK_TIMEOUT}. */
    public String envName() {
        return envName(key);
    }

    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    public T defaultValue() {
        return defaultValue;
    }

    /** The default as the listing shows it; "" when there is none. */
    public String shownDefault() {
        return shownDefault != null ? shownDefault : format(defaultValue);
    }

    public String doc() {
        return doc;
    }

    public boolean isSecret() {
        return secret;
    }

    /** What the bound accepts, as the error message says it. */
    public String accepted() {
        return bound.accepted();
    }

    public boolean accepts(T value) {
        return bound.test().test(value);
    }

    public String format(T value) {
        return formatter.apply(value);
    }

    /**
     * Parses and checks {@code raw} (trimmed); the error names the key, the environment variable,
     * the value (masked if secret), what is accepted and the default.
     */
    public T parse(String raw) {
        String text = raw == null ? "" : raw.trim();
        T value;
        try {
            value = parser.apply(text);
        } catch (RuntimeException e) {
            // a parser's message (NumberFormatException's) quotes the input: not for a secret
            throw secret ? invalid(text, "not a valid value", null)
                    : invalid(text, e.getMessage() + "; default is '" + shownDefault() + "'", e);
        }
        if (!accepts(value)) {
            throw invalid(text, bound.accepted(), null);
        }
        return value;
    }

    private IllegalArgumentException invalid(String text, String fix, Throwable cause) {
        return new IllegalArgumentException("setting " + key + " (env " + envName() + ") has invalid value '"
                + Secrets.mask(key, text, secret) + "': " + fix, cause);
    }

    private static boolean parseBool(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new IllegalArgumentException("use true or false");
        };
    }

    @Override
    public String toString() {
        return key;
    }
}
