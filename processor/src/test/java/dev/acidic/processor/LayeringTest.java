package dev.acidic.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The engine and the store are handed small settings records of their own, never the whole configuration. */
class LayeringTest {

    @Test
    void engineAndStoreDoNotUseAcidicConfig() throws IOException {
        List<String> offenders;
        try (Stream<Path> files = Stream.of("engine", "store")
                .map(p -> Path.of("src/main/java/dev/acidic/processor/internal", p))
                .flatMap(LayeringTest::walk)) {
            offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> read(f).contains("AcidicConfig"))
                    .map(Path::toString).toList();
        }
        assertEquals(List.of(), offenders);
    }

    private static Stream<Path> walk(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no " + dir.toAbsolutePath() + ": run from the processor module");
        }
        try {
            return Files.walk(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
