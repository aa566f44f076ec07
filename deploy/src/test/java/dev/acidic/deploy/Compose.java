package dev.acidic.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * deploy/compose.yaml as `docker compose` reads it with none of its variables set: every
 * ${VAR:-default} takes its default (a variable without one fails here, so `up` works out of the
 * box), and a service's environment is its env_file files overlaid by its environment.
 */
final class Compose {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    final Path file;
    final JsonNode root;

    Compose(Path file) {
        this.file = file;
        this.root = interpolate(DeployFiles.yaml(file).deepCopy());
    }

    JsonNode service(String name) {
        JsonNode s = root.path("services").path(name);
        if (s.isMissingNode()) {
            throw new AssertionError(file + " has no service " + name);
        }
        return s;
    }

    List<String> serviceNames() {
        List<String> names = new ArrayList<>();
        root.path("services").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The environment the service's container gets from compose (the image's own comes on top of nothing here). */
    Map<String, String> environment(String service) {
        JsonNode s = service(service);
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode files = s.path("env_file");
        List<JsonNode> list = new ArrayList<>();
        if (files.isTextual()) {
            list.add(files);
        } else {
            files.forEach(list::add);
        }
        for (JsonNode f : list) {
            env.putAll(envFile(file.getParent().resolve(f.asText())));
        }
        JsonNode e = s.path("environment");
        if (e.isArray()) {
            for (JsonNode kv : e) {
                String[] parts = kv.asText().split("=", 2);
                env.put(parts[0], parts.length > 1 ? parts[1] : "");
            }
        } else {
            e.properties().forEach(p -> env.put(p.getKey(), p.getValue().asText()));
        }
        return env;
    }

    /** KEY=VALUE lines; blank lines and comments skipped. */
    static Map<String, String> envFile(Path file) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : DeployFiles.text(file).lines().toList()) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("=", 2);
            env.put(parts[0].strip(), parts.length > 1 ? parts[1].strip() : "");
        }
        return env;
    }

    /** Compose durations as used here: 90s, 2m, 1m30s. */
    static Duration duration(String text) {
        Matcher m = Pattern.compile("(?:(\\d+)m)?(?:(\\d+)s)?").matcher(text);
        if (text.isEmpty() || !m.matches()) {
            throw new AssertionError("not a compose duration: " + text);
        }
        long minutes = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        long seconds = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
        return Duration.ofMinutes(minutes).plusSeconds(seconds);
    }

    /** The raw text of a value before interpolation, to compare how two places spell a secret. */
    String raw(String... path) {
        JsonNode n = DeployFiles.yaml(file);
        for (String p : path) {
            n = n.path(p);
        }
        return n.asText();
    }

    private static JsonNode interpolate(JsonNode node) {
        if (node instanceof ObjectNode o) {
            for (var e : List.copyOf(o.properties())) {
                o.set(e.getKey(), interpolate(e.getValue()));
            }
            return o;
        }
        if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, interpolate(a.get(i)));
            }
            return a;
        }
        if (node.isTextual()) {
            return new TextNode(interpolate(node.asText()));
        }
        return node;
    }

    static String interpolate(String text) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            if (m.group(2) == null) {
                throw new AssertionError("${" + m.group(1) + "} has no default: `docker compose up` would need it set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(2)));
        }
        m.appendTail(out);
        return out.toString().replace("$$", "$");
    }
}
