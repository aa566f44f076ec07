package dev.acidic.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The tests' kustomize renders what kustomize itself does (checked against `kubectl kustomize` where kubectl exists). */
class KustomizeRenderTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.acidic.deploy.DeployManifestsTest#renderings")
    void rendersWhatKubectlKustomizeRenders(String dir) throws Exception {
        Path kubectl = onPath("kubectl");
        assumeTrue(kubectl != null, "kubectl is not on the PATH: the renderer is not compared with kustomize here");
        Process p = new ProcessBuilder(kubectl.toString(), "kustomize", Manifests.dir(dir).toString()).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        List<JsonNode> theirs = DeployFiles.yamlDocuments(out);
        Map<String, JsonNode> expected = Manifests.byId(theirs);
        Map<String, JsonNode> actual = Manifests.byId(Kustomize.build(Manifests.dir(dir)));
        assertEquals(expected.keySet(), actual.keySet());
        for (String id : expected.keySet()) {
            assertEquals(expected.get(id), actual.get(id), id);
        }
    }

    @Test
    void jsonPatchAddsReplacesAndRemovesAndRefusesAMissingPath() throws IOException {
        ObjectNode doc = (ObjectNode) DeployFiles.JSON.readTree("{\"a\":{\"b\":[1,2]},\"c\":\"x\"}");
        ArrayNode ops = (ArrayNode) DeployFiles.JSON.readTree("[{\"op\":\"add\",\"path\":\"/a/b/-\",\"value\":3},"
                + "{\"op\":\"replace\",\"path\":\"/c\",\"value\":\"y\"},{\"op\":\"remove\",\"path\":\"/a/b/0\"},"
                + "{\"op\":\"add\",\"path\":\"/d~1e\",\"value\":true}]");
        JsonPatch.apply(doc, ops);
        assertEquals(DeployFiles.JSON.readTree("{\"a\":{\"b\":[2,3]},\"c\":\"y\",\"d/e\":true}"), doc);
        ArrayNode missing = (ArrayNode) DeployFiles.JSON.readTree("[{\"op\":\"replace\",\"path\":\"/nope/x\",\"value\":1}]");
        assertThrows(AssertionError.class, () -> JsonPatch.apply(doc, missing));
    }

    @Test
    void imagesKeepTheTagUnlessGivenOne() {
        var keepTag = new Kustomization.Image("acidic-processor", "registry.example.com/acidic", null, null);
        assertEquals("registry.example.com/acidic:1.2", keepTag.apply("acidic-processor:1.2"));
        var newTag = new Kustomization.Image("acidic-processor", null, "dev", null);
        assertTrue(newTag.matches("acidic-processor:1.2"));
        assertEquals("acidic-processor:dev", newTag.apply("acidic-processor:1.2"));
        assertTrue(!newTag.matches("registry:5000/acidic-processor-x:1"));
    }

    static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
