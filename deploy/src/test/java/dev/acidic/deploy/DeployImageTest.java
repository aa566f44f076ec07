package dev.acidic.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.acidic.processor.AcidicConfig;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/** deploy/Dockerfile and app's Jib profile (mvn -Pimage) build the image the deployment files expect, and the same one. */
class DeployImageTest {
    private final Dockerfile docker = Dockerfile.parse(DeployFiles.DOCKERFILE);
    private final JibConfig jib = JibConfig.ofProfile(DeployFiles.APP_POM, "image");

    @Test
    void dockerfileRunsAPinnedJre21AsANonRootUser() {
        assertTrue(docker.from().matches(ImageSpec.PINNED_JRE_21), "base image: " + docker.from());
        assertEquals(ImageSpec.USER, docker.user());
        assertFalse(docker.user().startsWith("0") || docker.user().startsWith("root"), "non-root: " + docker.user());
    }

    @Test
    void dockerfileEntrypointIsJavaWithContainerFlagsRunningTheProcessorCli() {
        List<String> e = docker.entrypoint();
        assertEquals("java", e.get(0), "exec form, java first: " + e);
        assertTrue(e.containsAll(ImageSpec.REQUIRED_JVM_FLAGS), "container JVM flags in " + e);
        assertEquals(ImageSpec.MAIN_CLASS, e.get(e.size() - 1), e.toString());
        assertEquals(ImageSpec.DEFAULT_ARGS, docker.cmd(), "default command: run the jobs in /jobs");
    }

    @Test
    void dockerfileExposesTheHttpPortAndKeepsStateOnAVolume() {
        assertEquals(List.of(String.valueOf(ImageSpec.HTTP_PORT)), docker.expose());
        assertEquals(ImageSpec.STATE_DIR, docker.workdir());
        assertEquals(List.of(ImageSpec.STATE_DIR), docker.volumes());
        assertEquals(ImageSpec.STATE_DIR, docker.env().get("ACIDIC_STATE_DIR"));
        assertEquals(String.valueOf(ImageSpec.HTTP_PORT), docker.env().get("ACIDIC_HTTP_PORT"));
        assertEquals("0.0.0.0", docker.env().get("ACIDIC_HTTP_HOST"), "probes and Prometheus reach the endpoint from outside");
    }

    @Test
    void dockerfileHealthCheckAsksReadinessThroughTheShippedScript() {
        assertEquals(List.of(ImageSpec.HEALTH_SCRIPT, "/health/ready"), docker.healthcheck());
        assertTrue(docker.copies().contains("deploy/image/root/ /"), "the image root is copied: " + docker.copies());
        assertTrue(docker.copies().contains("app/target/acidic-processor.jar /app/acidic-processor.jar"), docker.copies().toString());
        assertTrue(docker.entrypoint().contains("/app/acidic-processor.jar"), "the copied jar is the class path");
    }

    @Test
    void dockerfileLabelsNameTitleDescriptionAndTheProjectVersion() {
        for (String label : ImageSpec.REQUIRED_LABELS) {
            assertNotNull(docker.labels().get(label), label + " in " + docker.labels());
        }
        assertEquals(projectVersion(), docker.labels().get("org.opencontainers.image.version"),
                "the Dockerfile's VERSION default follows the project version");
    }

    @Test
    void buildContextHoldsOnlyTheJarAndTheImageRoot() {
        List<String> ignore = DeployFiles.text(DeployFiles.DEPLOY.resolve("Dockerfile.dockerignore")).lines()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals(List.of("*", "!app/target/acidic-processor.jar", "!deploy/image/root/"), ignore);
    }

