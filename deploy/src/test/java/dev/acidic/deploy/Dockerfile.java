package dev.acidic.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The instructions of a Dockerfile that say what the image is: enough of the format to check
 * one (continuation lines, comments, exec-form JSON arrays, KEY=VALUE lists), not a builder.
 */
record Dockerfile(String from, String user, String workdir, List<String> volumes, List<String> expose,
        List<String> entrypoint, List<String> cmd, Map<String, String> env, Map<String, String> labels,
        List<String> healthcheck, List<String> copies) {

    private static final Pattern PAIR = Pattern.compile("([A-Za-z0-9_.\\-]+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");

    static Dockerfile parse(Path file) {
        List<String> lines = instructions(DeployFiles.text(file));
        String from = null;
        String user = null;
        String workdir = null;
        List<String> volumes = new ArrayList<>();
        List<String> expose = new ArrayList<>();
        List<String> entrypoint = List.of();
        List<String> cmd = List.of();
        List<String> healthcheck = List.of();
        List<String> copies = new ArrayList<>();
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> args = new LinkedHashMap<>();
        for (String line : lines) {
            String[] parts = line.split("\\s+", 2);
            String op = parts[0].toUpperCase(Locale.ROOT);
            String rest = parts.length > 1 ? parts[1].trim() : "";
            switch (op) {
                case "FROM" -> from = rest.split("\\s+")[0];
                case "USER" -> user = rest;
                case "WORKDIR" -> workdir = rest;
                case "VOLUME" -> volumes.addAll(List.of(rest.split("\\s+")));
                case "EXPOSE" -> expose.addAll(List.of(rest.split("\\s+")));
                case "ENTRYPOINT" -> entrypoint = execForm(rest, line);
                case "CMD" -> cmd = execForm(rest, line);
                case "ENV" -> env.putAll(pairs(rest, args));
                case "LABEL" -> labels.putAll(pairs(rest, args));
                case "ARG" -> args.putAll(pairs(rest, args));
                case "COPY" -> copies.add(rest);
                case "HEALTHCHECK" -> healthcheck = execForm(rest.substring(rest.indexOf("CMD ") + 4).trim(), line);
                default -> { }
            }
        }
        return new Dockerfile(from, user, workdir, volumes, expose, entrypoint, cmd, env, labels, healthcheck, copies);
    }

    /** Logical lines: comments and the parser directive dropped, backslash continuations joined. */
    private static List<String> instructions(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : text.split("\\R")) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            out.add(current.toString().strip());
            current.setLength(0);
        }
        return out;
    }

    private static List<String> execForm(String json, String line) {
        try {
            return DeployFiles.JSON.readValue(json, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new AssertionError("not the exec form (a JSON array): " + line, e);
        }
    }

    private static Map<String, String> pairs(String text, Map<String, String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = PAIR.matcher(text);
        while (m.find()) {
            String value = m.group(2);
            if (value.startsWith("\"")) {
                value = value.substring(1, value.length() - 1).replace("\\\"", "\"");
            }
            for (var arg : args.entrySet()) {
                value = value.replace("${" + arg.getKey() + "}", arg.getValue());
            }
            out.put(m.group(1), value);
        }
        return out;
    }
}
