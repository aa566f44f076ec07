package dev.acidic.examples;

import dev.acidic.processor.AcidicProcessor;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Processor instances as child JVMs running this jar's {@code run} command, configured through
 * {@code ACIDIC_*} environment variables, each logging to its own file: what the demo and the
 * benchmark start, kill and restart.
 */
final class ProcessorJvms implements AutoCloseable {
    private final Path dir;
    private final Map<String, String> env;
    private final String instancePrefix;
    private final List<String> jvmOptions;
    private final List<Process> processes = new ArrayList<>();

    /**
     * @param env the {@code ACIDIC_*} settings shared by all instances (the instance id is added; an
     *     {@code ACIDIC_HTTP_PORT} of p gives instance i the port p + i, and none serves no HTTP)
     * @param instancePrefix instance {@code i} is {@code <prefix>-<i>}
     */
    ProcessorJvms(Path dir, Map<String, String> env, String instancePrefix, List<String> jvmOptions) {
        this.dir = dir;
        this.env = new LinkedHashMap<>(env);
        this.instancePrefix = instancePrefix;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** Starts {@code n} instances and waits until each is ready. */
    ProcessorJvms start(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            processes.add(launch(i));
        }
        for (int i = 0; i < n; i++) {
            awaitReady(i);
        }
        return this;
    }

    int size() {
        return processes.size();
    }

    String instanceId(int i) {
        return instancePrefix + "-" + i;
    }

    /** The HTTP port of instance {@code i}: the given base port plus i, or 0 (none) when no base was given. */
    int httpPort(int i) {
        String base = env.get("ACIDIC_HTTP_PORT");
        int p = base == null ? 0 : Integer.parseInt(base);
        return p == 0 ? 0 : p + i;
    }

    Process process(int i) {
        return processes.get(i);
    }

    /** SIGKILL: no shutdown hook, no leaving the group, transactions left open. */
    void kill(int i) throws InterruptedException {
        processes.get(i).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts instance {@code i} again with the same instance id, without waiting for it. */
    void restart(int i) throws IOException {
        processes.set(i, launch(i));
    }

    /** Waits until instance {@code i} has logged {@link AcidicProcessor#READY} since its last start. */
    void awaitReady(int i) throws Exception {
        Path log = log(i);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(AcidicProcessor.READY)) {
                return;
            }
            if (!processes.get(i).isAlive()) {
                throw new IllegalStateException("processor " + instanceId(i) + " exited; see " + log.toAbsolutePath());
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("processor " + instanceId(i) + " not ready in 120 s; see " + log.toAbsolutePath());
    }

    Path log(int i) {
        return dir.resolve(instanceId(i) + ".log");
    }

    private Process launch(int i) throws IOException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "run"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("ACIDIC_"));
        pb.environment().putAll(env);
        pb.environment().put("ACIDIC_INSTANCE_ID", instanceId(i));
        pb.environment().put("ACIDIC_HTTP_PORT", Integer.toString(httpPort(i))); // several on one machine: one port each
        // a fresh log per start, so awaitReady sees this start's readiness, not the last one's
        File log = log(i).toFile();
        if (log.exists()) {
            Files.move(log.toPath(), dir.resolve(instanceId(i) + "." + System.nanoTime() + ".log"));
        }
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        return pb.start();
    }

    /** SIGTERM to all, then wait for them to leave the group. */
    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        try {
            for (Process p : processes) {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            processes.forEach(Process::destroyForcibly);
            Thread.currentThread().interrupt();
        }
    }
}