    @Test
    void imageRootShipsAnExecutableHealthScriptAndTheJobsAndStateDirectories() {
        var script = DeployFiles.IMAGE_ROOT.resolve(ImageSpec.HEALTH_SCRIPT.substring(1));
        assertTrue(Files.isExecutable(script), script + " must be executable (git keeps the mode)");
        String body = DeployFiles.text(script);
        assertTrue(body.startsWith("#!/bin/bash"), "bash: the base image has it, curl it may not");
        assertTrue(body.contains("Authorization: Bearer ${ACIDIC_HTTP_TOKEN}"), "sends the token from the container's environment");
        assertTrue(body.contains("${ACIDIC_HTTP_PORT:-8080}"), "asks the configured port");
        assertTrue(Files.isDirectory(DeployFiles.IMAGE_ROOT.resolve(ImageSpec.JOBS_DIR.substring(1))));
        assertTrue(Files.isDirectory(DeployFiles.IMAGE_ROOT.resolve(ImageSpec.STATE_DIR.substring(1))));
    }

    @Test
    void jibProfileBuildsTheSameImageAsTheDockerfile() {
        assertFalse(jib.skip(), "the profile turns the plugin on");
        assertEquals(docker.from(), jib.fromImage(), "same base image");
        assertEquals(docker.user(), jib.user());
        assertEquals(docker.workdir(), jib.workingDirectory());
        assertEquals(docker.volumes(), jib.volumes());
        assertEquals(docker.expose(), jib.ports());
        assertEquals(docker.env(), jib.environment());
        assertEquals(ImageSpec.MAIN_CLASS, jib.mainClass());
        assertEquals(docker.cmd(), jib.args());
        List<String> e = docker.entrypoint();
        assertEquals(e.subList(1, e.indexOf("-cp")), jib.jvmFlags(), "same JVM flags, in order");
        Map<String, String> labels = new HashMap<>(jib.labels());
        labels.replaceAll((k, v) -> v.replace("${project.version}", projectVersion()));
        assertEquals(docker.labels(), labels);
        assertEquals("acidic-processor:${project.version}", jib.toImage(), "-Dimage=... names another");
    }

    @Test
    void jibAddsTheImageRootWithAnExecutableHealthScript() {
        assertEquals(List.of(new JibConfig.ExtraDirectory("${project.basedir}/../deploy/image/root", "/")), jib.extraDirectories());
        assertEquals("755", jib.permissions().get(ImageSpec.HEALTH_SCRIPT));
        assertEquals("777", jib.permissions().get(ImageSpec.STATE_DIR), "Jib cannot chown: any user may write the state dir");
    }

    @Test
    void jibPluginVersionIsPinnedInTheParentAndSkippedOutsideTheImageProfile() {
        var root = JibConfig.document(DeployFiles.ROOT_POM).getDocumentElement();
        Element managed = JibConfig.plugin(JibConfig.child(JibConfig.child(JibConfig.child(root, "build"), "pluginManagement"),
                "plugins")).orElseThrow(() -> new AssertionError("jib-maven-plugin is not in the parent's pluginManagement"));
        String version = JibConfig.text(JibConfig.child(managed, "version"));
        String property = version.replaceAll("^\\$\\{(.+)}$", "$1");
        String pinned = JibConfig.text(JibConfig.child(JibConfig.child(root, "properties"), property));
        assertNotNull(pinned, version + " names no property");
        assertTrue(pinned.matches("\\d+\\.\\d+\\.\\d+"), "a fixed version: " + pinned);
        assertEquals("true", JibConfig.text(JibConfig.child(JibConfig.child(managed, "configuration"), "skip")),
                "every module but app skips jib:build, so `-pl app -am ... jib:build` builds one image");
    }

    @Test
    void imageEnvironmentNeedsATokenBecauseItBindsBeyondLoopback() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AcidicConfig.fromEnv(ImageSpec.environment()));
        assertTrue(e.getMessage().contains("acidic.http.token"), e.getMessage());
        AcidicConfig withToken = AcidicConfig.fromEnv(ImageSpec.containerEnvironment(Map.of("ACIDIC_HTTP_TOKEN", "t")));
        assertEquals("0.0.0.0", withToken.httpHost());
        assertEquals(ImageSpec.HTTP_PORT, withToken.httpPort());
        assertEquals(ImageSpec.STATE_DIR, withToken.stateDir().toString());
    }

    static String projectVersion() {
        return JibConfig.text(JibConfig.child(JibConfig.document(DeployFiles.ROOT_POM).getDocumentElement(), "version"));
    }
}
