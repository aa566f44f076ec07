package dev.acidic.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;

/** A kustomization.yaml, limited to what {@link Kustomize} renders: any other field is refused when loading. */
record Kustomization(String apiVersion, String kind, String namespace, List<String> resources, List<Image> images,
        List<Patch> patches) {

    record Image(String name, String newName, String newTag, String digest) {
        boolean matches(String image) {
            return nameOf(image).equals(name);
        }

        String apply(String image) {
            String base = newName != null ? newName : name;
            if (digest != null) {
                return base + "@" + digest;
            }
            if (newTag != null) {
                return base + ":" + newTag;
            }
            return base + image.substring(nameOf(image).length());
        }

        private static String nameOf(String image) {
            int at = image.indexOf('@');
            String s = at >= 0 ? image.substring(0, at) : image;
            int colon = s.lastIndexOf(':');
            return colon > s.lastIndexOf('/') ? s.substring(0, colon) : s;
        }
    }

    record Patch(String path, String patch, Target target) {}

    record Target(String group, String version, String kind, String name) {
        boolean matches(JsonNode o) {
            String apiVersion = o.path("apiVersion").asText();
            String g = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            String v = apiVersion.substring(apiVersion.indexOf('/') + 1);
            return (kind == null || kind.equals(o.path("kind").asText()))
                    && (name == null || name.equals(o.path("metadata").path("name").asText()))
                    && (group == null || group.equals(g)) && (version == null || version.equals(v));
        }
    }

    List<Patch> patchesOrNone() {
        return patches == null ? List.of() : patches;
    }

    List<Image> imagesOrNone() {
        return images == null ? List.of() : images;
    }

    static Kustomization load(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        try {
            Kustomization k = KubernetesModels.STRICT.treeToValue(DeployFiles.yaml(file), Kustomization.class);
            if (!"Kustomization".equals(k.kind()) || k.resources() == null) {
                throw new AssertionError(file + ": not a Kustomization with resources");
            }
            return k;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(file + " uses what Kustomize (the tests' renderer) does not know: " + e.getMessage(), e);
        }
    }
}
