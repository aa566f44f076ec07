package dev.acidic.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the module layering true by reading imports: job-api depends on no engine, and examples
 * use only public API (no {@code .internal} package).
 */
class LayeringTest {

    private static List<String> violations(Path root, List<String> forbidden) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (line.startsWith("import ")) {
                        for (String bad : forbidden) {
                            if (line.contains(bad)) {
                                out.add(root.relativize(f) + ": " + line);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void jobApiImportsNoEngineCode() throws IOException {
        assertEquals(List.of(), violations(Path.of("..", "job-api", "src", "main", "java"),
                List.of("dev.acidic.processor", "org.apache.kafka.streams", "com.zaxxer", "org.postgresql")));
    }

    @Test
    void examplesUseOnlyPublicApi() throws IOException {
        assertEquals(List.of(), violations(Path.of("src", "main", "java"), List.of(".internal.")));
    }
}
