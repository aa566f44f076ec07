package dev.acidic.processor.it;

import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.internal.faults.Faults;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A processor running as a separate JVM (so it can really die), configured from a harness's config. */
public final class ChildProcessor implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ChildProcessor(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static ChildProcessor start(AcidicConfig config, String instanceId, Map<String, String> extraEnv) throws IOException {
        Path log = Path.of("target", "child-logs", config.applicationId() + "-" + instanceId + "-" + System.nanoTime() + ".log");
        Files.createDirectories(log.getParent());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        if (extraEnv.containsKey(Faults.ENV)) {
            command.add("-D" + Faults.ENABLED_PROPERTY + "=true"); // the variable alone arms nothing
        }
        command.add(ProcessorMain.class.getName());
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("ACIDIC_"));
        for (var e : config.withInstanceId(instanceId).toMap().entrySet()) {
            String k = e.getKey();
            String name = k.startsWith(AcidicConfig.KAFKA_PREFIX) || k.startsWith(AcidicConfig.JDBC_PROPERTIES_PREFIX)
                    ? k.toUpperCase(Locale.ROOT).replace('.', '_')
                    : new AcidicConfig.Setting(k, "", "").envName();
            env.put(name, e.getValue());
        }
        env.putAll(extraEnv);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        return new ChildProcessor(pb.start(), log);
    }

    public ChildProcessor awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains(AcidicProcessor.READY)) {
                return this;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("child processor exited with " + process.exitValue() + ":\n" + tail());
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("child processor not ready within " + timeout + ":\n" + tail());
    }

    /** Waits for the process to end by itself; returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("child processor still running after " + timeout + ":\n" + tailQuietly());
        }
        return process.exitValue();
    }

    public String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    public File logFile() {
        return log.toFile();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, then wait for the process to be gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String tail() throws IOException {
        String s = output();
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }

    private String tailQuietly() {
        try {
            return tail();
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
