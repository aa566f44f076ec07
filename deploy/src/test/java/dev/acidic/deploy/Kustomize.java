package dev.acidic.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * kustomize build, for the features deploy/k8s uses and no others, so the tests check what
 * `kubectl apply -k` would apply without a kustomize binary: resources (files, and directories
 * with a kustomization), patches (JSON 6902 with a kind/name target, and `$patch: delete`),
 * images and namespace. A kustomization using anything else fails to load ({@link Kustomization}
 * refuses unknown fields): extend this class with it. {@code KustomizeRenderTest} compares the
 * output with kubectl's where kubectl exists.
 */
final class Kustomize {
    private Kustomize() {}

    /** Every object the kustomization in {@code dir} produces, in resource order. */
    static List<ObjectNode> build(Path dir) {
        Kustomization k = Kustomization.load(dir);
        List<ObjectNode> objects = new ArrayList<>();
        for (String resource : k.resources()) {
            Path p = dir.resolve(resource).normalize();
            if (Files.isDirectory(p)) {
                objects.addAll(build(p));
            } else {
                for (JsonNode doc : DeployFiles.yamlDocuments(p)) {
                    objects.add((ObjectNode) doc);
                }
            }
        }
        for (Kustomization.Patch patch : k.patchesOrNone()) {
            apply(patch, dir, objects);
        }
        for (Kustomization.Image image : k.imagesOrNone()) {
            objects.forEach(o -> setImages(o, image, false));
        }
        if (k.namespace() != null) {
            objects.forEach(o -> ((ObjectNode) o.path("metadata")).put("namespace", k.namespace()));
        }
        return objects;
    }

    private static void apply(Kustomization.Patch patch, Path dir, List<ObjectNode> objects) {
        List<JsonNode> docs = patch.path() != null ? DeployFiles.yamlDocuments(dir.resolve(patch.path()))
                : List.of(readInline(patch.patch()));
        for (JsonNode doc : docs) {
            if (doc.isArray()) {
                Kustomization.Target t = patch.target();
                if (t == null) {
                    throw new AssertionError("a JSON 6902 patch needs a target: " + patch);
                }
                List<ObjectNode> targets = objects.stream().filter(t::matches).toList();
                if (targets.isEmpty()) {
                    throw new AssertionError("patch " + patch + " matches no object");
                }
                targets.forEach(o -> JsonPatch.apply(o, (ArrayNode) doc));
            } else if ("delete".equals(doc.path("$patch").asText())) {
                String kind = doc.path("kind").asText();
                String name = doc.path("metadata").path("name").asText();
                if (!objects.removeIf(o -> o.path("kind").asText().equals(kind) && o.path("metadata").path("name").asText().equals(name))) {
                    throw new AssertionError("delete patch " + patch + " matches no " + kind + " " + name);
                }
            } else {
                throw new AssertionError("strategic merge patches other than $patch: delete are not supported here: " + patch
                        + "; write a JSON 6902 patch or extend Kustomize");
            }
        }
    }

    private static JsonNode readInline(String yaml) {
        try {
            return DeployFiles.YAML.readTree(yaml);
        } catch (java.io.IOException e) {
            throw new AssertionError("inline patch: " + e.getMessage(), e);
        }
    }

    /** kustomize's images transformer: every container image whose name matches, in any pod template. */
    private static void setImages(JsonNode node, Kustomization.Image image, boolean inContainers) {
        if (node instanceof ObjectNode o) {
            if (inContainers && o.has("image") && image.matches(o.get("image").asText())) {
                o.put("image", image.apply(o.get("image").asText()));
            }
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                boolean containers = e.getKey().equals("containers") || e.getKey().equals("initContainers");
                setImages(e.getValue(), image, containers);
            }
        } else if (node instanceof ArrayNode a) {
            a.forEach(n -> setImages(n, image, inContainers));
        }
    }
}
