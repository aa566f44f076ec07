package dev.acidic.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.processor.AcidicConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/k8s, base and each overlay as kustomize renders it: every object loads into fabric8's
 * typed model with unknown fields refused, and the processors, the migrate Job and the KEDA
 * ScaledObject are wired as the README's Deploy and Scale sections say.
 */
class DeployManifestsTest {
    static final String PROCESSOR = "acidic-processor";
    static final String MIGRATE_JOB = "acidic-migrate";
    static final String OWNER_SECRET = "acidic-owner";
    /** AcidicProcessor.close(): KafkaStreams.close(...timeout(30 s)), which waits for the stream threads' drives. */
    static final Duration STREAMS_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    static Stream<String> renderings() {
        return Manifests.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everyManifestLoadsIntoTypedModelsRefusingUnknownFields(String dir) {
        Manifests m = Manifests.render(dir);
        assertFalse(m.raw.isEmpty());
        assertEquals(m.raw.size(), m.typed.size());
        m.one(StatefulSet.class);
        m.one(Job.class);
        m.one(PodDisruptionBudget.class);
        m.one(Service.class);
    }

    @Test
    void aMisspelledFieldIsRefusedNamingIt() {
        ObjectNode sts = Manifests.render("base").raw.stream().filter(o -> o.path("kind").asText().equals("StatefulSet"))
                .findFirst().orElseThrow().deepCopy();
        ((ObjectNode) sts.path("spec").path("template").path("spec").path("containers").path(0)).putObject("livenesProbe");
        AssertionError e = assertThrows(AssertionError.class, () -> KubernetesModels.load(sts));
        assertTrue(e.getMessage().contains("livenesProbe"), e.getMessage());

        ObjectNode keda = Manifests.render("base").raw.stream().filter(o -> o.path("kind").asText().equals("ScaledObject"))
                .findFirst().orElseThrow().deepCopy();
        ((ObjectNode) keda.path("spec")).put("maxReplicas", 3);
        AssertionError k = assertThrows(AssertionError.class, () -> KubernetesModels.load(keda));
        assertTrue(k.getMessage().contains("maxReplicas"), k.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void eachProcessorIsNamedAfterItsPodThroughTheDownwardApi(String dir) {
        Manifests m = Manifests.render(dir);
        EnvVar id = env(processor(m), "ACIDIC_INSTANCE_ID").orElseThrow(() -> new AssertionError("no ACIDIC_INSTANCE_ID"));
        assertNull(id.getValue());
        assertEquals("metadata.name", id.getValueFrom().getFieldRef().getFieldPath());
        AcidicConfig c = processorConfig(m, PROCESSOR + "-0");
        assertEquals(PROCESSOR + "-0", c.instanceId(), "a restarted pod keeps its name, so its static membership and its locks");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void processorsRunAsTheDmlRoleOnASchemaTheyDoNotMigrate(String dir) {
        Manifests m = Manifests.render(dir);
        AcidicConfig c = processorConfig(m, PROCESSOR + "-0");
        assertFalse(c.migrateOnStart(), "the migrate Job changes the schema; processors only check it");
        assertNotEquals(ownerUser(m), c.jdbcUser());
        assertSecretRef(env(processor(m), "ACIDIC_JDBC_PASSWORD"), "acidic-app");
        assertSecretRef(env(processor(m), "ACIDIC_HTTP_TOKEN"), "acidic-app");
        assertFalse(c.httpToken().isBlank(), "bound beyond loopback, every route needs the token");
        assertEquals(List.of("run", "--jobs", ImageSpec.JOBS_DIR), processor(m).getArgs());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void migrateJobRunsAsTheOwnerWithTheJobsAndGrantsTheProcessorsRole(String dir) {
        Manifests m = Manifests.render(dir);
        Job job = m.get(Job.class, MIGRATE_JOB);
        Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        AcidicConfig processors = processorConfig(m, PROCESSOR + "-0");
        assertEquals(List.of("migrate", "--jobs", ImageSpec.JOBS_DIR, "--grant-to", processors.jdbcUser()), c.getArgs());
        assertSecretRef(env(c, "ACIDIC_JDBC_USER"), OWNER_SECRET);
        assertSecretRef(env(c, "ACIDIC_JDBC_PASSWORD"), OWNER_SECRET);
        AcidicConfig migrate = AcidicConfig.fromEnv(m.environment(c, MIGRATE_JOB + "-x"));
        assertEquals(ownerUser(m), migrate.jdbcUser());
        assertEquals(processors.jdbcUrl(), migrate.jdbcUrl(), "the database the processors use");
        assertEquals(0, migrate.httpPort(), "a one-shot command serves no HTTP");
        assertEquals(processor(m).getImage(), c.getImage(), "the same image, so the same jobs and their schema");
        assertEquals("Never", job.getSpec().getTemplate().getSpec().getRestartPolicy());
        assertNotNull(job.getSpec().getBackoffLimit());
        assertNotNull(job.getSpec().getTtlSecondsAfterFinished(), "a finished Job goes, so the next release can create it again");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void probesAskLiveAndReadyWithTheTokenFromTheContainersEnvironment(String dir) {
        Container c = processor(Manifests.render(dir));
        assertEquals(List.of(ImageSpec.HEALTH_SCRIPT, "/health/live"), exec(c.getLivenessProbe()));
        assertEquals(List.of(ImageSpec.HEALTH_SCRIPT, "/health/ready"), exec(c.getReadinessProbe()));
        assertEquals(List.of(ImageSpec.HEALTH_SCRIPT, "/health/live"), exec(c.getStartupProbe()));
        assertTrue(c.getStartupProbe().getPeriodSeconds() * c.getStartupProbe().getFailureThreshold() >= 120,
                "two minutes to start (JVM, state restore) before liveness counts");
        assertTrue(DeployFiles.text(DeployFiles.IMAGE_ROOT.resolve(ImageSpec.HEALTH_SCRIPT.substring(1)))
                .contains("Authorization: Bearer ${ACIDIC_HTTP_TOKEN}"));
        assertEquals(ImageSpec.HTTP_PORT, c.getPorts().get(0).getContainerPort());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void podsRunRestrictedWithAReadOnlyRootAndTheStateDirAndTmpOnVolumes(String dir) {
        Manifests m = Manifests.render(dir);
        StatefulSet sts = m.get(StatefulSet.class, PROCESSOR);
        Job job = m.get(Job.class, MIGRATE_JOB);
        for (PodSpec pod : List.of(sts.getSpec().getTemplate().getSpec(), job.getSpec().getTemplate().getSpec())) {
            PodSecurityContext p = pod.getSecurityContext();
            assertEquals(Boolean.TRUE, p.getRunAsNonRoot());
            assertNotEquals(0L, p.getRunAsUser());
            assertEquals("RuntimeDefault", p.getSeccompProfile().getType());
            assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken());
            for (Container c : pod.getContainers()) {
                var s = c.getSecurityContext();
                assertEquals(Boolean.FALSE, s.getAllowPrivilegeEscalation(), c.getName());
                assertEquals(Boolean.TRUE, s.getReadOnlyRootFilesystem(), c.getName());
                assertEquals(Boolean.TRUE, s.getRunAsNonRoot(), c.getName());
                assertEquals(List.of("ALL"), s.getCapabilities().getDrop(), c.getName());
                assertEquals("RuntimeDefault", s.getSeccompProfile().getType(), c.getName());
                assertTrue(mount(c, "/tmp").isPresent(), c.getName() + " has a writable /tmp");
                String tmp = mount(c, "/tmp").get().getName();
                assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(tmp) && v.getEmptyDir() != null));
            }
        }
        Container c = processor(m);
        VolumeMount state = mount(c, ImageSpec.STATE_DIR).orElseThrow(() -> new AssertionError("state dir not on a volume"));
        assertTrue(sts.getSpec().getVolumeClaimTemplates().stream().anyMatch(t -> t.getMetadata().getName().equals(state.getName())),
                "a volume per pod, kept across restarts");
        assertEquals(ImageSpec.STATE_DIR, processorConfig(m, PROCESSOR + "-0").stateDir().toString());
        assertEquals(65532L, sts.getSpec().getTemplate().getSpec().getSecurityContext().getFsGroup(), "the volume is the user's");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void terminationGraceOutlastsTheStreamsCloseAStepAndTheDriveBudget(String dir) {
        Manifests m = Manifests.render(dir);
        AcidicConfig c = processorConfig(m, PROCESSOR + "-0");
        Duration shutdown = STREAMS_CLOSE_TIMEOUT.plus(c.stepTimeout()).plus(c.driveBudget());
        long grace = m.get(StatefulSet.class, PROCESSOR).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertTrue(Duration.ofSeconds(grace).compareTo(shutdown) > 0, grace + " s must exceed " + shutdown);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void headlessServiceAndDisruptionBudgetSelectTheProcessorsAndNotTheMigratePod(String dir) {
        Manifests m = Manifests.render(dir);
        StatefulSet sts = m.get(StatefulSet.class, PROCESSOR);
        Service svc = m.get(Service.class, sts.getSpec().getServiceName());
        assertEquals("None", svc.getSpec().getClusterIP(), "headless: a DNS name per pod");
        assertEquals(Boolean.TRUE, svc.getSpec().getPublishNotReadyAddresses(), "a degraded processor is still scraped");
        Map<String, String> selector = sts.getSpec().getSelector().getMatchLabels();
        assertEquals(selector, svc.getSpec().getSelector());
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(selector.entrySet()));
        Map<String, String> jobLabels = m.get(Job.class, MIGRATE_JOB).getSpec().getTemplate().getMetadata().getLabels();
        assertFalse(jobLabels.entrySet().containsAll(selector.entrySet()), "the migrate pod is no processor");
        PodDisruptionBudget pdb = m.one(PodDisruptionBudget.class);
        assertEquals(selector, pdb.getSpec().getSelector().getMatchLabels());
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal(), "one rebalance at a time");
        assertEquals("AlwaysAllow", pdb.getSpec().getUnhealthyPodEvictionPolicy(), "a Postgres outage must not block drains");
        assertEquals("Parallel", sts.getSpec().getPodManagementPolicy(), "a scale event is one rebalance");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void processorsRequestWhatTheyUseAndLimitMemoryToTheRequest(String dir) {
        var r = processor(Manifests.render(dir)).getResources();
        assertNotNull(r.getRequests().get("cpu"));
        Quantity memory = r.getRequests().get("memory");
        assertNotNull(memory);
        assertEquals(memory, r.getLimits().get("memory"), "the heap is a share of the limit: no overcommit");
        assertTrue(Quantity.getAmountInBytes(memory).longValue() >= 1L << 30, "at least 1 GiB: heap + RocksDB");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void kedaScalesOnTheApplicationGroupsLagOnTheRequestsTopicWithinThePartitions(String dir) {
        Manifests m = Manifests.render(dir);
        Optional<ScaledObject> found = m.find(ScaledObject.class, PROCESSOR);
        StatefulSet sts = m.get(StatefulSet.class, PROCESSOR);
        AcidicConfig c = processorConfig(m, PROCESSOR + "-0");
        if (found.isEmpty()) {
            assertEquals("overlays/dev", dir, "only dev runs without KEDA");
            assertNotNull(sts.getSpec().getReplicas(), "without KEDA the StatefulSet says how many");
            assertTrue(sts.getSpec().getReplicas() <= c.partitions());
            return;
        }
        ScaledObject.Spec s = found.get().spec();
        assertNull(sts.getSpec().getReplicas(), "KEDA owns the count: a replicas field would undo it at every apply");
        assertEquals(new ScaledObject.ScaleTargetRef("apps/v1", "StatefulSet", PROCESSOR, null), s.scaleTargetRef());
        assertTrue(s.minReplicaCount() >= 1, "never zero: timers, retries, the completer and the reaper run in the processors");
        assertTrue(s.maxReplicaCount() <= c.partitions(), "no more processors than partitions: " + s.maxReplicaCount()
                + " > ACIDIC_PARTITIONS " + c.partitions());
        assertTrue(s.minReplicaCount() <= s.maxReplicaCount());
        assertNull(s.idleReplicaCount());
        assertEquals(1, s.triggers().size());
        ScaledObject.Trigger t = s.triggers().get(0);
        assertEquals("kafka", t.type());
        assertTrue(ScaledObject.KAFKA_METADATA.containsAll(t.metadata().keySet()), "unknown kafka scaler keys: " + t.metadata());
        assertEquals(c.applicationId(), t.metadata().get("consumerGroup"), "Kafka Streams' group is the application id");
        assertEquals(c.requestsTopic(), t.metadata().get("topic"));
        assertEquals(c.bootstrapServers(), t.metadata().get("bootstrapServers"));
        assertTrue(Integer.parseInt(t.metadata().get("lagThreshold")) > 0);
        assertEquals("earliest", t.metadata().get("offsetResetPolicy"), "as Kafka Streams resets");
        assertEquals("false", t.metadata().get("allowIdleConsumers"), "KEDA too caps at the partitions");
        var scaleDown = s.advanced().horizontalPodAutoscalerConfig().behavior().getScaleDown();
        assertTrue(scaleDown.getStabilizationWindowSeconds() >= 300, "scale down slowly: each step is a rebalance");
        assertEquals(1, scaleDown.getPolicies().get(0).getValue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void everySecretReferenceNamesAKeyTheShippedSecretHasOrProdLeavesItToTheCluster(String dir) {
        Manifests m = Manifests.render(dir);
        List<Container> containers = List.of(processor(m),
                m.get(Job.class, MIGRATE_JOB).getSpec().getTemplate().getSpec().getContainers().get(0));
        for (Container c : containers) {
            for (EnvVar v : c.getEnv()) {
                if (v.getValueFrom() == null || v.getValueFrom().getSecretKeyRef() == null) {
                    continue;
                }
                SecretKeySelector ref = v.getValueFrom().getSecretKeyRef();
                Optional<Secret> s = m.find(Secret.class, ref.getName());
                if (dir.equals("overlays/prod")) {
                    assertTrue(s.isEmpty(), "prod ships no secret values: " + ref.getName());
                } else {
                    assertNotNull(Manifests.secretValue(s.orElseThrow(() -> new AssertionError("no secret " + ref.getName())),
                            ref.getKey()));
                }
            }
        }
    }

    @Test
    void overlaysPickTheirImageAndProdKeepsThreeReplicasOfEveryTopic() {
        String version = DeployImageTest.projectVersion();
        assertEquals("acidic-processor:" + version, processor(Manifests.render("base")).getImage(), "base follows the project version");
        assertEquals("acidic-processor:dev", processor(Manifests.render("overlays/dev")).getImage());
        Manifests prod = Manifests.render("overlays/prod");
        assertFalse(processor(prod).getImage().startsWith("acidic-processor:"), "prod names the image with your jobs");
        assertEquals(3, processorConfig(prod, PROCESSOR + "-0").replicationFactor());
        assertTrue(prod.all(Secret.class).isEmpty());
        assertEquals("acidic", prod.get(StatefulSet.class, PROCESSOR).getMetadata().getNamespace());
        assertEquals("acidic-dev", Manifests.render("overlays/dev").get(StatefulSet.class, PROCESSOR).getMetadata().getNamespace());
    }

    static Container processor(Manifests m) {
        return m.get(StatefulSet.class, PROCESSOR).getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("processor")).findFirst()
                .orElseThrow(() -> new AssertionError(m.name + ": no container 'processor'"));
    }

    /** The processor's configuration as the settings registry reads its environment: invalid ones fail here. */
    static AcidicConfig processorConfig(Manifests m, String podName) {
        return AcidicConfig.fromEnv(m.environment(processor(m), podName));
    }

    private static String ownerUser(Manifests m) {
        return m.find(Secret.class, OWNER_SECRET).map(s -> Manifests.secretValue(s, "username"))
                .orElse("from-secret-" + OWNER_SECRET + "-username");
    }

    private static Optional<EnvVar> env(Container c, String name) {
        return c.getEnv().stream().filter(v -> v.getName().equals(name)).findFirst();
    }

    private static void assertSecretRef(Optional<EnvVar> v, String secret) {
        EnvVar e = v.orElseThrow(() -> new AssertionError("missing env"));
        assertNull(e.getValue(), e.getName() + " must not be written in the manifest");
        assertEquals(secret, e.getValueFrom().getSecretKeyRef().getName(), e.getName());
    }

    private static List<String> exec(Probe p) {
        assertNotNull(p, "probe missing");
        assertNull(p.getHttpGet(), "an httpGet probe would carry the token in the pod spec");
        return p.getExec().getCommand();
    }

    private static Optional<VolumeMount> mount(Container c, String path) {
        return c.getVolumeMounts().stream().filter(v -> v.getMountPath().equals(path)).findFirst();
    }
}
