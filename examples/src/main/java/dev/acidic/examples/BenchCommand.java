package dev.acidic.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code bench}: the benchmark's options; {@link Bench} runs it. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark: W1 engine overhead (W1F: the same, 5%% of the jobs failing their first step once), "
            + "W2 foreign calls, W3 scaling, W4 latency at moderate load, W5 recovery after SIGKILL, and the JDBC ceiling "
            + "of one phase, each with an exactly-once check; on request, reap: W1 while the reaper deletes old keys.",
            "Writes <out>/bench-results.json and <out>/bench-chart.png; exit 1 if a workload did not verify."})
final class BenchCommand implements Callable<Integer> {

    /** What {@code --workloads} accepts; spelt in lower case on the command line. */
    enum Workload {
        W1, W1F, W2, W3, W4, W5, CEILING, REAP;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Lower-case names only: picocli's own enum converter would list every value twice (name and
     * {@code toString}) in its error.
     */
    static final class WorkloadConverter implements ITypeConverter<Workload> {
        @Override
        public Workload convert(String value) {
            for (Workload w : Workload.values()) {
                if (w.toString().equals(value)) {
                    return w;
                }
            }
            throw new TypeConversionException("expected one of " + Arrays.stream(Workload.values()).map(Workload::toString)
                    .collect(Collectors.joining(", ")) + " but was '" + value + "'");
        }
    }

    private final PrintStream out;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "20000", description = "jobs of W1 and W1F (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "4",
            description = "stream threads of W1, W1F, W2, W4; JDBC connections of the ceiling (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--warmup", paramLabel = "N", description = "warm-up jobs (default: jobs/10, within 100..2000)")
    Integer warmup;

    @Option(names = "--w2-jobs", paramLabel = "N", description = "jobs of W2 (default: jobs/4, at least 50)")
    Integer w2Jobs;

    @Option(names = "--w3-jobs", paramLabel = "N", description = "jobs of each W3 point (default: jobs/2, at least 50)")
    Integer w3Jobs;

    @Option(names = "--w4-seconds", paramLabel = "S", defaultValue = "20", description = "duration of W4 (default: ${DEFAULT-VALUE})")
    int w4Seconds;

    @Option(names = "--w4-rate", paramLabel = "R", defaultValue = "100",
            description = "jobs/s of W4 when W1 is not run; else half of W1's (default: ${DEFAULT-VALUE})")
    int w4Rate;

    @Option(names = "--w5-rate", paramLabel = "R", defaultValue = "100", description = "jobs/s of W5 (default: ${DEFAULT-VALUE})")
    int w5Rate;

    @Option(names = "--ceiling-seconds", paramLabel = "S", defaultValue = "15",
            description = "duration of the JDBC ceiling (default: ${DEFAULT-VALUE})")
    int ceilingSeconds;

    @Option(names = "--reap-keys", paramLabel = "N", defaultValue = "100000",
            description = "old finished keys seeded for the reap workload, 5 journal entries each (default: ${DEFAULT-VALUE})")
    int reapKeys;

    @Option(names = "--reaper-first", description = "reap: run W1 with the reaper at work before W1 without it (default: after)")
    boolean reaperFirst;

    @Option(names = "--commit-interval", paramLabel = "D", description = "processor setting ACIDIC_COMMIT_INTERVAL (default: the processor's)")
    String commitInterval;

    @Option(names = "--batch-max", paramLabel = "N", description = "processor setting ACIDIC_BATCH_MAX (default: the processor's)")
    Integer batchMax;

    @Option(names = "--batch-linger", paramLabel = "D", description = "processor setting ACIDIC_BATCH_LINGER (default: the processor's)")
    String batchLinger;

    @Option(names = "--metrics", paramLabel = "on|off", description = "processor setting ACIDIC_METRICS_ENABLED: off to measure "
            + "what recording metrics costs (default: the processor's, on)")
    String metrics;

    @Option(names = "--workloads", paramLabel = "W", split = ",", converter = WorkloadConverter.class, defaultValue = "w1,w1f,w2,w3,w4,w5,ceiling",
            description = "comma-separated, of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; reap only on request)")
    Set<Workload> workloads;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "target/bench", description = "results directory (default: ${DEFAULT-VALUE})")
    Path outDir;

    @Mixin
    ServerOptions servers;

    BenchCommand(PrintStream out) {
        this.out = out;
    }

    int warmup() {
        return warmup != null ? warmup : Math.min(2_000, Math.max(100, jobs / 10));
    }

    int w2Jobs() {
        return w2Jobs != null ? w2Jobs : Math.max(50, jobs / 4);
    }

    int w3Jobs() {
        return w3Jobs != null ? w3Jobs : Math.max(50, jobs / 2);
    }

    @Override
    public Integer call() throws Exception {
        return new Bench(this, out).run();
    }
}
