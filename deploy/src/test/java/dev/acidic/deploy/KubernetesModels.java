package dev.acidic.deploy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;

/**
 * Manifests into fabric8's typed Kubernetes model (KEDA's ScaledObject into {@link ScaledObject}),
 * refusing any field the model does not know. fabric8's classes keep unknown fields in an
 * "additionalProperties" map (an any-setter) instead of failing; this mapper takes that setter
 * away, so FAIL_ON_UNKNOWN_PROPERTIES names the misspelled or misplaced field and its path.
 */
final class KubernetesModels {
    static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule("refuse-unknown-fields").setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean,
                        BeanDeserializerBuilder builder) {
                    if (bean.getBeanClass().getName().startsWith("io.fabric8.")) {
                        builder.setAnySetter(null);
                        builder.setIgnoreUnknownProperties(false);
                    }
                    return builder;
                }
            }))
            .build();

    /** apiVersion/kind -> the class a manifest of that kind loads into. */
    static final Map<String, Class<?>> KINDS = Map.of(
            "v1/ServiceAccount", ServiceAccount.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "batch/v1/Job", Job.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "keda.sh/v1alpha1/ScaledObject", ScaledObject.class);

    private KubernetesModels() {}

    static String kindOf(JsonNode manifest) {
        return manifest.path("apiVersion").asText() + "/" + manifest.path("kind").asText();
    }

    /**
     * @throws AssertionError naming the manifest and the field when it does not load, or the kind when no model is known
     */
    static Object load(JsonNode manifest) {
        String kind = kindOf(manifest);
        Class<?> type = KINDS.get(kind);
        if (type == null) {
            throw new AssertionError("no typed model for " + kind + " (" + manifest.path("metadata").path("name").asText()
                    + "): add one to KubernetesModels.KINDS");
        }
        try {
            return STRICT.treeToValue(manifest, type);
        } catch (Exception e) {
            throw new AssertionError(kind + " " + manifest.path("metadata").path("name").asText() + ": " + e.getMessage(), e);
        }
    }

    static <T> T load(JsonNode manifest, Class<T> type) {
        return type.cast(load(manifest));
    }
}
