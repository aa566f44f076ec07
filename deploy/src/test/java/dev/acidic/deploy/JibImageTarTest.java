package dev.acidic.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The image Jib really wrote, where one was written to a tar: with no Docker and no registry the
 * profile still builds one on a scratch base,
 *   mvn -B -Pimage -pl app -am package jib:buildTar -Djib.from.image=scratch -DskipTests
 * and its config must match the Dockerfile's. Skipped when app/target/jib-image.tar is absent.
 */
class JibImageTarTest {
    static final Path TAR = DeployFiles.REPO.resolve("app/target/jib-image.tar");

    @Test
    void jibWroteTheConfigTheDockerfileDeclares() throws IOException {
        assumeTrue(Files.isRegularFile(TAR), TAR + " not built (see the class comment): Jib's own output is not checked");
        Map<String, byte[]> entries = untar(TAR);
        JsonNode manifest = DeployFiles.JSON.readTree(entries.get("manifest.json")).get(0);
        JsonNode config = DeployFiles.JSON.readTree(entries.get(manifest.path("Config").asText())).path("config");
        Dockerfile docker = Dockerfile.parse(DeployFiles.DOCKERFILE);
        assertEquals(docker.user(), config.path("User").asText());
        assertEquals(docker.workdir(), config.path("WorkingDir").asText());
        assertTrue(config.path("Volumes").has(ImageSpec.STATE_DIR));
        assertTrue(config.path("ExposedPorts").has(ImageSpec.HTTP_PORT + "/tcp"));
        assertEquals(docker.cmd(), texts(config.path("Cmd")));
        List<String> entrypoint = texts(config.path("Entrypoint"));
        assertEquals("java", entrypoint.get(0));
        assertEquals(docker.entrypoint().subList(1, docker.entrypoint().indexOf("-cp")),
                entrypoint.subList(1, entrypoint.indexOf("-cp")), "the same JVM flags");
        assertEquals(ImageSpec.MAIN_CLASS, entrypoint.get(entrypoint.size() - 1));
        Map<String, String> env = new HashMap<>();
        config.path("Env").forEach(e -> env.put(e.asText().split("=", 2)[0], e.asText().split("=", 2)[1]));
        assertEquals(docker.env(), env);
        for (String label : ImageSpec.REQUIRED_LABELS) {
            assertNotNull(config.path("Labels").get(label), label);
        }
    }

    /** The entries of an uncompressed tar (ustar headers; names up to 100 characters, as Jib writes them). */
    private static Map<String, byte[]> untar(Path tar) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        try (InputStream in = Files.newInputStream(tar)) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = new String(header, 0, 100, java.nio.charset.StandardCharsets.US_ASCII).replace("\0", "").strip();
                long size = Long.parseLong(new String(header, 124, 12, java.nio.charset.StandardCharsets.US_ASCII)
                        .replace("\0", "").strip(), 8);
                byte[] body = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                if (name.endsWith(".json")) {
                    out.put(name, body);
                }
            }
        }
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
