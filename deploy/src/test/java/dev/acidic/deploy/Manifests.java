package dev.acidic.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The objects one kustomization renders, loaded into typed models (every one, or the test fails). */
final class Manifests {
    final String name;
    final List<ObjectNode> raw;
    final List<Object> typed = new ArrayList<>();

    private Manifests(String name, List<ObjectNode> raw) {
        this.name = name;
        this.raw = raw;
        raw.forEach(o -> typed.add(KubernetesModels.load(o)));
    }

    /** base, overlays/dev, overlays/prod. */
    static Manifests render(String dir) {
        return new Manifests(dir, Kustomize.build(DeployFiles.K8S.resolve(dir)));
    }

    static List<String> all() {
        return List.of("base", "overlays/dev", "overlays/prod");
    }

    static Path dir(String name) {
        return DeployFiles.K8S.resolve(name);
    }

    <T> List<T> all(Class<T> type) {
        return typed.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T> Optional<T> find(Class<T> type, String objectName) {
        return all(type).stream().filter(o -> objectName.equals(nameOf(o))).findFirst();
    }

    <T> T get(Class<T> type, String objectName) {
        return find(type, objectName).orElseThrow(() -> new AssertionError(name + " has no " + type.getSimpleName() + " " + objectName));
    }

    <T> T one(Class<T> type) {
        List<T> all = all(type);
        if (all.size() != 1) {
            throw new AssertionError(name + ": expected one " + type.getSimpleName() + ", found " + all.size());
        }
        return all.get(0);
    }

    private static String nameOf(Object o) {
        if (o instanceof HasMetadata h) {
            return h.getMetadata().getName();
        }
        if (o instanceof ScaledObject s) {
            return s.metadata().getName();
        }
        return null;
    }

    /**
     * The environment a container of {@code podName} starts with: the image's, its envFrom
     * ConfigMaps, then its env (field refs resolved for the pod, secret refs from the rendered
     * Secret, or a stand-in value when the overlay leaves the Secret to the cluster).
     */
    Map<String, String> environment(Container c, String podName) {
        Map<String, String> env = new HashMap<>();
        for (EnvFromSource from : c.getEnvFrom()) {
            if (from.getConfigMapRef() == null || from.getPrefix() != null) {
                throw new AssertionError("only envFrom ConfigMaps without prefix are resolved here: " + from);
            }
            env.putAll(get(ConfigMap.class, from.getConfigMapRef().getName()).getData());
        }
        for (EnvVar v : c.getEnv()) {
            env.put(v.getName(), value(v, podName));
        }
        return ImageSpec.containerEnvironment(env);
    }

    private String value(EnvVar v, String podName) {
        if (v.getValueFrom() == null) {
            return v.getValue();
        }
        var from = v.getValueFrom();
        if (from.getFieldRef() != null && "metadata.name".equals(from.getFieldRef().getFieldPath())) {
            return podName;
        }
        if (from.getSecretKeyRef() != null) {
            String secret = from.getSecretKeyRef().getName();
            String key = from.getSecretKeyRef().getKey();
            return find(Secret.class, secret).map(s -> secretValue(s, key))
                    .orElse("from-secret-" + secret + "-" + key);
        }
        if (from.getConfigMapKeyRef() != null) {
            return get(ConfigMap.class, from.getConfigMapKeyRef().getName()).getData().get(from.getConfigMapKeyRef().getKey());
        }
        throw new AssertionError("env " + v.getName() + ": a valueFrom not resolved here: " + from);
    }

    static String secretValue(Secret s, String key) {
        if (s.getStringData() != null && s.getStringData().containsKey(key)) {
            return s.getStringData().get(key);
        }
        if (s.getData() != null && s.getData().containsKey(key)) {
            return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
        }
        throw new AssertionError("secret " + s.getMetadata().getName() + " has no key " + key);
    }

    /** apiVersion/kind/name -> object, for comparing renderings. */
    static Map<String, JsonNode> byId(List<? extends JsonNode> objects) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode o : objects) {
            out.put(KubernetesModels.kindOf(o) + "/" + o.path("metadata").path("name").asText(), o);
        }
        return out;
    }
}
