package dev.acidic.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.acidic.processor.AcidicConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** deploy/compose.yaml, prometheus.yml and Grafana's provisioning wire Kafka, Postgres, migrate, three processors and monitoring as the README says. */
class DeployComposeTest {
    static final List<String> PROCESSORS = List.of("processor-1", "processor-2", "processor-3");
    private final Compose compose = new Compose(DeployFiles.COMPOSE);

    @Test
    void imagesArePinnedAndTheProcessorIsBuiltFromTheDockerfile() {
        for (String name : compose.serviceNames()) {
            String image = compose.service(name).path("image").asText();
            assertTrue(image.matches("[a-z0-9./-]+:v?[0-9][A-Za-z0-9._-]*"), name + ": a pinned tag, not latest: " + image);
        }
        assertEquals("apache/kafka:" + rootProperty("kafka.version"), compose.service("kafka").path("image").asText(),
                "the Kafka the processor is built against");
        String pg = rootProperty("postgres-binaries.version");
        assertEquals("postgres:" + pg.substring(0, pg.lastIndexOf('.')), compose.service("postgres").path("image").asText(),
                "the Postgres the tests run against");
        for (String name : withMigrate()) {
            JsonNode s = compose.service(name);
            assertEquals("acidic-processor:" + DeployImageTest.projectVersion(), s.path("image").asText(), name);
            assertEquals("..", s.path("build").path("context").asText(), name);
            assertEquals("deploy/Dockerfile", s.path("build").path("dockerfile").asText(), name);
        }
    }

    @Test
    void processorsShareTheApplicationIdAndHaveDistinctInstanceIds() {
        Set<String> applicationIds = new HashSet<>();
        Set<String> instanceIds = new HashSet<>();
        for (String p : PROCESSORS) {
            AcidicConfig c = config(p);
            applicationIds.add(c.applicationId());
            instanceIds.add(c.instanceId());
            assertFalse(c.instanceId().isBlank(), p);
        }
        assertEquals(1, applicationIds.size(), "one consumer group: " + applicationIds);
        assertEquals(PROCESSORS.size(), instanceIds.size(), "distinct static members and lock owners: " + instanceIds);
        assertEquals(PROCESSORS.size(), compose.serviceNames().stream().filter(n -> n.startsWith("processor-")).count());
    }

    @Test
    void processorsRunTheirJobsAsTheDmlRoleAndMigrateRunsAsTheOwnerGrantingIt() {
        AcidicConfig migrate = AcidicConfig.fromEnv(ImageSpec.containerEnvironment(compose.environment("migrate")));
        List<String> command = texts(compose.service("migrate").path("command"));
        AcidicConfig processor = config(PROCESSORS.get(0));
        assertEquals(List.of("migrate", "--jobs", ImageSpec.JOBS_DIR, "--grant-to", processor.jdbcUser()), command);
        assertNotEquals(migrate.jdbcUser(), processor.jdbcUser());
        assertEquals(migrate.jdbcUrl(), processor.jdbcUrl(), "one database");
        assertEquals(0, migrate.httpPort(), "a one-shot command serves no HTTP");
        for (String p : PROCESSORS) {
            AcidicConfig c = config(p);
            assertEquals(processor.jdbcUser(), c.jdbcUser(), p);
            assertFalse(c.migrateOnStart(), p + " only checks the schema the owner migrated");
            assertTrue(compose.service(p).path("command").isMissingNode(), p + " runs the image's default: run --jobs /jobs");
            assertFalse(c.httpToken().isBlank(), p + " binds 0.0.0.0 in the image, so it needs a token");
        }
        assertEquals(compose.raw("services", "migrate", "environment", "ACIDIC_JDBC_PASSWORD"),
                compose.raw("services", "postgres", "environment", "OWNER_PASSWORD"), "the owner's password, as created");
        assertEquals(compose.raw("services", "processor-1", "environment", "ACIDIC_JDBC_PASSWORD"),
                compose.raw("services", "postgres", "environment", "APP_PASSWORD"), "the app role's password, as created");
    }

