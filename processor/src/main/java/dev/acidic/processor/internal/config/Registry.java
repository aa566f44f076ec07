package dev.acidic.processor.internal.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * A set of declared settings under one prefix ({@code acidic.}), with pass-through prefixes whose
 * keys go unchecked to a client ({@code acidic.kafka.}); reads the sources (a map, the
 * environment, a properties file) into {@link Values}. A key under the prefix that is neither
 * declared nor pass-through is an error, so a typo does not silently fall back to a default.
 */
public final class Registry {
    /** Names the properties file the environment reads first. */
    public static final String CONFIG_FILE_ENV = "ACIDIC_CONFIG_FILE";

    private final String prefix;
    private final Map<String, Setting<?>> byKey;
    private final List<PassThrough> passThrough;
    private final Set<String> notSettings;

    /**
     * Keys under {@code prefix} handed on unchecked, the prefix cut off; from an environment
     * variable name, {@code _} reads as {@code .} when {@code underscoreIsDot} (Kafka's names),
     * else stays (JDBC driver properties such as {@code ssl_mode} do not exist, {@code sslmode} does).
     */
    record PassThrough(String prefix, boolean underscoreIsDot) {}

    /**
     * @param notSettings environment variables under the prefix that are not settings
     */
    Registry(String prefix, List<Setting<?>> settings, List<PassThrough> passThrough, Set<String> notSettings) {
        this.prefix = prefix;
        Map<String, Setting<?>> m = new LinkedHashMap<>();
        for (Setting<?> s : settings) {
            if (!s.key().startsWith(prefix) || m.put(s.key(), s) != null) {
                throw new IllegalArgumentException("setting " + s.key() + " is declared twice or outside " + prefix);
            }
        }
        this.byKey = Collections.unmodifiableMap(m);
        this.passThrough = List.copyOf(passThrough);
        this.notSettings = Set.copyOf(notSettings);
    }

    public List<Setting<?>> settings() {
        return List.copyOf(byKey.values());
    }

    public Optional<Setting<?>> find(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    /** Parses {@code given} over the defaults; keys outside the prefix are ignored. */
    public Values parse(Map<String, String> given) {
        Map<String, Map<String, String>> handedOn = new LinkedHashMap<>();
        passThrough.forEach(p -> handedOn.put(p.prefix(), new LinkedHashMap<>()));
        Map<String, String> raw = new LinkedHashMap<>();
        for (var e : given.entrySet()) {
            String k = e.getKey();
            String through = passThrough.stream().map(PassThrough::prefix).filter(k::startsWith).findFirst().orElse(null);
            if (through != null) {
                handedOn.get(through).put(k.substring(through.length()), e.getValue());
            } else if (byKey.containsKey(k)) {
                raw.put(k, e.getValue());
            } else if (k.startsWith(prefix)) {
                throw new IllegalArgumentException("unknown setting '" + k + "' (env " + Setting.envName(k) + "); known settings: "
                        + byKey.keySet() + ", plus " + String.join("* and ", passThrough.stream().map(PassThrough::prefix).toList()) + "*");
            }
        }
        Map<Setting<?>, Object> values = new LinkedHashMap<>();
        for (Setting<?> s : byKey.values()) {
            values.put(s, raw.containsKey(s.key()) ? s.parse(raw.get(s.key())) : s.defaultValue());
        }
        return new Values(this, values, handedOn);
    }

    /**
     * The settings named by environment variables ({@code ACIDIC_LOCK_TIMEOUT}) over those of the
     * properties file named by {@link #CONFIG_FILE_ENV}, as keys.
     */
    public Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> m = new LinkedHashMap<>();
        String file = env.get(CONFIG_FILE_ENV);
        if (file != null && !file.isBlank()) {
            m.putAll(readFile(Path.of(file)));
        }
        String envPrefix = Setting.envName(prefix);
        for (var e : env.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(envPrefix) && !name.equals(CONFIG_FILE_ENV) && !notSettings.contains(name)) {
                m.put(keyForEnv(name), e.getValue());
            }
        }
        return m;
    }

    /**
     * The key an environment variable names: a declared setting's, or a pass-through key with
     * {@code _} read as {@code .} (a Kafka setting with an underscore needs the file).
     */
    public String keyForEnv(String envName) {
        for (Setting<?> s : byKey.values()) {
            if (s.envName().equals(envName)) {
                return s.key();
            }
        }
        for (PassThrough p : passThrough) {
            String envP = Setting.envName(p.prefix());
            if (envName.startsWith(envP)) {
                String rest = envName.substring(envP.length()).toLowerCase(Locale.ROOT);
                return p.prefix() + (p.underscoreIsDot() ? rest.replace('_', '.') : rest);
            }
        }
        return envName.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    public static Map<String, String> fromProperties(Properties props) {
        Map<String, String> m = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(k -> m.put(k, props.getProperty(k)));
        return m;
    }

    private static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + CONFIG_FILE_ENV + " '" + file + "': " + e.getMessage(), e);
        }
        return fromProperties(p);
    }
}
