package dev.acidic.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Builds the image from deploy/Dockerfile with a real Docker daemon and runs it; skipped where
 * none answers (these machines have the docker client only). Needs the base image pullable and
 * app/target/acidic-processor.jar (the reactor packages it first: `mvn -B verify -pl deploy -am`).
 */
class ImageBuildIT {
    static final String TAG = "acidic-processor:image-build-it";

    @BeforeEach
    void needsADockerDaemon() {
        String host = System.getenv("DOCKER_HOST");
        boolean socket = Files.exists(Path.of("/var/run/docker.sock"));
        assumeTrue((host != null && !host.isBlank()) || socket,
                "no Docker daemon (neither DOCKER_HOST nor /var/run/docker.sock): the image is not built here");
        assumeTrue(KustomizeRenderTest.onPath("docker") != null, "no docker client on the PATH: the image is not built here");
        Result info = docker(60, "info", "--format", "{{.ServerVersion}}");
        assumeTrue(info.code() == 0, "the Docker daemon does not answer (" + info.err().strip() + "): the image is not built here");
    }

    @Test
    void dockerfileBuildsAnImageThatRunsTheCliAsItsNonRootUser() throws IOException {
        Path jar = DeployFiles.REPO.resolve("app/target/acidic-processor.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is missing: build it with mvn -B package -pl app -am");
        Result build = docker(900, "build", "-f", DeployFiles.DOCKERFILE.toString(), "-t", TAG, DeployFiles.REPO.toString());
        assertEquals(0, build.code(), build.err());

        JsonNode config = DeployFiles.JSON.readTree(docker(60, "image", "inspect", TAG).out()).get(0).path("Config");
        assertEquals(ImageSpec.USER, config.path("User").asText());
        assertTrue(config.path("ExposedPorts").has(ImageSpec.HTTP_PORT + "/tcp"));
        assertEquals(ImageSpec.DEFAULT_ARGS, texts(config.path("Cmd")));
        assertEquals(ImageSpec.STATE_DIR, config.path("WorkingDir").asText());

        Result version = docker(120, "run", "--rm", TAG, "--version");
        assertEquals(0, version.code(), version.err());
        assertTrue(version.out().startsWith("acidic "), version.out());
        Result id = docker(60, "run", "--rm", "--entrypoint", "id", TAG, "-u");
        assertEquals("65532", id.out().strip(), "runs as the non-root user");
        Result java = docker(60, "run", "--rm", "--entrypoint", "java", TAG, "-version");
        assertTrue(java.err().contains("\"21."), "a Java 21 runtime: " + java.err());
        Result noToken = docker(120, "run", "--rm", TAG);
        assertEquals(2, noToken.code(), "binding 0.0.0.0 without a token is a configuration error");
        assertTrue(noToken.err().contains("acidic.http.token"), noToken.err());
    }

    record Result(int code, String out, String err) {}

    static Result docker(int timeoutSeconds, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("docker", ".out");
            Path err = Files.createTempFile("docker", ".err");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "", String.join(" ", cmd) + " timed out after " + timeoutSeconds + " s");
            }
            Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            return new Result(-1, "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