    @Test
    void postgresInitCreatesTheOwnerOwningTheDatabaseAndTheProcessorsRole() {
        assertTrue(texts(compose.service("postgres").path("volumes"))
                .contains("./postgres/init-roles.sh:/docker-entrypoint-initdb.d/10-acidic-roles.sh:ro"));
        String sql = DeployFiles.text(DeployFiles.DEPLOY.resolve("postgres/init-roles.sh"));
        AcidicConfig migrate = AcidicConfig.fromEnv(ImageSpec.containerEnvironment(compose.environment("migrate")));
        String database = migrate.jdbcUrl().substring(migrate.jdbcUrl().lastIndexOf('/') + 1);
        assertTrue(sql.contains("CREATE ROLE " + migrate.jdbcUser() + " LOGIN"), sql);
        assertTrue(sql.contains("CREATE ROLE " + config(PROCESSORS.get(0)).jdbcUser() + " LOGIN"), sql);
        assertTrue(sql.contains("CREATE DATABASE " + database + " OWNER " + migrate.jdbcUser()), sql);
    }

    @Test
    void processorsStartOnlyAfterMigrateSucceededAndKafkaAndPostgresAreHealthy() {
        for (String p : PROCESSORS) {
            JsonNode d = compose.service(p).path("depends_on");
            assertEquals("service_completed_successfully", d.path("migrate").path("condition").asText(), p);
            assertEquals("service_healthy", d.path("kafka").path("condition").asText(), p);
            assertEquals("service_healthy", d.path("postgres").path("condition").asText(), p);
        }
        assertEquals("service_healthy", compose.service("migrate").path("depends_on").path("postgres").path("condition").asText());
        assertEquals("no", compose.service("migrate").path("restart").asText(), "one-shot");
    }

    @Test
    void kafkaPostgresAndProcessorsHaveHealthChecksAndProcessorsAskReadiness() {
        for (String s : List.of("kafka", "postgres")) {
            assertFalse(compose.service(s).path("healthcheck").path("test").isMissingNode(), s);
        }
        assertTrue(texts(compose.service("postgres").path("healthcheck").path("test")).contains("acidic"),
                "healthy only once the init script created the database");
        for (String p : PROCESSORS) {
            JsonNode h = compose.service(p).path("healthcheck");
            assertEquals(List.of("CMD", ImageSpec.HEALTH_SCRIPT, "/health/ready"), texts(h.path("test")), p);
            assertTrue(Compose.duration(h.path("start_period").asText()).compareTo(Duration.ofSeconds(30)) >= 0, p);
        }
    }

    @Test
    void kafkaAdvertisesTheAddressTheProcessorsUseAndKeepsOneReplicaOfInternalTopics() {
        Map<String, String> kafka = compose.environment("kafka");
        String bootstrap = config(PROCESSORS.get(0)).bootstrapServers();
        assertTrue(List.of(kafka.get("KAFKA_ADVERTISED_LISTENERS").split(",")).contains("PLAINTEXT://" + bootstrap),
                kafka.get("KAFKA_ADVERTISED_LISTENERS"));
        assertTrue(kafka.get("KAFKA_PROCESS_ROLES").contains("controller"), "KRaft, no ZooKeeper");
        for (String k : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
            assertEquals("1", kafka.get(k), k + ": one broker");
        }
        assertEquals(1, config(PROCESSORS.get(0)).replicationFactor(), "topics the processor creates fit one broker");
    }

    @Test
    void eachProcessorKeepsItsStateOnItsOwnVolumeAndReadsTheSameJobs() {
        Set<String> stateVolumes = new HashSet<>();
        for (String name : withMigrate()) {
            assertTrue(texts(compose.service(name).path("volumes")).contains("./jobs:" + ImageSpec.JOBS_DIR + ":ro"), name);
        }
        for (String p : PROCESSORS) {
            String state = texts(compose.service(p).path("volumes")).stream()
                    .filter(v -> v.endsWith(":" + ImageSpec.STATE_DIR)).findFirst()
                    .orElseThrow(() -> new AssertionError(p + " keeps no state volume at " + ImageSpec.STATE_DIR));
            String volume = state.substring(0, state.indexOf(':'));
            assertTrue(compose.root.path("volumes").has(volume), volume + " is a named volume");
            stateVolumes.add(volume);
            assertEquals(ImageSpec.STATE_DIR, config(p).stateDir().toString());
        }
        assertEquals(PROCESSORS.size(), stateVolumes.size(), "one state directory per instance");
    }

