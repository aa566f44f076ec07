package dev.acidic.deploy;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * KEDA's ScaledObject (keda.sh/v1alpha1), which fabric8 does not model: the fields of KEDA's CRD
 * that a ScaledObject on a StatefulSet uses, typed; unknown fields are refused like fabric8's.
 */
record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {

    /** The kafka scaler's metadata keys (KEDA docs, "Apache Kafka" scaler): anything else is a typo. */
    static final Set<String> KAFKA_METADATA = Set.of("bootstrapServers", "consumerGroup", "topic", "lagThreshold",
            "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "excludePersistentLag",
            "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions",
            "partitionLimitation", "version", "sasl", "tls", "unsafeSsl", "commitPartitionOffset");

    record Spec(ScaleTargetRef scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod, Integer initialCooldownPeriod,
            Integer idleReplicaCount, Integer minReplicaCount, Integer maxReplicaCount, Advanced advanced, Fallback fallback,
            List<Trigger> triggers) {}

    record ScaleTargetRef(String apiVersion, String kind, String name, String envSourceContainerName) {}

    record Advanced(HorizontalPodAutoscalerConfig horizontalPodAutoscalerConfig, Boolean restoreToOriginalReplicaCount) {}

    record HorizontalPodAutoscalerConfig(String name, HorizontalPodAutoscalerBehavior behavior) {}

    record Fallback(Integer failureThreshold, Integer replicas) {}

    record Trigger(String type, String name, Map<String, String> metadata, AuthenticationRef authenticationRef,
            String metricType, Boolean useCachedMetrics) {}

    record AuthenticationRef(String name, String kind) {}
}
