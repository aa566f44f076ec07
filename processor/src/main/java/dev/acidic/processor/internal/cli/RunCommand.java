package dev.acidic.processor.internal.cli;

import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.AcidicProcessor;
import dev.acidic.processor.LocalInfrastructure;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs a processor until the JVM is asked to stop. Exit 0 after a requested shutdown (SIGTERM,
 * Ctrl-C: the shutdown hook closes the processor), 1 when the processor stopped by itself (a
 * fatal error), 2 for a configuration error.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Start a processor with the jobs found on the classpath (and in --jobs jars), configured from ACIDIC_* "
            + "environment variables; runs until SIGTERM.",
            "Exit status: 0 after a requested shutdown, 1 if the processor stopped by itself, 2 for a configuration error."})
final class RunCommand implements Callable<Integer> {
    private final Map<String, String> env;
    private final PrintStream err;
    private final LocalInfrastructure local;

    @Option(names = "--jobs", paramLabel = "PATH", split = "${sys:path.separator}",
            description = {"jars holding your jobs (a dev.acidic.api.JobProvider listed in META-INF/services), or directories"
                + " of such jars; repeat or separate with '${sys:path.separator}'. Their dependencies go in the same place."})
    java.util.List<java.nio.file.Path> jobs = java.util.List.of();

    RunCommand(Map<String, String> env, PrintStream err, LocalInfrastructure local) {
        this.env = env;
        this.err = err;
        this.local = local;
    }

    @Override
    public Integer call() throws InterruptedException {
        AcidicConfig config = EnvConfig.load(env, err);
        if (config == null) {
            return CommandLines.USAGE;
        }
        ClassLoader loader;
        AcidicProcessor processor;
        try {
            loader = JobJars.loader(jobs, Thread.currentThread().getContextClassLoader());
            processor = AcidicProcessor.builder(config).localInfrastructure(local).classLoader(loader).build();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage() + (jobs.isEmpty() ? "; give --jobs PATH with the jars of your jobs" : ""));
            return CommandLines.USAGE;
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            processor.close();
            done.countDown();
        }, "acidic-shutdown"));
        processor.start();
        processor.awaitShutdown();
        boolean requested = done.getCount() == 0;
        processor.close();
        return requested ? 0 : 1;
    }
}