    @Test
    void stopGraceOutlastsTheStreamsCloseAStepAndTheDriveBudget() {
        for (String p : PROCESSORS) {
            AcidicConfig c = config(p);
            Duration shutdown = DeployManifestsTest.STREAMS_CLOSE_TIMEOUT.plus(c.stepTimeout()).plus(c.driveBudget());
            Duration grace = Compose.duration(compose.service(p).path("stop_grace_period").asText());
            assertTrue(grace.compareTo(shutdown) > 0, p + ": " + grace + " must exceed " + shutdown);
        }
    }

    @Test
    void prometheusScrapesExactlyTheProcessorsWithTheirToken() {
        JsonNode prometheus = DeployFiles.yaml(DeployFiles.DEPLOY.resolve("prometheus.yml"));
        JsonNode job = prometheus.path("scrape_configs").get(0);
        assertEquals(1, prometheus.path("scrape_configs").size());
        List<String> targets = new ArrayList<>();
        job.path("static_configs").forEach(sc -> targets.addAll(texts(sc.path("targets"))));
        List<String> expected = PROCESSORS.stream().map(p -> p + ":" + config(p).httpPort()).toList();
        assertEquals(expected, targets);
        assertEquals("/metrics", job.path("metrics_path").asText());
        assertEquals("Bearer", job.path("authorization").path("type").asText());
        String tokenFile = job.path("authorization").path("credentials_file").asText();
        JsonNode mounted = compose.service("prometheus").path("configs").get(0);
        assertEquals(tokenFile, mounted.path("target").asText());
        String source = mounted.path("source").asText();
        assertEquals(compose.raw("services", "processor-1", "environment", "ACIDIC_HTTP_TOKEN"),
                compose.raw("configs", source, "content"), "Prometheus is handed the processors' token");
        for (String p : PROCESSORS) {
            assertEquals(config(PROCESSORS.get(0)).httpToken(), config(p).httpToken(), p);
        }
        assertTrue(texts(compose.service("prometheus").path("volumes")).contains("./prometheus.yml:/etc/prometheus/prometheus.yml:ro"));
    }

    @Test
    void grafanaProvisionsThePrometheusDatasourceAndTheDashboard() {
        JsonNode grafana = compose.service("grafana");
        List<String> volumes = texts(grafana.path("volumes"));
        assertTrue(volumes.contains("./grafana/provisioning:/etc/grafana/provisioning:ro"), volumes.toString());
        JsonNode ds = DeployFiles.yaml(DeployFiles.DEPLOY.resolve("grafana/provisioning/datasources/prometheus.yaml"))
                .path("datasources").get(0);
        assertEquals("prometheus", ds.path("type").asText());
        assertEquals("http://prometheus:9090", ds.path("url").asText(), "the compose service");
        assertEquals(GrafanaDashboardTest.DATASOURCE_UID, ds.path("uid").asText(), "the uid the dashboard's panels name");
        JsonNode provider = DeployFiles.yaml(DeployFiles.DEPLOY.resolve("grafana/provisioning/dashboards/acidic.yaml"))
                .path("providers").get(0);
        String path = provider.path("options").path("path").asText();
        assertTrue(volumes.contains("./grafana/dashboards:" + path + ":ro"), "the provider reads the mounted dashboards");
        assertEquals(path + "/acidic.json", compose.environment("grafana").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));
    }

    private AcidicConfig config(String service) {
        return AcidicConfig.fromEnv(ImageSpec.containerEnvironment(compose.environment(service)));
    }

    private static List<String> withMigrate() {
        List<String> all = new ArrayList<>(PROCESSORS);
        all.add("migrate");
        return all;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String rootProperty(String name) {
        return JibConfig.text(JibConfig.child(JibConfig.child(JibConfig.document(DeployFiles.ROOT_POM).getDocumentElement(),
                "properties"), name));
    }
}
