package dev.acidic.processor.internal.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Parsed, checked values of every declared setting plus the pass-through maps (by prefix, the
 * prefix cut off). Immutable; equal when every value is.
 */
public final class Values {
    private final Registry registry;
    private final Map<Setting<?>, Object> values;
    private final Map<String, Map<String, String>> passThrough;

    Values(Registry registry, Map<Setting<?>, Object> values, Map<String, Map<String, String>> passThrough) {
        this.registry = registry;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        Map<String, Map<String, String>> p = new LinkedHashMap<>();
        passThrough.forEach((prefix, m) -> p.put(prefix, Collections.unmodifiableMap(new TreeMap<>(m))));
        this.passThrough = Collections.unmodifiableMap(p);
    }

    public <T> T get(Setting<T> s) {
        Object v = values.get(s);
        if (v == null) {
            throw new IllegalArgumentException("not a setting of this registry: " + s.key());
        }
        @SuppressWarnings("unchecked") // put by Registry.parse from s itself
        T t = (T) v;
        return t;
    }

    /** The settings given under {@code prefix} ({@code acidic.kafka.}), keys without it. */
    public Map<String, String> passThrough(String prefix) {
        return passThrough.getOrDefault(prefix, Map.of());
    }

    /** Every value as its key and text, declared settings first; secrets included (do not log). */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (Setting<?> s : registry.settings()) {
            m.put(s.key(), text(s));
        }
        passThrough.forEach((prefix, map) -> map.forEach((k, v) -> m.put(prefix + k, v)));
        return m;
    }

    /** {@link #toMap()} with every secret masked: safe to log. */
    public Map<String, String> toMaskedMap() {
        Map<String, String> m = new LinkedHashMap<>();
        toMap().forEach((k, v) -> m.put(k, Secrets.mask(k, v, registry.find(k).map(Setting::isSecret).orElse(false))));
        return m;
    }

    private <T> String text(Setting<T> s) {
        return s.format(get(s));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Values other && values.equals(other.values) && passThrough.equals(other.passThrough);
    }

    @Override
    public int hashCode() {
        return values.hashCode() * 31 + passThrough.hashCode();
    }

    @Override
    public String toString() {
        return toMaskedMap().toString();
    }
}
