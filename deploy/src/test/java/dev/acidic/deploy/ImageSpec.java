package dev.acidic.deploy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the processor image is, as deploy/Dockerfile and app's Jib profile both must build it. */
final class ImageSpec {
    static final String MAIN_CLASS = "dev.acidic.app.Main";
    static final List<String> DEFAULT_ARGS = List.of("run", "--jobs", "/jobs");
    static final String USER = "65532:65532";
    static final String STATE_DIR = "/var/lib/acidic";
    static final String JOBS_DIR = "/jobs";
    static final String HEALTH_SCRIPT = "/app/bin/acidic-health";
    static final int HTTP_PORT = 8080;
    /** A Temurin 21 JRE with its full version (21.0.x_b), not a tag that moves. */
    static final String PINNED_JRE_21 = "eclipse-temurin:21\\.\\d+\\.\\d+_\\d+-jre(-[a-z0-9.]+)?";
    static final List<String> REQUIRED_JVM_FLAGS = List.of("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError");
    static final List<String> REQUIRED_LABELS = List.of("org.opencontainers.image.title", "org.opencontainers.image.description",
            "org.opencontainers.image.version");

    private ImageSpec() {}

    /** The image's own environment (its ENV lines), which every container of it starts with. */
    static Map<String, String> environment() {
        return Dockerfile.parse(DeployFiles.DOCKERFILE).env();
    }

    /** The image's environment overlaid by a container's. */
    static Map<String, String> containerEnvironment(Map<String, String> container) {
        Map<String, String> env = new HashMap<>(environment());
        env.putAll(container);
        return env;
    }
}
